// `minipod cni conformance` end to end: each broken fixture plugin fails exactly the checks of the
// rule it breaks, the correct fixture and Debian's bridge pass, usage errors exit 2, and no run
// leaves a namespace, link, iptables rule or state file behind. Root only.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "cni/conformance/sandbox.h"
#include "common/fs.h"
#include "common/subprocess.h"

namespace cni::conformance {
namespace {

using nlohmann::json;

struct Outcome {
  int code = -1;
  json report;
  std::string out, err;
  std::set<std::string> failed;  // "id@version" of FAIL and warn rows
  std::set<std::string> failed_ids;
};

class Conformance : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root: network namespaces, links and iptables";
    static int counter = 0;
    prefix_ = "mpt-cf-" + std::to_string(::getpid() % 100000) + "-" + std::to_string(++counter);
    std::string tmpl = "/tmp/mpt-cf-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    tmp_ = tmpl;
    rules_before_ = iptables_lines();
  }

  // Nothing of the run may be left: namespaces, fixture links, iptables rules, address files.
  void TearDown() override {
    if (tmp_.empty()) return;
    EXPECT_EQ(remove_netns_with_prefix(prefix_), std::vector<std::string>{});
    Shell links = sh("ip -o link show | grep -E ' (fxh|fxt)[0-9a-f]{8}' || true");
    EXPECT_EQ(links.out, "");
    std::set<std::string> now = iptables_lines();
    for (const auto& r : now) EXPECT_TRUE(rules_before_.count(r)) << "iptables state left: " << r;
    // A fixture whose broken rule is a leak keeps its (private) address file: that leak is the
    // finding, and the file goes with the test's directory.
    if (!leaks_state_ && std::filesystem::exists(tmp_ / "ipam"))
      for (const auto& e : std::filesystem::recursive_directory_iterator(tmp_ / "ipam")) {
        if (e.is_regular_file()) {
          EXPECT_EQ(e.path().filename(), "lock") << "address file left: " << e.path();
        }
      }
    minipod::fs::remove_tree(tmp_);
  }

  static std::set<std::string> iptables_lines() {
    std::set<std::string> out;
    for (const char* tool : {"iptables-save", "ip6tables-save"}) {
      std::istringstream in(sh(std::string(tool) + " 2>/dev/null").out);
      for (std::string line; std::getline(in, line);)
        if (line.starts_with("-A ") || line.starts_with(":"))
          out.insert(line.substr(0, line.find(" [")));
    }
    return out;
  }

  json fixture_config(const std::string& type) {
    return {{"cniVersion", "1.0.0"},
            {"type", type},
            {"ipam",
             {{"type", "fx"},
              {"ranges", {{{{"subnet", "10.233.251.0/24"}}}}},
              {"routes", {{{"dst", "198.18.0.0/15"}}}},
              {"dataDir", (tmp_ / "ipam").string()}}}};
  }

  // The same config with its addresses delegated to `ipam`, a plugin in CNI_PATH (fx-ipam,
  // Debian's host-local).
  json delegating_config(const std::string& type, const std::string& ipam = "fx-ipam") {
    json j = fixture_config(type);
    j["ipam"]["type"] = ipam;
    return j;
  }

  std::string write_config(const json& j) {
    std::string path = (tmp_ / "config.json").string();
    std::ofstream(path) << j.dump(2);
    return path;
  }

  Outcome conformance(std::vector<std::string> args, const std::string& cni_path = "/usr/lib/cni") {
    std::string report = (tmp_ / "report.json").string();
    minipod::ProcessRequest req;
    req.path = CLI_DRIVER;
    req.argv = {"minipod", "cni", "--cni-path", cni_path + ":" + FIXTURE_DIR, "conformance"};
    req.argv.insert(req.argv.end(), args.begin(), args.end());
    bool has_format = false;
    for (const auto& a : args) has_format = has_format || a == "--format";
    if (!has_format)
      for (const char* a : {"--format", "json", "--output"}) req.argv.push_back(a);
    if (!has_format) req.argv.push_back(report);
    req.argv.push_back("--prefix");
    req.argv.push_back(prefix_);
    req.env = minipod::current_environment();
    req.timeout = std::chrono::seconds(120);
    auto r = minipod::run_process(req);
    Outcome run;
    run.code = r.exit_code;
    run.out = r.out;
    run.err = r.err;
    if (!has_format && std::filesystem::exists(report)) {
      run.report = json::parse(std::ifstream(report), nullptr, false);
      if (run.report.is_object())
        for (const auto& row : run.report["results"])
          if (row["result"] == "fail" || row["result"] == "warn") {
            run.failed.insert(row["id"].get<std::string>() + "@" +
                              row["version"].get<std::string>());
            run.failed_ids.insert(row["id"].get<std::string>());
          }
    }
    return run;
  }

