#include "images/oci/image_user.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <optional>
#include <sstream>

#include "common/error.h"
#include "common/safe_path.h"

namespace minipod::images {
namespace {

std::optional<uint32_t> as_id(const std::string& s) {
  if (s.empty() || s.size() > 10 || s.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  unsigned long v = std::stoul(s);
  if (v > 0xfffffffeUL) return std::nullopt;
  return static_cast<uint32_t>(v);
}

// The file as the image's top-most layer holding it has it; nullopt when no layer does (or the
// top-most one deleted it with a whiteout).
std::optional<std::string> read_image_file(const std::vector<std::filesystem::path>& layers,
                                           const std::string& path) {
  for (const auto& layer : layers) {
    safe_path::RootDir root(layer);
    UniqueFd fd = root.open(path, O_RDONLY | O_NOFOLLOW);
    if (!fd) {
      UniqueFd any = root.open(path, O_PATH | O_NOFOLLOW);
      if (!any) continue;  // not in this layer: look below
      struct stat st {};
      if (::fstat(any.get(), &st) == 0 && S_ISCHR(st.st_mode)) return std::nullopt;  // whiteout
      continue;
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
    std::string text;
    char buf[8192];
    ssize_t n;
    while ((n = ::read(fd.get(), buf, sizeof buf)) > 0) {
      text.append(buf, static_cast<size_t>(n));
      if (text.size() > (16u << 20)) break;  // no real passwd is that big
    }
    return text;
  }
  return std::nullopt;
}

// The entry whose field `key_index` equals `key`: its fields.
std::optional<std::vector<std::string>> find_entry(const std::string& text, size_t key_index,
                                                   const std::string& key) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    auto f = split_colon_line(line);
    if (f.size() > key_index && f.size() >= 3 && f[key_index] == key) return f;
  }
  return std::nullopt;
}

}  // namespace

std::vector<std::string> split_colon_line(const std::string& line) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t end = line.find(':', start);
    out.push_back(line.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

ImageUser resolve_image_user(const std::vector<std::filesystem::path>& layers,
                             const std::string& user) {
  ImageUser out;
  if (user.empty()) return out;
  size_t colon = user.find(':');
  std::string u = user.substr(0, colon);
  std::string g = colon == std::string::npos ? "" : user.substr(colon + 1);
  auto fail = [&](const std::string& why) { throw UsageError("image user \"" + user + "\"", why); };
  std::optional<std::string> passwd;
  bool passwd_read = false;
  auto passwd_text = [&]() -> const std::optional<std::string>& {
    if (!passwd_read) passwd = read_image_file(layers, "/etc/passwd"), passwd_read = true;
    return passwd;
  };
  if (auto numeric = as_id(u)) {
    out.uid = *numeric;
    // A uid with an entry takes its primary group (Docker, containerd); without one, gid 0.
    if (passwd_text())
      if (auto entry = find_entry(*passwd_text(), 2, u); entry && entry->size() > 3)
        if (auto gid = as_id((*entry)[3])) out.gid = *gid;
  } else {
    out.numeric_user = false;
    if (!passwd_text()) fail("names a user, and the image has no /etc/passwd to find it in");
    auto entry = find_entry(*passwd_text(), 0, u);
    if (!entry || entry->size() < 4)
      fail("unable to find user " + u + ": no matching entries in the image's /etc/passwd");
    auto uid = as_id((*entry)[2]);
    auto gid = as_id((*entry)[3]);
    if (!uid || !gid) fail("the image's /etc/passwd entry for " + u + " has no numeric uid:gid");
    out.uid = *uid;
    out.gid = *gid;
  }
  if (!g.empty()) {
    if (auto gid = as_id(g)) {
      out.gid = *gid;
    } else {
      auto group = read_image_file(layers, "/etc/group");
      if (!group) fail("names a group, and the image has no /etc/group to find it in");
      auto entry = find_entry(*group, 0, g);
      auto id = entry ? as_id((*entry)[2]) : std::nullopt;
      if (!id)
        fail("unable to find group " + g + ": no matching entries in the image's /etc/group");
      out.gid = *id;
    }
  }
  return out;
}

std::string image_home(const std::vector<std::filesystem::path>& layers, uid_t uid) {
  auto passwd = read_image_file(layers, "/etc/passwd");
  auto entry = passwd ? find_entry(*passwd, 2, std::to_string(uid)) : std::nullopt;
  if (!entry || entry->size() < 6 || (*entry)[5].empty()) return "/";
  return (*entry)[5];
}

std::vector<gid_t> image_groups(const std::vector<std::filesystem::path>& layers, uid_t uid) {
  std::vector<gid_t> out;
  auto passwd = read_image_file(layers, "/etc/passwd");
  auto entry = passwd ? find_entry(*passwd, 2, std::to_string(uid)) : std::nullopt;
  if (!entry || (*entry)[0].empty()) return out;
  const std::string& name = (*entry)[0];
  auto group = read_image_file(layers, "/etc/group");
  if (!group) return out;
  std::istringstream in(*group);
  std::string line;
  while (std::getline(in, line)) {
    auto f = split_colon_line(line);
    if (f.size() < 4 || f[0] == name) continue;
    auto gid = as_id(f[2]);
    if (!gid) continue;
    std::istringstream members(f[3]);
    std::string m;
    while (std::getline(members, m, ','))
      if (m == name) {
        out.push_back(*gid);
        break;
      }
  }
  return out;
}

}  // namespace minipod::images
