// Where the layered image store keeps things, for the two programs that look there: minipod
// (which writes the store) and minipod-pull (which skips fetching what the store already has).
//   <image dir>/.oci/blobs/sha256/<hex>    image manifests and configs
//   <image dir>/.oci/layers/<chain hex>    one unpacked directory per layer, by chain ID
//   <image dir>/.oci/locks/                flocks (layered_store.h says which)
// A manifest blob is written only after all its layers are in place, so a manifest present in
// the store means the whole image is there.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace minipod::images {

std::filesystem::path layered_store_root(const std::filesystem::path& image_dir);

// "sha256:<hex>" -> "<hex>" (the digest is checked first).
std::string digest_hex(const std::string& digest);

// <root>/blobs/sha256/<hex> and <root>/layers/<chain hex>.
std::filesystem::path store_blob_path(const std::filesystem::path& root, const std::string& digest);
std::filesystem::path store_layer_dir(const std::filesystem::path& root,
                                      const std::string& chain_id);

// Chain IDs of a stack of layers: sha256 over "parent chain ID + ' ' + diff ID" (image-spec).
std::vector<std::string> chain_ids(const std::vector<std::string>& diff_ids);

}  // namespace minipod::images
