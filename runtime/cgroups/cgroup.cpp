#include "runtime/cgroups/cgroup.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <iterator>
#include <sstream>
#include <thread>

#include "common/error.h"
#include "common/fs.h"
#include "common/strings.h"

namespace minipod::cgroups {
namespace {

namespace fsys = std::filesystem;

void write_value(const std::string& path, const std::string& value) {
  // cgroup files take one write(2) each; fs::write_file truncates and writes once.
  with_context("write " + value + " to " + path, [&] { fs::write_file(path, value); });
}

// v2: a child only gets the controllers its parent enables in cgroup.subtree_control.
void enable_controllers(const std::string& dir) {
  auto available = fs::read_file_if_exists(dir + "/cgroup.controllers").value_or("");
  auto enabled = fs::read_file_if_exists(dir + "/cgroup.subtree_control").value_or("");
  std::istringstream av(available), en(enabled);
  std::vector<std::string> have{std::istream_iterator<std::string>(en), {}};
  std::string c;
  while (av >> c) {
    if (std::find(kControllers.begin(), kControllers.end(), c) == kControllers.end()) continue;
    if (std::find(have.begin(), have.end(), c) != have.end()) continue;
    write_value(dir + "/cgroup.subtree_control", "+" + c);
  }
}

void remove_dir_tree(const fsys::path& dir) {
  std::error_code ec;
  if (!fsys::exists(dir, ec)) return;
  for (const auto& e : fsys::directory_iterator(dir, ec))
    if (e.is_directory(ec) && !e.is_symlink(ec)) remove_dir_tree(e.path());
  // Exiting processes leave a cgroup shortly after their parent reaped them.
  for (int attempt = 0;; ++attempt) {
    if (::rmdir(dir.c_str()) == 0 || errno == ENOENT) return;
    if (errno != EBUSY || attempt >= 100) throw_errno("remove cgroup", dir.string());
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace

void remove_recorded(const std::vector<std::string>& dirs) {
  for (const auto& d : dirs) {
    fsys::path p = fsys::path(d).lexically_normal();
    if (p.parent_path().filename() != "minipod" || p.string().find("/..") != std::string::npos ||
        p.string().rfind("/sys/fs/cgroup", 0) != 0)
      throw Error("remove cgroup", d + " is not a minipod pod cgroup");
    remove_dir_tree(p);
  }
}

std::vector<CgroupfsMount> container_cgroupfs(const Hierarchies& h) {
  std::vector<CgroupfsMount> out;
  switch (h.mode) {
    case Mode::kNone:
      break;
    case Mode::kUnified:
      out.push_back({"", "cgroup2", ""});
      break;
    case Mode::kHybrid:
    case Mode::kLegacy:
      // One mount per hierarchy of the controllers minipod uses, named like the host's and
      // mounted with every controller of that hierarchy (cpu,cpuacct co-mounted stay together:
      // the kernel refuses a mount that names only part of a hierarchy).
      for (const auto& c : kControllers) {
        auto it = h.v1.find(c);
        if (it == h.v1.end()) continue;
        std::string subdir = fsys::path(it->second).filename().string();
        bool seen = std::any_of(out.begin(), out.end(),
                                [&](const CgroupfsMount& m) { return m.subdir == subdir; });
        if (seen) continue;
        std::vector<std::string> controllers;
        for (const auto& [controller, mount_point] : h.v1)
          if (mount_point == it->second) controllers.push_back(controller);
        out.push_back({subdir, "cgroup", join(controllers, ",")});
      }
      if (h.mode == Mode::kHybrid)
        out.push_back({fsys::path(h.unified).filename().string(), "cgroup2", ""});
      break;
  }
  return out;
}

uint64_t parse_oom_kill(const std::string& text) {
  std::istringstream in(text);
  std::string key;
  uint64_t value = 0;
  while (in >> key >> value)
    if (key == "oom_kill") return value;
  return 0;
}

Cgroup::Cgroup(const Hierarchies& hierarchies, std::string relative)
    : h_(hierarchies), relative_(std::move(relative)) {
  auto add = [this](const std::string& root) {
    std::string dir = root + "/" + relative_;
    if (std::find(dirs_.begin(), dirs_.end(), dir) == dirs_.end()) dirs_.push_back(dir);
  };
  switch (h_.mode) {
    case Mode::kNone:
      break;
    case Mode::kUnified:
      add(h_.unified);
      break;
    case Mode::kHybrid:
    case Mode::kLegacy:
      for (const auto& c : kControllers)
        if (auto it = h_.v1.find(c); it != h_.v1.end()) add(it->second);
      // On a hybrid host the empty cgroup2 only tracks membership, as runc does there.
      if (h_.mode == Mode::kHybrid) add(h_.unified);
      break;
  }
}

std::string Cgroup::dir_of(const std::string& controller) const {
  if (h_.mode == Mode::kUnified) {
    auto root_controllers = fs::read_file_if_exists(h_.unified + "/cgroup.controllers");
    std::istringstream in(root_controllers.value_or(""));
    std::string c;
    while (in >> c)
      if (c == controller) return h_.unified + "/" + relative_;
    return "";
  }
  auto it = h_.v1.find(controller);
  return it == h_.v1.end() ? "" : it->second + "/" + relative_;
}

void Cgroup::create(const Limits& limits) {
  for (const auto& c : needed_controllers(limits))
    if (dir_of(c).empty())
      throw Error("create cgroup " + relative_,
                  "the " + c + " controller is not available on this host (" + describe(h_) + ")");
  std::vector<std::string> made;
  try {
    for (const auto& dir : dirs_) {
      // Create every missing level; on v2 enable the controllers in each parent first.
      fsys::path full = dir;
      fsys::path rel = relative_;
      fsys::path root = full;
      for (auto it = rel.begin(); it != rel.end(); ++it) root = root.parent_path();
      fsys::path cur = root;
      for (const auto& part : rel) {
        bool unified = h_.mode == Mode::kUnified && root.string() == h_.unified;
        if (unified) enable_controllers(cur.string());
        cur /= part;
        if (::mkdir(cur.c_str(), 0755) == 0) {
          if (cur == full) made.push_back(cur.string());
        } else if (errno != EEXIST) {
          throw_errno("create cgroup", cur.string());
        }
      }
    }
    Version v = h_.mode == Mode::kUnified ? Version::kV2 : Version::kV1;
    for (const auto& w : limit_files(v, limits)) {
      std::string path = dir_of(w.controller) + "/" + w.file;
      if (w.optional && !fsys::exists(path)) continue;
      write_value(path, w.value);
    }
    limits_ = limits;
    devices_ = {};
    if (limits.device_allowlist) {
      // Every layer the host has (defence in depth on a hybrid host); a host without a devices
      // hierarchy and without cgroup2 still runs pods, and the trace says it is not restricted.
      std::string v1 = v == Version::kV1 ? dir_of("devices") : "";
      std::string v2 = h_.unified.empty() ? "" : h_.unified + "/" + relative_;
      devices_ = restrict_devices(v1, v2);
    }
  } catch (...) {
    for (auto it = made.rbegin(); it != made.rend(); ++it) ::rmdir(it->c_str());
    throw;
  }
}

std::string Cgroup::applied() const {
  return describe(limits_) + "; " + describe(devices_);
}

CgroupJoin Cgroup::join() const {
  return join_of(dirs_, h_.unified);
}

void Cgroup::remove() const {
  for (const auto& d : dirs_) remove_dir_tree(d);
}

uint64_t Cgroup::oom_kills() const {
  std::string dir = dir_of("memory");
  if (dir.empty()) return 0;
  const char* file = h_.mode == Mode::kUnified ? "/memory.events" : "/memory.oom_control";
  return parse_oom_kill(fs::read_file_if_exists(dir + file).value_or(""));
}

}  // namespace minipod::cgroups