  Outcome fixture(const std::string& name, const std::string& versions) {
    return conformance({std::string(FIXTURE_DIR) + "/" + name, "--config",
                        write_config(fixture_config(name)), "--versions", versions, "--timeout",
                        "2"});
  }

  std::string prefix_;
  std::filesystem::path tmp_;
  bool leaks_state_ = false;
  std::set<std::string> rules_before_;
};

// The result word of a check's row ("pass", "fail", "note", ...; "" when there is none).
std::string result_of(const Outcome& r, const std::string& id, const std::string& version) {
  if (!r.report.is_object()) return {};
  for (const auto& row : r.report["results"])
    if (row["id"] == id && row["version"] == version) return row["result"];
  return {};
}

std::string describe(const Outcome& r) {
  std::string s = "exit " + std::to_string(r.code) + "; failed:";
  for (const auto& f : r.failed) s += " " + f;
  return s + "\nstderr: " + r.err;
}

TEST_F(Conformance, CorrectFixturePassesEveryCheckOfEveryVersion) {
  Outcome r = conformance({std::string(FIXTURE_DIR) + "/fx-correct", "--config",
                           write_config(fixture_config("fx-correct")), "--timeout", "5"});
  EXPECT_EQ(r.code, 0) << describe(r);
  EXPECT_TRUE(r.failed.empty()) << describe(r);
  EXPECT_EQ(r.report["testedVersions"], json({"0.3.1", "0.4.0", "1.0.0", "1.1.0"}));
  EXPECT_EQ(r.report["summary"]["failed"], 0);
  // The evidence is all there: every call with env, stdin, stdout, stderr, exit code, duration.
  ASSERT_FALSE(r.report["calls"].empty());
  const json& call = r.report["calls"][0];
  for (const char* k : {"env", "stdin", "stdout", "stderr", "exitCode", "durationMs", "verb"})
    EXPECT_TRUE(call.contains(k)) << k;
  std::set<std::string> ran;
  for (const auto& row : r.report["results"]) ran.insert(row["id"]);
  for (const char* id :
       {"gc.verb", "status.verb", "parallel.add-del", "del.releases-address",
        "check.refused-old-version", "host.clean", "version.echo", "version.minimal-env",
        "add.ifname", "add.interfaces-listed", "env.del-missing.CNI_IFNAME",
        "env.check-missing.CNI_NETNS", "env.gc-missing.CNI_PATH", "add.result-fields",
        "check.tolerates-later-changes", "gc.empty-list", "gc.unknown-valid",
        "gc.continues-on-error"})
    EXPECT_TRUE(ran.count(id)) << id;
  // Judged, not skipped: CHECK against prevResult, a route, the reservation; STATUS of a full
  // pool; the plugin second in the suite's chain; every claimed version known.
  for (const char* id : {"check.consults-prev-result", "check.removed-route",
                         "check.removed-reservation", "status.pool", "chain.prev-result"})
    EXPECT_EQ(result_of(r, id, "1.1.0"), "pass") << id;
  EXPECT_EQ(result_of(r, "version.unknown", "-"), "pass");
}

struct Broken {
  const char* fixture;
  const char* versions;
  std::set<std::string> failed;  // check IDs (MUST and SHOULD)
  int exit_code;
  bool leaks_state = false;  // its broken rule leaves an address file in its own state dir
  bool delegating = false;   // its addresses are fx-ipam's (delegating_config())
  friend void PrintTo(const Broken& b, std::ostream* os) { *os << b.fixture; }
};

class BrokenFixture : public Conformance, public ::testing::WithParamInterface<Broken> {};

TEST_P(BrokenFixture, FailsExactlyTheRuleItBreaks) {
  const Broken& b = GetParam();
  leaks_state_ = b.leaks_state;
  Outcome r = b.delegating ? conformance({std::string(FIXTURE_DIR) + "/" + b.fixture, "--config",
                                          write_config(delegating_config(b.fixture)), "--versions",
                                          b.versions, "--timeout", "2"})
                           : fixture(b.fixture, b.versions);
  EXPECT_EQ(r.failed_ids, b.failed) << describe(r);
  EXPECT_EQ(r.code, b.exit_code) << describe(r);
}

