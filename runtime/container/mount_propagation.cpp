#include "runtime/container/mount_propagation.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "common/error.h"

namespace minipod::container {
namespace {

// mountinfo writes a space, tab, newline and backslash in a path as \040, \011, \012, \134.
std::string unescape(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size()) {
      out += static_cast<char>(std::strtol(s.substr(i + 1, 3).c_str(), nullptr, 8));
      i += 3;
    } else {
      out += s[i];
    }
  }
  return out;
}

bool below(const std::string& path, const std::string& mount_point) {
  if (mount_point == "/") return true;
  return path.compare(0, mount_point.size(), mount_point) == 0 &&
         (path.size() == mount_point.size() || path[mount_point.size()] == '/');
}

}  // namespace

HostMount host_mount_of(const std::string& path) {
  std::error_code ec;
  std::string real = std::filesystem::canonical(path, ec).string();
  if (ec) throw Error("resolve", path, ec.value());
  std::ifstream in("/proc/self/mountinfo");
  if (!in) throw_errno("read", "/proc/self/mountinfo");
  HostMount best;
  bool found = false;
  std::string line;
  // The last mount on the longest mount point holding the path is the one seen there.
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string id, parent, dev, root, mount_point, options, field;
    fields >> id >> parent >> dev >> root >> mount_point >> options;
    mount_point = unescape(mount_point);
    if (!below(real, mount_point)) continue;
    if (found && mount_point.size() < best.mount_point.size()) continue;
    HostMount m;
    m.mount_point = mount_point;
    while (fields >> field && field != "-") {
      if (field.rfind("shared:", 0) == 0) m.shared = true;
      if (field.rfind("master:", 0) == 0) m.slave = true;
    }
    best = m;
    found = true;
  }
  return best;
}

void check_propagation(const std::string& source, const std::string& propagation) {
  if (propagation != "HostToContainer" && propagation != "Bidirectional") return;
  HostMount m = host_mount_of(source);
  if (propagation == "Bidirectional" && !m.shared)
    throw Error("mountPropagation Bidirectional", "path \"" + source + "\" is mounted on \"" +
                                                      m.mount_point +
                                                      "\" but it is not a shared mount");
  if (propagation == "HostToContainer" && !m.shared && !m.slave)
    throw Error("mountPropagation HostToContainer", "path \"" + source + "\" is mounted on \"" +
                                                        m.mount_point +
                                                        "\" but it is not a shared or slave mount");
}

}  // namespace minipod::container
