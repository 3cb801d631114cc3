// What the registry client needs to know of an image reference: where (host), what (repository)
// and which (tag and/or digest). The user-facing reference parser lives with the image store;
// this struct is the registry's side of it, and parse_registry_ref is the Docker/Kubernetes
// normalisation the `minipod-pull` helper applies to what it is given.
#pragma once

#include <string>
#include <string_view>

namespace minipod::registry {

struct RegistryRef {
  std::string host;        // "docker.io", "127.0.0.1:5000"
  std::string repository;  // "library/busybox"
  std::string tag;         // may be empty when digest is set
  std::string digest;      // "sha256:<hex>" or empty

  // What to ask the registry for: the digest when there is one (a digest wins over a tag).
  std::string manifest_reference() const { return digest.empty() ? tag : digest; }
  // "host/repository:tag@digest", the parts that are set.
  std::string to_string() const;
};

// `[host[:port]/]path[:tag][@sha256:hex]`: the first component is a host only if it has '.' or
// ':' or is "localhost"; no host means docker.io, where a one-component path is library/NAME; no
// tag and no digest means "latest". Throws UsageError naming what is wrong.
RegistryRef parse_registry_ref(std::string_view text);

}  // namespace minipod::registry
