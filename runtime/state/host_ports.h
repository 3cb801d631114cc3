// Host ports are taken the way pod names are (name_reservation.h): one file per published port
// under <run>/ports, created under the names lock and holding the id and name of the pod that
// publishes it, so two pods can never both be given one port, even when started at once.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "runtime/state/paths.h"

namespace minipod::state {

struct HostPort {
  int port = 0;
  std::string protocol;  // TCP, UDP or SCTP, as in the manifest
  std::string host_ip;   // empty: every address of the host
  std::string field;     // where the manifest asks for it: spec.containers[0].ports[0].hostPort

  // "8080/TCP", or "127.0.0.1:8080/TCP" with a hostIP.
  std::string describe() const;
  // Same port and protocol, and addresses that meet (equal, or one of them every address).
  bool overlaps(const HostPort& other) const;
};

struct PortHolder {
  HostPort wanted;       // the port asked for
  std::string id, name;  // the pod that holds it
};

// The first of `wanted` that another pod holds: a pod whose directory exists and that has not
// both ended and released its network (a stopped pod whose CNI DEL failed may still have
// portmap's rules). Reservations of pods that are gone, or ended with nothing held, are removed
// on the way. `self_id`'s own reservations never conflict. Call under the names lock to act on
// the answer.
std::optional<PortHolder> find_port_holder(const Paths& paths, const std::vector<HostPort>& wanted,
                                           const std::string& self_id);

// find_port_holder() under the names lock, throwing throw_port_taken() for a port that is held:
// the early check of `minipod run`, before anything exists (the reservation checks again).
void check_host_ports(const Paths& paths, const std::vector<HostPort>& wanted,
                      const std::string& manifest);

// Creates the reservation files of `ports` for pod `id` (under the names lock, after
// find_port_holder found none). Returns the files made.
std::vector<std::string> reserve_host_ports(const Paths& paths, const std::vector<HostPort>& ports,
                                            const std::string& id, const std::string& name);

// Removes every reservation that pod `id` holds: remove_ with the names lock held, release_
// takes it.
void remove_host_ports(const Paths& paths, const std::string& id);
void release_host_ports(const Paths& paths, const std::string& id);

// Reservations whose pod directory is gone (takes the names lock): removed, and described.
std::vector<std::string> remove_stale_host_ports(const Paths& paths);

// <run>/ports
std::filesystem::path ports_dir(const Paths& paths);

// A UsageError naming the manifest field, the port and the pod holding it:
//   pod.yaml: spec.containers[0].ports[0].hostPort: 8080/TCP is already published by pod "web"
//   (id 1a2b3c4d5e6f)
[[noreturn]] void throw_port_taken(const std::string& manifest, const PortHolder& holder);

}  // namespace minipod::state
