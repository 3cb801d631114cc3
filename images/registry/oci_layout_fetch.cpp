#include "images/registry/oci_layout_fetch.h"

#include <nlohmann/json.hpp>

#include "common/digest.h"
#include "common/error.h"
#include "common/fs.h"
#include "images/oci/store_layout.h"
#include "images/registry/blob_file.h"

namespace minipod::registry {
namespace {

constexpr const char* kOciIndex = "application/vnd.oci.image.index.v1+json";
constexpr const char* kOciManifest = "application/vnd.oci.image.manifest.v1+json";
constexpr const char* kDockerList = "application/vnd.docker.distribution.manifest.list.v2+json";
constexpr const char* kDockerManifest = "application/vnd.docker.distribution.manifest.v2+json";

enum class ManifestKind { kIndex, kManifest };

// The media type of a fetched manifest: the Content-Type, else the body's mediaType (an OCI
// manifest may omit it and a registry may send a generic Content-Type).
std::string media_type_of(const ManifestResponse& m, const nlohmann::json& body) {
  std::string type = m.content_type.substr(0, m.content_type.find(';'));
  while (!type.empty() && type.back() == ' ') type.pop_back();
  if (type == kOciIndex || type == kOciManifest || type == kDockerList || type == kDockerManifest)
    return type;
  if (body.contains("mediaType") && body["mediaType"].is_string()) return body["mediaType"];
  if (body.contains("manifests")) return kOciIndex;
  if (body.contains("layers")) return kOciManifest;
  return type;
}

ManifestKind kind_of(const std::string& type, const std::string& what) {
  if (type == kOciIndex || type == kDockerList) return ManifestKind::kIndex;
  if (type == kOciManifest || type == kDockerManifest) return ManifestKind::kManifest;
  throw Error("read manifest of " + what,
              "unsupported manifest type \"" + type +
                  "\" (expected an OCI index or manifest, a "
                  "Docker manifest list or schema 2 manifest; schema 1 is not supported)");
}

// A descriptor's digest and size, checked before the digest becomes a file name.
void check_descriptor(const nlohmann::json& d, const std::string& what, const std::string& image) {
  if (!d.is_object() || !d.contains("digest") || !d["digest"].is_string() ||
      !is_sha256_digest(d["digest"].get<std::string>()) || !d.contains("size") ||
      !d["size"].is_number_integer() || d["size"].get<int64_t>() < 0)
    throw Error("read manifest of " + image,
                what + " descriptor needs a sha256 \"digest\" and a \"size\": " + d.dump());
}

struct Fetcher {
  RegistryClient& client;
  const std::filesystem::path& blobs;
  PullProgress& progress;
  const std::string& image;
  // A layout for minipod's store is read once and removed: no fsync. A user's layout is kept.
  fs::Durability durability;

  // The manifest `reference` names, verified: against the digest asked for, and against the
  // Docker-Content-Digest the registry states.
  std::pair<ManifestResponse, std::string> manifest(const std::string& reference) {
    ManifestResponse m = client.get_manifest(reference);
    Sha256Stream hash;
    hash.update(m.body);
    std::string digest = hash.digest();
    const std::string step = "verify manifest " + image;
    if (is_sha256_digest(reference) && digest != reference)
      throw Error(step, "the manifest's digest is " + digest + ", expected " + reference +
                            " (from " + client.describe() + ")");
    if (!m.docker_content_digest.empty() && m.docker_content_digest != digest)
      throw Error(step, "the manifest's digest is " + digest + " but the registry states " +
                            m.docker_content_digest + " (Docker-Content-Digest from " +
                            client.describe() + ")");
    return {std::move(m), digest};
  }

  void store_bytes(const std::string& digest, const std::string& bytes) {
    BlobFile blob(blobs, digest, static_cast<int64_t>(bytes.size()), durability);
    blob.write(bytes);
    blob.commit();
  }

  // A blob the destination needs no download for: reported as already present.
  uint64_t reused(const std::string& digest, const std::string& what, int64_t size) {
    progress.blob_started(digest, what, static_cast<uint64_t>(size));
    progress.blob_done(digest, true);
    return static_cast<uint64_t>(size);
  }

