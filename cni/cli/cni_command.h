#pragma once

#include <CLI/CLI.hpp>

namespace cni::cli {

// `minipod cni add|check|del|gc|status|version|ls|cache ls` (cnitool parity). Sets exit_code.
void add_cni_commands(CLI::App& app, int& exit_code);

}  // namespace cni::cli
