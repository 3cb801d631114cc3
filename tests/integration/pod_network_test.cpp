// The pod network: an address from host-local through the real bridge plugin, reachable from the
// host and from another pod; hostPorts through portmap; everything released at teardown.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <filesystem>

#include "tests/integration/pod_fixture.h"

namespace minipod::testing {
namespace {

using ::testing::HasSubstr;

class PodNetwork : public PodTest {
 protected:
  void TearDown() override {
    if (IsSkipped()) return;
    PodTest::TearDown();
    env().write_network();  // tests may have changed the chain
  }
};

const char* kServer = R"(
apiVersion: v1
kind: Pod
metadata:
  name: %NAME%
spec:
  restartPolicy: Never
  terminationGracePeriodSeconds: 1
  containers:
  - name: web
    image: probe
    command: [sh, -c, "echo page-of-%NAME% > /www/index.html; exec httpd -f -p 8080 -h /www"]
    ports:
    - containerPort: 8080
      hostPort: %HOSTPORT%
)";

std::string server(const std::string& name, int host_port = 0) {
  std::string s = kServer;
  for (auto [key, value] : {std::pair<std::string, std::string>{"%NAME%", name},
                            {"%HOSTPORT%", std::to_string(host_port)}})
    for (size_t p; (p = s.find(key)) != std::string::npos;) s.replace(p, key.size(), value);
  return s;
}

std::string wait_for_page(const std::string& ip, int port) {
  for (int i = 0; i < 100; ++i) {
    auto body = http_get(ip, port);
    if (!body.empty()) return body;
    usleep(50'000);
  }
  return "";
}

TEST_F(PodNetwork, PodGetsAnAddressTheHostReaches) {
  auto pod = start_pod(server("mpt-pod-addr"));
  auto state = env().wait_running("mpt-pod-addr");
  ASSERT_FALSE(state.is_null()) << pod->err_so_far();
  std::string ip = state["ips"].at(0);
  EXPECT_EQ(ip.rfind(env().subnet_prefix(), 0), 0u) << ip;
  EXPECT_EQ(wait_for_page(ip, 8080), "page-of-mpt-pod-addr\n");

  // `ip netns exec` works, as in any tutorial.
  auto addr = host_command(
      {"/usr/sbin/ip", "netns", "exec", "mpt-pod-addr", "ip", "-o", "-4", "addr", "show", "eth0"});
  EXPECT_THAT(addr.out, HasSubstr(ip + "/24"));
  // host-local reserved exactly this address.
  EXPECT_TRUE(std::filesystem::exists(env().ipam_dir() / env().network() / ip));

  pod->signal(SIGTERM);
  ASSERT_TRUE(pod->wait(std::chrono::seconds(20)));
  EXPECT_EQ(pod->result().exit_code, 128 + SIGTERM) << pod->result().err;
  EXPECT_FALSE(std::filesystem::exists(env().ipam_dir() / env().network() / ip))
      << "address not released";
}

// The hosts file is bind-mounted into the containers while the CNI ADD still runs; the address
// the plugins gave is written into it in place afterwards, so every container sees it.
TEST_F(PodNetwork, EveryContainersHostsFileNamesThePodsAddress) {
  auto r = run_pod(R"(
apiVersion: v1
kind: Pod
metadata:
  name: mpt-pod-hosts
spec:
  restartPolicy: Never
  containers:
  - name: a
    image: probe
    command: [sh, -c, "ip -4 addr show eth0; cat /etc/hosts"]
  - name: b
    image: probe
    command: [cat, /etc/hosts]
)");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string ip;
  for (const auto& l : lines_of(r.out, "a")) {
    auto at = l.find("inet ");
    if (at != std::string::npos) ip = l.substr(at + 5, l.find('/', at) - at - 5);
  }
  ASSERT_EQ(ip.rfind(env().subnet_prefix(), 0), 0u) << r.out;
  for (const char* c : {"a", "b"}) {
    auto lines = lines_of(r.out, c);
    EXPECT_NE(std::find(lines.begin(), lines.end(), ip + "\tmpt-pod-hosts"), lines.end())
        << c << ":\n"
        << r.out;
  }
}

TEST_F(PodNetwork, TwoPodsOnOneBridgeReachEachOther) {
  auto a = start_pod(server("mpt-pod-a"));
  auto state = env().wait_running("mpt-pod-a");
  ASSERT_FALSE(state.is_null()) << a->err_so_far();
  std::string ip = state["ips"].at(0);
  ASSERT_EQ(wait_for_page(ip, 8080), "page-of-mpt-pod-a\n");

  auto r = run_pod(R"(
apiVersion: v1
kind: Pod
metadata:
  name: mpt-pod-b
spec:
  restartPolicy: Never
  containers:
  - name: client
    image: probe
    command: [wget, -q, -O, -, "http://)" +
                   ip + R"(:8080/"]
)");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(lines_of(r.out, "client"), ::testing::Contains("page-of-mpt-pod-a"));

  a->signal(SIGINT);
  ASSERT_TRUE(a->wait(std::chrono::seconds(20)));
  EXPECT_EQ(a->result().exit_code, 128 + SIGINT);
}

TEST_F(PodNetwork, HostPortIsReachableFromHostLocalhost) {
  env().write_network(
      nlohmann::json::array({{{"type", "portmap"}, {"capabilities", {{"portMappings", true}}}}}));
  auto pod = start_pod(server("mpt-pod-hostport", 18431));
  auto state = env().wait_running("mpt-pod-hostport");
  ASSERT_FALSE(state.is_null()) << pod->err_so_far();
  EXPECT_EQ(wait_for_page("127.0.0.1", 18431), "page-of-mpt-pod-hostport\n");
  pod->signal(SIGTERM);
  ASSERT_TRUE(pod->wait(std::chrono::seconds(20)));
  EXPECT_EQ(http_get("127.0.0.1", 18431, std::chrono::milliseconds(300)), "");
}

// Two pods cannot publish one hostPort: the second is refused before anything of it exists,
// naming the pod that has the port; once that pod is gone the port is free again.
TEST_F(PodNetwork, ASecondPodPublishingTheSameHostPortIsRefused) {
  env().write_network(
      nlohmann::json::array({{{"type", "portmap"}, {"capabilities", {{"portMappings", true}}}}}));
  auto first = start_pod(server("mpt-pod-port1", 18432));
  auto state = env().wait_running("mpt-pod-port1");
  ASSERT_FALSE(state.is_null()) << first->err_so_far();
  std::string id = state["id"];

  auto second = run_pod(server("mpt-pod-port2", 18432));
  EXPECT_EQ(second.exit_code, 2) << second.err;
  EXPECT_THAT(second.err, HasSubstr(".yaml: spec.containers[0].ports[0].hostPort: 18432/TCP is "
                                    "already published by pod \"mpt-pod-port1\" (id " +
                                    id.substr(0, 12) + ")"));
  EXPECT_FALSE(std::filesystem::exists("/run/netns/mpt-pod-port2"));
  EXPECT_FALSE(std::filesystem::exists(env().run_dir() / "names" / "mpt-pod-port2"));
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(env().run_dir() / "pods"),
                          std::filesystem::directory_iterator()),
            1);
  EXPECT_EQ(wait_for_page("127.0.0.1", 18432), "page-of-mpt-pod-port1\n");

