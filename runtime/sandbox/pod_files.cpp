#include "runtime/sandbox/pod_files.h"

#include <algorithm>
#include <sstream>

#include "common/fs.h"
#include "common/strings.h"

namespace minipod::sandbox {
namespace {

void add_unique(std::vector<std::string>& v, const std::string& s) {
  if (std::find(v.begin(), v.end(), s) == v.end()) v.push_back(s);
}

bool is_loopback(const std::string& ip) {
  return ip.rfind("127.", 0) == 0 || ip == "::1";
}

}  // namespace

std::string render_hosts(const std::string& hostname, const std::vector<std::string>& pod_ips,
                         const std::vector<spec::HostAlias>& aliases) {
  std::ostringstream out;
  out << "# Kubernetes-style hosts file written by minipod\n"
      << "127.0.0.1\tlocalhost\n"
      << "::1\tlocalhost ip6-localhost ip6-loopback\n"
      << "fe00::0\tip6-localnet\n"
      << "fe00::0\tip6-mcastprefix\n"
      << "fe00::1\tip6-allnodes\n"
      << "fe00::2\tip6-allrouters\n";
  for (const auto& ip : pod_ips) out << ip << '\t' << hostname << '\n';
  if (!aliases.empty()) out << "\n# Entries added by HostAliases.\n";
  for (const auto& a : aliases) {
    out << a.ip;
    if (!a.hostnames.empty()) out << '\t' << join(a.hostnames, " ");
    out << '\n';
  }
  return out.str();
}

std::string render_resolv_conf(const std::string& host_resolv_conf, const DnsSettings& cni_dns,
                               const std::optional<spec::DNSConfig>& dns_config) {
  DnsSettings s;
  std::istringstream in(host_resolv_conf);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string key;
    words >> key;
    std::string value;
    if (key == "nameserver" && words >> value && !is_loopback(value))
      add_unique(s.nameservers, value);
    if (key == "search" || key == "domain") {
      s.search.clear();
      while (words >> value) add_unique(s.search, value);
    }
    if (key == "options")
      while (words >> value) add_unique(s.options, value);
  }
  if (!cni_dns.nameservers.empty()) s.nameservers = cni_dns.nameservers;
  for (const auto& v : cni_dns.search) add_unique(s.search, v);
  for (const auto& v : cni_dns.options) add_unique(s.options, v);
  if (dns_config) {
    for (const auto& v : dns_config->nameservers) add_unique(s.nameservers, v);
    for (const auto& v : dns_config->searches) add_unique(s.search, v);
    for (const auto& [name, value] : dns_config->options) {
      // An option given in the pod replaces the same option from the host.
      std::erase_if(s.options,
                    [&](const std::string& o) { return o.substr(0, o.find(':')) == name; });
      s.options.push_back(value.empty() ? name : name + ":" + value);
    }
  }
  std::ostringstream out;
  for (const auto& ns : s.nameservers) out << "nameserver " << ns << '\n';
  if (!s.search.empty()) {
    out << "search";
    for (const auto& v : s.search) out << ' ' << v;
    out << '\n';
  }
  if (!s.options.empty()) {
    out << "options";
    for (const auto& v : s.options) out << ' ' << v;
    out << '\n';
  }
  return out.str();
}

PodFiles write_pod_files(const std::filesystem::path& pod_dir, const PodFileContents& contents,
                         const PodFileContents* written) {
  PodFiles f{pod_dir / "hostname", pod_dir / "hosts", pod_dir / "resolv.conf"};
  if (!written || written->hostname != contents.hostname)
    fs::write_file(f.hostname, contents.hostname);
  if (!written || written->hosts != contents.hosts) fs::write_file(f.hosts, contents.hosts);
  if (!written || written->resolv_conf != contents.resolv_conf)
    fs::write_file(f.resolv_conf, contents.resolv_conf);
  return f;
}

}  // namespace minipod::sandbox
