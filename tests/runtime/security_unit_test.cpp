// Capability sets, seccomp profiles (RuntimeDefault and Docker-format JSON), users, rlimits and
// the masked/read-only paths of the rootfs plan: the parent-side computations, no containers.
#include <gtest/gtest.h>
#include <sys/mount.h>

#include <algorithm>
#include <cstring>
#include <filesystem>

#include "common/error.h"
#include "common/fs.h"
#include "runtime/container/rootfs_plan.h"
#include "runtime/security/capabilities.h"
#include "runtime/security/default_profile.h"
#include "runtime/security/identity.h"
#include "runtime/security/rlimits.h"
#include "runtime/security/seccomp_filter.h"
#include "runtime/security/seccomp_profile.h"
#include "tests/support/temp_dir.h"

namespace minipod::security {
namespace {

constexpr CapMask kDocker = 0xa80425fb;
constexpr CapMask kAll = (CapMask{1} << 41) - 1;

spec::Capabilities caps(std::vector<std::string> add, std::vector<std::string> drop) {
  return spec::Capabilities{std::move(add), std::move(drop)};
}

TEST(Capabilities, DockerDefaultAddDropAllLikeContainerd) {
  EXPECT_EQ(default_capabilities(), kDocker);
  EXPECT_EQ(granted_capabilities(nullptr, false, "f", kAll), kDocker);
  auto c = caps({"NET_ADMIN"}, {"CHOWN"});
  EXPECT_EQ(granted_capabilities(&c, false, "f", kAll), (kDocker | cap_bit(12)) & ~cap_bit(0));
  c = caps({"ALL"}, {"SYS_ADMIN"});
  EXPECT_EQ(granted_capabilities(&c, false, "f", kAll), kAll & ~cap_bit(21));
  c = caps({"KILL"}, {"ALL"});
  EXPECT_EQ(granted_capabilities(&c, false, "f", kAll), cap_bit(5));
  c = caps({"NET_RAW"}, {"NET_RAW"});  // drop wins
  EXPECT_EQ(granted_capabilities(&c, false, "f", kAll), kDocker & ~cap_bit(13));
  EXPECT_EQ(granted_capabilities(nullptr, true, "f", kAll & ~cap_bit(24)), kAll & ~cap_bit(24));
  // ALL means what the runtime has; naming a capability it lacks is an error naming the field.
  c = caps({"ALL"}, {});
  EXPECT_EQ(granted_capabilities(&c, false, "f", kAll & ~cap_bit(24)), kAll & ~cap_bit(24));
  c = caps({"KILL", "SYS_RESOURCE"}, {});
  try {
    granted_capabilities(&c, false, "spec.containers[0].securityContext", kAll & ~cap_bit(24));
    FAIL() << "SYS_RESOURCE granted without having it";
  } catch (const UsageError& e) {
    EXPECT_EQ(e.step(), "spec.containers[0].securityContext.capabilities.add[1]");
  }
}

TEST(Capabilities, SetsForRootAndNonRoot) {
  auto root = capability_sets(kDocker, 0, true);
  EXPECT_EQ(root.bounding, kDocker);
  EXPECT_EQ(root.effective, kDocker);
  EXPECT_EQ(root.permitted, kDocker);
  EXPECT_EQ(root.inheritable, 0u);
  EXPECT_EQ(root.ambient, 0u);
  auto user = capability_sets(kDocker, 0, false);
  EXPECT_EQ(user.bounding, kDocker);
  EXPECT_EQ(user.effective | user.permitted | user.inheritable | user.ambient, 0u);
  auto granted = capability_sets(kDocker | cap_bit(12), cap_bit(12), false);
  EXPECT_EQ(granted.effective, cap_bit(12));
  EXPECT_EQ(granted.ambient, cap_bit(12));
  EXPECT_EQ(granted.inheritable, cap_bit(12));
}

TEST(Capabilities, NamesBothWays) {
  EXPECT_EQ(capability_number("NET_ADMIN", "f"), 12);
  EXPECT_EQ(capability_names(cap_bit(0) | cap_bit(12)), "CHOWN,NET_ADMIN");
  EXPECT_EQ(capability_names(0), "none");
  EXPECT_THROW(capability_number("FLY", "f"), UsageError);
}

TEST(Seccomp, RuntimeDefaultCompilesAndKeepsDockersRules) {
  auto p = runtime_default_profile();
  EXPECT_EQ(p.default_action, "SCMP_ACT_ERRNO");
  EXPECT_EQ(p.default_errno, 1);
  const auto& allowed = p.syscalls.front().names;
  for (const char* name : {"read", "execve", "close_range", "capset", "setresuid", "prctl"})
    EXPECT_NE(std::find(allowed.begin(), allowed.end(), name), allowed.end()) << name;
  for (const char* name : {"mount", "setns", "unshare", "keyctl", "kexec_load", "bpf", "reboot"})
    EXPECT_EQ(std::find(allowed.begin(), allowed.end(), name), allowed.end()) << name;
  auto program = compile_profile(p, kDocker, "RuntimeDefault");
  EXPECT_GT(program.instructions.size(), 100u);
  EXPECT_GT(program.rules, 300u);
  // CAP_SYS_ADMIN opens mount & co: more rules.
  auto admin = compile_profile(p, kDocker | cap_bit(21), "RuntimeDefault");
  EXPECT_GT(admin.rules, program.rules);
}

TEST(Seccomp, CompiledProgramsAreCachedByWhatLibseccompIsGiven) {
  testing_support::TempDir dir;
  auto cache = dir.path() / "seccomp-cache";
  auto p = runtime_default_profile();
  auto fresh = compile_profile(p, kDocker, "RuntimeDefault");
  auto first = compile_profile(p, kDocker, "RuntimeDefault", cache);
  EXPECT_TRUE(first.cache_file.empty());  // compiled, and written for next time
  ASSERT_EQ(std::distance(std::filesystem::directory_iterator(cache), {}), 1);
  auto second = compile_profile(p, kDocker, "RuntimeDefault", cache);
  EXPECT_FALSE(second.cache_file.empty());
  EXPECT_EQ(second.rules, fresh.rules);
  ASSERT_EQ(second.instructions.size(), fresh.instructions.size());
  EXPECT_EQ(std::memcmp(second.instructions.data(), fresh.instructions.data(),
                        fresh.instructions.size() * sizeof(sock_filter)),
            0);

  // Another capability set resolves to other rules: another entry, never the first one.
  auto admin = compile_profile(p, kDocker | cap_bit(21), "RuntimeDefault", cache);
  EXPECT_TRUE(admin.cache_file.empty());
  EXPECT_GT(admin.rules, second.rules);
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(cache), {}), 2);

