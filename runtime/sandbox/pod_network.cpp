#include "runtime/sandbox/pod_network.h"

#include <algorithm>
#include <cctype>
#include <system_error>

#include "cni/defaults.h"
#include "common/error.h"
#include "runtime/spec/field_path.h"

namespace minipod::sandbox {

cni::NetworkConfigList builtin_network(bool with_portmap) {
  nlohmann::json plugins = nlohmann::json::array();
  plugins.push_back({{"type", "bridge"},
                     {"bridge", kBuiltinBridge},
                     {"isGateway", true},
                     {"ipMasq", true},
                     {"hairpinMode", true},
                     {"ipam",
                      {{"type", "host-local"},
                       {"ranges", {{{{"subnet", kBuiltinSubnet}}}}},
                       {"routes", {{{"dst", "0.0.0.0/0"}}}}}}});
  if (with_portmap)
    plugins.push_back({{"type", "portmap"}, {"capabilities", {{"portMappings", true}}}});
  nlohmann::json list = {{"cniVersion", "1.0.0"}, {"name", kBuiltinNetwork}, {"plugins", plugins}};
  return cni::parse_network_config(list.dump(), "built-in network");
}

NetworkChoice choose_network(const std::filesystem::path& conf_dir, bool conf_dir_given,
                             const std::string& name, const spec::Pod& pod) {
  std::error_code ec;
  // A mistyped directory must not look like an empty one.
  if (conf_dir_given && !std::filesystem::is_directory(conf_dir, ec))
    throw UsageError("--cni-conf-dir " + conf_dir.string(), std::filesystem::exists(conf_dir, ec)
                                                                ? "not a directory"
                                                                : "no such directory");
  if (!name.empty()) {
    try {
      return {std::move(*cni::load_network(conf_dir, name)), false};
    } catch (const cni::NetworkNotFound& e) {
      throw UsageError("--network " + name, e.detail());
    }
  }
  if (auto found = cni::load_network(conf_dir, "")) return {std::move(*found), false};
  if (conf_dir_given && conf_dir != cni::kDefaultConfDir)
    throw UsageError("--cni-conf-dir " + conf_dir.string(),
                     "holds no network config (*.conflist, *.conf, *.json); the built-in "
                     "network \"" +
                         std::string(kBuiltinNetwork) + "\" stands in only for " +
                         cni::kDefaultConfDir);
  bool publishes = false;
  for (const auto& c : pod.containers)
    for (const auto& p : c.ports) publishes |= p.host_port > 0;
  return {builtin_network(publishes), true};
}

std::vector<state::HostPort> published_host_ports(const spec::Pod& pod) {
  std::vector<state::HostPort> out;
  for (size_t i = 0; i < pod.containers.size(); ++i) {
    const auto& ports = pod.containers[i].ports;
    for (size_t j = 0; j < ports.size(); ++j) {
      if (ports[j].host_port <= 0) continue;
      out.push_back({ports[j].host_port, ports[j].protocol, ports[j].host_ip,
                     spec::container_field(i) + ".ports[" + std::to_string(j) + "].hostPort"});
    }
  }
  return out;
}

cni::RuntimeConf pod_runtime_conf(const spec::Pod& pod, const std::string& id,
                                  const std::string& uid, const std::string& netns) {
  cni::RuntimeConf rt;
  rt.container_id = id;
  rt.netns = netns;
  rt.ifname = cni::kDefaultIfname;
  rt.args = {{"IgnoreUnknown", "1"},
             {"K8S_POD_NAMESPACE", pod.namespace_},
             {"K8S_POD_NAME", pod.name},
             {"K8S_POD_INFRA_CONTAINER_ID", id},
             {"K8S_POD_UID", uid}};
  nlohmann::json mappings = nlohmann::json::array();
  for (const auto& c : pod.containers) {
    for (const auto& p : c.ports) {
      if (p.host_port <= 0) continue;  // Kubernetes sends only published ports
      std::string proto = p.protocol;
      std::transform(proto.begin(), proto.end(), proto.begin(),
                     [](unsigned char ch) { return std::tolower(ch); });
      nlohmann::json m = {
          {"hostPort", p.host_port}, {"containerPort", p.container_port}, {"protocol", proto}};
      if (!p.host_ip.empty()) m["hostIP"] = p.host_ip;
      mappings.push_back(std::move(m));
    }
  }
  if (!mappings.empty()) rt.capability_args["portMappings"] = mappings;
  return rt;
}

}  // namespace minipod::sandbox
