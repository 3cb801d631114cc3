// The device nodes a container may use, as typed rules: the one list both enforcement paths are
// made from, the v1 devices controller's `devices.allow` lines (to_string) and the cgroup2 BPF
// device program (device_filter.h). Written in the v1 syntax runc and the kernel use:
// "<type> <major>:<minor> <access>", type a (all), b (block) or c (char), '*' for any number,
// access a subset of r (read), w (write), m (mknod).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace minipod::cgroups {

enum class DeviceType : char { kAll = 'a', kBlock = 'b', kChar = 'c' };

// Bits of DeviceRule::access.
enum DeviceAccessBits : unsigned {
  kDeviceRead = 1,
  kDeviceWrite = 2,
  kDeviceMknod = 4,
  kDeviceAllAccess = kDeviceRead | kDeviceWrite | kDeviceMknod,
};

// One allow rule.
struct DeviceRule {
  DeviceType type = DeviceType::kAll;
  std::optional<uint32_t> major;  // none: any ('*')
  std::optional<uint32_t> minor;  // none: any ('*')
  unsigned access = kDeviceAllAccess;
  bool operator==(const DeviceRule&) const = default;
};

// "c 1:3 rwm", "b *:* m", "a" (everything). Throws Error naming the rule when it is not valid.
DeviceRule parse_device_rule(std::string_view text);
// The v1 text of a rule: "c 1:3 rwm", "c 136:* rwm", "a *:* rwm".
std::string to_string(const DeviceRule& rule);

// The default allow list (runc's): mknod of any char or block device, and read/write of null,
// zero, full, random, urandom, tty, ptmx, the pty slaves (136:*) and /dev/net/tun. Everything
// else is denied. Not applied to privileged containers.
const std::vector<DeviceRule>& default_device_rules();

}  // namespace minipod::cgroups
