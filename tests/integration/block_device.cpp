#include "tests/integration/block_device.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <sstream>
#include <vector>

#include "common/fs.h"

namespace minipod::testing {

namespace fsys = std::filesystem;

std::string BlockDevice::mknod_args() const {
  return "b " + std::to_string(major(dev)) + " " + std::to_string(minor(dev));
}

std::optional<BlockDevice> openable_block_device() {
  std::vector<std::pair<bool, BlockDevice>> found;  // (is a whole disk with a driver, device)
  std::error_code ec;
  for (const auto& e : fsys::directory_iterator("/sys/dev/block", ec)) {
    unsigned ma = 0, mi = 0;
    if (std::sscanf(e.path().filename().c_str(), "%u:%u", &ma, &mi) != 2) continue;
    BlockDevice d{makedev(ma, mi), ""};
    std::istringstream uevent(fs::read_file_if_exists(e.path() / "uevent").value_or(""));
    for (std::string line; std::getline(uevent, line);)
      if (line.rfind("DEVNAME=", 0) == 0) d.name = line.substr(8);
    if (d.name.empty()) continue;
    bool disk = fsys::exists(e.path() / "device") && !fsys::exists(e.path() / "partition");
    found.emplace_back(disk, d);
  }
  std::stable_sort(found.begin(), found.end(),
                   [](const auto& a, const auto& b) { return a.first && !b.first; });
  for (const auto& [disk, d] : found) {
    // Only opened, never read: what a container would need to read it.
    int fd = ::open(("/dev/" + d.name).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    struct stat st {};
    bool same = ::fstat(fd, &st) == 0 && S_ISBLK(st.st_mode) && st.st_rdev == d.dev;
    ::close(fd);
    if (same) return d;
  }
  return std::nullopt;
}

}  // namespace minipod::testing
