// `minipod cni validate`: every problem of a network before it is used, each naming the plugin,
// where it is configured and what was expected.
#include "cni/validate.h"

#include "client_fixture.h"

namespace cni {
namespace {

using nlohmann::json;
using test::abc;

class Validate : public test::ClientTest {
 protected:
  NetworkValidation validate(const NetworkConfigList& list, json caps = json::object()) {
    auto c = client();
    return validate_network(c, list, caps, "CAP_ARGS");
  }
};

TEST_F(Validate, AValidNetwork) {
  auto plugins = abc();
  plugins[2]["capabilities"] = {{"portMappings", true}, {"bandwidth", false}};
  auto v = validate(net(plugins), {{"portMappings", json::array()}});
  EXPECT_TRUE(v.ok());
  EXPECT_EQ(v.version, "1.0.0");
  ASSERT_EQ(v.plugins.size(), 3u);
  EXPECT_EQ(v.plugins[0].path, plugins_ + "/a");
  EXPECT_EQ(v.plugins[0].origin, "plugins[0] of test.conflist");
  EXPECT_EQ(v.plugins[2].capabilities, std::vector<std::string>{"portMappings"});
  EXPECT_EQ(v.plugins[1].supported.back(), "1.1.0");
  EXPECT_TRUE(test::calls(log(), "ADD").empty());  // VERSION only
}

TEST_F(Validate, EveryProblemNamesThePluginAndWhatWasExpected) {
  test::link_plugin(plugins_, "old", R"({"cniVersion":"0.4.0","supportedVersions":["0.4.0"]})");
  test::link_plugin(plugins_, "mute", "{not json");  // cannot answer VERSION
  auto plugins = abc();
  plugins[0]["capabilities"] = {{"portMappings", true}};
  plugins.push_back({{"type", "nope"}});
  plugins.push_back({{"type", "old"}});
  plugins.push_back({{"type", "mute"}});
  auto v = validate(net(plugins), {{"portMappings", json::array()}, {"bandwidth", json::object()}});
  EXPECT_FALSE(v.ok());
  EXPECT_EQ(v.version, "");
  ASSERT_EQ(v.plugins.size(), 6u);
  EXPECT_TRUE(v.plugins[0].problems.empty());
  EXPECT_EQ(v.plugins[3].problems,
            std::vector<std::string>{"not found: failed to find plugin \"nope\" in path [" +
                                     (tmp_ / "empty") + " " + plugins_ +
                                     "] (field \"type\" of plugins[3] of test.conflist)"});
  EXPECT_EQ(v.plugins[4].problems,
            std::vector<std::string>{
                "supports [0.4.0], not \"1.0.0\" (field \"cniVersion\" of test.conflist)"});
  ASSERT_EQ(v.plugins[5].problems.size(), 1u);
  EXPECT_EQ(v.plugins[5].problems[0].rfind("does not answer VERSION: ", 0), 0u)
      << v.plugins[5].problems[0];
  EXPECT_EQ(v.problems,
            std::vector<std::string>{
                "capability \"bandwidth\" (asked for in CAP_ARGS) is declared by no plugin "
                "(declared: portMappings): no plugin would get it (expected \"capabilities\": "
                "{\"bandwidth\": true} on the plugin that serves it)"});
}

TEST_F(Validate, CniVersionsNeedOneVersionEveryPluginSupports) {
  test::link_plugin(plugins_, "v100", R"({"cniVersion":"1.0.0","supportedVersions":["1.0.0"]})");
  test::link_plugin(plugins_, "v110", R"({"cniVersion":"1.1.0","supportedVersions":["1.1.0"]})");
  json top{{"cniVersions", {"1.0.0", "1.1.0"}}};
  auto fits = validate(net(json::array({{{"type", "a"}}, {{"type", "v100"}}}), "", top));
  EXPECT_TRUE(fits.ok());
  EXPECT_EQ(fits.version, "1.0.0");
  auto none = validate(net(json::array({{{"type", "v100"}}, {{"type", "v110"}}}), "", top));
  EXPECT_FALSE(none.ok());
  EXPECT_TRUE(none.plugins[0].problems.empty());
  EXPECT_TRUE(none.plugins[1].problems.empty());
  EXPECT_EQ(none.problems,
            std::vector<std::string>{"no version of [1.1.0 1.0.0] (field \"cniVersions\" of "
                                     "test.conflist) is supported by every plugin"});
}

}  // namespace
}  // namespace cni
