// GC of every network at once (`minipod cni gc` without a network name; the wish of
// containernetworking/cni#1091): the runtime's cache says which attachments exist, so each
// network's plugins are told to keep exactly those and may drop whatever else they hold (an
// address leaked by a crash between a plugin's ADD and the cache write, rules of a DEL that never
// ran).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cni/client.h"

namespace cni {

// What happened to one network (or to one config file that could not be used).
struct NetworkGc {
  std::string network;  // empty for a file that could not be read
  std::string source;   // the config file, or the cache entries it was known from
  std::optional<GcReport> report;
  std::string error;  // one line, when the GC (or reading the file) failed
  std::string note;   // why it was left alone, when it was (a name already taken by a file)
};

using Attachment = std::pair<std::string, std::string>;  // (container id, ifname)

// Every network of `conf_dir` (libcni's load order; a name that two files hold is the first
// one's), then the networks that only the cache still knows. The valid attachments of a network
// are its cached attachments, except those whose netns path no longer exists (nothing can be
// attached through a namespace that is gone: they are DELeted, as libcni DELs every cached
// attachment that is not valid), plus `extra_valid` for every network. A network known only from
// the cache gets the DEL of its stale attachments with the config they were added with, and no
// GC verb (there is no config to send it with). Goes on past every failure; each is in its entry.
std::vector<NetworkGc> gc_networks(Client& client, const std::filesystem::path& conf_dir,
                                   const std::vector<Attachment>& extra_valid);

// Whether a cached attachment's namespace is gone: a non-empty netns path that does not exist
// (ENOENT). A path that cannot be looked at for another reason counts as alive.
bool netns_gone(const std::string& netns);

}  // namespace cni
