// Joins the facts gather.cpp read into one NetView: which namespace is whose (minipod's records),
// which host veth is the other end of which pod interface (ifindex and link-netnsid), which
// hostPort goes where (minipod's records cross-checked with portmap's DNAT rules). Pure: no
// system call, so tested on facts made by hand.
#pragma once

#include <string>
#include <vector>

#include "runtime/netview/model.h"
#include "runtime/netview/nat_rules.h"

namespace minipod::netview {

// A hostPort as minipod asked portmap for it (the record's portMappings).
struct RecordedPort {
  std::string protocol;  // lower case
  std::string host_ip;   // empty: every address
  int host_port = 0;
  int container_port = 0;
};

// What a minipod record says of a pod that has a network namespace.
struct RecordedPod {
  std::string name, id, network;
  std::string netns;             // the pin: /run/netns/<name>
  bool pin_is_the_pods = true;   // the pin holds the namespace the record names (its inode)
  bool holds_network = true;     // running, or ended with its attachment not released
  std::string status;            // "Running", "Stopped (network not released)", ...
  std::vector<std::string> ips;  // the addresses its CNI ADD returned
  std::vector<RecordedPort> ports;
};

struct Facts {
  std::vector<Interface> host_interfaces;
  std::vector<Route> host_routes;
  // The pinned namespaces, with their links and routes read (or error set); owner not yet known.
  std::vector<NetnsView> namespaces;
  std::vector<RecordedPod> pods;
  std::vector<DnatRule> dnat;
  bool dnat_read = true;  // false when iptables-save could not run: nothing can be cross-checked
  std::vector<std::string> notes;  // what gathering could not read
};

NetView assemble(Facts facts);

}  // namespace minipod::netview
