// Drives the plugin under test the way a runtime would, one network at a time: builds each
// plugin's stdin like libcni (name, cniVersion, prevResult, runtimeConfig), runs the plugins
// before it in the list when it is chained, and records every call. Checks that are about the
// protocol itself use call() to send exactly what they want.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cni/conformance/recorder.h"
#include "cni/conformance/sandbox.h"
#include "cni/defaults.h"

namespace cni::conformance {

// The plugin under test and the list it runs in.
struct Subject {
  std::string type;                      // the plugin under test
  std::vector<nlohmann::json> plugins;   // the list's plugin objects; the plugin under test last
  std::vector<std::string> paths;        // their binaries
  std::vector<std::string> plugin_dirs;  // CNI_PATH
  nlohmann::json capability_args = nlohmann::json::object();
  std::string ifname = kDefaultIfname;
  std::string cni_args = "IgnoreUnknown=1";
  int max_attachments = 0;  // how many attachments can exist at once (0: no limit)
  std::string cni_path() const;
  bool chained() const { return plugins.size() > 1; }
};

struct Attachment {
  std::string container_id, netns_name, netns_path, ifname;
};

struct AddOutcome {
  bool prefix_ok = true;  // the plugins before the one under test succeeded
  std::string prefix_error;
  std::optional<CallRecord> call;     // the plugin under test's ADD
  nlohmann::json result;              // its result; discarded when there is none
  nlohmann::json prev;                // the prevResult it was given (null: none)
  std::vector<NsLink> before, after;  // the netns around the ADD
  bool ok() const { return prefix_ok && call && call->ok() && result.is_object(); }
  // "exit 1, code 999: ..." or "the chain before it failed: ...".
  std::string describe() const;
  // Interfaces the plugin under test created in the sandbox: named in its result with the
  // sandbox, not in prevResult, absent before the ADD.
  std::vector<std::string> owned_interfaces() const;
  // Addresses (CIDR) of the result that sit on one of those interfaces.
  std::vector<std::string> owned_addresses() const;
  // Every address of result and prevResult, without prefix length.
  std::vector<std::string> addresses() const;
  // Sandbox interfaces of result and prevResult that were absent before the ADD.
  std::vector<std::string> sandbox_interfaces() const;
};

enum class DelMode { kNormal, kEmptyNetns, kNoPrevResult };

class Network {
 public:
  // `pool`: when > 0, the plugin's address pool is shrunk to that many addresses (see
  // can_shrink_pool()).
  Network(const Subject& subject, Recorder& recorder, std::string version, std::string name,
          std::string scenario, int pool = 0);

  const std::string& name() const { return name_; }
  const std::string& version() const { return version_; }
  const Subject& subject() const { return subject_; }

  AddOutcome add(const Attachment& a);
  // DEL of the whole list (reverse order); returns the plugin under test's call. prevResult
  // (0.4.0+) is the ADD result converted to the version, as a runtime's cache gives it.
  CallRecord del(const Attachment& a, const AddOutcome* added, DelMode mode = DelMode::kNormal);
  // CHECK of the plugin under test alone, with the ADD result as prevResult.
  CallRecord check(const Attachment& a, const AddOutcome& added);
  // One raw call of the plugin under test.
  CallRecord call(const std::string& verb, const Attachment& a, const std::string& stdin_data,
                  const std::vector<std::string>& unset = {});
  // The plugin under test's stdin for `verb`, with `prev` as prevResult when not null.
  std::string plugin_stdin(const nlohmann::json* prev) const;
  // The plugin object as it is sent (name, cniVersion) plus `extra` fields, for GC and STATUS.
  std::string plain_stdin(const nlohmann::json& extra) const;

  // Host-local state directory of the pool, when the pool is host-local's ("" otherwise).
  std::string host_local_dir() const;

 private:
  CallRecord run(const std::string& verb, size_t index, const Attachment& a,
                 const std::string& stdin_data, const std::vector<std::string>& unset = {});
  std::optional<nlohmann::json> cached(const AddOutcome& added) const;

  const Subject& subject_;
  Recorder& recorder_;
  std::string version_, name_, scenario_;
  std::vector<nlohmann::json> plugins_;  // with the pool shrunk
};

// The address pool of the plugin under test: its "ipam" object, or the plugin object itself
// for an IPAM plugin (host-local's "ranges"/"subnet"). nullptr when it has none.
const nlohmann::json* address_pool(const nlohmann::json& plugin);
// Whether the pool can be shrunk to a few IPv4 addresses (host-local's format: "ranges" or
// "subnet"), and why not.
bool can_shrink_pool(const nlohmann::json& plugin, std::string* why);

// `result` converted to `version` like a runtime's cache would (the result itself when it does
// not parse).
nlohmann::json convert_result(const nlohmann::json& result, const std::string& version);

}  // namespace cni::conformance
