#pragma once

#include <CLI/CLI.hpp>

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace minipod::images::cli {

// The image layers pods still stack in their overlays (from the pod records): `image prune`
// keeps them.
using LayersInUse = std::function<std::vector<std::filesystem::path>()>;

// `minipod image build|import|load|ls|inspect|tag|rm|prune`. `store_dir` is read when the
// command runs (after parsing).
void add_image_commands(CLI::App& app, const std::string& store_dir, LayersInUse layers_in_use);

}  // namespace minipod::images::cli
