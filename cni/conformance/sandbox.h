// The network namespaces the suite runs plugins in, and what the suite sees inside them. Every
// namespace is named <prefix>-<n> (a prefix the run owns), pinned by `ip netns add` and removed
// when its owner goes out of scope, whatever happened in between.
#pragma once

#include <chrono>
#include <string>
#include <vector>

namespace cni::conformance {

struct Shell {
  int code = -1;
  std::string out, err;
};
// Runs `cmd` with /bin/sh (the suite's host tools: ip, iptables). Never throws for a failing
// command; throws minipod::Error when the shell cannot start.
Shell sh(const std::string& cmd, std::chrono::seconds timeout = std::chrono::seconds(30));

// A directory of the run under /tmp (cnicf-XXXXXX: host-local's state, the delegate shim),
// removed with everything in it. Its .owner file stays locked while the run lives, so a run
// killed before it could remove the directory is told from a live one.
class TempDir {
 public:
  TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir();
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  int lock_ = -1;
};

// Removes the directories of runs that are gone (a SIGKILL); returns them. Never one of a live
// run, nor one without an .owner file.
std::vector<std::string> remove_stale_temp_dirs();

class Netns {
 public:
  // Creates the namespace (throws minipod::Error naming it when `ip netns add` fails) and sets
  // its loopback up, as a runtime does.
  explicit Netns(std::string name);
  Netns(const Netns&) = delete;
  Netns& operator=(const Netns&) = delete;
  ~Netns();

  const std::string& name() const { return name_; }
  std::string path() const { return "/run/netns/" + name_; }
  // Deletes it now (the "netns is already gone" cases); the path stays in the attachment.
  void remove();

 private:
  std::string name_;
  bool removed_ = false;
};

struct NsLink {
  std::string name, mac;
  std::vector<std::string> addresses;  // "10.233.1.2/24", global and host scope
};
// The links of a named namespace with their addresses; empty when it does not exist.
std::vector<NsLink> netns_links(const std::string& name);
const NsLink* find_link(const std::vector<NsLink>& links, const std::string& name);

// Host links that went away when the suite itself deleted one of its namespaces (a device
// host-device moved into the sandbox, and the veth peer that dies with it): the suite's doing,
// never the plugin's. Thread-safe.
std::vector<std::string> links_destroyed_by_suite();

// Removes every namespace of the run (<prefix>-*) that is still there: the last safety net.
// Returns the names it had to remove.
std::vector<std::string> remove_netns_with_prefix(const std::string& prefix);

}  // namespace cni::conformance
