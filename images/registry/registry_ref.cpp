#include "images/registry/registry_ref.h"

#include <algorithm>

#include "common/digest.h"
#include "common/error.h"

namespace minipod::registry {
namespace {

// Distribution's grammar for path components: lowercase alphanumerics separated by '.', '_',
// '__' or '-'s. Checked loosely (the allowed characters, no empty component): the registry is
// the one that knows its names, minipod only refuses what can never be a name.
bool valid_path(std::string_view path) {
  if (path.empty() || path.front() == '/' || path.back() == '/') return false;
  if (path.find("//") != std::string_view::npos) return false;
  return std::all_of(path.begin(), path.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' ||
           c == '/';
  });
}

bool valid_tag(std::string_view tag) {
  if (tag.empty() || tag.size() > 128 || tag.front() == '.' || tag.front() == '-') return false;
  return std::all_of(tag.begin(), tag.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

}  // namespace

std::string RegistryRef::to_string() const {
  std::string out = host + "/" + repository;
  if (!tag.empty()) out += ":" + tag;
  if (!digest.empty()) out += "@" + digest;
  return out;
}

RegistryRef parse_registry_ref(std::string_view text) {
  const std::string step = "parse image reference \"" + std::string(text) + "\"";
  const std::string expected =
      "expected [host[:port]/]path[:tag][@sha256:hex], such as 127.0.0.1:5000/app:1.0";
  RegistryRef ref;
  std::string_view rest = text;
  if (auto at = rest.find('@'); at != std::string_view::npos) {
    ref.digest = std::string(rest.substr(at + 1));
    rest = rest.substr(0, at);
    if (!is_sha256_digest(ref.digest))
      throw UsageError(step, "digest \"" + ref.digest + "\" is not sha256:<64 lowercase hex>");
  }
  if (auto slash = rest.find('/'); slash != std::string_view::npos) {
    std::string_view first = rest.substr(0, slash);
    if (first.find('.') != std::string_view::npos || first.find(':') != std::string_view::npos ||
        first == "localhost") {
      ref.host = std::string(first);
      rest = rest.substr(slash + 1);
    }
  }
  if (auto colon = rest.rfind(':'); colon != std::string_view::npos) {
    ref.tag = std::string(rest.substr(colon + 1));
    rest = rest.substr(0, colon);
    if (!valid_tag(ref.tag))
      throw UsageError(step, "tag \"" + ref.tag + "\" is not valid; " + expected);
  }
  if (!valid_path(rest))
    throw UsageError(step, "repository \"" + std::string(rest) + "\" is not valid; " + expected);
  ref.repository = std::string(rest);
  if (ref.host.empty()) {
    ref.host = "docker.io";
    if (ref.repository.find('/') == std::string::npos) ref.repository = "library/" + ref.repository;
  }
  if (ref.tag.empty() && ref.digest.empty()) ref.tag = "latest";
  return ref;
}

}  // namespace minipod::registry