  uint64_t blob(const nlohmann::json& descriptor, const std::string& what,
                const std::filesystem::path& elsewhere = {}) {
    const std::string digest = descriptor["digest"];
    const int64_t size = descriptor["size"];
    if (blob_matches(blobs / digest.substr(7), digest)) return reused(digest, what, size);
    if (!elsewhere.empty() && blob_matches(elsewhere, digest)) {
      store_bytes(digest, fs::read_file(elsewhere));
      return reused(digest, what, size);
    }
    progress.blob_started(digest, what, static_cast<uint64_t>(size));
    BlobFile file(blobs, digest, size, durability);
    client.get_blob(digest, BodySink{[&](const char* d, size_t n) {
                                       file.write(std::string_view(d, n));
                                       progress.blob_progress(digest, file.written());
                                     },
                                     [&] { file.restart(); }});
    with_context("fetch " + what + " of " + image + " from " + client.describe(),
                 [&] { file.commit(); });
    progress.blob_done(digest, false);
    return static_cast<uint64_t>(size);
  }
};

FetchResult fetch_from(RegistryClient& client, const RegistryRef& ref,
                       const std::filesystem::path& blobs, const FetchOptions& options,
                       PullProgress& progress) {
  const std::string image = ref.to_string();
  Fetcher f{
      client, blobs, progress, image,
      options.store_root.empty() ? fs::Durability::kPowerLoss : fs::Durability::kProcessCrash};
  FetchResult result;
  result.source = client.describe();
  auto [top, top_digest] = f.manifest(ref.manifest_reference());
  nlohmann::json body;
  try {
    body = nlohmann::json::parse(top.body);
  } catch (const nlohmann::json::exception& e) {
    throw Error("read manifest of " + image, std::string("not JSON: ") + e.what());
  }
  std::string type = media_type_of(top, body);
  ManifestResponse manifest = std::move(top);
  std::string manifest_digest = top_digest;
  if (kind_of(type, image) == ManifestKind::kIndex) {
    result.index_digest = top_digest;
    nlohmann::json chosen = choose_manifest(body, options.platform, image);
    check_descriptor(chosen, "the platform's manifest", image);
    auto [m, digest] = f.manifest(chosen["digest"].get<std::string>());
    manifest = std::move(m);
    manifest_digest = digest;
    body = nlohmann::json::parse(manifest.body, nullptr, false);
    if (body.is_discarded())
      throw Error("read manifest of " + image, "the platform's manifest is not JSON");
    type = media_type_of(manifest, body);
    if (kind_of(type, image) != ManifestKind::kManifest)
      throw Error("read manifest of " + image,
                  "the index points to another index for " + options.platform.to_string());
  }
  if (!body.contains("config") || !body.contains("layers") || !body["layers"].is_array())
    throw Error("read manifest of " + image,
                "the manifest has no \"config\" or no \"layers\" list");
  check_descriptor(body["config"], "the config", image);
  for (const auto& layer : body["layers"]) check_descriptor(layer, "a layer", image);

  result.config_digest = body["config"]["digest"];
  const std::filesystem::path& store = options.store_root;
  result.bytes += f.blob(body["config"], "config",
                         store.empty() ? std::filesystem::path()
                                       : images::store_blob_path(store, result.config_digest));
  auto config =
      nlohmann::json::parse(fs::read_file(blobs / result.config_digest.substr(7)), nullptr, false);
  if (options.platform_given && result.index_digest.empty()) {
    // A single-manifest image says its platform in its config only.
    if (!config_matches(config, options.platform))
      throw Error("choose a platform of " + image,
                  "the image is a single manifest for " +
                      (config.is_object()
                           ? config.value("os", "?") + "/" + config.value("architecture", "?")
                           : std::string("an unknown platform")) +
                      ", not " + options.platform.to_string());
  }
  // The manifest and its config are in the layout: a reader may start on the image now, each
  // layer as it arrives.
  f.store_bytes(manifest_digest, manifest.body);
  if (options.on_stored)
    options.on_stored(manifest_digest), options.on_stored(result.config_digest);
  // Layers the store holds unpacked are not fetched: their chain IDs come from the config's
  // diff_ids (the store checks the count against the manifest's layers when it loads).
  std::vector<std::string> have(body["layers"].size());
  if (!store.empty() && config.is_object() && config.contains("rootfs") &&
      config["rootfs"].is_object() && config["rootfs"].contains("diff_ids")) {
    auto diff_ids = config["rootfs"]["diff_ids"];
    bool well_formed = diff_ids.is_array() && diff_ids.size() == have.size();
    for (size_t i = 0; well_formed && i < have.size(); ++i)
      well_formed = diff_ids[i].is_string() && is_sha256_digest(diff_ids[i].get<std::string>());
    if (well_formed) {
      auto chains = images::chain_ids(diff_ids.get<std::vector<std::string>>());
      for (size_t i = 0; i < have.size(); ++i)
        if (std::filesystem::is_directory(images::store_layer_dir(store, chains[i])))
          have[i] = chains[i];
    }
  }
  for (size_t i = 0; i < have.size(); ++i) {
    const auto& layer = body["layers"][i];
    result.bytes += have[i].empty() ? f.blob(layer, "layer")
                                    : f.reused(layer["digest"], "layer", layer["size"]);
    if (options.on_stored) options.on_stored(layer["digest"]);
  }
  result.bytes += manifest.body.size();
  result.manifest_digest = manifest_digest;
  result.media_type = type;
  return result;
}

// Adds the manifest to index.json (replacing an entry of the same name) and writes oci-layout.
void write_layout_index(const std::filesystem::path& dir, const RegistryRef& ref,
                        const FetchResult& r, uint64_t manifest_size, const FetchOptions& options) {
  nlohmann::json index = {
      {"schemaVersion", 2}, {"mediaType", kOciIndex}, {"manifests", nlohmann::json::array()}};
  if (auto text = fs::read_file_if_exists(dir / "index.json")) {
    auto existing = nlohmann::json::parse(*text, nullptr, false);
    if (existing.is_discarded() || !existing.contains("manifests") ||
        !existing["manifests"].is_array())
      throw Error("update " + (dir / "index.json").string(), "not an OCI image index");
    index = existing;
  }
  const std::string name = ref.tag.empty() ? ref.digest : ref.tag;
  nlohmann::json kept = nlohmann::json::array();
  for (const auto& d : index["manifests"]) {
    bool same = d.contains("annotations") &&
                d["annotations"].value("org.opencontainers.image.ref.name", "") == name;
    if (!same) kept.push_back(d);
  }
  nlohmann::json descriptor = {
      {"mediaType", r.media_type},
      {"digest", r.manifest_digest},
      {"size", manifest_size},
      {"annotations",
       {{"org.opencontainers.image.ref.name", name},
        // The full reference, so that a loader can name the image as the user pulled it.
        {"io.containerd.image.name", ref.to_string()}}}};
  if (!r.index_digest.empty())
    descriptor["platform"] = {{"os", options.platform.os},
                              {"architecture", options.platform.architecture}};
  if (!r.index_digest.empty() && !options.platform.variant.empty())
    descriptor["platform"]["variant"] = options.platform.variant;
  kept.push_back(descriptor);
  index["manifests"] = kept;
  auto durability =
      options.store_root.empty() ? fs::Durability::kPowerLoss : fs::Durability::kProcessCrash;
  fs::write_file_atomic(dir / "oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}\n", 0644,
                        durability);
  fs::write_file_atomic(dir / "index.json", index.dump(2) + "\n", 0644, durability);
}

}  // namespace

FetchResult fetch_to_oci_layout(const RegistryRef& ref, const RegistriesConf& conf,
                                const std::filesystem::path& dir, const FetchOptions& options,
                                PullProgress& progress) {
  std::vector<Endpoint> endpoints = conf.endpoints(ref);
  const std::filesystem::path blobs = dir / "blobs/sha256";
  fs::make_dirs(blobs);
  for (size_t i = 0; i < endpoints.size(); ++i) {
    RegistryClient client(endpoints[i], options.retry, progress);
    try {
      FetchResult r = fetch_from(client, ref, blobs, options, progress);
      uint64_t manifest_size = std::filesystem::file_size(blobs / r.manifest_digest.substr(7));
      write_layout_index(dir, ref, r, manifest_size, options);
      return r;
    } catch (Error& e) {
      if (i + 1 == endpoints.size()) {
        e.within("pull " + ref.to_string());
        throw;
      }
      progress.note("mirror " + client.describe() + " failed (" + e.what() + "); trying " +
                    endpoints[i + 1].host + "/" + endpoints[i + 1].repository);
    }
  }
  throw Error("pull " + ref.to_string(), "no registry to pull from");  // endpoints() is never empty
}

}  // namespace minipod::registry
