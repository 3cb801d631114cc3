// Step 3: the pod's network namespace bind-mounted at /run/netns/<name>, as `ip netns add` does,
// so `ip netns exec <pod> ...` works and CNI DEL still works if pause has died.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>

namespace minipod::sandbox {

// Bind-mounts the namespace behind `nsfd` onto <dir>/<name>. Throws Error when the name is taken
// (nothing of the other owner's is touched) or the mount fails (the file it made is removed).
std::filesystem::path pin_netns(const std::filesystem::path& dir, const std::string& name,
                                int nsfd);

// Unmounts and removes the pin if it holds the network namespace with inode `ours` (recorded when
// the pod's pause started): a pin of the same name made by `ip netns add` or another pod is never
// touched, nor is one of ours that a crash left half made. A missing pin is fine.
void unpin_netns(const std::filesystem::path& pin, ino_t ours);

}  // namespace minipod::sandbox
