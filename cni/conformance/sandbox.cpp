#include "cni/conformance/sandbox.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/file.h>
#include <unistd.h>

#include <filesystem>
#include <mutex>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "common/fs.h"
#include "common/subprocess.h"

namespace cni::conformance {

TempDir::TempDir() {
  std::string tmpl = "/tmp/cnicf-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) minipod::throw_errno("mkdtemp", tmpl);
  path_ = tmpl;
  // Locked under another name first: .owner never exists unlocked for another run to take.
  std::string lock = path_ + "/.owner-new";
  lock_ = ::open(lock.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0600);
  if (lock_ < 0 || ::flock(lock_, LOCK_EX) != 0 ||
      ::rename(lock.c_str(), (path_ + "/.owner").c_str()) != 0) {
    int err = errno;
    if (lock_ >= 0) ::close(lock_);
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
    errno = err;
    minipod::throw_errno("lock", path_ + "/.owner");
  }
}

TempDir::~TempDir() {
  try {
    minipod::fs::remove_tree(path_);
  } catch (...) {
  }
  ::close(lock_);
}

std::vector<std::string> remove_stale_temp_dirs() {
  std::vector<std::string> removed;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator("/tmp", ec)) {
    std::string dir = e.path().string();
    if (!e.path().filename().string().starts_with("cnicf-")) continue;
    int fd = ::open((dir + "/.owner").c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    // The lock is free only when its run is gone.
    if (::flock(fd, LOCK_EX | LOCK_NB) == 0) {
      std::filesystem::remove_all(dir, ec);
      if (!ec) removed.push_back(dir);
    }
    ::close(fd);
  }
  return removed;
}

using nlohmann::json;

Shell sh(const std::string& cmd, std::chrono::seconds timeout) {
  minipod::ProcessRequest req;
  req.path = "/bin/sh";
  req.argv = {"sh", "-c", cmd};
  req.env = minipod::current_environment();
  req.timeout = timeout;
  auto r = minipod::run_process(req);
  return Shell{r.ok() ? 0 : (r.exit_code > 0 ? r.exit_code : 1), r.out, r.err};
}

Netns::Netns(std::string name) : name_(std::move(name)) {
  Shell r = sh("ip netns add " + name_ + " && ip -n " + name_ + " link set lo up");
  if (r.code != 0) {
    sh("ip netns del " + name_ + " 2>/dev/null");
    throw minipod::Error("conformance: create network namespace " + name_, r.err);
  }
}

namespace {

std::mutex destroyed_mutex;
std::set<std::string> destroyed;

// "12: cfe1@if11: <...>" -> {12, "cfe1", "if11"}: index, name, and what follows '@' (the peer).
struct LinkLine {
  std::string index, name, peer;
};
std::vector<LinkLine> link_lines(const std::string& cmd) {
  std::vector<LinkLine> out;
  std::istringstream in(sh(cmd).out);
  for (std::string line; std::getline(in, line);) {
    size_t b = line.find(": ");
    if (b == std::string::npos) continue;
    size_t e = line.find(": ", b + 2);
    if (e == std::string::npos) continue;
    std::string name = line.substr(b + 2, e - b - 2), peer;
    if (size_t at = name.find('@'); at != std::string::npos) {
      peer = name.substr(at + 1);
      name = name.substr(0, at);
    }
    out.push_back({line.substr(0, b), name, peer});
  }
  return out;
}

// Deletes a namespace and remembers which host links go with it: the host ends of the veths in
// it (the kernel destroys them a moment later, so they are found before, by their index).
void delete_netns(const std::string& name) {
  std::set<std::string> gone;
  std::vector<LinkLine> host = link_lines("ip -o link show 2>/dev/null");
  for (const auto& l : link_lines("ip -n " + name + " -o link show 2>/dev/null"))
    if (l.peer.starts_with("if"))
      for (const auto& h : host)
        if (h.index == l.peer.substr(2)) gone.insert(h.name);
  sh("ip netns del " + name + " 2>/dev/null");
  std::lock_guard lock(destroyed_mutex);
  destroyed.insert(gone.begin(), gone.end());
}

}  // namespace

std::vector<std::string> links_destroyed_by_suite() {
  std::lock_guard lock(destroyed_mutex);
  return {destroyed.begin(), destroyed.end()};
}

Netns::~Netns() {
  if (!removed_) remove();
}

void Netns::remove() {
  removed_ = true;
  delete_netns(name_);
}

std::vector<NsLink> netns_links(const std::string& name) {
  std::vector<NsLink> out;
  if (!std::filesystem::exists("/run/netns/" + name)) return out;
  Shell r = sh("ip -n " + name + " -j addr show 2>/dev/null");
  json j = json::parse(r.out, nullptr, false);
  if (!j.is_array()) return out;
  for (const auto& l : j) {
    NsLink link;
    link.name = l.value("ifname", "");
    link.mac = l.value("address", "");
    if (auto ai = l.find("addr_info"); ai != l.end() && ai->is_array())
      for (const auto& a : *ai) {
        if (a.value("scope", "") == "link") continue;
        link.addresses.push_back(a.value("local", "") + "/" +
                                 std::to_string(a.value("prefixlen", 0)));
      }
    out.push_back(std::move(link));
  }
  return out;
}

const NsLink* find_link(const std::vector<NsLink>& links, const std::string& name) {
  for (const auto& l : links)
    if (l.name == name) return &l;
  return nullptr;
}

std::vector<std::string> remove_netns_with_prefix(const std::string& prefix) {
  std::vector<std::string> removed;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator("/run/netns", ec)) {
    std::string n = e.path().filename().string();
    if (!n.starts_with(prefix + "-")) continue;
    delete_netns(n);
    removed.push_back(n);
  }
  return removed;
}

}  // namespace cni::conformance
