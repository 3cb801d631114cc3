#include "images/registry/www_authenticate.h"

#include <cctype>

namespace minipod::registry {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

void skip_space(std::string_view s, size_t& i) {
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
}

}  // namespace

Challenge parse_challenge(std::string_view h) {
  Challenge c;
  size_t i = 0;
  skip_space(h, i);
  size_t start = i;
  while (i < h.size() && h[i] != ' ' && h[i] != '\t') ++i;
  c.scheme = lower(h.substr(start, i - start));
  while (i < h.size()) {
    skip_space(h, i);
    size_t name_start = i;
    while (i < h.size() && h[i] != '=' && h[i] != ',' && h[i] != ' ') ++i;
    std::string name = lower(h.substr(name_start, i - name_start));
    skip_space(h, i);
    if (i >= h.size() || h[i] != '=') {
      // A parameter-less token after the params starts the next challenge: only the first is read.
      if (i < h.size() && h[i] == ',') {
        ++i;
        continue;
      }
      break;
    }
    ++i;
    skip_space(h, i);
    std::string value;
    if (i < h.size() && h[i] == '"') {
      for (++i; i < h.size() && h[i] != '"'; ++i) {
        if (h[i] == '\\' && i + 1 < h.size()) ++i;
        value += h[i];
      }
      ++i;  // the closing quote
    } else {
      size_t v = i;
      while (i < h.size() && h[i] != ',' && h[i] != ' ') ++i;
      value = std::string(h.substr(v, i - v));
    }
    if (!name.empty()) c.params[name] = value;
    skip_space(h, i);
    if (i < h.size() && h[i] == ',') ++i;
  }
  return c;
}

}  // namespace minipod::registry
