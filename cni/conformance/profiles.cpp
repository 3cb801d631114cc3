#include "cni/conformance/profiles.h"

#include "cni/conformance/sandbox.h"
#include "common/error.h"

namespace cni::conformance {

using nlohmann::json;

namespace {

// `ip link add` unless it exists: setup runs before every scenario.
std::string ensure_veth(const std::string& a, const std::string& b) {
  return "ip link show " + a + " >/dev/null 2>&1 || { ip link del " + b +
         " 2>/dev/null; ip link add " + a + " type veth peer name " + b + "; }; ip link set " + a +
         " up && ip link set " + b + " up";
}

}  // namespace

const std::vector<std::string>& profile_names() {
  static const std::vector<std::string> names{"bridge",   "ptp",         "macvlan",    "ipvlan",
                                              "vlan",     "host-device", "host-local", "static",
                                              "loopback", "portmap",     "tuning",     "bandwidth",
                                              "firewall", "vrf",         "sbr"};
  return names;
}

std::optional<Profile> builtin_profile(const std::string& type, const ProfileContext& ctx) {
  const std::string net = ctx.subnet24;
  auto link = [&](const char* role) { return ctx.link_prefix + role + ctx.tag; };
  const std::string bridge = link("br"), master = link("m"), peer = link("p"), device = link("d"),
                    device_peer = link("e");
  json host_local{{"type", "host-local"},
                  {"ranges", {{{{"subnet", net + ".0/24"}, {"gateway", net + ".1"}}}}},
                  {"routes", {{{"dst", "0.0.0.0/0"}}}},
                  {"dataDir", ctx.data_dir}};
  // The bridge and its gateway address exist before the first ADD (as an admin or an INIT step
  // would make them), so the bridge plugin's shared, never-deleted objects are not leftovers.
  json bridge_plugin{{"type", "bridge"},
                     {"bridge", bridge},
                     {"isGateway", true},
                     {"ipMasq", false},
                     {"ipam", host_local}};
  std::string bridge_setup = "ip link show " + bridge + " >/dev/null 2>&1 || ip link add " +
                             bridge + " type bridge; ip addr replace " + net + ".1/24 dev " +
                             bridge + "; ip link set " + bridge + " up";
  Profile p;
  auto with_bridge = [&](json plugin) {
    p.plugins = {bridge_plugin, std::move(plugin)};
    p.setup = bridge_setup;
    p.teardown = "ip link del " + bridge;
    p.links = {bridge};
  };
  auto with_master = [&](json plugin) {
    p.plugins = {std::move(plugin)};
    p.setup = ensure_veth(master, peer);
    p.teardown = "ip link del " + master;
    p.links = {master, peer};
  };
  if (type == "bridge") {
    p.plugins = {bridge_plugin};
    p.setup = bridge_setup;
    p.teardown = "ip link del " + bridge;
    p.links = {bridge};
  } else if (type == "ptp") {
    p.plugins = {{{"type", "ptp"}, {"ipMasq", false}, {"ipam", host_local}}};
  } else if (type == "macvlan") {
    // This kernel has no dummy links; one end of a veth pair is as good a master.
    with_master(
        {{"type", "macvlan"}, {"master", master}, {"mode", "bridge"}, {"ipam", host_local}});
  } else if (type == "ipvlan") {
    with_master({{"type", "ipvlan"}, {"master", master}, {"mode", "l2"}, {"ipam", host_local}});
  } else if (type == "vlan") {
    with_master({{"type", "vlan"}, {"master", master}, {"vlanId", 233}, {"ipam", host_local}});
    p.max_attachments = 1;  // one VLAN id per master
  } else if (type == "host-device") {
    p.plugins = {{{"type", "host-device"}, {"device", device}, {"ipam", host_local}}};
    // A deleted namespace takes the device with it; setup makes a new one.
    p.setup = ensure_veth(device, device_peer);
    p.teardown = "ip link del " + device + " 2>/dev/null; ip link del " + device_peer;
    p.links = {device, device_peer};
    p.max_attachments = 1;  // one device, one container
  } else if (type == "host-local") {
    // An IPAM plugin reads its settings from "ipam", also when the runtime calls it directly.
    p.plugins = {{{"type", "host-local"}, {"ipam", host_local}}};
  } else if (type == "static") {
    p.plugins = {{{"type", "static"},
                  {"ipam",
                   {{"type", "static"},
                    {"addresses", {{{"address", net + ".10/24"}, {"gateway", net + ".1"}}}}}}}};
  } else if (type == "loopback") {
    p.plugins = {{{"type", "loopback"}}};
    p.ifname = "lo";
  } else if (type == "portmap") {
    with_bridge({{"type", "portmap"}, {"capabilities", {{"portMappings", true}}}});
    p.capability_args = {
        {"portMappings", {{{"hostPort", 18233}, {"containerPort", 80}, {"protocol", "tcp"}}}}};
  } else if (type == "tuning") {
    with_bridge({{"type", "tuning"}, {"mtu", 1400}});
  } else if (type == "bandwidth") {
    with_bridge({{"type", "bandwidth"},
                 {"ingressRate", 8000000},
                 {"ingressBurst", 800000},
                 {"egressRate", 8000000},
                 {"egressBurst", 800000}});
  } else if (type == "firewall") {
    with_bridge({{"type", "firewall"}, {"backend", "iptables"}});
  } else if (type == "vrf") {
    with_bridge({{"type", "vrf"}, {"vrfname", link("vrf")}});
  } else if (type == "sbr") {
    with_bridge({{"type", "sbr"}});
  } else {
    return std::nullopt;
  }
  p.link_type = link_type_of(type);
  return p;
}

std::string link_type_of(const std::string& type) {
  if (type == "macvlan" || type == "ipvlan" || type == "vlan" || type == "vrf") return type;
  if (type == "bridge") return "bridge";
  return {};
}

ProfileGuard::ProfileGuard(const Profile& p) : setup_(p.setup), teardown_(p.teardown) {
  if (setup_.empty()) return;
  Shell r = sh(setup_);
  if (r.code != 0) {
    if (!teardown_.empty()) sh(teardown_ + " 2>/dev/null");
    throw minipod::Error("conformance: prepare the host for the profile", setup_ + ": " + r.err);
  }
}

ProfileGuard::~ProfileGuard() {
  if (!teardown_.empty()) sh(teardown_ + " 2>/dev/null");
}

void ProfileGuard::again() const {
  if (!setup_.empty()) sh(setup_);
}

}  // namespace cni::conformance
