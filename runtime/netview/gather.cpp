#include "runtime/netview/gather.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <sstream>

#include "common/error.h"
#include "common/json_parse.h"
#include "common/subprocess.h"
#include "common/trace.h"
#include "runtime/control/pod_control.h"
#include "runtime/netview/ip_json.h"
#include "runtime/netview/nat_rules.h"
#include "runtime/netview/resolve.h"
#include "runtime/state/pod_store.h"

namespace minipod::netview {
namespace {

std::string first_line(const std::string& text) {
  return text.substr(0, text.find('\n'));
}

std::string joined(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : " ") + w;
  return out;
}

// Runs a tool that only reads (ip, iptables-save) in the C locale and returns what it printed.
// Throws Error naming `source`, the command as a person would type it, when it fails.
std::string run_tool(const std::string& path, const std::vector<std::string>& argv,
                     const std::string& input, std::chrono::milliseconds timeout,
                     const std::string& source) {
  ProcessRequest req;
  req.path = path;
  req.argv = argv;
  req.stdin_data = input;
  req.env = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C"};
  req.timeout = timeout;
  ProcessResult r = run_process(req);
  if (!r.ok())
    throw Error(source, r.describe(timeout) + (r.err.empty() ? "" : ": " + first_line(r.err)));
  return r.out;
}

// Why iproute2 rather than rtnetlink through libmnl: minipod is linked as a static PIE and Debian
// ships libmnl only as a shared library; `ip -n NAME` enters the namespace in its own process, so
// no thread of minipod ever changes namespace; and iproute2 is already what the bridge examples
// and the tests use. The JSON of `ip -j` is the kernel's rtnetlink answer field for field.
struct Ip {
  std::string path;
  std::chrono::milliseconds timeout;

  // `ip [-n NETNS] -j -d -batch -` with `commands` on stdin: one process for all of them, one
  // JSON document per command.
  std::vector<nlohmann::json> batch(const std::string& netns,
                                    const std::vector<std::string>& commands) const {
    std::vector<std::string> argv{"ip"};
    if (!netns.empty()) argv.insert(argv.end(), {"-n", netns});
    argv.insert(argv.end(), {"-j", "-d"});
    std::string input, source;  // "ip -n web -j -d addr show; ip -n web -j -d route show"
    for (const auto& c : commands) {
      input += c + "\n";
      source += (source.empty() ? "" : "; ") + joined(argv) + " " + c;
    }
    Tracer::get().step("read " + (netns.empty() ? std::string("the host's") : netns + "'s") +
                           " links, addresses and routes",
                       source);
    argv.insert(argv.end(), {"-batch", "-"});
    return split_json_documents(run_tool(path, argv, input, timeout, source), commands.size(),
                                source);
  }

