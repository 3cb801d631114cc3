#include "runtime/security/capabilities.h"

#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>

#include "common/error.h"
#include "common/fs.h"
#include "common/strings.h"

namespace minipod::security {
namespace {

bool contains(const std::vector<std::string>& v, const char* s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

CapMask default_capabilities() {
  CapMask m = 0;
  for (int c : {CAP_CHOWN, CAP_DAC_OVERRIDE, CAP_FSETID, CAP_FOWNER, CAP_MKNOD, CAP_NET_RAW,
                CAP_SETGID, CAP_SETUID, CAP_SETFCAP, CAP_SETPCAP, CAP_NET_BIND_SERVICE,
                CAP_SYS_CHROOT, CAP_KILL, CAP_AUDIT_WRITE})
    m |= cap_bit(c);
  return m;
}

int last_capability() {
  static const int last = [] {
    auto text = fs::read_file_if_exists("/proc/sys/kernel/cap_last_cap");
    int v = text ? std::atoi(text->c_str()) : CAP_LAST_CAP;
    return std::clamp(v, 0, 63);
  }();
  return last;
}

CapMask all_capabilities() {
  int last = last_capability();
  return last >= 63 ? ~CapMask{0} : (cap_bit(last + 1) - 1);
}

CapMask runtime_capabilities() {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2]{};
  if (::syscall(SYS_capget, &header, data) != 0) return all_capabilities();
  return (CapMask{data[1].permitted} << 32 | data[0].permitted) & all_capabilities();
}

int capability_number(const std::string& name, const std::string& field) {
  std::string lower = "cap_";
  for (char c : name) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  cap_value_t v = 0;
  if (::cap_from_name(lower.c_str(), &v) != 0 || v < 0 || v > last_capability())
    throw UsageError(field, "capability " + name + " is not known to this kernel (highest: " +
                                std::to_string(last_capability()) + ")");
  return v;
}

std::string capability_names(CapMask mask) {
  std::vector<std::string> names;
  for (int c = 0; c < 64; ++c) {
    if (!(mask & cap_bit(c))) continue;
    char* n = ::cap_to_name(c);
    std::string s = n != nullptr ? n : std::to_string(c);
    ::cap_free(n);
    if (s.rfind("cap_", 0) == 0) s = s.substr(4);
    for (char& ch : s) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    names.push_back(std::move(s));
  }
  return names.empty() ? "none" : join(names, ",");
}

namespace {

// capabilities.add: every named one must be something minipod can hand out.
CapMask named_adds(const spec::Capabilities& caps, const std::string& field, CapMask available) {
  CapMask m = 0;
  for (size_t i = 0; i < caps.add.size(); ++i) {
    if (caps.add[i] == "ALL") continue;
    std::string f = field + ".capabilities.add[" + std::to_string(i) + "]";
    int c = capability_number(caps.add[i], f);
    if (!(available & cap_bit(c)))
      throw UsageError(
          f, "capability " + caps.add[i] + " cannot be granted: minipod itself does not have it");
    m |= cap_bit(c);
  }
  return m;
}

}  // namespace

CapMask added_capabilities(const spec::Capabilities* caps, const std::string& field,
                           CapMask available) {
  CapMask m = 0;
  if (caps == nullptr) return m;
  if (contains(caps->add, "ALL")) m = available;
  return m | named_adds(*caps, field, available);
}

CapMask granted_capabilities(const spec::Capabilities* caps, bool privileged,
                             const std::string& field, CapMask available) {
  if (privileged) return available;
  CapMask m = default_capabilities() & available;
  if (caps == nullptr) return m;
  if (contains(caps->add, "ALL")) m = available;
  if (contains(caps->drop, "ALL")) m = 0;
  m |= named_adds(*caps, field, available);
  for (size_t i = 0; i < caps->drop.size(); ++i)
    if (caps->drop[i] != "ALL")
      m &= ~cap_bit(capability_number(caps->drop[i],
                                      field + ".capabilities.drop[" + std::to_string(i) + "]"));
  return m;
}

CapabilitySets capability_sets(CapMask granted, CapMask added, bool root) {
  CapabilitySets s;
  s.bounding = granted;
  if (root) {
    s.effective = s.permitted = granted;
  } else {
    CapMask kept = added & granted;
    s.effective = s.permitted = s.inheritable = s.ambient = kept;
  }
  return s;
}

int drop_bounding_set(CapMask keep, int last_cap, const char** step) {
  for (int c = 0; c <= last_cap; ++c) {
    if (keep & cap_bit(c)) continue;
    if (::prctl(PR_CAPBSET_DROP, c, 0, 0, 0) != 0 && errno != EINVAL) {
      *step = "drop a capability from the bounding set (prctl PR_CAPBSET_DROP)";
      return errno;
    }
  }
  return 0;
}

int set_capabilities(const CapabilitySets& s, int last_cap, const char** step) {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[2]{};
  for (int i = 0; i < 2; ++i) {
    data[i].effective = static_cast<uint32_t>(s.effective >> (32 * i));
    data[i].permitted = static_cast<uint32_t>(s.permitted >> (32 * i));
    data[i].inheritable = static_cast<uint32_t>(s.inheritable >> (32 * i));
  }
  if (::syscall(SYS_capset, &header, data) != 0) {
    *step = "set the capabilities (capset)";
    return errno;
  }
  if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL) {
    *step = "clear the ambient capabilities";
    return errno;
  }
  for (int c = 0; c <= last_cap; ++c) {
    if (!(s.ambient & cap_bit(c))) continue;
    if (::prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) != 0) {
      *step = "raise an ambient capability";
      return errno;
    }
  }
  return 0;
}

}  // namespace minipod::security
