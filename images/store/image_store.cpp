#include "images/store/image_store.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstdio>

#include "common/error.h"
#include "common/fs.h"
#include "common/strings.h"
#include "common/trace.h"
#include "images/oci/archive_load.h"
#include "images/oci/image_ref.h"
#include "images/oci/layered_store.h"
#include "images/store/busybox_image.h"
#include "images/store/image_config.h"
#include "images/store/image_name.h"
#include "images/store/rootfs_import.h"
#include "images/store/staging_dir.h"
#include "images/store/tree.h"

namespace minipod::images {
namespace {

bool is_dir(const std::filesystem::path& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

}  // namespace

ImageStore::ImageStore(std::filesystem::path dir)
    : dir_(std::move(dir)),
      reporter_(
          [](const std::string& line) { std::fprintf(stderr, "minipod: %s\n", line.c_str()); }),
      busybox_(kDefaultBusybox) {}

void ImageStore::report(const std::string& line) const {
  if (reporter_) reporter_(line);
}

bool ImageStore::is_builtin(const std::string& name) {
  return name == "busybox";
}

namespace {

bool is_local_name(const std::string& name) {
  try {
    validate_image_name(name);
    return true;
  } catch (const UsageError&) {
    return false;
  }
}

}  // namespace

std::optional<Image> ImageStore::find(const std::string& name) const {
  // Local names (busybox, imported images) first, so that today's manifests keep their meaning.
  if (is_local_name(name)) {
    auto dir = dir_ / name;
    // Only a complete image has its record: both are renamed into place together.
    if (fs::read_file_if_exists(dir / kImageRecordFile)) return read_image_record(dir, name);
  }
  return LayeredStore(dir_).find(parse_image_ref(name));
}

std::vector<Image> ImageStore::list() const {
  std::vector<Image> images;
  std::error_code ec;
  std::filesystem::directory_iterator it(dir_, ec);
  if (ec) {
    if (ec == std::errc::no_such_file_or_directory) return images;
    throw Error("list images", dir_.string(), ec.value());
  }
  for (const auto& entry : it) {
    std::string name = entry.path().filename().string();
    if (name.front() == '.') continue;  // staging directories
    if (!fs::read_file_if_exists(entry.path() / kImageRecordFile)) continue;
    images.push_back(read_image_record(entry.path(), name));
  }
  for (auto& image : LayeredStore(dir_).list()) images.push_back(std::move(image));
  std::sort(images.begin(), images.end(),
            [](const Image& a, const Image& b) { return a.name < b.name; });
  return images;
}

Image ImageStore::finish(const std::string& name, StagingDir& staging, const ImageConfig& config,
                         const std::string& source, bool exist_ok) {
  auto rootfs = staging.path() / kRootfsDir;
  Image image;
  image.name = name;
  image.config = config;
  image.created = now_rfc3339();
  image.size_bytes = tree_size(rootfs);
  fs::write_file(staging.path() / kImageRecordFile, image_to_json(image, source).dump(2) + "\n");
  auto dest = dir_ / name;
  Tracer::get().step("store image " + name, "mv " + shell_quote(staging.path().string()) + " " +
                                                shell_quote(dest.string()));
  if (!staging.commit(dest)) {
    // Someone else stored it meanwhile (two pods started at once): theirs is as good as ours.
    if (exist_ok) {
      if (auto existing = find(name)) return *existing;
    }
    throw UsageError("store", "an image named \"" + name + "\" already exists in " + dir_.string() +
                                  "; remove it first with `minipod image rm " + name + "`");
  }
  image.rootfs = dest / kRootfsDir;
  image.layers = {image.rootfs};
  return image;
}

Image ImageStore::build(const std::string& name) {
  validate_image_name(name);
  if (!is_builtin(name))
    throw UsageError("build image " + name,
                     "not a built-in image (built-in images: busybox); use `minipod image import " +
                         name + " PATH` for your own");
  if (find(name))
    throw UsageError("build image " + name,
                     "an image named \"" + name + "\" already exists in " + dir_.string() +
                         "; remove it first with `minipod image rm " + name + "`");
  return build_builtin(name, /*exist_ok=*/false);
}

Image ImageStore::build_builtin(const std::string& name, bool exist_ok) {
  return with_context("build image " + name, [&] {
    ensure_store_dir();
    StagingDir staging(dir_, "build-" + name);
    fs::make_dirs(staging.path() / kRootfsDir, 0755);
    ImageConfig config = populate_busybox_rootfs(staging.path() / kRootfsDir, busybox_);
    return finish(name, staging, config, busybox_.string() + " (busybox-static)", exist_ok);
  });
}

void ImageStore::ensure_store_dir() {
  if (!is_dir(dir_)) fs::make_dirs(dir_, 0755);
  remove_stale_staging(dir_);
}

Image ImageStore::import(const std::string& name, const std::filesystem::path& source) {
  validate_image_name(name);
  if (archive_kind(source) != ArchiveKind::kNone)
    throw UsageError("import image " + name,
                     source.string() +
                         " is an image archive (docker-archive or OCI layout), not a root "
                         "filesystem; use `minipod image load " +
                         source.string() + "`");
  if (find(name))
    throw UsageError("import image " + name,
                     "an image named \"" + name + "\" already exists in " + dir_.string() +
                         "; remove it first with `minipod image rm " + name + "`");
  return with_context("import image " + name, [&] {
    ensure_store_dir();
    StagingDir staging(dir_, "import-" + name);
    auto rootfs = staging.path() / kRootfsDir;
    fs::make_dirs(rootfs, 0755);
    import_rootfs(source, rootfs);
    if (std::filesystem::is_empty(rootfs))
      throw UsageError(source.string(), "is empty; expected a root filesystem");
    if (!exists_in_root(rootfs, "/bin/sh"))
      report("warning: image " + name +
             " has no /bin/sh; containers must name a command that exists in it");
    ImageConfig config;
    config.env = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"};
    if (exists_in_root(rootfs, "/bin/sh")) config.cmd = {"/bin/sh"};
    return finish(name, staging, config, std::filesystem::absolute(source).string(),
                  /*exist_ok=*/false);
  });
}

void ImageStore::remove(const std::string& name) {
  auto dir = is_local_name(name) ? dir_ / name : std::filesystem::path();
  if (dir.empty() || !is_dir(dir)) {
    if (auto ref = try_parse_image_ref(name)) {
      LayeredStore layered(dir_);
      if (layered.untag(ref->key())) return;
    }
    auto images = list();
    throw UsageError("remove image " + name,
                     "no image named \"" + name + "\" in " + dir_.string() +
                         (images.empty() ? " (the store is empty)"
                                         : "; images: " + join(images, ", ", [](const Image& i) {
                                             return i.name;
                                           })));
  }
  with_context("remove image " + name, [&] {
    // Out of sight first, so a crash half way through deleting never leaves a broken image
    // under its name; the staging directory's destructor deletes it.
    StagingDir trash(dir_, "rm-" + name);
    Tracer::get().step("remove image " + name, "rm -rf " + shell_quote(dir.string()));
    if (::rename(dir.c_str(), (trash.path() / name).c_str()) != 0)
      throw_errno("rename", dir.string() + " -> " + (trash.path() / name).string());
    fs::remove_tree(trash.path());
  });
}

std::vector<Image> ImageStore::load(const std::filesystem::path& source,
                                    const std::optional<std::string>& name) {
  return with_context("load " + source.string(), [&] {
    std::optional<ImageRef> ref;
    if (name) ref = parse_image_ref(*name);
    ensure_store_dir();
    LayeredStore layered(dir_);
    return load_images(layered, source, ref, reporter_);
  });
}

std::vector<Image> ImageStore::load_layout(const std::filesystem::path& oci_layout_dir,
                                           const std::optional<std::string>& name) {
  std::optional<ImageRef> ref;
  if (name) ref = parse_image_ref(*name);
  ensure_store_dir();
  LayeredStore layered(dir_);
  return layered.load_layout(oci_layout_dir, ref, reporter_);
}

Image ImageStore::load_arriving(const std::filesystem::path& oci_layout_dir,
                                const std::string& manifest_digest, const std::string& name,
                                const BlobWait& wait) {
  ImageRef ref = parse_image_ref(name);
  ensure_store_dir();
  return LayeredStore(dir_).load_arriving(oci_layout_dir, manifest_digest, ref, reporter_, wait);
}

Image ImageStore::tag(const std::string& source, const std::string& target) {
  auto found = find(source);
  if (!found || found->digest.empty())
    throw UsageError("tag " + source, found ? "is a local root filesystem image; only images "
                                              "loaded or pulled (with layers) can be tagged"
                                            : "no such image; see `minipod image ls`");
  ImageRef ref = parse_image_ref(target);
  LayeredStore(dir_).tag(ref, found->digest);
  return *find(target);
}

ImageStore::Pruned ImageStore::prune(const std::vector<std::filesystem::path>& in_use) {
  size_t unfinished = remove_stale_staging(dir_);
  Pruned pruned = LayeredStore(dir_).prune(in_use);
  pruned.unfinished += unfinished;
  return pruned;
}

std::optional<Image> ImageStore::find_or_build(const std::string& name) {
  if (auto image = find(name)) return image;
  if (!is_builtin(name)) return std::nullopt;
  report("image " + name + " not found in " + dir_.string() + "; building it from " +
         busybox_.string() + " (first use)");
  return build_builtin(name, /*exist_ok=*/true);
}

}  // namespace minipod::images
