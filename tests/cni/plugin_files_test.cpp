// Plugin objects read from <confdir>/<network>/*.conf (CNI 1.1.0, libcni 1.3), and
// "loadOnlyInlinedPlugins" that turns it off.
#include <gtest/gtest.h>

#include "cni/config.h"
#include "common/error.h"
#include "test_util.h"

namespace cni {
namespace {

using nlohmann::json;
using test::TempDir;
using test::write;

class PluginFiles : public ::testing::Test {
 protected:
  std::string list_file(const json& list, const std::string& file = "10-n.conflist") {
    write(dir_ / file, list.dump());
    return dir_ / file;
  }
  std::string load_error(const std::string& file) {
    try {
      load_network_file(file);
    } catch (const minipod::UsageError& e) {
      return e.what();
    }
    return "(no error)";
  }
  static std::vector<std::string> types(const NetworkConfigList& l) {
    std::vector<std::string> out;
    for (const auto& p : l.plugins) out.push_back(p.type);
    return out;
  }

  TempDir dir_;
  json top_{{"cniVersion", "1.1.0"}, {"name", "mpt-pf"}};
};

TEST_F(PluginFiles, AListWithoutPluginsTakesThemFromItsFolderSorted) {
  write(dir_ / "mpt-pf/20-portmap.conf",
        R"({"type":"portmap","capabilities":{"portMappings":true}})");
  write(dir_ / "mpt-pf/10-bridge.conf", R"({"type":"bridge","bridge":"mpt-br"})");
  write(dir_ / "mpt-pf/30-ignored.json", R"({"type":"json-is-not-read"})");
  write(dir_ / "mpt-pf/40-folder.conf/x", "");  // a folder, even named *.conf, is skipped
  auto list = load_network_file(list_file(top_));
  EXPECT_EQ(types(list), (std::vector<std::string>{"bridge", "portmap"}));
  EXPECT_EQ(list.plugins[0].origin, dir_ / "mpt-pf/10-bridge.conf");
  EXPECT_EQ(list.plugin_dir, dir_ / "mpt-pf");
  EXPECT_EQ(list.plugins[1].raw["capabilities"]["portMappings"], true);
  // The bytes the cache and a pod's record keep need no folder: every plugin inlined.
  auto again = parse_network_config(list.bytes, "cache");
  EXPECT_EQ(types(again), types(list));
  EXPECT_TRUE(again.load_only_inlined);
  EXPECT_EQ(json::parse(list.bytes)["plugins"][0]["bridge"], "mpt-br");
}

TEST_F(PluginFiles, InlinedPluginsComeFirst) {
  write(dir_ / "mpt-pf/10-tuning.conf", R"({"type":"tuning"})");
  json list = top_;
  list["plugins"] = {{{"type", "bridge"}}};
  auto l = load_network_file(list_file(list));
  EXPECT_EQ(types(l), (std::vector<std::string>{"bridge", "tuning"}));
  EXPECT_EQ(l.plugins[0].origin, "plugins[0] of " + (dir_ / "10-n.conflist"));
}

TEST_F(PluginFiles, LoadOnlyInlinedPluginsIgnoresTheFolder) {
  write(dir_ / "mpt-pf/10-tuning.conf", R"({"type":"tuning"})");
  for (json flag : {json(true), json("TRUE")}) {
    json list = top_;
    list["loadOnlyInlinedPlugins"] = flag;
    list["plugins"] = {{{"type", "bridge"}}};
    auto file = list_file(list);
    auto l = load_network_file(file);
    EXPECT_EQ(types(l), std::vector<std::string>{"bridge"});
    EXPECT_EQ(l.bytes, test::read(file));  // the file's own bytes, as libcni caches them
    EXPECT_EQ(l.plugin_dir, "");
  }
}

TEST_F(PluginFiles, SinglePluginFilesReadNoFolder) {
  write(dir_ / "mpt-pf/10-tuning.conf", R"({"type":"tuning"})");
  write(dir_ / "10-n.conf", R"({"cniVersion":"1.0.0","name":"mpt-pf","type":"bridge"})");
  EXPECT_EQ(types(load_network_file(dir_ / "10-n.conf")), std::vector<std::string>{"bridge"});
}

TEST_F(PluginFiles, ErrorsNameTheFileTheFieldAndWhatWasExpected) {
  std::string file = list_file(top_);
  EXPECT_EQ(load_error(file), file + ": field \"plugins\": missing, and " + (dir_ / "mpt-pf") +
                                  " holds no plugin config (expected inlined plugins, or plugin "
                                  "objects in " +
                                  (dir_ / "mpt-pf") + "/*.conf)");
  json only = top_;
  only["loadOnlyInlinedPlugins"] = true;
  file = list_file(only);
  EXPECT_EQ(load_error(file), file +
                                  ": field \"loadOnlyInlinedPlugins\": is true, but the list has "
                                  "no \"plugins\" (expected inlined plugins, or false to read the "
                                  "plugin configs in " +
                                  (dir_ / "mpt-pf") + "/*.conf)");
  file = list_file(top_);
  write(dir_ / "mpt-pf/10-a.conf", R"({"type":"a"})");
  write(dir_ / "mpt-pf/20-b.conf", R"({"mtu":1400})");
  EXPECT_EQ(load_error(file), (dir_ / "mpt-pf/20-b.conf") +
                                  ": field \"type\": missing (expected the plugin's name, e.g. "
                                  "\"bridge\")");
  write(dir_ / "mpt-pf/20-b.conf", R"({"type":"b","capabilities":{"ips":1}})");
  EXPECT_EQ(load_error(file),
            (dir_ / "mpt-pf/20-b.conf") + ": field \"capabilities.ips\": expected true or false");
  write(dir_ / "mpt-pf/20-b.conf", "[1]");
  EXPECT_EQ(load_error(file), (dir_ / "mpt-pf/20-b.conf") + ": expected a plugin object");
  write(dir_ / "mpt-pf/20-b.conf", "{oops");
  EXPECT_EQ(load_error(file).rfind((dir_ / "mpt-pf/20-b.conf") + ": malformed JSON", 0), 0u);
}

TEST_F(PluginFiles, LoadingByNameAndListing) {
  write(dir_ / "mpt-pf/10-bridge.conf", R"({"type":"bridge"})");
  list_file(top_);
  auto l = load_network(dir_.path(), "mpt-pf");
  ASSERT_TRUE(l);
  EXPECT_EQ(types(*l), std::vector<std::string>{"bridge"});
  auto first = load_network(dir_.path(), "");
  EXPECT_EQ(types(*first), std::vector<std::string>{"bridge"});
  auto files = list_network_files(dir_.path());
  ASSERT_EQ(files.size(), 1u);  // the plugin folder is no network file
  ASSERT_TRUE(files[0].network);
  EXPECT_EQ(types(*files[0].network), std::vector<std::string>{"bridge"});
}

}  // namespace
}  // namespace cni
