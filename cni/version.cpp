#include "cni/version.h"

#include <charconv>

#include "common/error.h"
#include "common/strings.h"

namespace cni {

const std::vector<std::string>& supported_versions() {
  static const std::vector<std::string> versions{"0.1.0", "0.2.0", "0.3.0", "0.3.1",
                                                 "0.4.0", "1.0.0", "1.1.0"};
  return versions;
}

const std::string& current_version() {
  return supported_versions().back();
}

bool is_supported_version(std::string_view v) {
  for (const auto& s : supported_versions())
    if (s == v) return true;
  return false;
}

bool parse_version(std::string_view v, int out[3]) {
  out[0] = 0;
  out[1] = 1;
  out[2] = 0;
  if (v.empty()) return true;
  out[1] = 0;
  for (int part = 0; part < 3; ++part) {
    size_t dot = v.find('.');
    std::string_view num = v.substr(0, dot);
    if (num.empty() || num.size() > 6) return false;
    auto [ptr, ec] = std::from_chars(num.data(), num.data() + num.size(), out[part]);
    if (ec != std::errc() || ptr != num.data() + num.size()) return false;
    if (dot == std::string_view::npos) return true;
    v.remove_prefix(dot + 1);
  }
  return false;  // a fourth part
}

int compare_versions(std::string_view a, std::string_view b) {
  int va[3], vb[3];
  if (!parse_version(a, va))
    throw minipod::Error("compare CNI versions", "invalid version \"" + std::string(a) + "\"");
  if (!parse_version(b, vb))
    throw minipod::Error("compare CNI versions", "invalid version \"" + std::string(b) + "\"");
  for (int i = 0; i < 3; ++i)
    if (va[i] != vb[i]) return va[i] < vb[i] ? -1 : 1;
  return 0;
}

std::string format_versions(const std::vector<std::string>& versions) {
  return "[" + minipod::join(versions, " ") + "]";
}

}  // namespace cni
