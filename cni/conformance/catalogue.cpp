#include "cni/conformance/catalogue.h"

#include "cni/version.h"

namespace cni::conformance {

const std::vector<CheckInfo>& catalogue() {
  static const std::vector<CheckInfo> checks = [] {
    const Level M = Level::kMust, S = Level::kShould, I = Level::kInfo;
    std::vector<CheckInfo> v{
        {"version.answer", M, "SPEC.md §2 VERSION, §5 Version success",
         "VERSION exits 0 with one JSON object holding cniVersion and supportedVersions", "", "",
         false},
        {"version.unsupported", S, "SPEC.md §5 ADD success (cniVersion); error code 1",
         "a config in a version the plugin does not support (9.9.9) fails with code 1", "", "",
         false},
        // The codes (6 here, 4 below) are the spec's well-known codes, not a requirement: a
        // failure with another code passes and the evidence names the code.
        {"stdin.malformed", M, "SPEC.md §2 Overview (config on stdin); error code 6",
         "malformed or empty stdin fails (code 6 expected, not required)", "", "", false},
        {"env.unknown-command", M, "SPEC.md §2 Parameters; error code 4",
         "an unknown CNI_COMMAND fails (code 4 expected, not required)", "", ""},
        // Go's skel prints its "about" text and exits 0 without CNI_COMMAND; the spec allows it.
        {"env.missing.CNI_COMMAND", I, "SPEC.md §2 Parameters",
         "what the plugin does without CNI_COMMAND (no rule: shown for information)", "", ""},
    };
    for (const char* var : {"CNI_CONTAINERID", "CNI_NETNS", "CNI_IFNAME"})
      v.push_back({std::string("env.missing.") + var, M, "SPEC.md §2 Parameters; error code 4",
                   std::string("ADD without ") + var +
                       " fails naming the variable (code 4 expected, not required)",
                   "", ""});
    // CNI_PATH is only needed by plugins that delegate (IPAM) and by GC: ADD may work without it.
    v.push_back({"env.missing.CNI_PATH", I, "SPEC.md §2 Parameters (CNI_PATH)",
                 "what ADD does without CNI_PATH (optional for ADD: shown for information)", "",
                 ""});
    std::vector<CheckInfo> rest{
        {"add.result", M, "SPEC.md §5 ADD success",
         "the ADD result has the shape of the requested version: cniVersion, interfaces, CIDRs, "
         "interface indices, sandbox path",
         "", ""},
        {"add.result-real", M, "SPEC.md §2 ADD, §5 ADD success",
         "the interfaces and addresses the result puts in the sandbox really exist there", "", ""},
        {"add.duplicate", M, "SPEC.md §2 ADD (CNI_IFNAME already exists: MUST return an error)",
         "a second ADD with the same container id and ifname fails", "", ""},
        {"chain.prev-result", M, "SPEC.md §3 Chained plugins (prevResult must be handled)",
         "a chained plugin passes prevResult through (or modifies it), it is not unaware of it",
         "0.3.0", ""},
        {"check.after-add", M, "SPEC.md §2 CHECK", "CHECK right after ADD succeeds", "0.4.0", ""},
        {"check.removed-address", S, "SPEC.md §2 CHECK (missing resources should be an error)",
         "CHECK fails when an address the plugin created was removed", "0.4.0", ""},
        {"check.removed-interface", S, "SPEC.md §2 CHECK (missing resources should be an error)",
         "CHECK fails when the interface the plugin created was removed", "0.4.0", ""},
        {"check.refused-old-version", S, "SPEC.md §2 CHECK (0.4.0+)",
         "CHECK with a config older than 0.4.0 fails", "", "0.3.1"},
        {"del.removes", M, "SPEC.md §2 DEL",
         "DEL after ADD succeeds and removes the interfaces and addresses from the sandbox", "",
         ""},
        {"del.twice", M, "SPEC.md §2 DEL (must tolerate missing resources)",
         "a second DEL of the same attachment succeeds", "", "", true, true},
        {"del.without-add", M, "SPEC.md §2 DEL (must tolerate missing resources)",
         "DEL of an attachment that was never added succeeds", "", "", true, true},
        {"del.empty-netns", M, "SPEC.md §2 DEL (CNI_NETNS not provided)",
         "DEL with an empty CNI_NETNS succeeds and still releases the address", "", "", true, true},
        {"del.vanished-netns", M, "SPEC.md §2 DEL (netns no longer exists)",
         "DEL with a CNI_NETNS that no longer exists succeeds and still releases the address", "",
         "", true, true},
        {"del.no-prev-result", M, "SPEC.md §2 DEL (prevResult may be omitted)",
         "DEL without prevResult succeeds and removes the interface", "0.4.0", ""},
        {"del.releases-address", M, "SPEC.md §2 DEL, §4 IPAM",
         "after DEL the address is free again: a new ADD in a one-address pool gets it", "", ""},
        {"parallel.add-del", M, "SPEC.md §3 Lifecycle (different containers may run in parallel)",
         "parallel ADDs of different containers all succeed with distinct addresses, parallel DELs "
         "clean up",
         "", ""},
        {"ipam.exhaustion", S, "SPEC.md §2 ADD, §5 Error",
         "ADD in an exhausted pool fails with an error and leaves nothing in the sandbox", "", ""},
        {"timeout.all-calls", M, "SPEC.md §3 (runtimes kill hung plugins)",
         "every call returns within the timeout", "", ""},
        // Exiting non-zero is the MUST, judged by each check; the JSON error is what a runtime
        // can show, but a plugin that only logs to stderr still failed correctly.
        {"error.json", S, "SPEC.md §5 Error",
         "every failure prints a JSON object holding an integer code and a msg on stdout", "", ""},
        {"stdout.json-only", M, "SPEC.md §5 (stdout is the result; stderr is for logs)",
         "stdout holds nothing but the one JSON object (nothing at all for a successful DEL, "
         "CHECK, GC, STATUS)",
         "", ""},
        {"gc.verb", M, "SPEC.md §2 GC (1.1.0)",
         "GC succeeds, keeps the valid attachments and frees the others", "1.1.0", ""},
        {"status.verb", M, "SPEC.md §2 STATUS (1.1.0)",
         "STATUS succeeds (or fails with code 50/51 and a JSON error)", "1.1.0", ""},
        {"host.clean", M, "SPEC.md §2 DEL (undo what ADD did)",
         "after DEL no per-attachment link, address, route, iptables rule or IPAM file is left on "
         "the host (in the private host namespace: nothing that appeared between one attachment's "
         "ADD and its DEL)",
         "", ""},
        // Per-network chains (portmap's, firewall's) and sysctls such as ip_forward are meant to
        // outlive one attachment; the spec asks DEL to undo the attachment, not the network.
        {"host.shared", I, "SPEC.md §2 DEL",
         "after DEL shared host state (iptables chains, sysctls, shared links) is as before ADD "
         "(shown for information)",
         "", ""},
        // Issue 14, how the plugin takes its calls (checks_version.cpp).
        {"version.echo", M, "SPEC.md §5 VERSION Success",
         "VERSION answers with the cniVersion given on stdin, not its own", "", "", false},
        {"version.minimal-env", M, "SPEC.md §2 VERSION (required: CNI_COMMAND)",
         "VERSION with only CNI_COMMAND and CNI_PATH set succeeds", "", "", false},
        {"add.ifname", M, "SPEC.md §2 Parameters (CNI_IFNAME)",
         "ADD with a CNI_IFNAME other than eth0 creates that interface in the sandbox or fails", "",
         ""},
        {"add.interfaces-listed", M, "SPEC.md §5 ADD success (interfaces)",
         "every interface the ADD created in the sandbox is in the result's interfaces", "0.3.0",
         ""},
        {"env.del-missing.CNI_CONTAINERID", M, "SPEC.md §2 DEL (required parameters); code 4",
         "DEL without CNI_CONTAINERID fails with code 4 naming the variable", "", ""},
        {"env.del-missing.CNI_IFNAME", M, "SPEC.md §2 DEL (required parameters); code 4",
         "DEL without CNI_IFNAME fails with code 4 naming the variable", "", ""},
        {"env.check-missing.CNI_NETNS", M, "SPEC.md §2 CHECK (required parameters); code 4",
         "CHECK without CNI_NETNS fails with code 4 naming the variable", "0.4.0", ""},
        {"env.gc-missing.CNI_PATH", M, "SPEC.md §2 GC (required parameters); code 4",
         "GC without CNI_PATH fails with code 4 naming the variable", "1.1.0", ""},
        {"add.result-fields", M, "SPEC.md §5 ADD success (1.1.0 interface and route fields)",
         "interfaces[].mtu and routes[].mtu/advmss/priority/table/scope are unsigned integers, "
         "socketPath and pciID strings",
         "1.1.0", ""},
        {"check.tolerates-later-changes", M,
         "SPEC.md §2 CHECK (allow a later chained plugin's changes)",
         "CHECK still succeeds after a later plugin added a route in the sandbox", "0.4.0", ""},
        // Issue 14, GC's other cases (checks_gc_cases.cpp): the spec's words are "should".
        {"gc.empty-list", S, "SPEC.md §2 GC (1.1.0: remove resources of attachments not listed)",
         "GC with an empty cni.dev/valid-attachments list frees every address of the network",
         "1.1.0", ""},
        {"gc.unknown-valid", S, "SPEC.md §2 GC (1.1.0: complete without error)",
         "GC succeeds when the valid list names an attachment the plugin never saw", "1.1.0", ""},
        {"gc.continues-on-error", S,
         "SPEC.md §2 GC (1.1.0: on an error continue, removing as many resources as possible)",
         "when one stale attachment's host-side interface is already gone, GC still frees the "
         "other stale attachment's address",
         "1.1.0", ""},
        // Issue 14, delegation (checks_delegation.cpp): a recording shim stands in for the
        // plugin's IPAM plugin, first in CNI_PATH.
        {"delegate.env", M, "SPEC.md §4 Delegated plugin protocol (all the same environment)",
         "the delegated IPAM plugin gets the plugin's CNI_COMMAND, CNI_CONTAINERID, CNI_NETNS, "
         "CNI_IFNAME, CNI_ARGS and CNI_PATH",
         "", ""},
        {"delegate.config", M,
         "SPEC.md §4 Delegated plugin protocol (the complete network configuration)",
         "the delegated IPAM plugin gets the complete config: the plugin's name, cniVersion and "
         "ipam block",
         "", ""},
        {"delegate.stderr", S, "SPEC.md §4 Delegated plugin execution procedure (stderr)",
         "what the delegated plugin writes to stderr comes out on the plugin's stderr", "", ""},
        {"delegate.check", M, "SPEC.md §4 (CHECK must also execute delegated plugins)",
         "CHECK calls the delegated IPAM plugin", "0.4.0", ""},
        {"delegate.del", M, "SPEC.md §4 (DEL must also execute delegated plugins)",
         "DEL calls the delegated IPAM plugin", "", ""},
        {"delegate.gc", M, "SPEC.md §2 GC (1.1.0: forwarded to delegated plugins)",
         "GC calls the delegated IPAM plugin", "1.1.0", ""},
        {"delegate.status", S, "SPEC.md §2 STATUS (1.1.0), §4",
         "STATUS calls the delegated IPAM plugin", "1.1.0", ""},
        {"delegate.del-after-failed-add", S,
         "SPEC.md §4 (a failed delegated ADD: execute DEL before returning failure)",
         "when the delegated ADD fails, the plugin calls the delegate's DEL before it fails", "",
         ""},
        // Issue 14: CHECK judged against prevResult and the state it stands for
        // (checks_check_state.cpp), STATUS of a full pool, IPAM results, unknown versions.
        {"check.consults-prev-result", M, "SPEC.md §2 CHECK (must consult the prevResult)",
         "CHECK fails when prevResult lists an address the sandbox lacks (it checks prevResult, "
         "not only its own state)",
         "0.4.0", ""},
        {"check.removed-route", S, "SPEC.md §2 CHECK (missing resources should be an error)",
         "CHECK fails when a route of the result was removed from the sandbox", "0.4.0", ""},
        {"check.removed-reservation", S,
         "SPEC.md §2 CHECK (missing IP reservations should be an error)",
         "CHECK fails when the address's reservation (host-local's file in dataDir) was removed",
         "0.4.0", ""},
        {"check.removed-dnat", S, "SPEC.md §2 CHECK (missing firewall rules should be an error)",
         "CHECK fails when the DNAT rule of a port mapping (portMappings capability) was removed",
         "0.4.0", ""},
        {"status.pool", M, "SPEC.md §2 STATUS; error codes 50, 51",
         "STATUS fails with code 50 or 51 and a JSON error when the pool is exhausted, and "
         "succeeds with no output when it has addresses",
         "1.1.0", ""},
        {"ipam.result", M, "SPEC.md §4 Delegated plugins (IPAM result)",
         "an IPAM plugin's result holds no interfaces and no ips[].interface", "0.3.0", ""},
        {"version.unknown", I, "SPEC.md §2 VERSION (supportedVersions)",
         "claimed versions this suite does not know are named, not silently dropped (shown for "
         "information)",
         "", "", false},
    };
    v.insert(v.end(), rest.begin(), rest.end());
    return v;
  }();
  return checks;
}

const CheckInfo* find_check(std::string_view id) {
  for (const auto& c : catalogue())
    if (c.id == id) return &c;
  return nullptr;
}

bool applies(const CheckInfo& check, const std::string& version) {
  if (!check.per_version) return true;
  if (!check.min_version.empty() && compare_versions(version, check.min_version) < 0) return false;
  if (!check.max_version.empty() && compare_versions(version, check.max_version) > 0) return false;
  return true;
}

const char* level_name(Level level) {
  return level == Level::kMust ? "MUST" : level == Level::kShould ? "SHOULD" : "INFO";
}

std::string level_label(const CheckInfo& check) {
  if (check.suite_policy) return "MUST (suite policy; SPEC: should)";
  return level_name(check.level);
}

}  // namespace cni::conformance
