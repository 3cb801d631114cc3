// An image's User ("name", "uid", "name:group", "uid:gid") as numeric ids, the names looked up in
// the image's own /etc/passwd and /etc/group (never the host's), read through the safe-path unit
// from the top-most layer that has them.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace minipod::images {

struct ImageUser {
  uid_t uid = 0;
  gid_t gid = 0;
  bool numeric_user = true;  // false: the user part was a name (runAsNonRoot cannot trust it)
};

// `layers` top first. Throws UsageError naming the user and the file when a name is missing.
ImageUser resolve_image_user(const std::vector<std::filesystem::path>& layers,
                             const std::string& user);

// HOME for `uid` as runc sets it when the environment has none: the home directory of the uid's
// entry in the image's /etc/passwd, "/" without one.
std::string image_home(const std::vector<std::filesystem::path>& layers, uid_t uid);

// The supplementary groups containerd gives `uid`: those of the image's /etc/group whose member
// list names the uid's user (from the image's /etc/passwd), except the group of the user's own
// name. None when the uid has no entry.
std::vector<gid_t> image_groups(const std::vector<std::filesystem::path>& layers, uid_t uid);

// One line of /etc/passwd or /etc/group split at ':' (exposed for tests).
std::vector<std::string> split_colon_line(const std::string& line);

}  // namespace minipod::images
