// Running one plugin binary, exactly as the spec says a runtime must: found in CNI_PATH order,
// the six CNI_* variables set on top of the parent environment, the config on stdin, stdout and
// stderr captured separately, killed at a deadline. Every failure becomes a PluginError.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <vector>

#include "common/subprocess.h"

namespace cni {

struct PluginCall {
  std::string verb;                                         // CNI_COMMAND
  std::string plugin;                                       // the config's "type", for messages
  std::string network;                                      // for messages; may be empty
  std::string path;                                         // the binary, from find_plugin()
  std::string container_id, netns, ifname, args, cni_path;  // the other five CNI_* variables
  std::string stdin_data;
};

struct ExecLimits {
  std::chrono::milliseconds timeout{60'000};
  size_t max_output = 4 << 20;  // per stream; more is a plugin bug, not a result
};

struct PluginOutput {
  std::string out, err;
};

// The first regular, executable file called `type` in `dirs`. Throws PluginError (code 0) when
// the name contains '/', is empty, or no directory has it (naming the directories searched, like
// libcni), or when the only match is not executable.
std::string find_plugin(const std::string& type, const std::vector<std::string>& dirs,
                        const std::string& verb, const std::string& network);

// Runs the call; returns what it printed when it exited 0. A timeout, a signal, a non-zero exit
// (with or without a JSON error object on stdout, which may lack "cniVersion") and oversized
// output all throw PluginError. With --trace, prints the call as a shell command plus stdin,
// stdout, stderr, exit code and duration.
PluginOutput exec_plugin(const PluginCall& call, const ExecLimits& limits);

// The environment exec_plugin gives the plugin: the parent's, with the six CNI_* variables of the
// call on top (those the parent had are replaced).
std::vector<std::string> plugin_environment(const PluginCall& call);

// Runs the call with `env` as the whole environment and returns what happened, without judging it
// (traced like exec_plugin). For the conformance suite, which must see every exit code and byte of
// output, and must be able to leave variables out. Throws minipod::Error when it cannot start.
minipod::ProcessResult run_plugin_process(const PluginCall& call, std::vector<std::string> env,
                                          const ExecLimits& limits);

// The last lines of a plugin's stderr, on one line, for error messages.
std::string stderr_tail(const std::string& err);

// What a plugin answers to VERSION.
struct PluginVersionInfo {
  std::string cni_version;             // the version the answer is written in
  std::vector<std::string> supported;  // "supportedVersions"
};

// Asks VERSION once per binary (keyed by path, inode, size and mtime, so a replaced binary is
// asked again) and remembers the answer for the life of the process. Thread-safe.
PluginVersionInfo plugin_versions(const std::string& path, const std::string& type,
                                  const std::string& cni_path, const ExecLimits& limits);
// Forgets every remembered answer (tests).
void clear_version_cache();

}  // namespace cni
