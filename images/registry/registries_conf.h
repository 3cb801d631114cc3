// registries.conf (containers-registries.conf(5), version 2 TOML), the file podman, CRI-O and
// buildah users already have: which registry serves a name (prefix -> location), its mirrors,
// which ones may be reached over plain HTTP (insecure) and which are refused (blocked).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "images/registry/registry_ref.h"

namespace minipod::registry {

struct Mirror {
  std::string location;
  bool insecure = false;
};

struct RegistryEntry {
  std::string prefix;  // defaults to location
  std::string location;
  bool insecure = false;
  bool blocked = false;
  std::vector<Mirror> mirrors;
};

// One place an image can be fetched from: the registry host and the repository there.
struct Endpoint {
  std::string host;
  std::string repository;
  bool insecure = false;  // plain HTTP and unverified TLS allowed
  bool mirror = false;
};

struct RegistriesConf {
  std::filesystem::path path;  // empty when no file was found (the defaults apply)
  std::vector<RegistryEntry> registries;
  // For short names ("busybox"): the registries to try, in order. minipod's reference parser
  // applies Docker's normalisation (docker.io/library/...) as Kubernetes does, so this list is
  // read and kept for a caller that resolves short names podman's way.
  std::vector<std::string> unqualified_search_registries;

  // Where `ref` is fetched from: the mirrors of its registry in order, then its location.
  // Throws Error naming this file when the registry is blocked.
  std::vector<Endpoint> endpoints(const RegistryRef& ref) const;
  // Whether `host` (a registry, as `minipod login` takes it) may be reached over plain HTTP.
  bool insecure_host(const std::string& host) const;
};

// The file minipod reads: `explicit_path` (--registries-conf), else $MINIPOD_REGISTRIES_CONF,
// else /etc/minipod/registries.conf, else /etc/containers/registries.conf; none of them: the
// defaults (every registry reached over verified HTTPS, no mirrors).
std::filesystem::path registries_conf_path(const std::string& explicit_path);
RegistriesConf load_registries_conf(const std::string& explicit_path);
// Parses `text` as the content of `path` (named in errors). Throws UsageError.
RegistriesConf parse_registries_conf(const std::string& text, const std::filesystem::path& path);

}  // namespace minipod::registry
