#include "runtime/state/host_ports.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <sstream>

#include "common/error.h"
#include "common/fd.h"
#include "common/fs.h"
#include "runtime/state/name_reservation.h"
#include "runtime/state/pod_record.h"

namespace minipod::state {
namespace {

namespace fsys = std::filesystem;

bool every_address(const std::string& ip) {
  return ip.empty() || ip == "0.0.0.0" || ip == "::";
}

// <PROTOCOL>_<port>_<hostIP, or "all">: one file per published port.
std::string file_name(const HostPort& p) {
  return p.protocol + "_" + std::to_string(p.port) + "_" + (p.host_ip.empty() ? "all" : p.host_ip);
}

std::optional<HostPort> parse_file_name(const std::string& name) {
  size_t a = name.find('_'), b = a == std::string::npos ? a : name.find('_', a + 1);
  if (b == std::string::npos) return std::nullopt;
  HostPort p;
  p.protocol = name.substr(0, a);
  try {
    p.port = std::stoi(name.substr(a + 1, b - a - 1));
  } catch (const std::exception&) {
    return std::nullopt;
  }
  p.host_ip = name.substr(b + 1);
  if (p.host_ip == "all") p.host_ip.clear();
  return p;
}

struct Reservation {
  fsys::path file;
  HostPort port;
  std::string id, name;
};

std::vector<Reservation> reservations(const Paths& paths) {
  std::vector<Reservation> out;
  std::error_code ec;
  for (const auto& e : fsys::directory_iterator(ports_dir(paths), ec)) {
    auto port = parse_file_name(e.path().filename().string());
    if (!port) continue;
    std::istringstream text(fs::read_file_if_exists(e.path()).value_or(""));
    Reservation r{e.path(), *port, {}, {}};
    std::getline(text, r.id);
    std::getline(text, r.name);
    out.push_back(std::move(r));
  }
  std::sort(out.begin(), out.end(),
            [](const Reservation& a, const Reservation& b) { return a.file < b.file; });
  return out;
}

// A reservation whose pod is gone, or has ended with its network released, publishes nothing.
bool stale(const Paths& paths, const Reservation& r) {
  if (r.id.empty()) return true;
  auto dir = paths.pod_dir(r.id);
  std::error_code ec;
  if (!fsys::exists(dir, ec)) return true;
  auto text = fs::read_file_if_exists(dir / "state.json");
  if (!text) return false;  // being created: the record comes right after the reservation
  try {
    auto record = PodRecord::from_json(nlohmann::json::parse(*text));
    return record.ended() && !record.network_held;
  } catch (const std::exception&) {
    return false;  // unreadable: `minipod gc` reports it; the port stays taken meanwhile
  }
}

}  // namespace

std::string HostPort::describe() const {
  std::string ip = host_ip.find(':') != std::string::npos ? "[" + host_ip + "]" : host_ip;
  return (host_ip.empty() ? "" : ip + ":") + std::to_string(port) + "/" + protocol;
}

bool HostPort::overlaps(const HostPort& other) const {
  return port == other.port && protocol == other.protocol &&
         (every_address(host_ip) || every_address(other.host_ip) || host_ip == other.host_ip);
}

fsys::path ports_dir(const Paths& paths) {
  return paths.run_dir / "ports";
}

std::optional<PortHolder> find_port_holder(const Paths& paths, const std::vector<HostPort>& wanted,
                                           const std::string& self_id) {
  if (wanted.empty()) return std::nullopt;
  for (const auto& r : reservations(paths)) {
    if (r.id == self_id) continue;
    auto clash = std::find_if(wanted.begin(), wanted.end(),
                              [&](const HostPort& w) { return w.overlaps(r.port); });
    if (clash == wanted.end()) continue;
    if (stale(paths, r)) {
      std::error_code ec;
      fsys::remove(r.file, ec);
      continue;
    }
    return PortHolder{*clash, r.id, r.name};
  }
  return std::nullopt;
}

void check_host_ports(const Paths& paths, const std::vector<HostPort>& wanted,
                      const std::string& manifest) {
  if (wanted.empty()) return;
  UniqueFd lock = lock_names(paths);
  if (auto holder = find_port_holder(paths, wanted, "")) throw_port_taken(manifest, *holder);
}

std::vector<std::string> reserve_host_ports(const Paths& paths, const std::vector<HostPort>& ports,
                                            const std::string& id, const std::string& name) {
  fs::make_dirs(ports_dir(paths), 0700);
  std::vector<std::string> made;
  for (const auto& p : ports) {
    auto file = ports_dir(paths) / file_name(p);
    fs::write_file(file, id + "\n" + name + "\n", 0600);
    made.push_back(file.string());
  }
  return made;
}

void remove_host_ports(const Paths& paths, const std::string& id) {
  for (const auto& r : reservations(paths))
    if (r.id == id) ::unlink(r.file.c_str());
}

void release_host_ports(const Paths& paths, const std::string& id) {
  UniqueFd lock = lock_names(paths);
  remove_host_ports(paths, id);
}

std::vector<std::string> remove_stale_host_ports(const Paths& paths) {
  UniqueFd lock = lock_names(paths);
  std::vector<std::string> removed;
  for (const auto& r : reservations(paths)) {
    std::error_code ec;
    if (!r.id.empty() && fsys::exists(paths.pod_dir(r.id), ec)) continue;
    ::unlink(r.file.c_str());
    removed.push_back(r.port.describe() + " (pod \"" + r.name + "\" is gone)");
  }
  return removed;
}

void throw_port_taken(const std::string& manifest, const PortHolder& holder) {
  throw UsageError((manifest.empty() ? "" : manifest + ": ") + holder.wanted.field,
                   holder.wanted.describe() + " is already published by pod \"" + holder.name +
                       "\" (id " + holder.id.substr(0, 12) + ")");
}

}  // namespace minipod::state
