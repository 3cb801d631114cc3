// Linux capabilities of a container. The parent computes the five sets as bit masks (names are
// resolved with libcap); the child applies them with raw prctl/capset calls, which allocate
// nothing. Semantics follow containerd: Docker's 14 capabilities by default, "ALL" in add gives
// every capability, "ALL" in drop starts from none, then single adds, then single drops.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/spec/pod_spec.h"

namespace minipod::security {

using CapMask = uint64_t;

constexpr CapMask cap_bit(int cap) {
  return CapMask{1} << cap;
}

struct CapabilitySets {
  CapMask bounding = 0, effective = 0, permitted = 0, inheritable = 0, ambient = 0;
  bool operator==(const CapabilitySets&) const = default;
};

// Docker/containerd's default: CHOWN, DAC_OVERRIDE, FSETID, FOWNER, MKNOD, NET_RAW, SETGID,
// SETUID, SETFCAP, SETPCAP, NET_BIND_SERVICE, SYS_CHROOT, KILL, AUDIT_WRITE.
CapMask default_capabilities();
// The highest capability this kernel knows (/proc/sys/kernel/cap_last_cap).
int last_capability();
CapMask all_capabilities();
// The capabilities minipod itself holds (its permitted set): a container cannot get more.
CapMask runtime_capabilities();

// "NET_ADMIN" -> 12. Throws UsageError(field, ...) for a name this kernel does not know.
int capability_number(const std::string& name, const std::string& field);
// "CHOWN,DAC_OVERRIDE,..." (libcap's names, upper case, without CAP_), "none" when empty.
std::string capability_names(CapMask mask);

// The capabilities the container is granted (its bounding set), from securityContext.
// `field` is the securityContext's path, for errors. "ALL" and privileged mean every capability
// in `available`; naming one that is not available is an error (UsageError naming the field).
CapMask granted_capabilities(const spec::Capabilities* caps, bool privileged,
                             const std::string& field, CapMask available = runtime_capabilities());
// The capabilities explicitly added (capabilities.add), which a non-root user keeps.
CapMask added_capabilities(const spec::Capabilities* caps, const std::string& field,
                           CapMask available = runtime_capabilities());

// The five sets: root gets the granted set in bounding, permitted and effective; a non-root user
// gets it as bounding only, and ends with nothing else unless it was added explicitly (then in
// permitted, effective, inheritable and ambient, so it survives execve). Inheritable and ambient
// are otherwise empty (CVE-2022-24769).
CapabilitySets capability_sets(CapMask granted, CapMask added, bool root);

// Child side, async-signal-safe; each returns 0 or an errno and sets *step to the failing call.
int drop_bounding_set(CapMask keep, int last_cap, const char** step);
int set_capabilities(const CapabilitySets& sets, int last_cap, const char** step);

}  // namespace minipod::security
