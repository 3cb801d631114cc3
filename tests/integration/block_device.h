// A block device of this host for the tests that expect a container to be refused one: the
// refusal only proves something if the test itself, as root outside any container, can open it.
// Some hosts refuse their own disks even to root (this machine's environment refuses /dev/vda),
// so the first one that opens is taken, whole disks with a driver (vda, sda, nvme0n1) first, then
// the others (a loop device).
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

namespace minipod::testing {

struct BlockDevice {
  dev_t dev = 0;
  std::string name;  // "vda", "loop0"
  // "b 254 0", for mknod.
  std::string mknod_args() const;
};

std::optional<BlockDevice> openable_block_device();

}  // namespace minipod::testing
