// The local image store: one directory per image holding a root filesystem and a small config
// (entrypoint, cmd, env, working dir). Images are never modified once stored; containers get
// their own writable overlay layer on top.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace minipod::images {

struct ImageConfig {
  std::vector<std::string> entrypoint;
  std::vector<std::string> cmd;
  std::vector<std::string> env;  // "K=V"
  std::string working_dir;
  std::string user;  // the image's User: name|uid[:group|gid]; empty: root
};

struct Image {
  std::string name;
  // The top read-only layer (a flat image's only one): where the image's files are looked up.
  std::filesystem::path rootfs;
  // The overlay's lower layers, top first (a flat image: just rootfs).
  std::vector<std::filesystem::path> layers;
  std::string digest;         // manifest digest ("sha256:..."); empty for a flat image
  std::string config_digest;  // of the OCI image config; empty for a flat image
  ImageConfig config;
  uint64_t size_bytes = 0;
  std::string created;  // RFC 3339
};

class StagingDir;

class ImageStore {
 public:
  explicit ImageStore(std::filesystem::path dir);

  const std::filesystem::path& dir() const { return dir_; }

  std::optional<Image> find(const std::string& name) const;
  std::vector<Image> list() const;

  // Builds a built-in image; today only "busybox" (from Debian's busybox-static).
  Image build(const std::string& name);
  // A root filesystem directory or a tar archive (optionally compressed).
  Image import(const std::string& name, const std::filesystem::path& source);
  // Removes a local image or a reference (the layers go with `prune`, once nothing uses them).
  void remove(const std::string& name);

  // docker-archive, oci-archive or OCI image layout directory; `name` names its one image.
  std::vector<Image> load(const std::filesystem::path& source,
                          const std::optional<std::string>& name = std::nullopt);
  // Stores the images of an OCI image layout (what `image pull` fetched into a staging layout):
  // layers unpacked straight from the layout's blobs, nothing compressed kept; the caller
  // removes the layout afterwards.
  std::vector<Image> load_layout(const std::filesystem::path& oci_layout_dir,
                                 const std::optional<std::string>& name = std::nullopt);
  // One image of a layout still being written (a pull): the manifest `manifest_digest`, every blob
  // read once `wait(digest)` returns (it throws when that blob will not come), so layers are
  // unpacked while later ones download. Stored under `name`.
  using BlobWait = std::function<void(const std::string& digest)>;
  Image load_arriving(const std::filesystem::path& oci_layout_dir,
                      const std::string& manifest_digest, const std::string& name,
                      const BlobWait& wait);
  // A second reference to a layered image.
  Image tag(const std::string& source, const std::string& target);
  // Unreferenced layers and blobs, except the layers in `in_use`, and what killed builds, imports,
  // loads and pulls left unfinished; returns how many of each went.
  struct Pruned {
    size_t layers = 0, blobs = 0, unfinished = 0;
    bool operator==(const Pruned&) const = default;
  };
  Pruned prune(const std::vector<std::filesystem::path>& in_use);

  // find(), but builds a built-in image (busybox) the first time it is asked for.
  std::optional<Image> find_or_build(const std::string& name);
  static bool is_builtin(const std::string& name);

  // Progress and warnings ("building image busybox ...", "image x has no /bin/sh"), one line
  // each, without a prefix. By default they go to stderr as "minipod: <line>"; pass an empty
  // function to silence them.
  using Reporter = std::function<void(const std::string&)>;
  void set_reporter(Reporter reporter) { reporter_ = std::move(reporter); }

  // Where the busybox image comes from (default /bin/busybox, Debian's busybox-static).
  void set_busybox_path(std::filesystem::path path) { busybox_ = std::move(path); }

 private:
  void report(const std::string& line) const;
  void ensure_store_dir();
  Image build_builtin(const std::string& name, bool exist_ok);
  Image finish(const std::string& name, StagingDir& staging, const ImageConfig& config,
               const std::string& source, bool exist_ok);

  std::filesystem::path dir_;
  Reporter reporter_;
  std::filesystem::path busybox_;
};

}  // namespace minipod::images
