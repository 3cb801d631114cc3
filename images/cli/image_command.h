#pragma once

#include <CLI/CLI.hpp>

#include <string>

namespace minipod::images::cli {

// `minipod image build|import|ls|rm`. `store_dir` is read when the command runs (after parsing).
void add_image_commands(CLI::App& app, const std::string& store_dir);

}  // namespace minipod::images::cli