  // An entry cut short (a crash, a full disk) is not a shorter filter: it is compiled again.
  std::string text = fs::read_file(second.cache_file);
  fs::write_file(second.cache_file, text.substr(0, text.size() - 8));
  auto again = compile_profile(p, kDocker, "RuntimeDefault", cache);
  EXPECT_TRUE(again.cache_file.empty());
  EXPECT_EQ(again.instructions.size(), fresh.instructions.size());
  EXPECT_EQ(fs::read_file(second.cache_file), text);  // and rewritten whole
}

TEST(Seccomp, DockerFormatJsonProfile) {
  auto p = parse_profile(R"({
    "defaultAction": "SCMP_ACT_ALLOW",
    "archMap": [{"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86"]}],
    "syscalls": [
      {"names": ["mkdir"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13},
      {"name": "personality", "action": "SCMP_ACT_ERRNO",
       "args": [{"index": 0, "value": 8, "op": "SCMP_CMP_EQ"}, {"index": 0, "value": 9, "op": "SCMP_CMP_EQ"}]},
      {"names": ["bpf"], "action": "SCMP_ACT_ERRNO", "includes": {"caps": ["CAP_SYS_ADMIN"]}},
      {"names": ["not_a_syscall"], "action": "SCMP_ACT_KILL"}
    ]})",
                         "test.json");
  EXPECT_EQ(p.default_action, "SCMP_ACT_ALLOW");
  ASSERT_EQ(p.syscalls.size(), 4u);
  EXPECT_EQ(p.syscalls[0].errno_ret, 13);
  EXPECT_EQ(p.syscalls[1].names, std::vector<std::string>{"personality"});
  EXPECT_EQ(p.syscalls[1].args.size(), 2u);
  EXPECT_EQ(p.syscalls[2].include_caps, std::vector<std::string>{"CAP_SYS_ADMIN"});
  auto program = compile_profile(p, kDocker, "test.json");
  EXPECT_EQ(program.skipped, 1u);  // not_a_syscall
  EXPECT_EQ(program.rules, 3u);    // mkdir + personality twice (same argument tested twice)
}

