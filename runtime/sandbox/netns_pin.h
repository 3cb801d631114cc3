// Step 3: the pod's network namespace bind-mounted at /run/netns/<name>, as `ip netns add` does,
// so `ip netns exec <pod> ...` works and CNI DEL still works if pause has died.
#pragma once

#include <filesystem>
#include <string>

namespace minipod::sandbox {

// Bind-mounts the namespace behind `nsfd` onto <dir>/<name>. Throws UsageError-like Error when
// the name is taken. Idempotent undo via unpin_netns().
std::filesystem::path pin_netns(const std::filesystem::path& dir, const std::string& name,
                                int nsfd);

// Unmounts and removes a pin; a missing pin is fine.
void unpin_netns(const std::filesystem::path& pin);

}  // namespace minipod::sandbox
