// portmap's DNAT rules, read from `iptables-save -t nat`: CNI-HOSTPORT-DNAT jumps to one
// CNI-DN-<hash> chain per attachment (its comment names the network and the container id, which
// is minipod's pod id), and that chain DNATs each published port to the pod's address.
#pragma once

#include <string>
#include <vector>

namespace minipod::netview {

struct DnatRule {
  std::string chain;         // CNI-DN-...
  std::string network;       // from the jump's comment `dnat name: "NET" id: "ID"`
  std::string container_id;  // empty when no jump to the chain names one
  std::string protocol;      // "tcp", "udp", "sctp"
  std::string host_ip;       // the rule's -d, without /32; empty: any address
  int host_port = 0;
  std::string to_ip;
  int to_port = 0;
};

// The DNAT rules of every CNI-DN-* chain in the nat table of an iptables-save dump, in the order
// of the dump. Lines that are not such rules are skipped.
std::vector<DnatRule> parse_hostport_dnat(const std::string& iptables_save);

// One iptables-save rule line split into words, with "quoted words" unquoted (\" inside them).
std::vector<std::string> split_rule(const std::string& line);

}  // namespace minipod::netview
