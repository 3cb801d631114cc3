// Reading an OCI image layout (index.json, blobs/sha256/...): which manifests it holds and under
// which names, with nested indexes and manifest lists resolved to the host's platform.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace minipod::images {

inline constexpr const char* kOciIndexType = "application/vnd.oci.image.index.v1+json";
inline constexpr const char* kOciManifestType = "application/vnd.oci.image.manifest.v1+json";
inline constexpr const char* kDockerListType =
    "application/vnd.docker.distribution.manifest.list.v2+json";
inline constexpr const char* kDockerManifestType =
    "application/vnd.docker.distribution.manifest.v2+json";

struct LayoutManifest {
  std::string digest;  // of the image manifest (after resolving indexes)
  std::string name;  // org.opencontainers.image.ref.name or io.containerd.image.name; may be empty
};

// <layout>/blobs/<alg>/<hex> for "sha256:<hex>"; throws Error for a malformed digest.
std::filesystem::path blob_path(const std::filesystem::path& layout, const std::string& digest);

// A blob, read whole (manifests, configs) and checked against its digest.
std::string read_verified_blob(const std::filesystem::path& layout, const std::string& digest);

// The image manifests of the layout's index.json, one per entry, indexes resolved to
// linux/<host arch> (naming the platforms there are when it is missing).
std::vector<LayoutManifest> layout_manifests(const std::filesystem::path& layout);

// "amd64", "arm64", ... as OCI names this machine's architecture.
std::string host_architecture();

}  // namespace minipod::images
