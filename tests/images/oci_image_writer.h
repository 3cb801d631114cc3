// OCI images written by the test itself into a layout directory: the layer tars (tar_writer.h),
// the config with their diff_ids, the manifest, all as blobs named by their digests.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/digest.h"
#include "common/fs.h"
#include "tests/images/tar_writer.h"

namespace minipod::testing_support {

inline std::string digest_of(const std::string& data) {
  return "sha256:" + sha256_hex(data);
}

// Writes the blobs of one image (layers base first, each compressed as asked) under
// <layout>/blobs/sha256 and returns the manifest's descriptor; index.json is the caller's.
inline nlohmann::json write_oci_image(const std::filesystem::path& layout,
                                      const std::vector<std::vector<TarEntry>>& layers,
                                      const nlohmann::json& config,
                                      Compression compression = Compression::kNone) {
  using nlohmann::json;
  fs::make_dirs(layout / "blobs" / "sha256", 0755);
  auto put = [&](const std::string& data, const std::string& media_type) {
    std::string d = digest_of(data);
    fs::write_file(layout / "blobs" / "sha256" / d.substr(7), data);
    return json{{"mediaType", media_type}, {"digest", d}, {"size", data.size()}};
  };
  std::string layer_type = "application/vnd.oci.image.layer.v1.tar";
  if (compression == Compression::kGzip) layer_type += "+gzip";
  if (compression == Compression::kZstd) layer_type += "+zstd";
  json descs = json::array(), diff_ids = json::array();
  auto tar = layout / "layer.tar";
  for (const auto& entries : layers) {
    write_tar(tar, entries);
    diff_ids.push_back(digest_of(fs::read_file(tar)));  // of the uncompressed tar
    if (compression != Compression::kNone) write_tar(tar, entries, compression);
    descs.push_back(put(fs::read_file(tar), layer_type));
  }
  std::filesystem::remove(tar);
  json cfg = {{"architecture", "amd64"},
              {"os", "linux"},
              {"config", config},
              {"rootfs", {{"type", "layers"}, {"diff_ids", diff_ids}}}};
  json manifest = {{"schemaVersion", 2},
                   {"mediaType", "application/vnd.oci.image.manifest.v1+json"},
                   {"config", put(cfg.dump(), "application/vnd.oci.image.config.v1+json")},
                   {"layers", descs}};
  return put(manifest.dump(), "application/vnd.oci.image.manifest.v1+json");
}

}  // namespace minipod::testing_support
