// Importing a root filesystem someone else built: a directory (copied with everything a root
// filesystem needs: owners, modes, symlinks, hard links, xattrs) or a tar archive (any
// compression GNU tar recognises). Not on the pod start path, so the proven tools do the work.
#pragma once

#include <filesystem>

namespace minipod::images {

// Fills the empty directory `rootfs` from `source`. Throws UsageError when `source` is missing
// or neither a directory nor a regular file, Error when the copy or extraction fails.
void import_rootfs(const std::filesystem::path& source, const std::filesystem::path& rootfs);

}  // namespace minipod::images
