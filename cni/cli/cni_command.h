#pragma once

#include <CLI/CLI.hpp>

namespace cni::cli {

// `minipod cni add|check|del|gc|status|version|ls|cache ls` (cnitool parity). Sets exit_code.
// Failures are thrown as minipod::Error (UsageError for bad input: exit 2), for main() to print
// as one line.
void add_cni_commands(CLI::App& app, int& exit_code);

// cnitool's container id for a netns path: "cnitool-" + the first 10 bytes of SHA-512(path) in
// hex, so add and del of the same netns agree without being told an id.
std::string container_id_for_netns(const std::string& netns_path);

}  // namespace cni::cli
