// What the run left on the host: what each ADD ties to the run (so the host diff can tell it
// from what others did meanwhile), and after each version what was left and put back
// (host.clean, host.shared).
#include "cni/conformance/runner.h"

#include <arpa/inet.h>

#include <filesystem>

#include "common/strings.h"

namespace cni::conformance {

using minipod::join;
using nlohmann::json;

namespace {

std::string subnet_of(const std::string& cidr) {
  size_t slash = cidr.find('/');
  if (slash == std::string::npos) return {};
  int bits = std::atoi(cidr.c_str() + slash + 1);
  std::string ip = cidr.substr(0, slash);
  unsigned char b[16];
  int af = ip.find(':') == std::string::npos ? AF_INET : AF_INET6;
  if (inet_pton(af, ip.c_str(), b) != 1) return {};
  int total = af == AF_INET ? 32 : 128;
  for (int i = bits; i < total; ++i) b[i / 8] &= static_cast<unsigned char>(~(1 << (7 - i % 8)));
  char buf[INET6_ADDRSTRLEN];
  inet_ntop(af, b, buf, sizeof buf);
  return std::string(buf) + "/" + std::to_string(bits);
}

}  // namespace

void Runner::attribute(const Attachment& a, const AddOutcome& o) {
  attr_.container_ids.insert(a.container_id);
  for (const json* r : {&o.result, &o.prev}) {
    if (!r->is_object()) continue;
    if (r->contains("ips") && (*r)["ips"].is_array())
      for (const auto& ip : (*r)["ips"])
        if (ip.is_object() && ip.value("address", json("")).is_string()) {
          std::string cidr = ip.value("address", "");
          if (cidr.empty()) continue;
          attr_.addresses.insert(cidr.substr(0, cidr.find('/')));
          if (auto s = subnet_of(cidr); !s.empty()) attr_.subnets.insert(s);
        }
    if (r->contains("interfaces") && (*r)["interfaces"].is_array())
      for (const auto& i : (*r)["interfaces"])
        if (i.is_object() && i.value("name", json("")).is_string() &&
            i.value("sandbox", json("")).is_string() && i.value("sandbox", "").empty()) {
          std::string name = i.value("name", "");
          if (!name.empty() && link_owners_[name].insert(a.container_id).second)
            attr_.host_links[name] = static_cast<int>(link_owners_[name].size());
        }
  }
}

std::optional<HostSnapshot> Runner::host_before_add() const {
  if (!opt_.private_host) return std::nullopt;
  return snapshot_host();
}

void Runner::attribute_leftovers(const Attachment& a, const std::optional<HostSnapshot>& before) {
  if (!before) return;
  for (const auto& key : appeared(*before, snapshot_host()))
    attr_.left_by.emplace(key, a.container_id);
}

void Runner::judge_host(const HostSnapshot& before) {
  remove_netns_with_prefix(opt_.prefix);
  for (const auto& l : opt_.suite_links) attr_.suite_links.insert(l);
  // The profile's links are one veth pair: when the suite's namespace deletion took one end (the
  // host-side peer), it took the other (moved into the sandbox and renamed, so never seen by
  // name) with it.
  for (const auto& l : links_destroyed_by_suite())
    if (attr_.suite_links.count(l)) attr_.suite_destroyed = attr_.suite_links;
  HostDiff d = diff_and_restore(before, attr_);
  std::vector<std::string> leaked_files, counted;
  for (const auto& dir : host_local_dirs_) {
    std::error_code ec;
    auto known = counted_dirs_.find(dir);
    for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
      std::string n = e.path().filename().string();
      if (n == "lock" || n.starts_with("last_reserved_ip")) continue;
      // Not counted twice: the failed DEL of that check is why the address is still taken.
      if (known != counted_dirs_.end())
        counted.push_back("host-local address file " + e.path().string() + " (counted by " +
                          known->second + ")");
      else
        leaked_files.push_back("host-local address file " + e.path().string());
    }
    std::filesystem::remove_all(dir, ec);
  }
  std::vector<std::string> clean = d.attachment;
  clean.insert(clean.end(), leaked_files.begin(), leaked_files.end());
  for (const auto& a : d.actions) report_.cleanup.push_back(version_ + ": " + a);
  for (const auto& f : d.failures) report_.cleanup.push_back(version_ + ": FAILED " + f);
  for (const auto& l : leaked_files) report_.cleanup.push_back(version_ + ": removed " + l);
  for (const auto& l : counted) report_.cleanup.push_back(version_ + ": removed " + l);
  std::string foreign =
      d.foreign.empty()
          ? ""
          : " (not attributed to this run, left alone: " + join(d.foreign, "; ") + ")";
  std::string also = counted.empty() ? "" : " (besides " + join(counted, "; ") + ")";
  if (clean.empty())
    pass("host.clean", "nothing left" + also + foreign);
  else
    fail("host.clean", join(clean, "; ") + foreign);
  if (d.shared.empty())
    pass("host.shared", "unchanged");
  else
    fail("host.shared", join(d.shared, "; "));
}

}  // namespace cni::conformance
