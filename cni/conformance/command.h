// `minipod cni conformance PLUGIN ...`: the CLI over the suite.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <string>

namespace cni::conformance {

// Registers the sub-command under `cni`. `cni_path` gives the value of `minipod cni --cni-path`
// (CNI_PATH) once the command line is parsed. Sets exit_code: 0 when no MUST check failed, 1 when
// one did, 3 when none failed but some could not be tested here (the environment cannot do what
// the plugin needs), 128+N when signal N stopped the run; usage errors are thrown as
// minipod::UsageError (exit 2).
void add_conformance_command(CLI::App* cni, std::function<std::string()> cni_path, int& exit_code);

}  // namespace cni::conformance