INSTANTIATE_TEST_SUITE_P(
    Rules, BrokenFixture,
    ::testing::Values(
        Broken{"fx-logs-on-stdout", "1.0.0", {"stdout.json-only"}, 1},
        Broken{"fx-del-not-idempotent", "1.0.0", {"del.twice", "del.without-add"}, 1},
        Broken{"fx-del-needs-netns", "1.0.0", {"del.empty-netns", "del.vanished-netns"}, 1, true},
        Broken{"fx-del-leaks-address", "1.0.0", {"del.releases-address"}, 1, true},
        Broken{"fx-wrong-result-version", "0.4.0,1.1.0", {"add.result"}, 1},
        // A failure without a JSON error still exits non-zero (the MUST): a SHOULD, exit 0.
        Broken{"fx-no-error-json", "1.0.0", {"error.json"}, 0},
        Broken{"fx-hang-add", "1.0.0", {"add.result", "timeout.all-calls"}, 1},
        Broken{"fx-reports-unconfigured-address", "1.0.0", {"add.result-real"}, 1},
        Broken{"fx-leaves-iptables-rule", "1.0.0", {"host.clean"}, 1},
        Broken{"fx-duplicate-add-ok", "1.0.0", {"add.duplicate"}, 1},
        // Blind: it consults no prevResult either (a MUST) and misses every removal.
        Broken{"fx-check-blind",
               "1.0.0",
               {"check.consults-prev-result", "check.removed-address", "check.removed-interface",
                "check.removed-route", "check.removed-reservation"},
               1},
        Broken{"fx-exhaustion-leaves-link", "1.0.0", {"ipam.exhaustion"}, 0},
        // Issue 14: VERSION, CNI_IFNAME, the interfaces list, the variables of DEL/CHECK/GC.
        Broken{"fx-version-no-echo", "1.0.0", {"version.echo"}, 1},
        Broken{"fx-version-needs-env", "1.0.0", {"version.minimal-env"}, 1},
        Broken{"fx-ignores-ifname", "1.0.0", {"add.ifname"}, 1},
        Broken{"fx-unlisted-interface", "1.0.0", {"add.interfaces-listed"}, 1},
        Broken{"fx-lax-env",
               "1.1.0",
               {"env.del-missing.CNI_CONTAINERID", "env.del-missing.CNI_IFNAME",
                "env.check-missing.CNI_NETNS", "env.gc-missing.CNI_PATH"},
               1},
        Broken{"fx-string-mtu", "1.1.0", {"add.result-fields"}, 1},
        Broken{"fx-check-strict-routes", "1.0.0", {"check.tolerates-later-changes"}, 1},
        Broken{"fx-leaves-host-link", "1.0.0", {"host.clean"}, 1},
        // GC's other cases: the spec says "should", so warnings (exit 0).
        Broken{"fx-gc-keeps-all-on-empty", "1.1.0", {"gc.empty-list"}, 0},
        Broken{"fx-gc-rejects-unknown", "1.1.0", {"gc.unknown-valid"}, 0},
        Broken{"fx-gc-stops-on-error", "1.1.0", {"gc.continues-on-error"}, 0},
        // Delegation to fx-ipam (stderr and the DEL after a failed ADD: "should", exit 0).
        Broken{"fx-delegate-trims-env", "1.0.0", {"delegate.env"}, 1, false, true},
        Broken{"fx-delegate-no-stderr", "1.0.0", {"delegate.stderr"}, 0, false, true},
        Broken{"fx-delegate-own-ipam",
               "1.1.0",
               {"delegate.check", "delegate.gc", "delegate.status"},
               1,
               false,
               true},
        Broken{"fx-delegate-keeps-failed-add",
               "1.0.0",
               {"delegate.del-after-failed-add"},
               0,
               false,
               true},
        // Issue 14: CHECK against prevResult, routes and reservations; STATUS of a full pool; an
        // interface plugin second in a chain.
        Broken{"fx-check-ignores-prev-result", "1.0.0", {"check.consults-prev-result"}, 1},
        Broken{"fx-check-blind-routes", "1.0.0", {"check.removed-route"}, 0},
        Broken{"fx-check-blind-reservation", "1.0.0", {"check.removed-reservation"}, 0},
        Broken{"fx-status-always-ok", "1.1.0", {"status.pool"}, 1},
        Broken{"fx-ignores-prev-result", "0.4.0,1.1.0", {"chain.prev-result"}, 1}),
    [](const auto& p) {
      std::string n = std::string(p.param.fixture).substr(3);
      for (char& c : n)
        if (c == '-') c = '_';
      return n;
    });

TEST_F(Conformance, DelegatingFixturePassesEveryCheckOfEveryVersion) {
  Outcome r = conformance({std::string(FIXTURE_DIR) + "/fx-correct", "--config",
                           write_config(delegating_config("fx-correct")), "--timeout", "5"});
  EXPECT_EQ(r.code, 0) << describe(r);
  EXPECT_TRUE(r.failed.empty()) << describe(r);
  for (const char* id : {"delegate.env", "delegate.config", "delegate.stderr", "delegate.check",
                         "delegate.del", "delegate.gc", "delegate.status",
                         "delegate.del-after-failed-add", "gc.empty-list", "gc.continues-on-error"})
    EXPECT_EQ(result_of(r, id, "1.1.0"), "pass") << id << ": " << describe(r);
  EXPECT_EQ(result_of(r, "delegate.del", "0.3.1"), "pass") << describe(r);
  // The fixture that keeps its own address files delegates nothing.
  Outcome own = fixture("fx-correct", "1.0.0");
  EXPECT_EQ(result_of(own, "delegate.env", "1.0.0"), "skip") << describe(own);
}

