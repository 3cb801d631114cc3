// The fetch of `minipod image pull`: an image's manifest (chosen from an index for a platform),
// config and layers, every one verified against its sha256 digest, written to a directory laid
// out as an OCI image layout (oci-layout, index.json, blobs/sha256/<hex>) that `image load`
// takes, or a user inspects. Registries are tried as registries.conf says: mirrors first.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

#include "images/registry/platform.h"
#include "images/registry/progress.h"
#include "images/registry/registries_conf.h"
#include "images/registry/registry_client.h"
#include "images/registry/registry_ref.h"

namespace minipod::registry {

struct FetchOptions {
  Platform platform = host_platform();
  bool platform_given = false;  // --platform: a single-manifest image must match it too
  RetryPolicy retry;
  // minipod's layered store (<image dir>/.oci), when the layout is for it: a config the store
  // holds is copied from it and a layer it holds unpacked (by chain ID) is not fetched, so the
  // layout then lacks those layers (store_layout.h).
  std::filesystem::path store_root;
  // Called with each blob's digest once it is in the layout: the manifest and its config first,
  // then every layer in order (one the store holds too, not fetched). minipod unpacks each layer
  // as it arrives instead of after the whole download.
  std::function<void(const std::string& digest)> on_stored;
};

struct FetchResult {
  std::string manifest_digest;  // of the platform's manifest (what the image store keys on)
  std::string index_digest;     // of the index it was chosen from, when there was one
  std::string media_type;       // of the manifest: OCI or Docker schema 2, kept as fetched
  std::string config_digest;
  uint64_t bytes = 0;  // manifest + config + layers
  std::string source;  // the registry it came from: "mirror:5000/library/app"
};

// Fetches `ref` into the OCI layout `dir` (created when missing; an existing layout keeps its
// other images, and blobs already present, there or in options.store_root, are verified and
// reused). The index.json entry is
// annotated with org.opencontainers.image.ref.name = the tag (or the digest when none).
FetchResult fetch_to_oci_layout(const RegistryRef& ref, const RegistriesConf& conf,
                                const std::filesystem::path& dir, const FetchOptions& options,
                                PullProgress& progress);

}  // namespace minipod::registry
