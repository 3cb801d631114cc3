// What a plugin can leave on the host: links, addresses, routes, iptables rules and chains (every
// table, IPv4 and IPv6), and the sysctls plugins are known to flip. The suite takes a snapshot
// before a run, compares after the last DEL, reports every difference it can attribute to the
// plugin under test, and puts the host back.
//
// Other programs may change the host at the same time (other runtimes, other tests), so a
// difference only counts, and is only undone, when it can be tied to this run: an address of one
// of its attachments, a host-side interface its results named, a link the suite created.
// Everything else is listed as "not attributed" and left alone.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

namespace cni::conformance {

struct HostSnapshot {
  std::map<std::string, std::string> links;    // name -> master ("" when none)
  std::set<std::string> addresses;             // "dev 10.0.0.1/24"
  std::map<std::string, std::string> routes;   // key -> arguments for `ip route del`
  std::set<std::string> chains;                // "iptables nat CNI-HOSTPORT-DNAT"
  std::set<std::string> rules;                 // "iptables nat -A CHAIN ..."
  std::map<std::string, std::string> sysctls;  // /proc/sys path -> value
};

HostSnapshot snapshot_host();

// What ties a host change to this run.
struct Attribution {
  std::set<std::string> addresses;  // container addresses, without prefix length
  std::set<std::string> subnets;    // their networks, "10.233.1.0/24"
  std::set<std::string> container_ids;
  // Host-side interfaces named in ADD results -> how many attachments named them (1: the
  // attachment's own, like a veth; more: shared, like a bridge).
  std::map<std::string, int> host_links;
  std::set<std::string> suite_links;  // created by the suite itself (profile bridge, master)
  // Host links that went with a namespace the suite deleted (see links_destroyed_by_suite()).
  std::set<std::string> suite_destroyed;
  // What appeared on the (private) host between one attachment's ADD and its DEL and was still
  // there after the DEL (see appeared()) -> that attachment's container id: a leftover nothing
  // else ties to the run is still the attachment's.
  std::map<std::string, std::string> left_by;
};

// What `after` has that `before` has not, as the keys Attribution::left_by uses: "link NAME",
// "address DEV CIDR", "route ARGS", "rule RULE", "chain CHAIN".
std::set<std::string> appeared(const HostSnapshot& before, const HostSnapshot& after);

struct HostDiff {
  std::vector<std::string> attachment;  // per-attachment leftovers: host.clean
  std::vector<std::string> shared;      // shared state changed: host.shared
  std::vector<std::string> foreign;     // changed during the run, not attributable: left alone
  std::vector<std::string> actions;     // what the suite did to put the host back
  std::vector<std::string> failures;    // what it could not undo
};

// Compares `before` with the host now, classifies each difference and undoes the attributable
// ones (rules deleted, chains flushed and removed, sysctls written back, links, addresses and
// routes deleted).
HostDiff diff_and_restore(const HostSnapshot& before, const Attribution& attr);

}  // namespace cni::conformance
