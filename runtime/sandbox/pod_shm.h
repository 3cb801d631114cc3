// The pod's /dev/shm: one 64 MiB tmpfs on the host, bind-mounted into every container of the
// pod, so POSIX shared memory works across them as SysV IPC does through the shared IPC namespace.
#pragma once

#include <filesystem>

namespace minipod::sandbox {

void mount_pod_shm(const std::filesystem::path& dir);
// Unmounts and removes; missing is fine.
void unmount_pod_shm(const std::filesystem::path& dir);

}  // namespace minipod::sandbox