TEST(Seccomp, MalformedProfilesNameTheField) {
  struct Case {
    const char* json;
    const char* where;
  };
  for (
      Case c :
      {Case{"{\"defaultAction\": ", "malformed JSON: parse error at line 1"},
       Case{"[]", "must be a JSON object"}, Case{"{\"syscalls\": []}", "defaultAction"},
       Case{R"({"defaultAction": "SCMP_ACT_NOPE"})", "defaultAction: unknown action"},
       Case{R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"]}]})",
            "syscalls[0].action"},
       Case{
           R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_NOTIFY"}]})",
           "SCMP_ACT_NOTIFY"},
       Case{
           R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": [1], "action": "SCMP_ACT_ALLOW"}]})",
           "syscalls[0].names[0]"},
       Case{
           R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 7, "value": 1, "op": "SCMP_CMP_EQ"}]}]})",
           "syscalls[0].args[0].index"},
       Case{
           R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_ABOUT"}]}]})",
           "syscalls[0].args[0].op"}}) {
    try {
      parse_profile(c.json, "p.yaml: spec.containers[0].securityContext.seccompProfile");
      ADD_FAILURE() << "accepted: " << c.json;
    } catch (const UsageError& e) {
      EXPECT_EQ(e.step(), "p.yaml: spec.containers[0].securityContext.seccompProfile");
      EXPECT_NE(std::string(e.what()).find(c.where), std::string::npos) << e.what();
    }
  }
}

// nlohmann throws out_of_range for a number beyond a double and type_error for a value of the
// wrong type; both used to escape raw, without the profile's name.
TEST(Seccomp, NumbersBeyondADoubleAndWrongTypesNameTheProfile) {
  const std::string what = "p.yaml: localhostProfile (/var/lib/minipod/seccomp/x.json)";
  struct Case {
    const char* json;
    const char* message;
  };
  for (Case c : {
           Case{R"({"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1e999})",
                "field \"defaultErrnoRet\": number overflow parsing '1e999'"},
           Case{R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"],
                "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "value": -1e999}]}]})",
                "field \"syscalls[0].args[0].value\": number overflow parsing '-1e999'"},
           Case{R"({"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["read"],
                "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "value": 1, "op": 5}]}]})",
                "syscalls[0].args[0].op: must be a comparison such as SCMP_CMP_EQ, got 5"},
       }) {
    try {
      parse_profile(c.json, what);
      ADD_FAILURE() << "accepted: " << c.json;
    } catch (const UsageError& e) {
      EXPECT_EQ(std::string(e.what()), what + ": " + c.message);
    }
  }
}

