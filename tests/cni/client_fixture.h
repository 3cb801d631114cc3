// The fixture of the client tests: a recording fake plugin linked as "a", "b" and "c", a cache,
// lock folder and log of their own (tests/cni/fake_plugin.cpp).
#pragma once

#include "cni/client.h"
#include "cni/invoke.h"
#include "test_util.h"

namespace cni::test {

using nlohmann::json;

class ClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    clear_version_cache();
    ::setenv("MPT_FAKE_CNI_LOG", log_.c_str(), 1);
    ::setenv("MPT_PARENT_VAR", "inherited", 1);
    ::setenv("CNI_ARGS", "FROM=parent", 1);  // must be replaced, never passed through
    for (const char* name : {"a", "b", "c"}) test::link_plugin(plugins_, name);
  }
  void TearDown() override {
    ::unsetenv("MPT_FAKE_CNI_LOG");
    ::unsetenv("MPT_PARENT_VAR");
    ::unsetenv("CNI_ARGS");
  }

  Client client(std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    Options o;
    o.plugin_dirs = {tmp_ / "empty", plugins_};
    o.cache_dir = cache_;
    o.lock_dir = locks_;
    o.timeout = timeout;
    o.max_output = 1 << 20;
    return Client(o);
  }
  NetworkConfigList net(json plugins, const std::string& version = "1.0.0",
                        json top = json::object()) {
    top["name"] = "mpt-cni-t";
    if (!top.contains("cniVersions")) top["cniVersion"] = version;
    top["plugins"] = std::move(plugins);
    return parse_network_config(top.dump(), "test.conflist");
  }
  RuntimeConf rt(const std::string& id = "ctr1") {
    RuntimeConf r;
    r.container_id = id;
    // A netns of its own: the same ifname in one netns would be refused (AttachmentInUse).
    r.netns = "/run/netns/mpt-cni-" + id;
    r.ifname = "eth0";
    r.args = {{"IgnoreUnknown", "1"}, {"K8S_POD_NAME", "web"}};
    return r;
  }
  std::vector<json> log() { return test::read_log(log_); }
  std::string cache_file_of(const std::string& id = "ctr1") {
    return cache_ + "/mpt-cni-t-" + id + "-eth0";
  }
  static json in(const json& call) { return json::parse(call["stdin"].get<std::string>()); }
  static std::vector<std::string> order(const std::vector<json>& cs) {
    std::vector<std::string> out;
    for (const auto& c : cs) out.push_back(in(c).value("tag", ""));
    return out;
  }

  TempDir tmp_;
  std::string plugins_ = tmp_ / "bin";
  std::string log_ = tmp_ / "log.jsonl";
  std::string cache_ = tmp_ / "cache";
  std::string locks_ = tmp_ / "locks";
};

inline json abc() {
  return json::array({{{"type", "a"}, {"tag", "a"}},
                      {{"type", "b"}, {"tag", "b"}},
                      {{"type", "c"}, {"tag", "c"}}});
}

}  // namespace cni::test
