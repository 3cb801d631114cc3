#include "images/oci/store_layout.h"

#include "common/digest.h"
#include "common/error.h"

namespace minipod::images {

std::filesystem::path layered_store_root(const std::filesystem::path& image_dir) {
  return image_dir / ".oci";
}

std::string digest_hex(const std::string& digest) {
  if (!is_sha256_digest(digest))
    throw Error("read digest", "\"" + digest + "\" is not sha256:<64 lowercase hex digits>");
  return digest.substr(7);
}

std::filesystem::path store_blob_path(const std::filesystem::path& root,
                                      const std::string& digest) {
  return root / "blobs" / "sha256" / digest_hex(digest);
}

std::filesystem::path store_layer_dir(const std::filesystem::path& root,
                                      const std::string& chain_id) {
  return root / "layers" / digest_hex(chain_id);
}

std::vector<std::string> chain_ids(const std::vector<std::string>& diff_ids) {
  std::vector<std::string> out;
  for (const auto& d : diff_ids)
    out.push_back(out.empty() ? d : "sha256:" + sha256_hex(out.back() + " " + d));
  return out;
}

}  // namespace minipod::images
