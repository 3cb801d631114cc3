// The built-in "busybox" image: Debian's busybox-static plus one symlink per applet and the few
// directories and /etc files a shell session expects. Takes milliseconds, so `minipod run` can
// build it on first use.
#pragma once

#include <filesystem>

#include "images/store/image_store.h"

namespace minipod::images {

inline constexpr const char* kDefaultBusybox = "/bin/busybox";

// Fills the empty directory `rootfs` and returns the image's default config (cmd ["sh"], PATH).
// Throws Error saying which package to install when `busybox` is missing or not static.
ImageConfig populate_busybox_rootfs(const std::filesystem::path& rootfs,
                                    const std::filesystem::path& busybox = kDefaultBusybox);

}  // namespace minipod::images