TEST_F(Conformance, DelegationToDebianHostLocalPasses) {
  if (!std::filesystem::exists("/usr/lib/cni/host-local")) GTEST_SKIP() << "no host-local";
  // host-local 1.1.1 knows the versions up to 1.0.0.
  Outcome r = conformance({std::string(FIXTURE_DIR) + "/fx-correct", "--config",
                           write_config(delegating_config("fx-correct", "host-local")),
                           "--versions", "0.4.0,1.0.0", "--timeout", "5"});
  EXPECT_EQ(r.code, 0) << describe(r);
  EXPECT_TRUE(r.failed.empty()) << describe(r);
  for (const char* id : {"delegate.env", "delegate.config", "delegate.check", "delegate.del"})
    EXPECT_EQ(result_of(r, id, "1.0.0"), "pass") << id << ": " << describe(r);
}

TEST_F(Conformance, WrongResultVersionFailsOnlyWhereTheVersionDiffers) {
  Outcome r = fixture("fx-wrong-result-version", "0.4.0,1.0.0,1.1.0");
  EXPECT_EQ(r.failed, (std::set<std::string>{"add.result@0.4.0", "add.result@1.1.0"}))
      << describe(r);
}

TEST_F(Conformance, HangingPluginIsKilledAndCleanedUp) {
  Outcome r = fixture("fx-hang-add", "1.0.0");
  bool named = false;
  for (const auto& row : r.report["results"])
    if (row["id"] == "timeout.all-calls")
      named = row["evidence"].get<std::string>().starts_with("ADD of fx-hang-add");
  EXPECT_TRUE(named) << describe(r);
  // TearDown checks that no namespace, veth or address file survived the kill.
}

TEST_F(Conformance, LeftIptablesRuleIsReportedAndRemoved) {
  Outcome r = fixture("fx-leaves-iptables-rule", "1.0.0");
  std::string evidence;
  for (const auto& row : r.report["results"])
    if (row["id"] == "host.clean") evidence = row["evidence"];
  EXPECT_NE(evidence.find("iptables rule left: iptables filter -A FORWARD -s 10.233.251."),
            std::string::npos)
      << evidence;
  bool removed = false;
  for (const auto& c : r.report["cleanup"])
    removed =
        removed || c.get<std::string>().find("-D FORWARD -s 10.233.251.") != std::string::npos;
  EXPECT_TRUE(removed) << r.report["cleanup"].dump();
}

TEST_F(Conformance, HostLinkNamedInNoResultIsTheAttachmentsLeftover) {
  Outcome r = fixture("fx-leaves-host-link", "1.0.0");
  std::string evidence;
  for (const auto& row : r.report["results"])
    if (row["id"] == "host.clean") evidence = row["evidence"];
  // The lifecycle attachment's pair, attributed by the diff around its ADD and DEL; the pairs of
  // later scenarios (not diffed) stay "not attributed".
  EXPECT_NE(evidence.find("link fxl"), std::string::npos) << evidence;
  EXPECT_NE(evidence.find("was created (left by attachment " + prefix_ + "-"), std::string::npos)
      << evidence;
  bool removed = false;
  for (const auto& c : r.report["cleanup"])
    removed = removed || c.get<std::string>().find("ip link del fxl") != std::string::npos;
  EXPECT_TRUE(removed) << r.report["cleanup"].dump();
}

TEST_F(Conformance, ChainedPluginThatIgnoresPrevResultFails) {
  json list{{"cniVersion", "1.0.0"},
            {"name", "fx"},
            {"plugins", {fixture_config("fx-correct"), {{"type", "fx-ignores-prev-result"}}}}};
  list["plugins"][0].erase("cniVersion");
  Outcome r = conformance({"fx-ignores-prev-result", "--config", write_config(list), "--versions",
                           "1.0.0", "--timeout", "2"});
  EXPECT_EQ(r.failed_ids, std::set<std::string>{"chain.prev-result"}) << describe(r);
  EXPECT_EQ(r.code, 1);
  list["plugins"][1]["type"] = "fx-correct";
  r = conformance({"fx-correct", "--config", write_config(list), "--versions", "1.0.0"});
  EXPECT_TRUE(r.failed_ids.empty()) << describe(r);
}

