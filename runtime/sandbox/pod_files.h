// Step 6: the files every container of the pod sees at /etc/hostname, /etc/hosts and
// /etc/resolv.conf (bind-mounted, as Kubernetes runtimes do).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "runtime/spec/pod_spec.h"

namespace minipod::sandbox {

struct DnsSettings {
  std::vector<std::string> nameservers, search, options;
};

std::string render_hosts(const std::string& hostname, const std::vector<std::string>& pod_ips,
                         const std::vector<spec::HostAlias>& aliases);

// Kubernetes' dnsPolicy "Default" plus dnsConfig: the host's resolv.conf (without loopback
// nameservers, which mean nothing inside the pod's network namespace), then the CNI result's DNS,
// then spec.dnsConfig merged on top (nameservers and searches appended, options overriding).
std::string render_resolv_conf(const std::string& host_resolv_conf, const DnsSettings& cni_dns,
                               const std::optional<spec::DNSConfig>& dns_config);

struct PodFiles {
  std::filesystem::path hostname, hosts, resolv_conf;
};

struct PodFileContents {
  std::string hostname, hosts, resolv_conf;
};

// Writes the files into pod_dir, in place (truncate and write: containers bind-mount them, and a
// bind mount holds the inode). With `written`, only the files whose content changed.
PodFiles write_pod_files(const std::filesystem::path& pod_dir, const PodFileContents& contents,
                         const PodFileContents* written = nullptr);

}  // namespace minipod::sandbox
