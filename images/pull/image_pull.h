// Pulling an image into the store. The registry client is a separate program, minipod-pull
// (dynamically linked: Debian ships its HTTP library only as a shared object), installed next to
// minipod. It fetches the image into a staging OCI layout inside the store, skipping what the
// store already holds, and names each blob on a pipe once it is there (pull_helper.h); the store
// unpacks each layer as it arrives, and the staging directory goes, so no compressed layer is
// kept.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "images/store/image_store.h"

namespace minipod::images {

// minipod-pull next to the minipod binary (the build tree's bin/ or the install's bin/): next to
// `minipod_binary`, or, when empty, next to /proc/self/exe (which a minipod running from its
// read-only bind does not have: it passes security::installed_path()).
std::filesystem::path pull_helper_path(const std::filesystem::path& minipod_binary = {});

// Fetches `reference` (e.g. "localhost:5000/app:1.0", "busybox:1.36") and stores it under its
// normalized name ("docker.io/library/busybox:1.36"). `helper_args` go to minipod-pull as they are
// (--platform, -q, --registries-conf). The helper's progress and errors go to this process's
// stderr. Throws Error naming the reference when the fetch or the load fails.
Image pull_image(ImageStore& store, const std::string& reference,
                 const std::vector<std::string>& helper_args = {},
                 const std::filesystem::path& minipod_binary = {});

}  // namespace minipod::images