TEST_F(Conformance, EveryWrongResultFieldTypeOf110IsNamed) {
  Outcome r = fixture("fx-string-mtu", "1.1.0");
  std::string evidence;
  for (const auto& row : r.report["results"])
    if (row["id"] == "add.result-fields") evidence = row["evidence"];
  for (const char* field :
       {"interfaces[1].mtu", "interfaces[1].socketPath", "interfaces[1].pciID", "routes[1].mtu",
        "routes[1].advmss", "routes[1].priority", "routes[1].table", "routes[1].scope"})
    EXPECT_NE(evidence.find(field), std::string::npos) << field << " in: " << evidence;
}

// The plugin under test called as an IPAM plugin: its "ipam" names its own type.
TEST_F(Conformance, IpamResultWithInterfacesFails) {
  for (std::string name : {"fx-ipam-lists-interfaces", "fx-correct"}) {
    json conf = fixture_config(name);
    conf["ipam"]["type"] = name;
    Outcome r = conformance({std::string(FIXTURE_DIR) + "/" + name, "--config", write_config(conf),
                             "--versions", "0.4.0,1.0.0", "--checks", "ipam.result,add.result"});
    bool broken = name != "fx-correct";
    EXPECT_EQ(r.failed_ids, broken ? std::set<std::string>{"ipam.result"} : std::set<std::string>{})
        << name << ": " << describe(r);
    EXPECT_EQ(r.code, broken ? 1 : 0) << name << ": " << describe(r);
  }
}

TEST_F(Conformance, MissingDnatRuleIsNoticedByCheck) {
  for (std::string name : {"fx-check-blind-dnat", "fx-correct"}) {
    json list{{"cniVersion", "1.0.0"},
              {"name", "fx"},
              {"plugins",
               {fixture_config("fx-correct"),
                {{"type", name}, {"capabilities", {{"portMappings", true}}}}}}};
    list["plugins"][0].erase("cniVersion");
    Outcome r = conformance(
        {name, "--config", write_config(list), "--versions", "1.0.0", "--timeout", "2",
         "--capability-args",
         R"({"portMappings":[{"hostPort":18233,"containerPort":80,"protocol":"tcp"}]})"});
    bool broken = name != "fx-correct";
    EXPECT_EQ(r.failed_ids,
              broken ? std::set<std::string>{"check.removed-dnat"} : std::set<std::string>{})
        << name << ": " << describe(r);
    EXPECT_EQ(result_of(r, "check.removed-dnat", "1.0.0"), broken ? "warn" : "pass") << name;
    EXPECT_EQ(r.code, 0) << name << ": " << describe(r);
  }
}

TEST_F(Conformance, UnknownClaimedVersionIsANoteInEveryFormat) {
  std::string config = write_config(fixture_config("fx-claims-future-version"));
  std::string fx = std::string(FIXTURE_DIR) + "/fx-claims-future-version";
  const std::string note = "claims version 1.2.0, which this suite does not know: not tested";
  Outcome j = conformance({fx, "--config", config, "--versions", "1.0.0", "--checks", "version."});
  EXPECT_EQ(j.code, 0) << describe(j);
  EXPECT_EQ(result_of(j, "version.unknown", "-"), "note") << describe(j);
  EXPECT_NE(j.report.dump().find(note), std::string::npos) << j.report.dump();
  for (const char* format : {"text", "junit"}) {
    Outcome t = conformance({fx, "--config", config, "--versions", "1.0.0", "--checks", "version.",
                             "--format", format});
    EXPECT_NE(t.out.find(note), std::string::npos) << format << ": " << t.out;
    EXPECT_EQ(t.code, 0) << format;
  }
}

bool have_debian_plugins() {
  return std::filesystem::exists("/usr/lib/cni/bridge");
}

TEST_F(Conformance, DebianBridgeFailsVersionEchoAndChainPrevResultAmongMusts) {
  if (!have_debian_plugins()) GTEST_SKIP() << "no /usr/lib/cni/bridge";
  // With isGateway, bridge turns net.ipv4.ip_forward on: a host.shared finding (SHOULD) on a
  // host where it was off (a fresh machine), none where something already turned it on.
  bool forwarding_was_off = minipod::fs::read_file("/proc/sys/net/ipv4/ip_forward") == "0\n";
  Outcome r = conformance({"bridge", "--versions", "0.2.0,0.4.0,1.0.0"});
  // The MUSTs it fails: Go's skeleton answers VERSION with its own version (1.0.0), not the
  // cniVersion it was asked in (version.echo); second in a chain, its result drops prevResult's
  // interfaces and addresses (chain.prev-result). What bridge 1.1.1 really does besides: an ADD
  // that finds the pool exhausted leaves eth0 in the sandbox, and when its delegated ADD
  // (host-local) fails it returns the error without the delegated DEL the spec asks for (two
  // SHOULDs). Go's skeleton printing its "about" text without CNI_COMMAND and ip_forward turned on
  // in the suite's private host namespace are notes, not findings.
  EXPECT_EQ(r.code, 1) << describe(r);
  EXPECT_EQ(r.failed_ids,
            (std::set<std::string>{"chain.prev-result", "delegate.del-after-failed-add",
                                   "ipam.exhaustion", "version.echo"}))
      << describe(r);
  EXPECT_EQ(minipod::fs::read_file("/proc/sys/net/ipv4/ip_forward"),
            forwarding_was_off ? "0\n" : "1\n")
      << "the plugin ran in the suite's private host namespace, never on the real host";
}

