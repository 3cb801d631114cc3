// Container isolation, asked of the probe inside real containers: Docker's default capabilities,
// seccomp profile, masked and read-only paths; securityContext's capabilities, privileged, users,
// allowPrivilegeEscalation, seccompProfile (Localhost, Unconfined), readOnlyRootFilesystem, pod
// sysctls; and bad input refused before anything is created.
#include <gtest/gtest.h>

#include <gmock/gmock.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include "common/fs.h"
#include "tests/integration/block_device.h"
#include "tests/integration/pod_fixture.h"

namespace minipod::testing {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;

class Security : public PodTest {};

// Docker's 14: CHOWN DAC_OVERRIDE FOWNER FSETID KILL SETGID SETUID SETPCAP NET_BIND_SERVICE
// NET_RAW SYS_CHROOT MKNOD AUDIT_WRITE SETFCAP.
constexpr const char* kDockerCaps = "00000000a80425fb";

std::string status_value(const std::vector<std::string>& lines, const std::string& key) {
  for (const auto& l : lines)
    if (l.rfind(key + ":", 0) == 0) {
      auto v = l.substr(key.size() + 1);
      v.erase(0, v.find_first_not_of(" \t"));
      return v;
    }
  return "<missing " + key + ">";
}

std::string read_own_status(const std::string& key) {
  std::vector<std::string> lines;
  std::istringstream in(fs::read_file("/proc/self/status"));
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  return status_value(lines, key);
}

// How many loop devices (/dev/loopN nodes) the host has: a privileged container gets them all.
// A stock host has loop0-7 once the loop module is loaded; a host without the module has none.
int host_loop_devices() {
  int n = 0;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator("/dev", ec)) {
    std::string name = e.path().filename().string();
    if (name.size() < 5 || name.rfind("loop", 0) != 0 || !std::isdigit(name[4])) continue;
    struct stat st {};
    if (::lstat(e.path().c_str(), &st) == 0 && (S_ISBLK(st.st_mode) || S_ISCHR(st.st_mode))) ++n;
  }
  return n;
}

std::string pod_yaml(const std::string& name, const std::string& containers,
                     const std::string& pod_security = "") {
  return "apiVersion: v1\nkind: Pod\nmetadata:\n  name: " + name +
         "\nspec:\n  restartPolicy: Never\n  terminationGracePeriodSeconds: 1\n" +
         (pod_security.empty() ? "" : "  securityContext:\n" + pod_security) + "  containers:\n" +
         containers;
}

std::string container(const std::string& name, const std::string& script,
                      const std::string& security = "") {
  std::string out =
      "  - name: " + name + "\n    image: probe\n    command: [sh, -c]\n    args:\n    - |\n";
  std::string line;
  for (char c : script) {
    if (c == '\n') {
      out += "      " + line + "\n";
      line.clear();
    } else {
      line += c;
    }
  }
  if (!line.empty()) out += "      " + line + "\n";
  if (!security.empty()) out += "    securityContext:\n" + security;
  return out;
}

