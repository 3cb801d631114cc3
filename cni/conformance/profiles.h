// Built-in configurations for the reference plugins (containernetworking/plugins), so
// `minipod cni conformance bridge` works without a config. Each profile creates what its plugin
// needs on the host (a bridge with its gateway address, a master link, a device to hand over)
// and removes it again; chained plugins (portmap, tuning, ...) run after bridge.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cni/defaults.h"

namespace cni::conformance {

struct ProfileContext {
  // Link names are <link_prefix><role><tag> (at most 15 characters): link_prefix is the start
  // of --prefix, so a run's links carry its prefix; tag (5 hex digits of its hash) keeps two
  // runs with similar prefixes apart.
  std::string link_prefix;
  std::string tag;
  std::string subnet24;  // "10.233.57": the profile uses <subnet24>.0/24 (from --subnet)
  std::string data_dir;  // host-local's dataDir (a temporary directory of the run)
};

struct Profile {
  std::vector<nlohmann::json> plugins;  // the list; the plugin under test last
  nlohmann::json capability_args = nlohmann::json::object();
  std::string ifname = kDefaultIfname;
  int max_attachments = 0;
  std::string setup;               // idempotent shell commands, run before every scenario
  std::string teardown;            // shell commands that remove what setup created
  std::vector<std::string> links;  // links setup creates (never reported as leftovers)
  std::string link_type;           // the kernel link type the plugin needs (probed first)
};

// The kernel link type a plugin of this type creates, for the probe ("" when none is known).
std::string link_type_of(const std::string& type);

// nullopt when there is no profile for `type`.
std::optional<Profile> builtin_profile(const std::string& type, const ProfileContext& ctx);
// The plugins that have one, for messages and the docs.
const std::vector<std::string>& profile_names();

// Creates the profile's host objects on construction and removes them on destruction.
class ProfileGuard {
 public:
  explicit ProfileGuard(const Profile& p);
  ProfileGuard(const ProfileGuard&) = delete;
  ProfileGuard& operator=(const ProfileGuard&) = delete;
  ~ProfileGuard();
  void again() const;  // setup once more (after a scenario destroyed a device)

 private:
  std::string setup_, teardown_;
};

}  // namespace cni::conformance
