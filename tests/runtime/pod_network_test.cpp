#include "runtime/sandbox/pod_network.h"

#include <gtest/gtest.h>

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
  auto choice = choose_network("/nonexistent/net.d", "", pod);
  EXPECT_TRUE(choice.builtin);
  EXPECT_EQ(choice.list.plugins.size(), 2u);  // the pod publishes ports: portmap is in
}

}  // namespace
}  // namespace minipod::sandbox
