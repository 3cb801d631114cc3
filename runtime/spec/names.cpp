#include "runtime/spec/names.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <string_view>

namespace minipod::spec {
namespace {

bool lower_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}
bool alnum(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0;
}

bool is_name_part(std::string_view s) {
  if (s.empty() || s.size() > 63 || !alnum(s.front()) || !alnum(s.back())) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return alnum(c) || c == '-' || c == '_' || c == '.'; });
}

bool label(std::string_view s) {
  if (s.empty() || s.size() > 63 || !lower_alnum(s.front()) || !lower_alnum(s.back())) return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return lower_alnum(c) || c == '-'; });
}

// The capabilities of Linux 6.x, in number order (capability.h).
constexpr std::array<std::string_view, 41> kCapabilities = {
    "CHOWN",
    "DAC_OVERRIDE",
    "DAC_READ_SEARCH",
    "FOWNER",
    "FSETID",
    "KILL",
    "SETGID",
    "SETUID",
    "SETPCAP",
    "LINUX_IMMUTABLE",
    "NET_BIND_SERVICE",
    "NET_BROADCAST",
    "NET_ADMIN",
    "NET_RAW",
    "IPC_LOCK",
    "IPC_OWNER",
    "SYS_MODULE",
    "SYS_RAWIO",
    "SYS_CHROOT",
    "SYS_PTRACE",
    "SYS_PACCT",
    "SYS_ADMIN",
    "SYS_BOOT",
    "SYS_NICE",
    "SYS_RESOURCE",
    "SYS_TIME",
    "SYS_TTY_CONFIG",
    "MKNOD",
    "LEASE",
    "AUDIT_WRITE",
    "AUDIT_CONTROL",
    "SETFCAP",
    "MAC_OVERRIDE",
    "MAC_ADMIN",
    "SYSLOG",
    "WAKE_ALARM",
    "BLOCK_SUSPEND",
    "AUDIT_READ",
    "PERFMON",
    "BPF",
    "CHECKPOINT_RESTORE",
};

}  // namespace

bool is_dns_label(const std::string& s) {
  return label(s);
}

bool is_dns_subdomain(const std::string& s) {
  if (s.empty() || s.size() > 253) return false;
  size_t start = 0;
  for (;;) {
    size_t dot = s.find('.', start);
    if (!label(std::string_view(s).substr(
            start, dot == std::string::npos ? std::string::npos : dot - start)))
      return false;
    if (dot == std::string::npos) return true;
    start = dot + 1;
  }
}

bool is_env_var_name(const std::string& s) {
  auto first = [](char c) {
    return std::isalpha(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_';
  };
  if (s.empty() || !first(s.front())) return false;
  return std::all_of(s.begin(), s.end(), [&](char c) {
    return first(c) || std::isdigit(static_cast<unsigned char>(c));
  });
}

bool is_qualified_name(const std::string& s) {
  size_t slash = s.find('/');
  if (slash == std::string::npos) return is_name_part(s);
  if (s.find('/', slash + 1) != std::string::npos) return false;
  return is_dns_subdomain(s.substr(0, slash)) &&
         is_name_part(std::string_view(s).substr(slash + 1));
}

bool is_label_value(const std::string& s) {
  return s.empty() || is_name_part(s);
}

bool is_port_name(const std::string& s) {
  if (s.empty() || s.size() > 15 || s.front() == '-' || s.back() == '-' ||
      s.find("--") != std::string::npos)
    return false;
  if (!std::all_of(s.begin(), s.end(), [](char c) { return lower_alnum(c) || c == '-'; }))
    return false;
  return std::any_of(s.begin(), s.end(), [](char c) { return c >= 'a' && c <= 'z'; });
}

bool is_ip_address(const std::string& s) {
  unsigned char buf[16];
  return ::inet_pton(AF_INET, s.c_str(), buf) == 1 || ::inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

std::optional<std::string> normalize_capability(const std::string& s) {
  std::string upper = s;
  std::transform(upper.begin(), upper.end(), upper.begin(),
                 [](unsigned char c) { return std::toupper(c); });
  if (upper.rfind("CAP_", 0) == 0) upper.erase(0, 4);
  if (upper == "ALL" && s.size() == 3) return upper;  // "CAP_ALL" is not a thing
  if (std::find(kCapabilities.begin(), kCapabilities.end(), upper) != kCapabilities.end())
    return upper;
  return std::nullopt;
}

}  // namespace minipod::spec