  first->signal(SIGTERM);
  ASSERT_TRUE(first->wait(std::chrono::seconds(20)));
  auto third = start_pod(server("mpt-pod-port2", 18432));
  ASSERT_FALSE(env().wait_running("mpt-pod-port2").is_null()) << third->err_so_far();
  EXPECT_EQ(wait_for_page("127.0.0.1", 18432), "page-of-mpt-pod-port2\n");
  third->signal(SIGTERM);
  ASSERT_TRUE(third->wait(std::chrono::seconds(20)));
}

// Two `run`s at once with one hostPort: the port is reserved with the pod name, under its lock,
// so exactly one of them gets it.
TEST_F(PodNetwork, TwoRunsAtOnceWithOneHostPortStartOnlyOne) {
  env().write_network(
      nlohmann::json::array({{{"type", "portmap"}, {"capabilities", {{"portMappings", true}}}}}));
  for (int round = 0; round < 3; ++round) {
    auto a = start_pod(server("mpt-pod-race-a", 18434));
    auto b = start_pod(server("mpt-pod-race-b", 18434));
    Background* refused = nullptr;
    Background* running = nullptr;
    for (int i = 0; i < 1000 && refused == nullptr; ++i) {
      if (a->wait(std::chrono::milliseconds(10))) {
        refused = a.get();
        running = b.get();
      } else if (b->wait(std::chrono::milliseconds(10))) {
        refused = b.get();
        running = a.get();
      }
    }
    ASSERT_NE(refused, nullptr) << "both pods run with one hostPort (round " << round << ")";
    EXPECT_EQ(refused->result().exit_code, 2) << refused->result().err;
    EXPECT_THAT(refused->result().err, HasSubstr("18434/TCP is already published by pod"));
    auto other = running == a.get() ? "mpt-pod-race-a" : "mpt-pod-race-b";
    ASSERT_FALSE(env().wait_running(other).is_null()) << running->err_so_far();
    running->signal(SIGTERM);
    ASSERT_TRUE(running->wait(std::chrono::seconds(20)));
  }
}

TEST_F(PodNetwork, NetworkNoneGivesAPodOnlyLoopback) {
  // No CNI call at all: the containers still share one network namespace with lo up, so they
  // reach each other on 127.0.0.1, and there is no other interface and no address.
  auto r = run_pod(R"(
apiVersion: v1
kind: Pod
metadata:
  name: mpt-pod-none
spec:
  restartPolicy: Never
  terminationGracePeriodSeconds: 0
  initContainers:
  - name: server
    image: probe
    restartPolicy: Always
    command: [sh, -c, "echo page-none > /www/index.html; exec httpd -f -p 127.0.0.1:8080 -h /www"]
  containers:
  - name: client
    image: probe
    command: [sh, -c]
    args:
    - |
      for i in $(seq 1 100); do wget -q -O - http://127.0.0.1:8080/ && break; sleep 0.05; done
      ls /sys/class/net
)",
                   {"--network", "none"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto client = lines_of(r.out, "client");
  EXPECT_THAT(client, ::testing::ElementsAre("page-none", "lo")) << r.out;

  auto published = run_pod(server("mpt-pod-none", 18080), {"--network", "none"});
  EXPECT_EQ(published.exit_code, 2);
  EXPECT_THAT(published.err, HasSubstr("hostPort 18080 cannot be published with --network none"));
}

}  // namespace
}  // namespace minipod::testing