TEST_F(Conformance, DebianPortmapCheckFailsOnIpv4OnlyResults) {
  if (!have_debian_plugins()) GTEST_SKIP() << "no /usr/lib/cni/portmap";
  Outcome r = conformance({"portmap", "--versions", "1.0.0"});
  // containernetworking/plugins#819: CHECK looks for an IPv6 DNAT chain that was never made.
  EXPECT_TRUE(r.failed.count("check.after-add@1.0.0")) << describe(r);
  EXPECT_EQ(r.code, 1);
  // Its top-level CNI-HOSTPORT-* chains stay after DEL: per-network state, a note only.
  EXPECT_FALSE(r.failed.count("host.shared@1.0.0")) << describe(r);
  EXPECT_EQ(result_of(r, "host.shared", "1.0.0"), "note") << describe(r);
}

// The real host as `ip`, iptables-save and the forwarding sysctls show it; counters and
// link statistics left out, they move by themselves.
std::string host_state() {
  std::string s;
  for (const char* cmd :
       {"ip -o link show | sed 's/ link\\/.*//'", "ip -o addr show", "ip route show table all",
        "ip -6 route show table all", "iptables-save | grep -v '^#' | sed 's/\\[[0-9:]*\\]//'",
        "ip6tables-save | grep -v '^#' | sed 's/\\[[0-9:]*\\]//'", "ls /run/netns 2>/dev/null",
        "ls -d /tmp/cnicf-* 2>/dev/null",
        "cat /proc/sys/net/ipv4/ip_forward /proc/sys/net/ipv6/conf/all/forwarding "
        "/proc/sys/net/ipv4/conf/all/rp_filter /proc/sys/net/bridge/bridge-nf-call-iptables "
        "2>/dev/null"})
    s += std::string("== ") + cmd + "\n" + sh(cmd).out;
  return s;
}

TEST_F(Conformance, HostIsLeftExactlyAsFound) {
  if (!have_debian_plugins()) GTEST_SKIP() << "no /usr/lib/cni/bridge";
  std::string before = host_state();
  Outcome r = conformance({"portmap", "--versions", "1.0.0"});
  EXPECT_NE(r.report["summary"]["passed"], 0) << describe(r);
  Outcome f = conformance({std::string(FIXTURE_DIR) + "/fx-correct", "--config",
                           write_config(fixture_config("fx-correct")), "--versions", "1.0.0"});
  EXPECT_EQ(f.code, 0) << describe(f);
  EXPECT_EQ(host_state(), before);
}

// Shell: after a second, waits (up to 5 s) until the run started as $pid has namespaces pinned
// (in its own mount namespace, seen through /proc/$pid/root), prints their number, then sends
// `signal`; prints "rc=<its exit status>".
std::string stop_mid_run(const std::string& prefix, const std::string& signal) {
  return " & pid=$!; sleep 1; for i in $(seq 50); do n=$(ls /proc/$pid/root/run/netns 2>/dev/null"
         " | grep -c '^" +
         prefix + "-'); [ \"$n\" != 0 ] && break; sleep 0.1; done; echo $n; kill -" + signal +
         " $pid; wait $pid; echo rc=$?";
}

TEST_F(Conformance, SigtermMidRunRemovesEverything) {
  if (!have_debian_plugins()) GTEST_SKIP() << "no /usr/lib/cni/bridge";
  // In the private host namespace (the default) and on the real host (--on-host), where the
  // suite itself must take its links and iptables state away again.
  for (std::string mode : {"", " --on-host"}) {
    std::string before = host_state();
    // Started in the background, stopped with SIGTERM while its scenarios run.
    std::string cmd = std::string(CLI_DRIVER) +
                      " cni --cni-path /usr/lib/cni conformance bridge --prefix " + prefix_ + mode +
                      " --format json --output " + (tmp_ / "r.json").string() + " >/dev/null 2>" +
                      (tmp_ / "err").string() + stop_mid_run(prefix_, "TERM");
    Shell r = sh(cmd, std::chrono::seconds(120));
    EXPECT_NE(r.out.find("rc=143"), std::string::npos)
        << mode << ": " << r.out << minipod::fs::read_file((tmp_ / "err").string());
    EXPECT_NE(r.out.substr(0, 2), "0\n") << mode << ": the run had no namespaces when stopped";
    EXPECT_EQ(host_state(), before) << mode;
  }
}

