// `minipod image load`: the three ways images travel as files — a docker-archive (`docker save`,
// `podman save`: manifest.json + config + layer tars, several images per archive), an
// oci-archive (a tar of an OCI image layout) and an OCI image layout directory — all turned into
// an OCI layout and stored by LayeredStore::load_layout.
#pragma once

#include <filesystem>
#include <optional>
#include <vector>

#include "images/oci/image_ref.h"
#include "images/oci/layered_store.h"

namespace minipod::images {

enum class ArchiveKind { kNone, kOciLayout, kDockerArchive };

// What `path` (a directory or a tar file) holds, judged by its top-level names.
ArchiveKind archive_kind(const std::filesystem::path& path);

std::vector<Image> load_images(LayeredStore& store, const std::filesystem::path& source,
                               const std::optional<ImageRef>& name,
                               const ImageStore::Reporter& report);

}  // namespace minipod::images
