#include "runtime/spec/sysctl.h"

#include <algorithm>

namespace minipod::spec {
namespace {

std::string swap_separators(std::string s) {
  for (char& c : s) {
    if (c == '.')
      c = '/';
    else if (c == '/')
      c = '.';
  }
  return s;
}

bool starts_with(const std::string& s, const char* prefix) {
  return s.rfind(prefix, 0) == 0;
}

}  // namespace

std::string normalize_sysctl_name(const std::string& name) {
  size_t sep = name.find_first_of("./");
  if (sep == std::string::npos || name[sep] == '.') return name;
  return swap_separators(name);
}

bool is_sysctl_name(const std::string& name) {
  if (name.empty() || name.size() > 253) return false;
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  size_t start = 0;
  for (;;) {
    size_t end = name.find_first_of("./", start);
    std::string seg =
        name.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (seg.empty() || !alnum(seg.front()) || !alnum(seg.back())) return false;
    if (!std::all_of(seg.begin(), seg.end(),
                     [&](char c) { return alnum(c) || c == '-' || c == '_'; }))
      return false;
    if (end == std::string::npos) return true;
    start = end + 1;
  }
}

std::string sysctl_namespace(const std::string& name) {
  if (starts_with(name, "net.")) return "net";
  if (name == "kernel.sem" || starts_with(name, "kernel.shm") || starts_with(name, "kernel.msg") ||
      starts_with(name, "fs.mqueue."))
    return "ipc";
  return "";
}

std::string sysctl_proc_path(const std::string& normalized_name) {
  return "/proc/sys/" + swap_separators(normalized_name);
}

}  // namespace minipod::spec