TEST_F(Security, DefaultContainerIsConfinedLikeDocker) {
  auto r = run_pod(pod_yaml("mpt-sec-default", container("c", R"(probe caps
probe seccomp
probe id
probe syscall mount unshare setns keyctl kexec_load init_module bpf reboot swapon settimeofday clone-newuser clone-newns clone clone3
for p in /proc/kcore /proc/keys /proc/timer_list /proc/acpi /sys/firmware /proc/sched_debug; do probe read $p; done
for p in /proc/sys/kernel/shmmax /proc/sys/net/ipv4/ip_forward /sys/kernel/rcu_expedited /tmp; do probe write $p; done
echo nofile $(ulimit -n)
echo procs $(ls -d /proc/[0-9]* | wc -l))")));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto out = lines_of(r.out, "c");
  EXPECT_EQ(status_value(out, "CapBnd"), kDockerCaps) << r.out;
  EXPECT_EQ(status_value(out, "CapEff"), kDockerCaps);
  EXPECT_EQ(status_value(out, "CapPrm"), kDockerCaps);
  EXPECT_EQ(status_value(out, "CapInh"), "0000000000000000");
  EXPECT_EQ(status_value(out, "CapAmb"), "0000000000000000");
  EXPECT_EQ(status_value(out, "Seccomp"), "2");
  EXPECT_EQ(status_value(out, "NoNewPrivs"),
            "0");  // Kubernetes: only with allowPrivilegeEscalation: false
  EXPECT_THAT(out, Contains("uid 0 gid 0 groups "));
  for (const char* call :
       {"mount", "unshare", "setns", "keyctl", "kexec_load", "init_module", "bpf", "reboot",
        "swapon", "settimeofday", "clone-newuser", "clone-newns"})
    EXPECT_THAT(out, Contains(std::string(call) + ":EPERM")) << r.out;
  EXPECT_THAT(out, Contains("clone:ok"));       // a plain fork still works
  EXPECT_THAT(out, Contains("clone3:ENOSYS"));  // so libc falls back to clone
  // Masked: nothing to read (a path this kernel lacks reads nothing either).
  for (const char* p : {"/proc/kcore", "/proc/keys", "/proc/timer_list", "/proc/sched_debug"}) {
    auto it = std::find_if(out.begin(), out.end(), [&](const std::string& l) {
      return l.rfind(std::string(p) + ":", 0) == 0;
    });
    ASSERT_NE(it, out.end()) << p;
    EXPECT_TRUE(*it == std::string(p) + ":0" || *it == std::string(p) + ":ENOENT") << *it;
  }
  EXPECT_THAT(out, Contains("/proc/acpi:0"));  // an empty read-only tmpfs
  EXPECT_THAT(out, Contains("/sys/firmware:0"));
  // Read-only.
  EXPECT_THAT(out, Contains("/proc/sys/kernel/shmmax:EROFS"));
  EXPECT_THAT(out, Contains("/proc/sys/net/ipv4/ip_forward:EROFS"));
  EXPECT_THAT(out, Contains("/sys/kernel/rcu_expedited:EROFS"));
  EXPECT_THAT(out, Contains("nofile 1024"));
  // Its own PID namespace: the shell, ls and wc (and nothing of the host).
  auto procs = std::find_if(out.begin(), out.end(),
                            [](const std::string& l) { return l.rfind("procs ", 0) == 0; });
  ASSERT_NE(procs, out.end());
  EXPECT_LE(std::stoi(procs->substr(6)), 4) << *procs;
}

// Docker's profile costs libseccomp ~8 ms of CPU: compiled by the first pod after a boot, kept in
// the run directory, and loaded (not compiled) by the next pods, which are just as confined.
TEST_F(Security, DockersProgramIsCompiledOnceAndReusedByLaterPods) {
  auto cache = env().run_dir() / "seccomp-cache";
  fs::remove_tree(cache);
  auto yaml = [&](const std::string& name) {
    return pod_yaml(name, container("c", "probe seccomp; probe syscall mount keyctl"));
  };
  auto first = env().minipod({"--trace", "run", manifest_path(yaml("mpt-sec-cache1"))});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_THAT(first.err, HasSubstr("BPF instructions, compiled"));
  EXPECT_THAT(first.err, Not(HasSubstr("compiled earlier")));
  // Two programs: the container's (Docker's 14 capabilities) and pause's (none).
  std::vector<std::filesystem::path> entries;
  for (const auto& e : std::filesystem::directory_iterator(cache)) entries.push_back(e.path());
  ASSERT_EQ(entries.size(), 2u);
  for (const auto& e : entries) EXPECT_EQ(e.extension(), ".bpf");

  auto second = env().minipod({"--trace", "run", manifest_path(yaml("mpt-sec-cache2"))});
  ASSERT_EQ(second.exit_code, 0) << second.err;
  for (const auto& e : entries)
    EXPECT_THAT(second.err, HasSubstr("compiled earlier: " + e.string()));
  auto out = lines_of(second.out, "c");
  EXPECT_EQ(status_value(out, "Seccomp"), "2");
  EXPECT_THAT(out, Contains("mount:EPERM")) << second.out;
  EXPECT_THAT(out, Contains("keyctl:EPERM"));
}

TEST_F(Security, CapabilitiesAddDropPrivilegedAndUsers) {
  std::string containers =
      container("adddrop", "probe caps; probe syscall mount setns",
                "      capabilities: {add: [NET_ADMIN, CAP_SYS_ADMIN], drop: [chown, MKNOD]}\n") +
      container("dropall", "probe caps", "      capabilities: {drop: [ALL], add: [KILL]}\n") +
      container("priv", R"(probe caps
probe seccomp
probe syscall setns settimeofday reboot
probe read /proc/timer_list
probe write /sys/kernel/rcu_expedited
echo loop-devices=$(ls /dev | grep -c "^loop[0-9]"))",
                "      privileged: true\n") +
      container("user", "probe caps; probe id; probe seccomp",
                "      runAsUser: 1000\n      runAsGroup: 3000\n") +
      container("usercap", "probe caps",
                "      runAsUser: 1000\n      capabilities: {add: [NET_BIND_SERVICE]}\n") +
      container("nnp", "probe seccomp", "      allowPrivilegeEscalation: false\n");
  auto r = run_pod(pod_yaml("mpt-sec-caps", containers, "    supplementalGroups: [4000, 5000]\n"));
  ASSERT_EQ(r.exit_code, 0) << r.err;

  auto adddrop = lines_of(r.out, "adddrop");
  // + NET_ADMIN (12) + SYS_ADMIN (21) - CHOWN (0) - MKNOD (27)
  EXPECT_EQ(status_value(adddrop, "CapEff"), "00000000a02435fa") << r.out;
  EXPECT_EQ(status_value(adddrop, "CapBnd"), "00000000a02435fa");
  // With CAP_SYS_ADMIN, RuntimeDefault lets mount and setns through (as Docker's profile does).
  EXPECT_THAT(adddrop, Contains("setns:EBADF"));
  EXPECT_THAT(adddrop, Not(Contains("mount:EPERM")));

  auto dropall = lines_of(r.out, "dropall");
  EXPECT_EQ(status_value(dropall, "CapEff"), "0000000000000020");
  EXPECT_EQ(status_value(dropall, "CapBnd"), "0000000000000020");

  auto priv = lines_of(r.out, "priv");
  // Every capability minipod itself has (this machine's root lacks CAP_SYS_RESOURCE).
  std::string own = read_own_status("CapPrm");
  EXPECT_EQ(status_value(priv, "CapEff"), own) << r.out;
  EXPECT_EQ(status_value(priv, "CapBnd"), own);
  EXPECT_EQ(status_value(priv, "Seccomp"), "0");
  EXPECT_THAT(priv, Contains("setns:EBADF"));
  EXPECT_THAT(priv, Contains("settimeofday:ok"));          // CAP_SYS_TIME and no filter
  EXPECT_THAT(priv, Contains("reboot:EINVAL"));            // allowed, and refused for its bad magic
  EXPECT_THAT(priv, Not(Contains("/proc/timer_list:0")));  // not masked
  EXPECT_THAT(priv, Contains("/sys/kernel/rcu_expedited:ok"));  // /sys read-write
  // The host's loop devices (loop0-7 on a stock host), however many there are.
  EXPECT_THAT(priv, Contains("loop-devices=" + std::to_string(host_loop_devices())));

  auto user = lines_of(r.out, "user");
  EXPECT_THAT(user, Contains("uid 1000 gid 3000 groups 4000,5000")) << r.out;
  for (const char* set : {"CapEff", "CapPrm", "CapInh", "CapAmb"})
    EXPECT_EQ(status_value(user, set), "0000000000000000") << set;
  EXPECT_EQ(status_value(user, "CapBnd"), kDockerCaps);
  EXPECT_EQ(status_value(user, "Seccomp"), "2");

  auto usercap = lines_of(r.out, "usercap");
  EXPECT_EQ(status_value(usercap, "CapEff"), "0000000000000400") << r.out;
  EXPECT_EQ(status_value(usercap, "CapAmb"), "0000000000000400");

  auto nnp = lines_of(r.out, "nnp");
  EXPECT_EQ(status_value(nnp, "NoNewPrivs"), "1") << r.out;
  EXPECT_EQ(status_value(nnp, "Seccomp"), "2");
}

TEST_F(Security, SeccompProfilesLocalhostAndUnconfinedAndReadOnlyRoot) {
  // A Docker-format profile: allow everything but mkdir (EACCES) and setns (default errno).
  fs::make_dirs(env().data_dir() / "seccomp" / "profiles");
  fs::write_file(env().data_dir() / "seccomp" / "profiles" / "no-mkdir.json", R"({
  "defaultAction": "SCMP_ACT_ALLOW",
  "archMap": [{"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32"]}],
  "syscalls": [
    {"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 13},
    {"names": ["setns"], "action": "SCMP_ACT_ERRNO"},
    {"names": ["no_such_syscall_anywhere"], "action": "SCMP_ACT_ERRNO"}
  ]
})");
  std::string containers =
      container(
          "local", "probe seccomp; probe syscall setns keyctl; mkdir /tmp/d || echo mkdir-refused",
          "      seccompProfile: {type: Localhost, localhostProfile: profiles/no-mkdir.json}\n") +
      container("unconfined", "probe seccomp; probe syscall setns keyctl",
                "      seccompProfile: {type: Unconfined}\n") +
      container("podlevel", "probe seccomp; mkdir /tmp/d || echo mkdir-refused") +
      container("rofs",
                "probe write /new-file; touch /new || echo root-read-only; touch /dev/shm/x && "
                "echo shm-writable",
                "      readOnlyRootFilesystem: true\n");
  auto r = run_pod(pod_yaml(
      "mpt-sec-seccomp", containers,
      "    seccompProfile: {type: Localhost, localhostProfile: profiles/no-mkdir.json}\n"));
  fs::remove_tree(env().data_dir() / "seccomp");
  ASSERT_EQ(r.exit_code, 0) << r.err;

  auto local = lines_of(r.out, "local");
  EXPECT_EQ(status_value(local, "Seccomp"), "2") << r.out;
  EXPECT_THAT(local, Contains("setns:EPERM"));
  EXPECT_THAT(local, Contains("keyctl:EINVAL"));  // the profile's default is to allow
  EXPECT_THAT(local, Contains("mkdir-refused"));
  EXPECT_THAT(r.err, HasSubstr("Permission denied"));

  auto unconfined = lines_of(r.out, "unconfined");
  EXPECT_EQ(status_value(unconfined, "Seccomp"), "0") << r.out;
  EXPECT_THAT(unconfined, Contains("setns:EBADF"));
  EXPECT_THAT(unconfined, Contains("keyctl:EINVAL"));

  auto podlevel = lines_of(r.out, "podlevel");  // inherits the pod's profile
  EXPECT_THAT(podlevel, Contains("mkdir-refused")) << r.out;

  auto rofs = lines_of(r.out, "rofs");
  EXPECT_THAT(rofs, Contains("/new-file:EROFS")) << r.out;
  EXPECT_THAT(rofs, Contains("root-read-only"));
  EXPECT_THAT(rofs, Contains("shm-writable"));
}

