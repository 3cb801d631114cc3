// Which CNI network a pod joins, and what minipod tells the plugins about the pod (CNI_ARGS and
// capability args), as Kubernetes runtimes do.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "cni/client.h"
#include "cni/config.h"
#include "cni/defaults.h"
#include "runtime/spec/pod_spec.h"
#include "runtime/state/host_ports.h"

namespace minipod::sandbox {

struct NetworkChoice {
  cni::NetworkConfigList list;
  bool builtin = false;  // no config file existed: minipod's own default network
};

// The built-in network used when the config dir holds no config at all: bridge `minipod0`,
// host-local on 10.87.0.0/16 (clear of podman's 10.88.0.0/16), masquerading, and portmap only when
// the pod publishes a hostPort (each plugin call costs a process start; portmap's ~100 ms).
inline constexpr const char* kBuiltinNetwork = "minipod";
inline constexpr const char* kBuiltinBridge = "minipod0";
inline constexpr const char* kBuiltinSubnet = "10.87.0.0/16";
cni::NetworkConfigList builtin_network(bool with_portmap);

// The network named `name` (`--network`) in `conf_dir`, else the first network there. The
// built-in network only stands in when no name was asked for and the config dir is the default
// one (not given: no --cni-conf-dir, no NETCONFPATH; or given as cni::kDefaultConfDir) holding no
// config. A name that is not there, a given dir that does not exist or holds no config are
// UsageErrors naming the flag, e.g. `--network mynet: no network "mynet" in DIR (found: a, b)`.
NetworkChoice choose_network(const std::filesystem::path& conf_dir, bool conf_dir_given,
                             const std::string& name, const spec::Pod& pod);

// The host ports the pod publishes (the app containers' hostPorts, as pod_runtime_conf sends
// them to portmap), with the manifest field of each.
std::vector<state::HostPort> published_host_ports(const spec::Pod& pod);

// IgnoreUnknown=1;K8S_POD_NAMESPACE=..;K8S_POD_NAME=..;K8S_POD_INFRA_CONTAINER_ID=..;K8S_POD_UID=..
// and portMappings from the containers' hostPorts.
cni::RuntimeConf pod_runtime_conf(const spec::Pod& pod, const std::string& id,
                                  const std::string& uid, const std::string& netns);

}  // namespace minipod::sandbox
