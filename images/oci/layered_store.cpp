#include "images/oci/layered_store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <algorithm>
#include <set>

#include "common/digest.h"
#include "common/error.h"
#include "common/file_lock.h"
#include "common/fs.h"
#include "common/json_parse.h"
#include "common/trace.h"
#include "images/oci/layers_unpack.h"
#include "images/oci/oci_layout.h"
#include "images/oci/store_layout.h"
#include "images/store/staging_dir.h"
#include "images/store/top_directory_hint.h"

namespace minipod::images {
namespace {

nlohmann::json read_json(const std::string& text, const std::string& what) {
  return parse_json(text, what, ExitKind::kRuntime);
}

bool present(const std::filesystem::path& p) {
  struct stat st {};
  return ::lstat(p.c_str(), &st) == 0;
}

std::vector<std::string> strings_of(const nlohmann::json& j, const char* key) {
  if (!j.contains(key) || !j.at(key).is_array()) return {};
  return j.at(key).get<std::vector<std::string>>();
}

}  // namespace

LayeredStore::LayeredStore(std::filesystem::path image_dir)
    : root_(layered_store_root(image_dir)) {}

std::filesystem::path LayeredStore::layer_dir(const std::string& chain_id) const {
  return store_layer_dir(root_, chain_id);
}

void LayeredStore::store_blob(const std::string& digest, const std::string& data) {
  auto path = blob_path(root_, digest);
  if (present(path)) return;
  fs::write_file_atomic(path, data, 0644, fs::Durability::kProcessCrash);
}

Image LayeredStore::store_manifest(const std::filesystem::path& layout, const std::string& digest,
                                   const ImageStore::Reporter& report,
                                   const ImageStore::BlobWait& wait) {
  if (wait) wait(digest);
  std::string manifest_text = read_verified_blob(layout, digest);
  auto manifest = read_json(manifest_text, "manifest " + digest);
  std::string config_digest =
      manifest.value("config", nlohmann::json::object()).value("digest", "");
  if (wait) wait(config_digest);
  std::string config_text = read_verified_blob(layout, config_digest);
  auto config = read_json(config_text, "image config " + config_digest);
  auto layers = manifest.value("layers", nlohmann::json::array());
  auto diff_ids = strings_of(config.value("rootfs", nlohmann::json::object()), "diff_ids");
  if (diff_ids.size() != layers.size())
    throw Error("load image " + digest, "its manifest has " + std::to_string(layers.size()) +
                                            " layers, its config " +
                                            std::to_string(diff_ids.size()) + " diff_ids");
  auto chains = chain_ids(diff_ids);
  std::vector<std::filesystem::path> below;  // nearest first
  // One unpack per layer, however many loads or pulls want it at once: a second load waits on
  // the layer's lock, then finds the directory in place. Locks are taken bottom first, so loads
  // sharing layers (which sit at the same height in every image: a chain ID names the whole
  // stack below) cannot deadlock.
  std::vector<FileLock> unpacking;
  std::vector<LayerJob> jobs;
  for (size_t i = 0; i < layers.size(); ++i) {
    std::string layer_digest = layers[i].value("digest", "");
    auto dest = layer_dir(chains[i]);
    FileLock lock(root_ / "locks" / (digest_hex(chains[i]) + ".lock"));
    if (!present(dest)) {
      std::string label = "layer " + std::to_string(i + 1) + "/" + std::to_string(layers.size()) +
                          " " + layer_digest;
      if (report) report("unpacking " + label);
      Tracer::get().step("unpack " + label, "tar -x -C " + dest.string());
      LayerJob job{{blob_path(layout, layer_digest), layer_digest, below, {}}, dest, label, {}};
      if (wait) job.before_start = [wait, layer_digest] { wait(layer_digest); };
      jobs.push_back(std::move(job));
      unpacking.push_back(std::move(lock));
    }
    below.insert(below.begin(), dest);
  }
  unpack_layers(jobs, root_, unpack_workers());
  // The layers first, then what names them: a crash in between leaves only unreferenced layers
  // for gc, never a reference to something missing.
  store_blob(config_digest, config_text);
  store_blob(digest, manifest_text);
  return image("", digest);
}

std::vector<Image> LayeredStore::load_layout(const std::filesystem::path& layout,
                                             const std::optional<ImageRef>& name,
                                             const ImageStore::Reporter& report) {
  auto manifests = layout_manifests(layout);
  if (name && manifests.size() != 1)
    throw UsageError("load " + layout.string(), "it holds " + std::to_string(manifests.size()) +
                                                    " images; a name can only be given to one");
  open_for_loads();
  // Loads share the store; prune waits for them (a layer unpacked but not yet referenced is not
  // garbage).
  FileLock loading(root_ / "locks" / "store.lock", LOCK_SH);
  remove_stale_staging(root_);
  std::vector<Image> out;
  for (const auto& m : manifests) {
    Image image = store_manifest(layout, m.digest, report, {});
    std::optional<ImageRef> ref = name;
    if (!ref && !m.name.empty()) ref = try_parse_image_ref(m.name);
    if (ref) {
      tag(*ref, m.digest);
      image.name = ref->tagged();
    } else {
      image.name = m.digest;
    }
    out.push_back(image);
  }
  return out;
}

Image LayeredStore::load_arriving(const std::filesystem::path& layout,
                                  const std::string& manifest_digest, const ImageRef& name,
                                  const ImageStore::Reporter& report,
                                  const ImageStore::BlobWait& wait) {
  open_for_loads();
  FileLock loading(root_ / "locks" / "store.lock", LOCK_SH);
  Image image = store_manifest(layout, manifest_digest, report, wait);
  tag(name, manifest_digest);
  image.name = name.tagged();
  return image;
}

void LayeredStore::open_for_loads() {
  for (const char* sub : {"blobs/sha256", "layers", "locks"}) fs::make_dirs(root_ / sub, 0755);
  // Layers are unpacked in staging directories made here, then renamed into layers/.
  hint_top_directory(root_);
}

Image LayeredStore::image(const std::string& name, const std::string& manifest_digest) const {
  return with_context("image " + (name.empty() ? manifest_digest : name), [&] {
    auto manifest =
        read_json(fs::read_file(blob_path(root_, manifest_digest)), "manifest " + manifest_digest);
    std::string config_digest =
        manifest.value("config", nlohmann::json::object()).value("digest", "");
    auto config =
        read_json(fs::read_file(blob_path(root_, config_digest)), "config " + config_digest);
    Image image;
    image.name = name;
    image.digest = manifest_digest;
    image.config_digest = config_digest;
    image.created = config.value("created", "");
    auto c = config.value("config", nlohmann::json::object());
    image.config.entrypoint = strings_of(c, "Entrypoint");
    image.config.cmd = strings_of(c, "Cmd");
    image.config.env = strings_of(c, "Env");
    image.config.working_dir = c.value("WorkingDir", "");
    image.config.user = c.value("User", "");
    auto chains =
        chain_ids(strings_of(config.value("rootfs", nlohmann::json::object()), "diff_ids"));
    for (auto it = chains.rbegin(); it != chains.rend(); ++it)
      image.layers.push_back(layer_dir(*it));
    for (const auto& l : manifest.value("layers", nlohmann::json::array()))
      image.size_bytes += l.value("size", uint64_t{0});
    image.rootfs = image.layers.empty() ? std::filesystem::path() : image.layers.front();
    return image;
  });
}

nlohmann::json LayeredStore::describe(const Image& image) const {
  auto manifest =
      read_json(fs::read_file(blob_path(root_, image.digest)), "manifest " + image.digest);
  auto config = read_json(fs::read_file(blob_path(root_, image.config_digest)),
                          "config " + image.config_digest);
  nlohmann::json names = nlohmann::json::array();
  for (const auto& [key, digest] : refs())
    if (digest == image.digest) names.push_back(key);
  nlohmann::json layers = nlohmann::json::array();
  auto manifest_layers = manifest.value("layers", nlohmann::json::array());
  for (size_t i = 0; i < manifest_layers.size(); ++i) {
    const auto& l = manifest_layers[i];
    // image.layers is top first; the manifest lists the base first.
    size_t dir = image.layers.size() - 1 - i;
    layers.push_back({{"digest", l.value("digest", "")},
                      {"size", l.value("size", uint64_t{0})},
                      {"mediaType", l.value("mediaType", "")},
                      {"dir", dir < image.layers.size() ? image.layers[dir].string() : ""}});
  }
  return {{"name", image.name},       {"names", names},
          {"digest", image.digest},   {"configDigest", image.config_digest},
          {"size", image.size_bytes}, {"created", image.created},
          {"layers", layers},         {"config", config}};
}

std::map<std::string, std::string> LayeredStore::refs() const {
  auto text = fs::read_file_if_exists(root_ / "refs.json");
  if (!text) return {};
  auto j = read_json(*text, (root_ / "refs.json").string());
  return j.get<std::map<std::string, std::string>>();
}

void LayeredStore::write_refs(const std::map<std::string, std::string>& refs) {
  nlohmann::json j = refs;
  // No fsync (10 ms of a 40 ms small pull here): the blobs and layer files a reference points to
  // are not fsynced either, so a durable refs.json would only outlive what it names after a power
  // loss. The rename keeps it whole for readers and for a crash of this process.
  fs::write_file_atomic(root_ / "refs.json", j.dump(2) + "\n", 0644, fs::Durability::kProcessCrash);
}

void LayeredStore::tag(const ImageRef& ref, const std::string& manifest_digest) {
  fs::make_dirs(root_ / "locks", 0755);
  FileLock lock(root_ / "locks" / "refs.lock");
  auto all = refs();
  all[ref.key()] = manifest_digest;
  write_refs(all);
}

bool LayeredStore::untag(const std::string& key) {
  if (!present(root_)) return false;
  FileLock lock(root_ / "locks" / "refs.lock");
  auto all = refs();
  if (all.erase(key) == 0) return false;
  write_refs(all);
  return true;
}

std::optional<Image> LayeredStore::find(const ImageRef& ref) const {
  auto all = refs();
  if (!ref.digest.empty()) {
    // A digest decides: any stored manifest with that digest will do, whatever its tags.
    if (!present(blob_path(root_, ref.digest))) return std::nullopt;
    return image(ref.tagged(), ref.digest);
  }
  auto it = all.find(ref.key());
  if (it == all.end()) return std::nullopt;
  return image(ref.tagged(), it->second);
}

std::vector<Image> LayeredStore::list() const {
  std::vector<Image> out;
  for (const auto& [key, digest] : refs()) out.push_back(image(key, digest));
  return out;
}

ImageStore::Pruned LayeredStore::prune(const std::vector<std::filesystem::path>& in_use) {
  ImageStore::Pruned pruned;
  if (!present(root_ / "locks")) return pruned;
  FileLock no_loads(root_ / "locks" / "store.lock");
  pruned.unfinished = remove_stale_staging(root_);
  FileLock lock(root_ / "locks" / "refs.lock");
  std::set<std::string> keep_blobs;
  std::set<std::filesystem::path> keep_layers(in_use.begin(), in_use.end());
  for (const auto& [key, digest] : refs()) {
    Image i = image(key, digest);
    keep_blobs.insert(digest_hex(i.digest));
    keep_blobs.insert(digest_hex(i.config_digest));
    keep_layers.insert(i.layers.begin(), i.layers.end());
  }
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(root_ / "layers", ec)) {
    if (keep_layers.count(e.path()) || e.path().filename().string().front() == '.') continue;
    // Under its lock: a load that is unpacking or about to reuse this layer keeps it.
    FileLock layer_lock(root_ / "locks" / (e.path().filename().string() + ".lock"));
    fs::remove_tree(e.path());
    std::filesystem::remove(root_ / "locks" / (e.path().filename().string() + ".lock"), ec);
    ++pruned.layers;
  }
  for (const auto& e : std::filesystem::directory_iterator(root_ / "blobs" / "sha256", ec)) {
    if (e.path().filename().string().front() == '.') continue;  // a write in progress
    if (keep_blobs.count(e.path().filename().string())) continue;
    std::filesystem::remove(e.path(), ec);
    ++pruned.blobs;
  }
  return pruned;
}

}  // namespace minipod::images
