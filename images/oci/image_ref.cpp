#include "images/oci/image_ref.h"

#include <algorithm>

#include "common/error.h"

namespace minipod::images {
namespace {

bool lower_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

// A path component: lower-case alphanumerics separated by '.', '_', "__" or runs of '-'
// (distribution's reference grammar).
bool valid_component(const std::string& c) {
  if (c.empty() || !lower_alnum(c.front()) || !lower_alnum(c.back())) return false;
  for (size_t i = 0; i < c.size(); ++i) {
    char ch = c[i];
    if (lower_alnum(ch) || ch == '-') continue;
    if (ch == '.' || ch == '_') {
      // one '.', one '_' or "__" between alphanumerics
      if (!lower_alnum(c[i - 1]) && !(ch == '_' && c[i - 1] == '_' && lower_alnum(c[i - 2])))
        return false;
      continue;
    }
    return false;
  }
  return true;
}

bool valid_host(const std::string& h) {
  if (h.empty()) return false;
  std::string name = h;
  if (auto colon = h.rfind(':'); colon != std::string::npos) {
    std::string port = h.substr(colon + 1);
    if (port.empty() || port.size() > 5 ||
        !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return false;
    name = h.substr(0, colon);
  }
  // Dot-separated labels of letters, digits and '-', each starting and ending with a letter or
  // digit ("..", ".x" and "x." are not hosts).
  auto alnum = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  };
  size_t start = 0;
  while (true) {
    size_t end = name.find('.', start);
    std::string label = name.substr(start, end == std::string::npos ? end : end - start);
    if (label.empty() || !alnum(label.front()) || !alnum(label.back())) return false;
    if (!std::all_of(label.begin(), label.end(), [&](char c) { return alnum(c) || c == '-'; }))
      return false;
    if (end == std::string::npos) return true;
    start = end + 1;
  }
}

bool valid_tag(const std::string& t) {
  if (t.empty() || t.size() > 128) return false;
  auto word = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  };
  if (!word(t.front())) return false;
  return std::all_of(t.begin(), t.end(), [&](char c) { return word(c) || c == '.' || c == '-'; });
}

bool valid_digest(const std::string& d) {
  const std::string prefix = "sha256:";
  if (d.rfind(prefix, 0) != 0 || d.size() != prefix.size() + 64) return false;
  return std::all_of(d.begin() + prefix.size(), d.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

}  // namespace

std::string ImageRef::name() const {
  return host + "/" + path;
}

std::string ImageRef::tagged() const {
  if (!digest.empty() && !tag_given) return name() + "@" + digest;
  std::string s = name() + ":" + tag;
  if (!digest.empty()) s += "@" + digest;
  return s;
}

std::string ImageRef::key() const {
  return digest.empty() ? name() + ":" + tag : name() + "@" + digest;
}

ImageRef parse_image_ref(const std::string& text) {
  auto fail = [&](const std::string& why) {
    throw UsageError("image reference \"" + text + "\"",
                     why + " (expected [host[:port]/]path[:tag][@sha256:<64 hex digits>])");
  };
  if (text.empty()) fail("is empty");
  if (text.size() > 255 + 128 + 72) fail("is too long");
  ImageRef ref;
  std::string rest = text;
  if (auto at = rest.find('@'); at != std::string::npos) {
    ref.digest = rest.substr(at + 1);
    rest = rest.substr(0, at);
    if (!valid_digest(ref.digest))
      fail("has the digest \"" + ref.digest + "\", not sha256:<64 lower-case hex digits>");
  }
  // A tag is after the last ':' that comes after the last '/' (a ':' before it is a port).
  size_t slash = rest.rfind('/');
  size_t colon = rest.rfind(':');
  if (colon != std::string::npos && (slash == std::string::npos || colon > slash)) {
    ref.tag = rest.substr(colon + 1);
    rest = rest.substr(0, colon);
    ref.tag_given = true;
    if (!valid_tag(ref.tag))
      fail("has the tag \"" + ref.tag +
           "\" (allowed: letters, digits, '_', '.', '-', not starting with '.' or '-', at most "
           "128)");
  }
  if (rest.empty()) fail("has no repository name");
  size_t first = rest.find('/');
  std::string head = rest.substr(0, first);
  if (first != std::string::npos && (head.find('.') != std::string::npos ||
                                     head.find(':') != std::string::npos || head == "localhost")) {
    ref.host = head;
    ref.path = rest.substr(first + 1);
    if (!valid_host(ref.host)) fail("has the registry host \"" + ref.host + "\"");
  } else {
    ref.host = "docker.io";
    ref.path = rest;
  }
  if (ref.path.empty()) fail("has no repository path after the host");
  size_t start = 0;
  while (true) {
    size_t end = ref.path.find('/', start);
    std::string component = ref.path.substr(start, end - start);
    if (!valid_component(component))
      fail("has the path component \"" + component +
           "\" (allowed: lower-case letters and digits, separated by '.', '_', '__' or '-')");
    if (end == std::string::npos) break;
    start = end + 1;
  }
  if (ref.path.size() > 255) fail("has a repository path longer than 255 characters");
  if (ref.host == "docker.io" && ref.path.find('/') == std::string::npos)
    ref.path = "library/" + ref.path;
  if (!ref.tag_given) ref.tag = "latest";
  return ref;
}

std::optional<ImageRef> try_parse_image_ref(const std::string& text) {
  try {
    return parse_image_ref(text);
  } catch (const UsageError&) {
    return std::nullopt;
  }
}

}  // namespace minipod::images
