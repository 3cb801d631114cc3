#include "runtime/sandbox/pod_network.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>

#include "common/error.h"
#include "tests/support/temp_dir.h"

namespace minipod::sandbox {
namespace {

spec::Pod pod_with_ports() {
  spec::Pod pod;
  pod.name = "web";
  pod.namespace_ = "shop";
  spec::Container c;
  c.name = "c";
  c.ports = {{"http", 8080, 18080, "TCP", ""},
             {"metrics", 9090, 0, "TCP", ""},
             {"dns", 53, 5353, "UDP", "127.0.0.1"}};
  pod.containers.push_back(c);
  return pod;
}

TEST(PodRuntimeConf, SendsKubernetesArgsInOrder) {
  auto rt = pod_runtime_conf(pod_with_ports(), "abc123", "uid-1", "/run/netns/web");
  EXPECT_EQ(rt.container_id, "abc123");
  EXPECT_EQ(rt.netns, "/run/netns/web");
  EXPECT_EQ(rt.ifname, "eth0");
  std::vector<std::pair<std::string, std::string>> want{{"IgnoreUnknown", "1"},
                                                        {"K8S_POD_NAMESPACE", "shop"},
                                                        {"K8S_POD_NAME", "web"},
                                                        {"K8S_POD_INFRA_CONTAINER_ID", "abc123"},
                                                        {"K8S_POD_UID", "uid-1"}};
  EXPECT_EQ(rt.args, want);
}

TEST(PodRuntimeConf, PortMappingsOnlyForHostPorts) {
  auto rt = pod_runtime_conf(pod_with_ports(), "abc123", "uid-1", "/run/netns/web");
  nlohmann::json want = nlohmann::json::parse(R"([
    {"hostPort": 18080, "containerPort": 8080, "protocol": "tcp"},
    {"hostPort": 5353, "containerPort": 53, "protocol": "udp", "hostIP": "127.0.0.1"}])");
  EXPECT_EQ(rt.capability_args["portMappings"], want);
}

TEST(PodRuntimeConf, NoPortMappingsWithoutHostPorts) {
  spec::Pod pod;
  pod.name = "p";
  pod.containers.emplace_back();
  EXPECT_FALSE(
      pod_runtime_conf(pod, "id", "uid", "/run/netns/p").capability_args.contains("portMappings"));
}

TEST(BuiltinNetwork, BridgeAndHostLocalPlusPortmapOnlyWhenAsked) {
  auto plain = builtin_network(false);
  EXPECT_EQ(plain.name, "minipod");
  ASSERT_EQ(plain.plugins.size(), 1u);
  EXPECT_EQ(plain.plugins[0].type, "bridge");
  EXPECT_EQ(plain.plugins[0].raw["bridge"], "minipod0");
  EXPECT_EQ(plain.plugins[0].raw["ipam"]["ranges"][0][0]["subnet"], "10.87.0.0/16");
  auto with = builtin_network(true);
  ASSERT_EQ(with.plugins.size(), 2u);
  EXPECT_EQ(with.plugins[1].type, "portmap");
  EXPECT_TRUE(with.plugins[1].raw["capabilities"]["portMappings"].get<bool>());
}

TEST(ChooseNetwork, FallsBackToTheBuiltinNetworkOnlyWhenNoConfigExists) {
  auto pod = pod_with_ports();
  auto choice = choose_network("/nonexistent/net.d", false, "", pod);
  EXPECT_TRUE(choice.builtin);
  EXPECT_EQ(choice.list.plugins.size(), 2u);  // the pod publishes ports: portmap is in
}

void write_network(const std::filesystem::path& dir, const std::string& name) {
  std::filesystem::create_directories(dir);
  std::ofstream(dir / ("10-" + name + ".conflist"))
      << R"({"cniVersion":"1.0.0","name":")" << name << R"(","plugins":[{"type":"bridge"}]})";
}

std::string usage_error(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const UsageError& e) {
    return e.what();
  }
  return "no UsageError";
}

// --network NAME never silently becomes another network: an unknown name is refused the same
// way whether the config dir holds other networks, nothing, or does not exist, and whether the
// dir is the default one or was given.
TEST(ChooseNetwork, AnUnknownNameIsRefusedWhateverTheDirHolds) {
  testing_support::TempDir tmp;
  auto pod = pod_with_ports();
  std::filesystem::path others = tmp / "others", empty = tmp / "empty", missing = tmp / "missing";
  write_network(others, "a");
  write_network(others, "b");
  std::filesystem::create_directories(empty);
  EXPECT_EQ(choose_network(others, true, "b", pod).list.name, "b");
  for (bool given : {true, false}) {
    EXPECT_EQ(usage_error([&] { choose_network(others, given, "mynet", pod); }),
              "--network mynet: no network \"mynet\" in " + others.string() + " (found: a, b)");
    EXPECT_EQ(usage_error([&] { choose_network(empty, given, "mynet", pod); }),
              "--network mynet: no network \"mynet\" in " + empty.string() + " (found: none)");
  }
  EXPECT_EQ(
      usage_error([&] { choose_network(missing, false, "mynet", pod); }),
      "--network mynet: no network \"mynet\" in " + missing.string() + " (no such directory)");
  // Not even the built-in network's own name picks it by the back door.
  EXPECT_EQ(
      usage_error([&] { choose_network(missing, false, kBuiltinNetwork, pod); }),
      "--network minipod: no network \"minipod\" in " + missing.string() + " (no such directory)");
}

TEST(ChooseNetwork, AGivenConfigDirMustExistAndHoldANetwork) {
  testing_support::TempDir tmp;
  auto pod = pod_with_ports();
  std::filesystem::path empty = tmp / "empty", typo = tmp / "net.dd";
  std::filesystem::create_directories(empty);
  EXPECT_EQ(usage_error([&] { choose_network(typo, true, "", pod); }),
            "--cni-conf-dir " + typo.string() + ": no such directory");
  EXPECT_EQ(usage_error([&] { choose_network(typo, true, "mynet", pod); }),
            "--cni-conf-dir " + typo.string() + ": no such directory");
  EXPECT_EQ(usage_error([&] { choose_network(empty, true, "", pod); }),
            "--cni-conf-dir " + empty.string() +
                ": holds no network config (*.conflist, *.conf, *.json); the built-in network "
                "\"minipod\" stands in only for /etc/cni/net.d");
  write_network(empty, "only");
  auto choice = choose_network(empty, true, "", pod);
  EXPECT_FALSE(choice.builtin);
  EXPECT_EQ(choice.list.name, "only");
}

}  // namespace
}  // namespace minipod::sandbox
