// The content-addressed part of the image store, under <image dir>/.oci:
//   blobs/sha256/<hex>   image manifests and configs (never the compressed layers: a layer is
//                        read once, unpacked, and only its directory is kept)
//   layers/<chain hex>   one unpacked directory per layer, keyed by chain ID, shared by every
//                        image that has that layer on that same stack
//   refs.json            {"docker.io/library/busybox:1.36": "sha256:<manifest>", ...}
//   locks/<hex>.lock     flock per layer (two loads of one image unpack each layer once) and
//                        one for refs.json
//   .staging-*           unfinished writes, renamed into place when complete (gc sweeps them)
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "images/oci/image_ref.h"
#include "images/store/image_store.h"

namespace minipod::images {

class LayeredStore {
 public:
  explicit LayeredStore(std::filesystem::path image_dir);

  const std::filesystem::path& root() const { return root_; }

  // Stores every image of an OCI image layout: its manifests and configs as blobs, its layers
  // unpacked (those already present are not read again), and a reference per image: `name` if
  // given (one image only), else the layout's annotation. Returns the stored images.
  std::vector<Image> load_layout(const std::filesystem::path& layout,
                                 const std::optional<ImageRef>& name,
                                 const ImageStore::Reporter& report);

  // ImageStore::load_arriving.
  Image load_arriving(const std::filesystem::path& layout, const std::string& manifest_digest,
                      const ImageRef& name, const ImageStore::Reporter& report,
                      const ImageStore::BlobWait& wait);

  std::optional<Image> find(const ImageRef& ref) const;
  // The image a manifest digest stands for, named `name`.
  Image image(const std::string& name, const std::string& manifest_digest) const;
  std::map<std::string, std::string> refs() const;  // key -> manifest digest
  // `image inspect`: name, digests, size, the layers (digest, size, media type, directory) and
  // the OCI image config as the image carries it.
  nlohmann::json describe(const Image& image) const;
  std::vector<Image> list() const;

  void tag(const ImageRef& ref, const std::string& manifest_digest);
  // Removes the reference; returns false when there was none.
  bool untag(const std::string& key);

  // Deletes layers and blobs that no reference needs any more, except the layers in `in_use`
  // (directories of running containers' overlays), and interrupted staging; returns what it freed.
  ImageStore::Pruned prune(const std::vector<std::filesystem::path>& in_use);

 private:
  std::filesystem::path layer_dir(const std::string& chain_id) const;
  void store_blob(const std::string& digest, const std::string& data);
  // `wait` (may be empty: the layout is complete) is called before each blob is read.
  Image store_manifest(const std::filesystem::path& layout, const std::string& digest,
                       const ImageStore::Reporter& report, const ImageStore::BlobWait& wait);
  void open_for_loads();
  void write_refs(const std::map<std::string, std::string>& refs);

  std::filesystem::path root_;
};

}  // namespace minipod::images
