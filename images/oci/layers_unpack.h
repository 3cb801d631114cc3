// The layers an image needs and the store lacks, unpacked side by side: inflating a layer keeps a
// core busy (gzip is not parallel within a stream), so an image of several large layers is ready
// in about the time of its largest one on a machine of several cores, not of their sum.
#pragma once

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "images/oci/layer_unpack.h"

namespace minipod::images {

struct LayerJob {
  LayerSource source;          // `lowers`: every layer below it, nearest first
  std::filesystem::path dest;  // its directory in the store, renamed from a staging directory
  std::string label;           // "layer 2/4 sha256:..." for errors
  // Called before the blob is opened: a pull's layer may still be downloading (empty: it is
  // there). Throws when it will not come.
  std::function<void()> before_start;
};

// Unpacks `jobs` (listed bottom first) on up to `workers` threads, each into a staging directory
// under `staging_root` that is renamed to its `dest` once complete. A hard link into a lower layer
// waits for the jobs below it. When one fails the others still finish (each layer is whole and
// content-addressed: the next load reuses it) and the error of the lowest failed layer is thrown.
void unpack_layers(std::vector<LayerJob>& jobs, const std::filesystem::path& staging_root,
                   unsigned workers);

// How many layers to unpack at once here: two per CPU this process may run on, from 2 to 4.
// Inflating keeps a core busy, but creating thousands of files on a disk file system mostly
// waits (ext4 here: 0.1-0.3 ms per new file), and two workers per core overlap those waits
// (a 4-layer, 9,000-file image: 25 % faster than one per core on two cores).
unsigned unpack_workers();

}  // namespace minipod::images
