// A failed plugin call: which verb, plugin and network, and what the plugin said.
#pragma once

#include <string>
#include <vector>

#include "common/error.h"

namespace cni {

// CNI error codes (SPEC.md "Error codes").
enum ErrorCode : int {
  kErrIncompatibleVersion = 1,
  kErrUnsupportedField = 2,
  kErrUnknownContainer = 3,
  kErrInvalidEnv = 4,
  kErrIO = 5,
  kErrDecoding = 6,
  kErrInvalidConfig = 7,
  kErrTryAgainLater = 11,
  kErrPluginNotAvailable = 50,
  kErrLimitedConnectivity = 51,
  kErrInternal = 999,
};

// what() is one line:
//   CNI ADD failed: plugin "bridge" (network "mynet"): [code 999] failed to ...; <details>
// with "; stderr: <tail>" appended when the plugin gave no JSON error (then its stderr is the
// only explanation there is).
class PluginError : public minipod::Error {
 public:
  PluginError(std::string verb, std::string plugin, std::string network, int code, std::string msg,
              std::string details, std::string stderr_tail);

  const std::string& verb() const { return verb_; }
  const std::string& plugin() const { return plugin_; }
  const std::string& network() const { return network_; }
  int code() const { return code_; }  // CNI error code; 0 when the plugin gave none
  const std::string& msg() const { return msg_; }
  const std::string& details() const { return details_; }
  const std::string& stderr_tail() const { return stderr_tail_; }

 private:
  std::string verb_, plugin_, network_;
  int code_;
  std::string msg_, details_, stderr_tail_;
};

// A DEL of a network in which more than one plugin failed (one failure is thrown as its own
// PluginError). Every plugin was still called. what() is one line naming each failure:
//   CNI DEL failed: 2 of 3 plugins of network "mynet" failed: plugin "portmap" (network
//   "mynet"): ...; and plugin "bridge" (network "mynet"): ...
class DelError : public minipod::Error {
 public:
  DelError(std::string network, std::vector<PluginError> failures, size_t plugins);

  const std::string& network() const { return network_; }
  // In the order they happened (the list's reverse order).
  const std::vector<PluginError>& failures() const { return failures_; }

 private:
  std::string network_;
  std::vector<PluginError> failures_;
};

// An ADD refused before any plugin ran because the attachment it names is already made: the
// same (container id, ifname) on any network, or the same ifname in the same network namespace,
// is in the cache. Running it would fail in a plugin ("eth0 already exists"), and the DEL that
// undoes a failed ADD would then delete the other attachment's interface. Nothing was created,
// so it is a usage error (exit code 2); `existing` is the cache file of the attachment in the way.
class AttachmentInUse : public minipod::UsageError {
 public:
  AttachmentInUse(std::string detail, std::string existing)
      : minipod::UsageError("CNI ADD refused", std::move(detail)), existing_(std::move(existing)) {}
  const std::string& existing() const { return existing_; }

 private:
  std::string existing_;
};

}  // namespace cni
