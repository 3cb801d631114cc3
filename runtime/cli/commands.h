// The verbs of the minipod CLI that live in runtime/ (image and cni verbs register themselves
// from images/cli and cni/cli). One file per verb.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

namespace minipod::cli {

struct GlobalOptions {
  bool trace = false;
  std::string image_dir = "/var/lib/minipod/images";
};

// `minipod run POD.yaml [-d]`; sets exit_code to what the pod's containers returned.
void add_run_command(CLI::App& app, GlobalOptions& global, int& exit_code);
void add_ps_command(CLI::App& app);
void add_inspect_command(CLI::App& app);
void add_logs_command(CLI::App& app);
void add_exec_command(CLI::App& app, int& exit_code);
// `minipod debug POD`: an ephemeral container in a running pod.
void add_debug_command(CLI::App& app, GlobalOptions& global, int& exit_code);
void add_stop_command(CLI::App& app, int& exit_code);
void add_rm_command(CLI::App& app);
void add_gc_command(CLI::App& app, const GlobalOptions& global, int& exit_code);
// `minipod net show [--format text|dot|svg] [-o FILE]`: the node's pod network, drawn.
void add_net_command(CLI::App& app);
// `minipod version [-o json]`: minipod's version and commit, its libraries, the CNI versions.
void add_version_command(CLI::App& app);

// A check for an integer option that must not be negative ("--grace", "--tail"): CLI11 then says
// "--grace: must be a number of seconds >= 0, got -3".
CLI::Validator non_negative(const std::string& expected);

}  // namespace minipod::cli
