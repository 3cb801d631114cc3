// Pod sysctls: which ones a pod may set (only those the kernel scopes to the pod's own
// namespaces) and where they live under /proc/sys.
#pragma once

#include <string>

namespace minipod::spec {

// Kubernetes accepts "net.ipv4.ip_forward" and "net/ipv4/ip_forward"; in the second form a '.'
// is part of a name ("net/ipv4/conf/eth0.100/forwarding"). Both become the dot form, with such a
// '.' written as '/' ("net.ipv4.conf.eth0/100.forwarding"), as Kubernetes' NormalizeName does.
std::string normalize_sysctl_name(const std::string& name);

// Whether a (normalized) sysctl name has Kubernetes' format: segments of [a-z0-9_-] (starting
// and ending alphanumeric) separated by '.' or '/', at most 253 characters.
bool is_sysctl_name(const std::string& name);

// The namespace a (normalized) sysctl belongs to: "net", "ipc", or "" when it is not
// namespaced (setting it would change the whole host).
std::string sysctl_namespace(const std::string& name);

// "net.ipv4.conf.eth0/100.forwarding" -> "/proc/sys/net/ipv4/conf/eth0.100/forwarding".
std::string sysctl_proc_path(const std::string& normalized_name);

}  // namespace minipod::spec
