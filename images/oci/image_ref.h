// Image references as containerd and the kubelet read them: [host[:port]/]path[:tag][@sha256:hex].
// The first component is a registry host only if it has a '.' or a ':' or is "localhost"; without
// a host the registry is docker.io, where a one-component path means library/<path>; with neither
// tag nor digest the tag is "latest"; with both, the digest decides what is run.
#pragma once

#include <optional>
#include <string>

namespace minipod::images {

struct ImageRef {
  std::string host;    // "docker.io", "localhost:5000"
  std::string path;    // "library/busybox"
  std::string tag;     // "1.36"; "latest" when neither tag nor digest was given
  std::string digest;  // "sha256:<64 hex>", or empty

  // "docker.io/library/busybox:1.36" (the digest form when there is a digest and no tag given).
  std::string name() const;  // host/path
  std::string tagged() const;
  // What the store's index keys: host/path@digest when there is a digest, else host/path:tag.
  std::string key() const;
  bool tag_given = false;  // false: "latest" was implied
};

// Parses `text`; throws UsageError naming the reference and what is wrong with it.
ImageRef parse_image_ref(const std::string& text);

// Whether `text` is a valid reference, without the error.
std::optional<ImageRef> try_parse_image_ref(const std::string& text);

}  // namespace minipod::images
