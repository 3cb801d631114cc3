// Where a CNI runtime looks when nobody says otherwise. Every default of `minipod run` and
// `minipod cni` (flags, library options, records that predate a field) comes from here, so a pod
// made by one verb is found by the other with no flag given.
#pragma once

#include <string>
#include <vector>

namespace cni {

// Network configs: libcni's, cnitool's (NETCONFPATH) and containerd's, CRI-O's and podman's
// default, so a network set up for any of them is found here too.
inline constexpr const char* kDefaultConfDir = "/etc/cni/net.d";

// Plugins, searched in this order: /opt/cni/bin, where the containernetworking/plugins releases
// and the runtimes (containerd, CRI-O) install and look for them, then /usr/lib/cni, where
// Debian's containernetworking-plugins package puts them. An upstream install comes first, as
// it is usually the newer one.
inline constexpr const char* kUpstreamPluginDir = "/opt/cni/bin";
inline constexpr const char* kDebianPluginDir = "/usr/lib/cni";
inline std::vector<std::string> default_plugin_dirs() {
  return {kUpstreamPluginDir, kDebianPluginDir};
}
// The same, as CNI_PATH spells it (the default of --cni-path).
inline std::string default_cni_path() {
  return std::string(kUpstreamPluginDir) + ":" + kDebianPluginDir;
}

// Cached ADD results: libcni's cache directory (/var/lib/cni) and its results/ layout, so
// `cnitool` and other libcni users see minipod's attachments and minipod sees theirs.
inline constexpr const char* kDefaultCacheDir = "/var/lib/cni/results";

// The pod's interface: cnitool's CNI_IFNAME default and the name Kubernetes runtimes give a
// pod's network interface, which plugins and users expect.
inline constexpr const char* kDefaultIfname = "eth0";

}  // namespace cni