TEST(Identity, PodAndContainerLevelsAndRunAsNonRoot) {
  spec::Pod pod;
  pod.security_context.run_as_user = 1000;
  pod.security_context.run_as_group = 2000;
  pod.security_context.supplemental_groups = {5, 4};
  pod.security_context.fs_group = 4;
  spec::Container c;
  c.name = "app";
  auto id = resolve_identity(pod, c, "spec.containers[0]");
  EXPECT_EQ(id.uid, 1000u);
  EXPECT_EQ(id.gid, 2000u);
  EXPECT_EQ(id.groups, (std::vector<gid_t>{4, 5}));
  c.security_context.run_as_user = 7;
  EXPECT_EQ(resolve_identity(pod, c, "spec.containers[0]").uid, 7u);

  spec::Pod root;
  root.security_context.run_as_non_root = true;
  spec::Container plain;
  plain.name = "app";
  try {
    resolve_identity(root, plain, "spec.containers[0]", "pod.yaml: ");
    FAIL() << "root accepted with runAsNonRoot";
  } catch (const UsageError& e) {
    EXPECT_EQ(e.step(), "pod.yaml: spec.securityContext.runAsNonRoot");
    EXPECT_NE(std::string(e.what()).find("would run as root"), std::string::npos);
  }
  plain.security_context.run_as_user = 1;
  EXPECT_EQ(resolve_identity(root, plain, "spec.containers[0]").uid, 1u);
}

rlim_t low_hard(int) {
  return 512;
}
rlim_t high_hard(int) {
  return 1 << 20;
}

TEST(Rlimits, NofileIs1024NeverAboveTheHardLimit) {
  auto l = default_rlimits(high_hard);
  ASSERT_EQ(l.size(), 1u);
  EXPECT_EQ(l[0].resource, RLIMIT_NOFILE);
  EXPECT_EQ(l[0].soft, 1024u);
  EXPECT_EQ(l[0].hard, 1024u);
  l = default_rlimits(low_hard);
  EXPECT_EQ(l[0].soft, 512u);
  EXPECT_EQ(l[0].hard, 512u);
}

TEST(RootfsSecurity, MaskedAndReadOnlyPathsUnlessPrivileged) {
  container::RootfsInputs in;
  in.rootfs = "/r";
  auto count = [](const container::RootfsPlan& p, container::RootfsOp::Kind k) {
    return std::count_if(p.ops.begin(), p.ops.end(), [k](const auto& op) { return op.kind == k; });
  };
  using Kind = container::RootfsOp::Kind;
  auto plain = container::plan_rootfs(in);
  EXPECT_EQ(count(plain, Kind::kMask), 11);
  EXPECT_EQ(count(plain, Kind::kReadOnly), 5);
  EXPECT_EQ(count(plain, Kind::kRemountReadOnly), 1);  // /sys only: the root stays writable
  auto masked = std::find_if(plain.ops.begin(), plain.ops.end(),
                             [](const auto& op) { return op.path == "/proc/kcore"; });
  ASSERT_NE(masked, plain.ops.end());
  // After /proc is mounted, or the mask would be hidden by it.
  auto proc = std::find_if(plain.ops.begin(), plain.ops.end(),
                           [](const auto& op) { return op.what == "mount /proc"; });
  EXPECT_LT(proc - plain.ops.begin(), masked - plain.ops.begin());

  in.read_only_root = true;
  auto ro = container::plan_rootfs(in);
  ASSERT_EQ(ro.ops.back().kind, Kind::kRemountReadOnly);
  EXPECT_EQ(ro.ops.back().path, "/");

  in.privileged = true;
  auto priv = container::plan_rootfs(in);
  EXPECT_EQ(count(priv, Kind::kMask), 0);
  EXPECT_EQ(count(priv, Kind::kReadOnly), 0);
  EXPECT_EQ(count(priv, Kind::kRemountReadOnly), 1);  // the root only: /sys stays writable
  auto sys = std::find_if(priv.ops.begin(), priv.ops.end(),
                          [](const auto& op) { return op.what == "mount /sys"; });
  ASSERT_NE(sys, priv.ops.end());
  EXPECT_EQ(sys->flags & MS_RDONLY, 0u);
  EXPECT_GT(count(priv, Kind::kMknod), count(plain, Kind::kMknod));  // the host's devices
}

}  // namespace
}  // namespace minipod::security
