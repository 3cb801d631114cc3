#pragma once

#include <CLI/CLI.hpp>

namespace minipod::images::cli {

// `minipod login`, `minipod logout` and `minipod image pull`: run by the minipod-pull helper
// installed next to minipod (images/registry/registry_client.h says why it is a separate
// program); `image pull` stores what it fetched in the store at `store_dir` (read when the
// command runs). Call after add_image_commands: `image pull` joins the `image` verb.
void add_registry_commands(CLI::App& app, const std::string& store_dir);

}  // namespace minipod::images::cli
