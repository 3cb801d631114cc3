#include "runtime/cgroups/hierarchy.h"

#include <sstream>
#include <vector>

#include "common/fs.h"
#include "common/strings.h"

namespace minipod::cgroups {
namespace {

// mountinfo escapes spaces and a few other characters as \ooo.
std::string unescape(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && s.size() - i > 3) {
      std::string oct = s.substr(i + 1, 3);
      if (oct.find_first_not_of("01234567") == std::string::npos) {
        out += static_cast<char>(std::stoi(oct, nullptr, 8));
        i += 3;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

}  // namespace

Hierarchies parse_mountinfo(std::string_view mountinfo) {
  Hierarchies h;
  std::istringstream in{std::string(mountinfo)};
  std::string line;
  bool unified_at_root = false;
  while (std::getline(in, line)) {
    // ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPEROPTIONS
    auto dash = line.find(" - ");
    if (dash == std::string::npos) continue;
    auto left = split(line.substr(0, dash), ' ');
    auto right = split(line.substr(dash + 3), ' ');
    if (left.size() < 5 || right.size() < 3) continue;
    std::string mount_point = unescape(left[4]);
    const std::string& fstype = right[0];
    if (fstype == "cgroup2") {
      // The first cgroup2 mount wins, unless a later one is at /sys/fs/cgroup itself.
      if (h.unified.empty() || mount_point == "/sys/fs/cgroup") h.unified = mount_point;
      if (mount_point == "/sys/fs/cgroup") unified_at_root = true;
    } else if (fstype == "cgroup") {
      for (const auto& opt : split(right[2], ',')) {
        if (opt == "rw" || opt == "ro" || opt.find('=') != std::string::npos ||
            opt == "clone_children" || opt == "noprefix" || opt == "xattr" ||
            opt == "cpuset_v2_mode" || opt == "nsdelegate" || opt == "favordynmods")
          continue;
        h.v1.emplace(opt, mount_point);  // the first mount of a controller wins
      }
    }
  }
  if (unified_at_root) {
    h.mode = Mode::kUnified;
    h.v1.clear();
  } else if (!h.v1.empty()) {
    h.mode = h.unified.empty() ? Mode::kLegacy : Mode::kHybrid;
  } else if (!h.unified.empty()) {
    h.mode = Mode::kUnified;  // cgroup2 mounted somewhere else, and nothing else
  }
  return h;
}

const Hierarchies& host_hierarchies() {
  static const Hierarchies h = parse_mountinfo(fs::read_file("/proc/self/mountinfo"));
  return h;
}

std::string describe(const Hierarchies& h) {
  switch (h.mode) {
    case Mode::kNone:
      return "no cgroup file system";
    case Mode::kLegacy:
      return "cgroup v1";
    case Mode::kHybrid:
      return "hybrid cgroups (v1 controllers; cgroup2 at " + h.unified + " without controllers)";
    case Mode::kUnified:
      return "cgroup v2 at " + h.unified;
  }
  return "";
}

}  // namespace minipod::cgroups
