// One image layer (a tar, plain, gzip or zstd) unpacked into its own directory in overlayfs'
// form: whiteouts `.wh.NAME` become 0/0 character devices NAME, `.wh..wh..opq` becomes the
// trusted.overlay.opaque=y xattr on its directory. Every entry is created inside the layer
// directory through the safe-path unit: an absolute name, a ".." or a parent that is a symbolic
// link refuses the whole layer, naming the entry, and nothing is written outside it.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace minipod::images {

// How an entry's name is stored: "./usr/bin/x" -> "usr/bin/x", "dir/" -> "dir". Throws Error
// naming the entry when it is absolute, has a ".." component or is empty.
std::string layer_entry_path(const std::string& name);

struct LayerSource {
  std::filesystem::path blob;  // the layer as the image carries it
  std::string digest;          // "sha256:<hex>" it must have (checked while reading); empty: none
  std::vector<std::filesystem::path> lowers;  // the layers below it, nearest first (hard links)
  // Called once before `lowers` are first looked at, which is only for a hard link whose target
  // this layer lacks: layers unpacked side by side wait there for the ones below to be in place.
  std::function<void()> before_lowers;
};

// Unpacks `source` into `dest` (an empty directory). Numeric owners (never the host's names),
// modes incl. setuid, xattrs (security.capability), hard links (a target found only in a lower
// layer is copied up first), devices, fifos, symlinks, times. Throws Error naming the entry.
void unpack_layer(const LayerSource& source, const std::filesystem::path& dest);

}  // namespace minipod::images