// The mount points of the real host (the suite pins its namespaces in a mount namespace of its
// own).
std::string mount_points() {
  return sh("cut -d' ' -f5 /proc/self/mountinfo | sort").out;
}

TEST_F(Conformance, SigkillMidRunLeavesNothing) {
  std::string before = host_state() + mount_points();
  // Killed while its scenarios run: the kernel takes its namespaces, their pins, the links and
  // iptables rules of its private host with it; only its directory in /tmp is left, for the next
  // run to remove.
  std::string cmd = std::string(CLI_DRIVER) + " cni --cni-path /usr/lib/cni:" + FIXTURE_DIR +
                    " conformance " + FIXTURE_DIR + "/fx-correct --config " +
                    write_config(fixture_config("fx-correct")) + " --prefix " + prefix_ +
                    " --format json --output " + (tmp_ / "r.json").string() + " >/dev/null 2>" +
                    (tmp_ / "err").string() + stop_mid_run(prefix_, "KILL");
  Shell r = sh(cmd, std::chrono::seconds(60));
  EXPECT_NE(r.out.find("rc=137"), std::string::npos) << r.out;
  EXPECT_NE(r.out.substr(0, 2), "0\n") << "the run had no namespaces when killed";
  // Its plugin calls may outlive it by a moment, in the dying namespaces.
  std::this_thread::sleep_for(std::chrono::seconds(1));
  std::string after = host_state() + mount_points();
  auto without_tmp = [](std::string s) {
    size_t at = s.find("== ls -d /tmp/cnicf-*");
    size_t end = s.find("== ", at + 3);
    return s.erase(at, end - at);
  };
  EXPECT_EQ(without_tmp(after), without_tmp(before));
  leaks_state_ = true;  // its address files: the run died before its DELs
  // The next run removes the directory of the dead one (never one of a live run).
  Outcome next = conformance({std::string(FIXTURE_DIR) + "/fx-correct", "--config",
                              write_config(fixture_config("fx-correct")), "--versions", "1.0.0",
                              "--checks", "version.answer"});
  EXPECT_EQ(next.code, 0) << describe(next);
  EXPECT_NE(next.err.find("of a run that is gone"), std::string::npos) << next.err;
  EXPECT_EQ(host_state() + mount_points(), before);
}

TEST_F(Conformance, SubnetAndPrefixReachTheProfile) {
  if (!have_debian_plugins()) GTEST_SKIP() << "no /usr/lib/cni/bridge";
  Outcome r = conformance(
      {"bridge", "--versions", "1.0.0", "--checks", "add.result", "--subnet", "10.99.7.0/24"});
  EXPECT_EQ(r.code, 0) << describe(r);
  ASSERT_FALSE(r.report["calls"].empty());
  std::string stdin_data;
  for (const auto& c : r.report["calls"])
    if (c["verb"] == "ADD") stdin_data = c["stdin"];
  EXPECT_NE(stdin_data.find("\"10.99.7.0/24\""), std::string::npos) << stdin_data;
  // Link names start with the first letters of --prefix ("mptcf" of "mpt-cf-...").
  EXPECT_NE(stdin_data.find("\"bridge\":\"mptcfbr"), std::string::npos) << stdin_data;
  EXPECT_EQ(conformance({"bridge", "--subnet", "10.99.0.0/28"}).code, 2);
}

TEST_F(Conformance, CorrectFixtureWithoutCniPathPasses) {
  Outcome r =
      conformance({std::string(FIXTURE_DIR) + "/fx-no-cni-path", "--config",
                   write_config(fixture_config("fx-no-cni-path")), "--versions", "0.4.0,1.1.0"});
  EXPECT_EQ(r.code, 0) << describe(r);
  EXPECT_TRUE(r.failed.empty()) << describe(r);
  EXPECT_EQ(result_of(r, "env.missing.CNI_PATH", "1.1.0"), "note") << describe(r);
}

TEST_F(Conformance, HangingDelCostsOneTimeout) {
  leaks_state_ = true;  // the DELs it did not make never freed their addresses
  Outcome r = fixture("fx-hang-del", "1.0.0");
  int hung = 0;
  for (const auto& c : r.report["calls"]) hung += c["timedOut"].get<bool>() ? 1 : 0;
  EXPECT_EQ(hung, 1) << describe(r);
  EXPECT_TRUE(r.failed.count("timeout.all-calls@1.0.0")) << describe(r);
  std::string twice = result_of(r, "del.twice", "1.0.0");
  EXPECT_EQ(twice, "skip") << describe(r);
}

