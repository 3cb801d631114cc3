// A pod's containers share one network stack, hostname and IPC namespace; each has its own root
// filesystem; the pod's lifecycle follows Kubernetes (sidecars, restartPolicy), with CRI logs.
#include <gtest/gtest.h>

#include <gmock/gmock.h>
#include <sys/stat.h>

#include <regex>
#include <sstream>

#include "common/fs.h"
#include "tests/integration/pod_fixture.h"

namespace minipod::testing {
namespace {

using ::testing::HasSubstr;

class PodRun : public PodTest {};

std::string find_prefixed(const std::vector<std::string>& lines, const std::string& prefix) {
  for (const auto& l : lines)
    if (l.rfind(prefix, 0) == 0) return l;
  return "";
}

TEST_F(PodRun, ContainersShareLocalhostHostnameAndIpc) {
  auto r = run_pod(R"(
apiVersion: v1
kind: Pod
metadata:
  name: mpt-pod-local
spec:
  restartPolicy: Never
  terminationGracePeriodSeconds: 1
  initContainers:
  - name: server
    image: probe
    restartPolicy: Always
    command: [sh, -c]
    args:
    - |
      echo hello-from-server > /www/index.html
      probe ns net uts ipc; hostname
      probe shm-create 4242; probe mq-create mptq
      exec httpd -f -p 127.0.0.1:8080 -h /www
  containers:
  - name: client
    image: probe
    command: [sh, -c]
    args:
    - |
      for i in $(seq 1 100); do wget -q -O - http://127.0.0.1:8080/ && break; sleep 0.05; done
      probe ns net uts ipc; hostname
      probe shm-find 4242 >/dev/null && echo shm-visible
      probe mq-find mptq && echo mq-visible
)");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto server = lines_of(r.out, "server");
  auto client = lines_of(r.out, "client");
  EXPECT_THAT(client, ::testing::Contains("hello-from-server")) << r.out;
  for (const char* ns : {"net:", "uts:", "ipc:"}) {
    std::string a = find_prefixed(server, ns), b = find_prefixed(client, ns);
    EXPECT_FALSE(a.empty()) << r.out;
    EXPECT_EQ(a, b) << "both containers must be in the same " << ns << " namespace";
  }
  EXPECT_THAT(server, ::testing::Contains("mpt-pod-local"));
  EXPECT_THAT(client, ::testing::Contains("mpt-pod-local"));
  EXPECT_THAT(client, ::testing::Contains("shm-visible"));
  EXPECT_THAT(client, ::testing::Contains("mq-visible"));
  EXPECT_THAT(r.err, HasSubstr("container \"client\" exited with code 0 (Completed)"));
}

TEST_F(PodRun, SharedPidNamespaceHasPauseAsPid1AndReapsOrphans) {
  auto r = run_pod(R"(
apiVersion: v1
kind: Pod
metadata:
  name: mpt-pod-sharedpid
spec:
  shareProcessNamespace: true
  restartPolicy: Never
  terminationGracePeriodSeconds: 1
  initContainers:
  - name: sleeper
    image: probe
    restartPolicy: Always
    command: [probe, sleep, "30"]
  containers:
  - name: looker
    image: probe
    command: [sh, -c]
    args:
    - |
      for i in $(seq 1 100); do ps -o pid,args | grep -q 'probe sleep' && break; sleep 0.05; done
      ps -o pid,args | sed 's/^ *//'
      o=$(probe orphan); sleep 0.8
      probe exists $o || echo orphan-reaped
)");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto looker = lines_of(r.out, "looker");
  EXPECT_THAT(looker, ::testing::Contains("1 minipod-pause")) << r.out;
  EXPECT_THAT(looker, ::testing::Contains(::testing::HasSubstr("probe sleep 30"))) << r.out;
  EXPECT_THAT(looker, ::testing::Contains("orphan-reaped")) << r.out;
}

TEST_F(PodRun, WithoutSharingEachCommandIsPid1) {
  auto r = run_pod(R"(
apiVersion: v1
kind: Pod
metadata:
  name: mpt-pod-ownpid
spec:
  restartPolicy: Never
  containers:
  - name: a
    image: probe
    command: [probe, pid]
  - name: b
    image: probe
    command: [probe, pid]
)");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(lines_of(r.out, "a"), ::testing::Contains("pid 1 ppid 0"));
  EXPECT_THAT(lines_of(r.out, "b"), ::testing::Contains("pid 1 ppid 0"));
}

// `minipod run -`: the manifest from standard input (kept through the re-exec from a read-only
// copy of minipod), a pod like any other.
TEST_F(PodRun, ManifestFromStdin) {
  auto r = env().minipod({"run", "-"}, std::chrono::seconds(60), {}, R"(
apiVersion: v1
kind: Pod
metadata:
  name: mpt-pod-stdin
spec:
  restartPolicy: Never
  containers:
  - name: c
    image: probe
    command: [probe, pid]
)");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(lines_of(r.out, "c"), ::testing::Contains("pid 1 ppid 0")) << r.out;
}

TEST_F(PodRun, WritesStayInTheContainersOwnLayer) {
  auto r = run_pod(R"(
apiVersion: v1
kind: Pod
metadata:
  name: mpt-pod-layers
spec:
  restartPolicy: Never
  initContainers:
  - name: writer
    image: probe
    command: [sh, -c, "echo mine > /etc/mpt-written && rm /bin/ls && echo wrote"]
  containers:
  - name: reader
    image: probe
    command: [sh, -c, "test ! -e /etc/mpt-written && test -e /bin/ls && echo isolated"]
)");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(lines_of(r.out, "writer"), ::testing::Contains("wrote"));
  EXPECT_THAT(lines_of(r.out, "reader"), ::testing::Contains("isolated"));
  auto image = env().image_dir() / "probe" / "rootfs";
  EXPECT_FALSE(std::filesystem::exists(image / "etc" / "mpt-written"));
  EXPECT_TRUE(std::filesystem::exists(std::filesystem::symlink_status(image / "bin" / "ls")));
}

TEST_F(PodRun, OnFailureRestartsUntilSuccess) {
  // /dev/shm belongs to the pod, so it survives a container's restart (its root filesystem does
  // not).
  auto r = run_pod(R"(
apiVersion: v1
kind: Pod
metadata:
  name: mpt-pod-restart
spec:
  restartPolicy: OnFailure
  containers:
  - name: flaky
    image: probe
    command: [sh, -c]
    args:
    - |
      n=$(cat /dev/shm/n 2>/dev/null || echo 0); n=$((n+1)); echo $n > /dev/shm/n
      echo attempt $n; test -e /tmp/fresh && echo layer-reused; touch /tmp/fresh; [ $n -ge 3 ]
)",
                   {"--restart-backoff", "0.05", "--keep-logs"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto flaky = lines_of(r.out, "flaky");
  EXPECT_EQ(flaky, (std::vector<std::string>{"attempt 1", "attempt 2", "attempt 3"})) << r.out;
  EXPECT_THAT(r.err, HasSubstr("container \"flaky\" exited with code 1 (Error); restarting in"));
  // Each attempt has its own CRI log file.
  EXPECT_TRUE(
      std::filesystem::exists(env().log_dir() / "default_mpt-pod-restart" / "flaky" / "2.log"));
}

TEST_F(PodRun, ExitCodeIsTheFirstFailingContainersAndLogsAreCri) {
  auto r = run_pod(R"(
apiVersion: v1
kind: Pod
metadata:
  name: mpt-pod-exit
spec:
  restartPolicy: Never
  containers:
  - name: bad
    image: probe
    command: [sh, -c, "echo to-stdout; echo to-stderr >&2; exit 3"]
  - name: good
    image: probe
    command: [sh, -c, "sleep 0.3; echo fine"]
)",
                   {"--keep-logs"});
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_THAT(r.err, HasSubstr("container \"bad\" exited with code 3 (Error)"));
  EXPECT_THAT(lines_of(r.err, "bad"), ::testing::Contains("to-stderr"));
  auto log = fs::read_file(env().log_dir() / "default_mpt-pod-exit" / "bad" / "0.log");
  std::regex record(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z (stdout|stderr) F to-\1)");
  std::istringstream in(log);
  std::string line;
  int records = 0;
  while (std::getline(in, line)) {
    EXPECT_TRUE(std::regex_match(line, record)) << line;
    ++records;
  }
  EXPECT_EQ(records, 2);
  // Without --keep-logs, a foreground pod's logs go with it: nothing piles up in the log dir.
  fs::remove_tree(env().log_dir() / "default_mpt-pod-exit");
  auto again = run_pod(R"(
apiVersion: v1
kind: Pod
metadata:
  name: mpt-pod-exit
spec:
  restartPolicy: Never
  containers:
  - name: bad
    image: probe
    command: [sh, -c, "echo to-stdout; exit 3"]
)");
  EXPECT_EQ(again.exit_code, 3) << again.err;
  EXPECT_FALSE(std::filesystem::exists(env().log_dir() / "default_mpt-pod-exit"));
}

TEST_F(PodRun, HostNetworkUsesTheHostsNetworkNamespace) {
  auto r = run_pod(R"(
apiVersion: v1
kind: Pod
metadata:
  name: mpt-pod-hostnet
spec:
  hostNetwork: true
  restartPolicy: Never
  containers:
  - name: a
    image: probe
    command: [probe, ns, net]
)");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  struct stat st {};
  ASSERT_EQ(::stat("/proc/self/ns/net", &st), 0);
  EXPECT_THAT(lines_of(r.out, "a"), ::testing::Contains("net:" + std::to_string(st.st_ino)));
}

}  // namespace
}  // namespace minipod::testing