  // IPv6 routes, only where a global IPv6 address makes them worth drawing: otherwise they are
  // the fe80::/64 every interface gets. `ip -batch` takes no -6 per command: a call of its own.
  void add_inet6_routes(const std::string& netns, const std::vector<Interface>& interfaces,
                        std::vector<Route>& routes) const {
    bool global = false;
    for (const auto& i : interfaces)
      for (const auto& a : i.addresses) global |= a.family == "inet6" && a.scope == "global";
    if (!global) return;
    std::vector<std::string> argv{"ip"};
    if (!netns.empty()) argv.insert(argv.end(), {"-n", netns});
    argv.insert(argv.end(), {"-6", "-j", "route", "show"});
    std::string source = joined(argv);
    std::string out = run_tool(path, argv, "", timeout, source);
    for (auto& route : parse_routes(parse_json(out, source, ExitKind::kRuntime), source))
      if (!route.dst.starts_with("fe80::") && !route.dst.starts_with("ff00::"))
        routes.push_back(std::move(route));
  }
};

// One namespace's links and routes.
void read_netns(const Ip& ip, NetnsView& ns) {
  auto docs = ip.batch(ns.name, {"addr show", "route show"});
  std::string source = "ip -n " + ns.name + " -j";
  ns.interfaces = parse_links(docs[0], source + " -d addr show");
  ns.routes = parse_routes(docs[1], source + " route show");
  ip.add_inet6_routes(ns.name, ns.interfaces, ns.routes);
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// What minipod asked portmap for: the portMappings of the runtime config in the record.
std::vector<RecordedPort> recorded_ports(const state::PodRecord& r) {
  std::vector<RecordedPort> out;
  const auto& intent = r.network_intent;
  if (!intent.is_object() || !intent.contains("runtimeConf")) return out;
  auto caps = intent["runtimeConf"].value("capabilityArgs", nlohmann::json::object());
  if (!caps.is_object() || !caps.contains("portMappings") || !caps["portMappings"].is_array())
    return out;
  for (const auto& m : caps["portMappings"]) {
    if (!m.is_object()) continue;
    out.push_back({lower(m.value("protocol", "tcp")), m.value("hostIP", ""), m.value("hostPort", 0),
                   m.value("containerPort", 0)});
  }
  return out;
}

std::vector<RecordedPod> read_records(const state::Paths& paths, std::vector<std::string>& notes) {
  std::vector<RecordedPod> out;
  std::vector<state::StoredPod> stored;
  try {
    stored = state::PodStore(paths).list();
  } catch (const std::exception& e) {
    notes.push_back(std::string("minipod's pod records could not be read: ") + e.what());
    return out;
  }
  for (const auto& pod : stored) {
    const auto& r = pod.record;
    if (r.netns.empty()) continue;  // hostNetwork: the host's own interfaces
    RecordedPod p;
    p.name = r.name;
    p.id = r.id;
    p.network = r.network;
    p.netns = r.netns;
    p.status = state::display_status(r, control::owner_alive(pod));
    p.holds_network = !r.ended() || r.network_left();
    p.ips = r.ips;
    try {
      p.ports = recorded_ports(r);
    } catch (const nlohmann::json::exception& e) {
      notes.push_back("pod \"" + r.name + "\": the portMappings of its record are not what " +
                      "minipod writes (" + json_message(e) +
                      "); expected [{hostPort, containerPort, protocol, hostIP}]");
    }
    struct stat st {};
    if (r.netns_inode != 0 && ::stat(r.netns.c_str(), &st) == 0)
      p.pin_is_the_pods = st.st_ino == r.netns_inode;
    out.push_back(std::move(p));
  }
  return out;
}

void read_dnat(const std::chrono::milliseconds timeout, Facts& facts) {
  std::string save = find_program("iptables-save");
  if (save.empty()) {
    facts.dnat_read = false;
    facts.notes.push_back(
        "no iptables-save in PATH, /usr/sbin or /sbin (Debian's iptables package): hostPort "
        "rules are shown from minipod's records only, unchecked");
    return;
  }
  Tracer::get().step("read portmap's DNAT rules", "iptables-save -t nat");
  try {
    facts.dnat = parse_hostport_dnat(
        run_tool(save, {"iptables-save", "-t", "nat"}, "", timeout, "iptables-save -t nat"));
  } catch (const Error& e) {
    std::string why = e.what();
    facts.dnat_read = false;
    facts.notes.push_back(
        why +
        (::geteuid() != 0 && why.find("root") == std::string::npos ? " (it needs root)" : "") +
        "; hostPort rules are shown from minipod's records only, unchecked");
  }
}

}  // namespace

std::string find_program(const std::string& program) {
  std::string dirs;
  if (const char* path = std::getenv("PATH")) dirs = path;
  dirs += ":/usr/sbin:/sbin";
  std::istringstream in(dirs);
  for (std::string dir; std::getline(in, dir, ':');) {
    if (dir.empty() || dir.front() != '/') continue;  // a relative PATH entry is never trusted
    std::string candidate = dir + "/" + program;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return "";
}

NetView gather(const GatherOptions& options) {
  Ip ip{find_program("ip"), options.timeout};
  if (ip.path.empty())
    throw Error("net show",
                "no ip program in PATH, /usr/sbin or /sbin; expected iproute2 (Debian's iproute2 "
                "package), which reads the kernel's links, addresses and routes");
  Facts facts;
  auto host = ip.batch("", {"addr show", "route show", "netns list"});
  facts.host_interfaces = parse_links(host[0], "ip -j -d addr show");
  facts.host_routes = parse_routes(host[1], "ip -j route show");
  ip.add_inet6_routes("", facts.host_interfaces, facts.host_routes);
  for (const auto& pinned : parse_netns_list(host[2], "ip -j netns list")) {
    NetnsView ns;
    ns.name = pinned.name;
    ns.path = (options.paths.netns_dir / pinned.name).string();  // where `ip netns` pins it
    ns.nsid = pinned.nsid;
    try {
      read_netns(ip, ns);
    } catch (const Error& e) {
      // One namespace that cannot be read (removed meanwhile, a stale pin, not root) leaves a
      // hole in the drawing, not a failed command.
      ns.error = e.what();
      facts.notes.push_back(std::string("netns ") + ns.name + " could not be read: " + e.what() +
                            (::geteuid() != 0 ? " (entering a namespace needs root)" : ""));
    }
    facts.namespaces.push_back(std::move(ns));
  }
  facts.pods = read_records(options.paths, facts.notes);
  read_dnat(options.timeout, facts);
  return assemble(std::move(facts));
}

}  // namespace minipod::netview