TEST_F(Conformance, MissingLinkTypeIsNotTestableHere) {
  // Only meaningful on a kernel without ipvlan (this one, at the time of writing).
  Shell probe = sh("ip netns add " + prefix_ + "-k && ip netns exec " + prefix_ +
                   "-k sh -c 'ip link add a type veth peer name b && ip link add c link a type "
                   "ipvlan mode l2'; rc=$?; ip netns del " +
                   prefix_ + "-k; exit $rc");
  if (probe.code == 0) GTEST_SKIP() << "this kernel has ipvlan";
  // Without VERSION's own checks: version.echo is a real MUST failure of every Go plugin (exit 1
  // wins over 3), and it does not depend on the kernel.
  Outcome r = conformance({"ipvlan", "--versions", "1.0.0", "--checks", "add.,del.,check."});
  EXPECT_EQ(r.code, 3) << describe(r);
  EXPECT_TRUE(r.failed.empty()) << describe(r);
  EXPECT_EQ(result_of(r, "add.result", "1.0.0"), "not-testable") << describe(r);
  Outcome j = conformance(
      {"ipvlan", "--versions", "1.0.0", "--checks", "add.,del.,check.", "--format", "junit"});
  EXPECT_EQ(j.code, 3);
  EXPECT_NE(j.out.find("<skipped message=\"could not be tested here: this kernel cannot create "
                       "ipvlan links"),
            std::string::npos)
      << j.out;
}

TEST_F(Conformance, SuitePolicyIsLabelledInEveryFormat) {
  std::string config = write_config(fixture_config("fx-correct"));
  std::string fx = std::string(FIXTURE_DIR) + "/fx-correct";
  Outcome j = conformance({fx, "--config", config, "--versions", "1.0.0", "--checks", "del."});
  bool labelled = false;
  for (const auto& row : j.report["results"])
    if (row["id"] == "del.twice") labelled = row["level"] == "MUST (suite policy; SPEC: should)";
  EXPECT_TRUE(labelled) << j.report.dump();
  EXPECT_EQ(j.report["sha256"].get<std::string>().size(), 64u);
  EXPECT_FALSE(j.report["minipodVersion"].get<std::string>().empty());
  for (const char* format : {"text", "junit"}) {
    Outcome t = conformance(
        {fx, "--config", config, "--versions", "1.0.0", "--checks", "del.", "--format", format});
    EXPECT_NE(t.out.find("MUST (suite policy; SPEC: should)"), std::string::npos) << t.out;
  }
  Outcome x = conformance(
      {fx, "--config", config, "--versions", "1.0.0", "--checks", "del.", "--format", "junit"});
  EXPECT_NE(x.out.find("<property name=\"section\" value=\"SPEC.md §2 DEL"), std::string::npos)
      << x.out;
  EXPECT_NE(x.out.find("<property name=\"plugin.sha256\""), std::string::npos) << x.out;
}

TEST_F(Conformance, TextReportEndsWithTheSummaryLine) {
  Outcome r = conformance(
      {std::string(FIXTURE_DIR) + "/fx-check-blind", "--config",
       write_config(fixture_config("fx-check-blind")), "--versions", "1.0.0", "--checks",
       "check.after-add,check.removed-address,check.removed-interface,add.result", "--format",
       "text"});
  EXPECT_EQ(r.code, 0) << r.err;
  std::string last = r.out.substr(r.out.rfind('\n', r.out.size() - 2) + 1);
  EXPECT_EQ(last, "2 passed, 0 failed, 2 warnings\n") << r.out;
  EXPECT_NE(r.out.find("check.removed-interface  1.0.0    SHOULD  warn    CHECK succeeded after "
                       "eth0 was deleted\n"),
            std::string::npos)
      << r.out;
}

TEST_F(Conformance, JunitReportMarksMustFailuresOnly) {
  leaks_state_ = true;
  Outcome r = conformance({std::string(FIXTURE_DIR) + "/fx-del-leaks-address", "--config",
                           write_config(fixture_config("fx-del-leaks-address")), "--versions",
                           "1.0.0", "--format", "junit"});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.out.find("<testcase classname=\"fx-del-leaks-address.1.0.0\" "
                       "name=\"del.releases-address\""),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("failures=\"1\""), std::string::npos) << r.out;
}

TEST_F(Conformance, UsageErrorsExit2) {
  EXPECT_EQ(conformance({"bridge", "--checks", "no.such-check"}).code, 2);
  EXPECT_EQ(conformance({"bridge", "--format", "yaml"}).code, 2);
  EXPECT_EQ(conformance({"bridge", "--versions", "7.0.0"}).code, 2);
  EXPECT_EQ(conformance({std::string(FIXTURE_DIR) + "/fx-correct"}).code, 2);  // no profile
  EXPECT_EQ(conformance({"no-such-plugin"}).code, 2);
  json wrong = fixture_config("fx-correct");
  EXPECT_EQ(conformance({"fx-check-blind", "--config", write_config(wrong)}).code, 2);
}

}  // namespace
}  // namespace cni::conformance
