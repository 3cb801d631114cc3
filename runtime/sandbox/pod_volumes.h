// The pod's volumes on the host, made before its containers start and gone with the pod, as the
// kubelet's volume plugins do: an emptyDir is a directory of the pod's (mode 0777), or a tmpfs of
// its sizeLimit with medium Memory; a hostPath is the host's path, type-checked (and created for
// DirectoryOrCreate and FileOrCreate). Containers bind them (container/rootfs_plan.h).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "runtime/spec/pod_spec.h"
#include "runtime/state/pod_record.h"

namespace minipod::sandbox {

// Where each volume will be, recorded before any is made: emptyDirs in `volumes_dir`/<name>.
std::vector<state::VolumeRecord> plan_volumes(const spec::Pod& pod,
                                              const std::filesystem::path& volumes_dir);

// Makes one volume ready to be bound. A hostPath whose type check fails throws with the
// kubelet's words: `volume "v": hostPath type check failed: /x is not a directory`.
void set_up_volume(const state::VolumeRecord& volume);

// The kubelet's hostPath type check (and creation, for the *OrCreate types) of `path`.
void check_host_path(const std::string& path, const std::string& type);

// Unmounts the pod's tmpfs emptyDirs. Idempotent.
void unmount_volumes(const std::vector<state::VolumeRecord>& volumes);

// unmount_volumes(), then the emptyDirs' directory. Idempotent; hostPaths are never touched.
void remove_volumes(const state::PodRecord& record);

}  // namespace minipod::sandbox