TEST_F(Security, PodSysctlsAreSetInThePodsNamespacesOnly) {
  std::string host_port_start =
      fs::read_file_if_exists("/proc/sys/net/ipv4/ip_unprivileged_port_start").value_or("");
  std::string host_shmmni = fs::read_file_if_exists("/proc/sys/kernel/shmmni").value_or("");
  auto r = run_pod(pod_yaml(
      "mpt-sec-sysctl",
      container("c", "cat /proc/sys/net/ipv4/ip_unprivileged_port_start /proc/sys/kernel/shmmni"),
      "    sysctls:\n    - {name: net.ipv4.ip_unprivileged_port_start, value: '42'}\n"
      "    - {name: kernel.shmmni, value: '1234'}\n"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto out = lines_of(r.out, "c");
  EXPECT_THAT(out, Contains("42")) << r.out;
  EXPECT_THAT(out, Contains("1234"));
  EXPECT_EQ(fs::read_file_if_exists("/proc/sys/net/ipv4/ip_unprivileged_port_start").value_or(""),
            host_port_start);
  EXPECT_EQ(fs::read_file_if_exists("/proc/sys/kernel/shmmni").value_or(""), host_shmmni);
}

TEST_F(Security, DeviceNodesOfTheHostCannotBeOpened) {
  // CAP_MKNOD is one of Docker's 14: a container may create a node for the host's disk, and its
  // cgroup must stop it from reading it: the v1 devices controller's allow list, and on cgroup2
  // (v2 and hybrid hosts) minipod's BPF device program. Either refuses with EPERM.
  auto disk = openable_block_device();
  if (!disk) GTEST_SKIP() << "no block device opens even for root here: a refusal proves nothing";
  std::string node = disk->mknod_args();
  auto r = run_pod(
      pod_yaml("mpt-sec-dev",
               container("c", "mknod /tmp/disk " + node +
                                  " && echo made\n"
                                  "head -c 16 /tmp/disk >/dev/null && echo read-the-host-disk\n"
                                  "echo x > /dev/null && echo null-ok")));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto lines = lines_of(r.out, "c");
  EXPECT_THAT(lines, Contains("made"));
  EXPECT_THAT(lines, Not(Contains("read-the-host-disk"))) << r.out;
  EXPECT_THAT(r.err, HasSubstr("Operation not permitted")) << r.err;
  EXPECT_THAT(lines, Contains("null-ok"));
}

// Refused with exit code 2 and the field named; the leak check after the test proves nothing was
// created (no pod record, netns, cgroup, ...).
TEST_F(Security, BadInputIsRefusedBeforeAnythingIsCreated) {
  fs::make_dirs(env().data_dir() / "seccomp");
  fs::write_file(env().data_dir() / "seccomp" / "broken.json",
                 R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [)");
  fs::write_file(
      env().data_dir() / "seccomp" / "badaction.json",
      R"({"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [{"names": ["read"], "action": "SCMP_ACT_MAYBE"}]})");
  struct Case {
    std::string yaml, field;
  };
  std::vector<Case> cases{
      {pod_yaml("mpt-sec-bad", container("c", "true", "      capabilities: {add: [CAP_FLY]}\n")),
       "spec.containers[0].securityContext.capabilities.add[0]"},
      {pod_yaml(
           "mpt-sec-bad",
           container("c", "true",
                     "      seccompProfile: {type: Localhost, localhostProfile: broken.json}\n")),
       "spec.containers[0].securityContext.seccompProfile.localhostProfile"},
      {pod_yaml("mpt-sec-bad",
                container(
                    "c", "true",
                    "      seccompProfile: {type: Localhost, localhostProfile: badaction.json}\n")),
       "syscalls[0].action"},
      {pod_yaml(
           "mpt-sec-bad",
           container("c", "true",
                     "      seccompProfile: {type: Localhost, localhostProfile: missing.json}\n")),
       "spec.containers[0].securityContext.seccompProfile.localhostProfile"},
      {pod_yaml("mpt-sec-bad", container("c", "true"),
                "    sysctls: [{name: kernel.panic, value: '1'}]\n"),
       "spec.securityContext.sysctls[0].name"},
      {pod_yaml("mpt-sec-bad",
                container("c", "true") + "    resources: {limits: {memory: -1Gi}}\n"),
       "spec.containers[0].resources.limits.memory"},
      {pod_yaml("mpt-sec-bad", container("c", "true") + "    resources: {limits: {cpu: abc}}\n"),
       "spec.containers[0].resources.limits.cpu"},
      {pod_yaml("mpt-sec-bad", container("c", "true"), "    runAsNonRoot: true\n"),
       "spec.securityContext.runAsNonRoot"},
      {pod_yaml("mpt-sec-bad",
                container("c", "true", "      runAsNonRoot: true\n      runAsGroup: 5\n")),
       "spec.containers[0].securityContext.runAsNonRoot"},
  };
  for (const auto& c : cases) {
    auto r = run_pod(c.yaml);
    EXPECT_EQ(r.exit_code, 2) << c.yaml << r.err;
    EXPECT_THAT(r.err, HasSubstr(c.field)) << c.yaml;
    auto leaks = env().leaks();
    EXPECT_TRUE(leaks.empty()) << c.field << ": " << (leaks.empty() ? "" : leaks.front());
  }
  auto root = run_pod(pod_yaml("mpt-sec-bad", container("c", "true"), "    runAsNonRoot: true\n"));
  EXPECT_THAT(root.err, HasSubstr("would run as root"));
  fs::remove_tree(env().data_dir() / "seccomp");
}

}  // namespace
}  // namespace minipod::testing
