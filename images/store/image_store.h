// The local image store: one directory per image holding a root filesystem and a small config
// (entrypoint, cmd, env, working dir). Images are never modified once stored; containers get
// their own writable overlay layer on top.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace minipod::images {

struct ImageConfig {
  std::vector<std::string> entrypoint;
  std::vector<std::string> cmd;
  std::vector<std::string> env;  // "K=V"
  std::string working_dir;
};

struct Image {
  std::string name;
  std::filesystem::path rootfs;  // read-only lower layer
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
  void remove(const std::string& name);

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
  std::filesystem::path image_dir(const std::string& name) const;
  Image finish(const std::string& name, StagingDir& staging, const ImageConfig& config,
               const std::string& source, bool exist_ok);

  std::filesystem::path dir_;
  Reporter reporter_;
  std::filesystem::path busybox_;
};

}  // namespace minipod::images
