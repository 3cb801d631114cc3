#include "images/oci/archive_load.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <memory>

#include "common/digest.h"
#include "common/error.h"
#include "common/fd.h"
#include "common/fs.h"
#include "common/json_parse.h"
#include "images/oci/layer_unpack.h"
#include "images/oci/oci_layout.h"
#include "images/store/staging_dir.h"

namespace minipod::images {
namespace {

bool present(const std::filesystem::path& p) {
  struct stat st {};
  return ::lstat(p.c_str(), &st) == 0;
}

ArchiveKind kind_of_dir(const std::filesystem::path& dir) {
  if (present(dir / "index.json") && present(dir / "blobs")) return ArchiveKind::kOciLayout;
  if (present(dir / "manifest.json")) return ArchiveKind::kDockerArchive;
  return ArchiveKind::kNone;
}

struct ArchiveCloser {
  void operator()(archive* a) const { archive_read_free(a); }
};

// Top-level names of a tar, read until the kind is known (headers only, data skipped).
ArchiveKind kind_of_tar(const std::filesystem::path& file) {
  std::unique_ptr<archive, ArchiveCloser> a(archive_read_new());
  archive_read_support_format_tar(a.get());
  archive_read_support_filter_gzip(a.get());
  archive_read_support_filter_zstd(a.get());
  if (archive_read_open_filename(a.get(), file.c_str(), 1 << 16) != ARCHIVE_OK)
    return ArchiveKind::kNone;
  bool index = false, blobs = false, manifest = false;
  archive_entry* e = nullptr;
  for (int n = 0; n < 4096 && archive_read_next_header(a.get(), &e) == ARCHIVE_OK; ++n) {
    std::string name;
    try {
      name = layer_entry_path(archive_entry_pathname(e) ? archive_entry_pathname(e) : "");
    } catch (const Error&) {
      continue;
    }
    index |= name == "index.json";
    blobs |= name == "blobs" || name.rfind("blobs/", 0) == 0;
    manifest |= name == "manifest.json";
  }
  if (index && blobs) return ArchiveKind::kOciLayout;
  if (manifest) return ArchiveKind::kDockerArchive;
  return ArchiveKind::kNone;
}

std::string file_sha256(const std::filesystem::path& file) {
  UniqueFd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) throw_errno("open", file.string());
  Sha256Stream sha;
  char buf[1 << 16];
  ssize_t n;
  while ((n = ::read(fd.get(), buf, sizeof buf)) > 0) sha.update(buf, static_cast<size_t>(n));
  if (n < 0) throw_errno("read", file.string());
  return "sha256:" + sha.hex();
}

// A file of the archive, named by manifest.json: inside `dir`, never through a link out of it.
std::filesystem::path member(const std::filesystem::path& dir, const std::string& name) {
  std::string rel = layer_entry_path(name);
  auto path = dir / rel;
  struct stat st {};
  if (rel.empty() || ::lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode))
    throw Error("read docker archive",
                "manifest.json names \"" + name + "\", which is not a regular file in the archive");
  return path;
}

// A docker-archive directory made into an OCI layout next to it (blobs/sha256 by hard links:
// no layer is copied), one index entry per image, named by its first RepoTag.
void docker_to_layout(const std::filesystem::path& dir) {
  auto manifest_file = dir / "manifest.json";
  auto images =
      parse_json(fs::read_file(manifest_file), manifest_file.string(), ExitKind::kRuntime);
  if (!images.is_array() || images.empty())
    throw Error("read " + manifest_file.string(), "expected a non-empty array of images");
  fs::make_dirs(dir / "blobs" / "sha256", 0755);
  auto put = [&](const std::filesystem::path& file) {
    std::string digest = file_sha256(file);
    auto blob = blob_path(dir, digest);
    if (!present(blob) && ::link(file.c_str(), blob.c_str()) != 0)
      throw_errno("link", file.string() + " -> " + blob.string());
    struct stat st {};
    ::stat(blob.c_str(), &st);
    return nlohmann::json{{"digest", digest}, {"size", st.st_size}};
  };
  nlohmann::json index = {{"schemaVersion", 2}, {"manifests", nlohmann::json::array()}};
  for (const auto& image : images) {
    auto config = put(member(dir, image.value("Config", "")));
    config["mediaType"] = "application/vnd.oci.image.config.v1+json";
    nlohmann::json layers = nlohmann::json::array();
    for (const auto& l : image.value("Layers", std::vector<std::string>{})) {
      auto layer = put(member(dir, l));
      layer["mediaType"] = "application/vnd.oci.image.layer.v1.tar";
      layers.push_back(layer);
    }
    nlohmann::json manifest = {{"schemaVersion", 2},
                               {"mediaType", kOciManifestType},
                               {"config", config},
                               {"layers", layers}};
    std::string text = manifest.dump();
    std::string digest = "sha256:" + sha256_hex(text);
    fs::write_file(blob_path(dir, digest), text);
    nlohmann::json entry = {
        {"mediaType", kOciManifestType}, {"digest", digest}, {"size", text.size()}};
    auto tags = image.value("RepoTags", std::vector<std::string>{});
    if (!tags.empty()) entry["annotations"] = {{"io.containerd.image.name", tags.front()}};
    index["manifests"].push_back(entry);
  }
  fs::write_file(dir / "index.json", index.dump());
}

}  // namespace

ArchiveKind archive_kind(const std::filesystem::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return ArchiveKind::kNone;
  return S_ISDIR(st.st_mode) ? kind_of_dir(path) : kind_of_tar(path);
}

std::vector<Image> load_images(LayeredStore& store, const std::filesystem::path& source,
                               const std::optional<ImageRef>& name,
                               const ImageStore::Reporter& report) {
  struct stat st {};
  if (::stat(source.c_str(), &st) != 0) throw_errno("load images", source.string());
  if (S_ISDIR(st.st_mode)) {
    ArchiveKind kind = kind_of_dir(source);
    if (kind == ArchiveKind::kOciLayout) return store.load_layout(source, name, report);
    if (kind == ArchiveKind::kNone)
      throw UsageError("load " + source.string(),
                       "not an OCI image layout (index.json, blobs/) nor an unpacked "
                       "docker-archive (manifest.json)");
  }
  // Archives (and an unpacked docker-archive, made into a layout) go through a staging copy in
  // the store, removed when done: the layers are read from it once, unpacked, and not kept.
  fs::make_dirs(store.root(), 0755);
  StagingDir staging(store.root(), "load");
  auto dir = staging.path() / "archive";
  fs::make_dirs(dir, 0755);
  if (S_ISDIR(st.st_mode)) {
    std::filesystem::copy(source, dir, std::filesystem::copy_options::recursive);
  } else {
    ArchiveKind kind = kind_of_tar(source);
    if (kind == ArchiveKind::kNone)
      throw UsageError("load " + source.string(),
                       "not a docker-archive (manifest.json) nor an oci-archive (index.json, "
                       "blobs/); for a root filesystem tar use `minipod image import NAME FILE`");
    if (report) report("reading " + source.string());
    unpack_layer(LayerSource{source, "", {}, {}}, dir);
  }
  if (kind_of_dir(dir) == ArchiveKind::kDockerArchive && !present(dir / "index.json"))
    docker_to_layout(dir);
  return store.load_layout(dir, name, report);
}

}  // namespace minipod::images
