#include "tests/netview/sample_view.h"

namespace minipod::netview::testing {

Address make_address(const std::string& cidr, const std::string& scope) {
  auto slash = cidr.find('/');
  std::string ip = cidr.substr(0, slash);
  return {ip.find(':') == std::string::npos ? "inet" : "inet6", ip,
          std::stoi(cidr.substr(slash + 1)), scope};
}

Interface make_interface(int index, const std::string& name, const std::string& kind,
                         std::vector<std::string> cidrs) {
  Interface i;
  i.index = index;
  i.name = name;
  i.kind = kind;
  i.up = true;
  for (const auto& c : cidrs)
    i.addresses.push_back(make_address(c, c.starts_with("127.") ? "host" : "global"));
  return i;
}

namespace {

Interface veth(int index, const std::string& name, const std::string& master, int peer_index,
               int nsid, const PeerRef& peer) {
  Interface i = make_interface(index, name, "veth");
  i.master = master;
  i.peer_index = peer_index;
  i.peer_nsid = nsid;
  i.peer = peer;
  i.addresses.push_back(make_address("fe80::1/64", "link"));  // never drawn
  return i;
}

NetnsView pod(const std::string& name, const std::string& id, int nsid, const std::string& ip,
              const std::string& gateway, const std::string& subnet, const std::string& host_veth,
              int host_index) {
  NetnsView ns;
  ns.name = name;
  ns.path = "/run/netns/" + name;
  ns.nsid = nsid;
  ns.owner = Owner::kMinipod;
  ns.pod = name;
  ns.pod_id = id;
  ns.network = "minipod";
  ns.pod_status = "Running";
  Interface lo = make_interface(1, "lo", "loopback", {"127.0.0.1/8"});
  Interface eth0 = make_interface(2, "eth0", "veth", {ip + "/16"});
  eth0.peer_index = host_index;
  eth0.peer_nsid = 0;
  eth0.peer = PeerRef{"", host_veth};
  ns.interfaces = {lo, eth0};
  ns.routes = {{"default", gateway, "eth0", ""}, {subnet, "", "eth0", ip}};
  return ns;
}

}  // namespace

NetView two_pods_view() {
  NetView v;
  v.host_interfaces.push_back(make_interface(1, "lo", "loopback", {"127.0.0.1/8"}));
  v.host_interfaces.push_back(make_interface(2, "eth0", "", {"192.0.2.2/24"}));
  v.host_interfaces.push_back(make_interface(5, "minipod0", "bridge", {"10.87.0.1/16"}));
  v.host_interfaces.push_back(
      veth(6, "veth6c1f0e2b", "minipod0", 2, 0, PeerRef{"two-pods-server", "eth0"}));
  v.host_interfaces.push_back(
      veth(7, "veth0a9b3d77", "minipod0", 2, 1, PeerRef{"two-pods-client", "eth0"}));
  v.host_interfaces.push_back(make_interface(8, "cni-podman0", "bridge", {"10.88.0.1/16"}));
  v.host_interfaces.push_back(
      veth(9, "vethcafe", "cni-podman0", 2, 2, PeerRef{"cni-1234", "eth0"}));
  v.host_routes = {{"default", "192.0.2.1", "eth0", ""},
                   {"10.87.0.0/16", "", "minipod0", "10.87.0.1"},
                   {"10.88.0.0/16", "", "cni-podman0", "10.88.0.1"},
                   {"192.0.2.0/24", "", "eth0", "192.0.2.2"}};
  NetnsView other = pod("cni-1234", "", 2, "10.88.0.4", "10.88.0.1", "10.88.0.0/16", "vethcafe", 9);
  other.owner = Owner::kOther;
  other.pod = other.pod_id = other.network = other.pod_status = "";
  v.namespaces.push_back(other);
  v.namespaces.push_back(pod("two-pods-client", "0a9b3d77e1f2a3b4", 1, "10.87.0.6", "10.87.0.1",
                             "10.87.0.0/16", "veth0a9b3d77", 7));
  v.namespaces.push_back(pod("two-pods-server", "6c1f0e2b5d4c3b2a", 0, "10.87.0.5", "10.87.0.1",
                             "10.87.0.0/16", "veth6c1f0e2b", 6));
  HostPort hp;
  hp.host_port = 18080;
  hp.pod_ip = "10.87.0.5";
  hp.pod_port = 8080;
  hp.netns = "two-pods-server";
  hp.pod = "two-pods-server";
  hp.chain = "CNI-DN-5e8c1c3c4b1a7f2d9e0a1";
  hp.recorded = hp.in_iptables = true;
  v.host_ports.push_back(hp);
  return v;
}

}  // namespace minipod::netview::testing
