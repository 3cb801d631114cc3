#include <gtest/gtest.h>

#include "cni/config.h"
#include "common/error.h"
#include "test_util.h"

namespace cni {
namespace {

using nlohmann::json;
using test::TempDir;
using test::write;

std::string usage_error(const std::string& bytes, const std::string& source = "/etc/x.conflist") {
  try {
    parse_network_config(bytes, source);
  } catch (const minipod::UsageError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(Config, ParsesConflistAndKeepsUnknownFields) {
  std::string bytes = R"({"cniVersion":"1.0.0","name":"mpt-cni-a","disableCheck":true,
    "plugins":[{"type":"bridge","bridge":"mpt-cbr0","custom":{"deep":[1,2]}},{"type":"portmap","capabilities":{"portMappings":true}}]})";
  auto list = parse_network_config(bytes, "f.conflist");
  EXPECT_EQ(list.name, "mpt-cni-a");
  EXPECT_EQ(list.cni_version, "1.0.0");
  EXPECT_TRUE(list.cni_versions.empty());
  EXPECT_TRUE(list.disable_check);
  EXPECT_FALSE(list.disable_gc);
  ASSERT_EQ(list.plugins.size(), 2u);
  EXPECT_EQ(list.plugins[0].type, "bridge");
  EXPECT_EQ(list.plugins[0].raw["custom"], json::parse(R"({"deep":[1,2]})"));
  EXPECT_EQ(list.bytes, bytes);  // the file's bytes, as libcni caches them
  EXPECT_EQ(list.source, "f.conflist");
}

TEST(Config, UpgradesSinglePluginConf) {
  auto list = parse_network_config(
      R"({"cniVersion":"0.4.0","name":"n1","type":"ptp","ipMasq":true})", "a.conf");
  EXPECT_EQ(list.name, "n1");
  EXPECT_EQ(list.cni_version, "0.4.0");
  ASSERT_EQ(list.plugins.size(), 1u);
  EXPECT_EQ(list.plugins[0].type, "ptp");
  EXPECT_EQ(list.plugins[0].raw["ipMasq"], true);
  auto bytes = json::parse(list.bytes);
  EXPECT_EQ(bytes["name"], "n1");
  EXPECT_EQ(bytes["plugins"][0]["type"], "ptp");
}

TEST(Config, ErrorsNameFileFieldAndExpectation) {
  EXPECT_EQ(usage_error(R"({"cniVersion":"1.0.0","plugins":[{"type":"a"}]})"),
            "/etc/x.conflist: field \"name\": missing (expected the network name, e.g. \"mynet\")");
  EXPECT_EQ(
      usage_error(R"({"cniVersion":"1.0.0","name":"n","plugins":[{"type":"a"},{"ipam":{}}]})"),
      "/etc/x.conflist: field \"plugins[1].type\": missing (expected the plugin's name, e.g. "
      "\"bridge\")");
  EXPECT_EQ(usage_error(R"({"cniVersion":"1.0.0","name":"n","plugins":[]})"),
            "/etc/x.conflist: field \"plugins\": is empty (expected at least one plugin)");
  EXPECT_EQ(usage_error(R"({"cniVersion":"1.0.0","name":"n","plugins":{}})"),
            "/etc/x.conflist: field \"plugins\": expected an array of plugin objects");
  EXPECT_EQ(usage_error(R"({"cniVersion":"1.0.0","name":"n","plugins":[{"type":"../bin/sh"}]})"),
            "/etc/x.conflist: field \"plugins[0].type\": \"../bin/sh\" contains '/' (plugins are "
            "found by name in CNI_PATH)");
  EXPECT_EQ(usage_error(R"({"cniVersion":"1.0.0","name":"bad name","plugins":[{"type":"a"}]})"),
            "/etc/x.conflist: field \"name\": \"bad name\" may only contain letters, digits, '_', "
            "'.' and '-'");
  EXPECT_EQ(
      usage_error(R"({"cniVersion":"9.9.9","name":"n","plugins":[{"type":"a"}]})"),
      "/etc/x.conflist: field \"cniVersion\": \"9.9.9\" is not a CNI version minipod supports "
      "[0.1.0 0.2.0 0.3.0 0.3.1 0.4.0 1.0.0 1.1.0]");
  EXPECT_EQ(usage_error(R"({"cniVersion":"one","name":"n","plugins":[{"type":"a"}]})"),
            "/etc/x.conflist: field \"cniVersion\": \"one\" is not a version (expected X.Y.Z)");
  EXPECT_EQ(
      usage_error(
          R"({"cniVersion":"1.0.0","name":"n","disableCheck":"maybe","plugins":[{"type":"a"}]})"),
      "/etc/x.conflist: field \"disableCheck\": expected true or false, got \"maybe\"");
  EXPECT_EQ(
      usage_error(
          R"({"cniVersion":"1.0.0","name":"n","plugins":[{"type":"a","capabilities":{"ips":"yes"}}]})"),
      "/etc/x.conflist: field \"plugins[0].capabilities.ips\": expected true or false");
  EXPECT_EQ(
      usage_error(R"({"name":"n"})"),
      "/etc/x.conflist: field \"plugins\": missing (expected a conflist with \"plugins\", or a "
      "single plugin config with \"type\")");
  EXPECT_EQ(usage_error("[1]"), "/etc/x.conflist: expected a JSON object");
}

TEST(Config, MalformedJsonSaysWhere) {
  std::string e = usage_error("{\n  \"name\": \"n\",\n  oops\n}");
  EXPECT_EQ(e.rfind("/etc/x.conflist: malformed JSON: parse error at line 3, column", 0), 0u) << e;
}

// nlohmann throws out_of_range, not parse_error, for a number beyond a double ("1e999"): it is
// still a UsageError naming the file, and the field holding the number.
TEST(Config, NumberBeyondADoubleNamesTheFileAndField) {
  EXPECT_EQ(
      usage_error(
          R"({"cniVersion":"1.0.0","name":"n","plugins":[{"type":"a"},{"type":"b","mtu":1e999}]})"),
      "/etc/x.conflist: field \"plugins[1].mtu\": number overflow parsing '1e999'");
  EXPECT_EQ(usage_error("-1e999"), "/etc/x.conflist: number overflow parsing '-1e999'");
  TempDir dir;
  write(dir / "10-big.conflist", R"({"name":"big","plugins":[{"type":"a","x":[1,2e400]}]})");
  write(dir / "20-ok.conflist", R"({"cniVersion":"1.0.0","name":"ok","plugins":[{"type":"a"}]})");
  auto files = list_network_files(dir.path());
  ASSERT_EQ(files.size(), 2u);
  EXPECT_FALSE(files[0].network.has_value());
  EXPECT_EQ(files[0].error, (dir / "10-big.conflist") +
                                ": field \"plugins[0].x[1]\": number overflow parsing '2e400'");
  ASSERT_TRUE(files[1].network.has_value());
  EXPECT_EQ(files[1].network->name, "ok");
}

TEST(Config, CniVersionsPicksNewestSupported) {
  auto list = parse_network_config(
      R"({"cniVersion":"0.4.0","cniVersions":["1.0.0","1.1.0","7.0.0"],"name":"n","plugins":[{"type":"a"}]})",
      "f");
  EXPECT_EQ(list.cni_version, "1.1.0");
  EXPECT_EQ(list.cni_versions, (std::vector<std::string>{"1.1.0", "1.0.0", "0.4.0"}));
  auto only =
      parse_network_config(R"({"cniVersions":["1.0.0"],"name":"n","plugins":[{"type":"a"}]})", "f");
  EXPECT_EQ(only.cni_version, "1.0.0");
  EXPECT_EQ(usage_error(R"({"cniVersions":["1.0.0","x.y"],"name":"n","plugins":[{"type":"a"}]})"),
            "/etc/x.conflist: field \"cniVersions[1]\": \"x.y\" is not a version (expected X.Y.Z)");
}

TEST(Config, MissingCniVersionMeansOldest) {
  EXPECT_EQ(parse_network_config(R"({"name":"n","type":"a"})", "f").cni_version, "0.1.0");
}

TEST(Config, FilesInLibcniOrder) {
  TempDir dir;
  for (const char* f : {"b.conflist", "a.conflist", "c.conf", "a.json", "x.txt", "0.conf~"})
    write(dir / f, "{}");
  std::filesystem::create_directories(dir.path() / "d.conf");
  auto files = config_files(dir.path());
  std::vector<std::string> names;
  for (const auto& f : files) names.push_back(f.filename().string());
  EXPECT_EQ(names, (std::vector<std::string>{"a.conflist", "b.conflist", "a.json", "c.conf"}));
  EXPECT_TRUE(config_files(dir / "missing").empty());
}

TEST(Config, LoadNetworkByNameOrFirst) {
  TempDir dir;
  write(dir / "20-b.conflist", R"({"cniVersion":"1.0.0","name":"beta","plugins":[{"type":"a"}]})");
  write(dir / "10-a.conflist", R"({"cniVersion":"1.0.0","name":"alpha","plugins":[{"type":"a"}]})");
  write(dir / "05-c.conf", R"({"cniVersion":"0.4.0","name":"gamma","type":"b"})");
  write(dir / "30-broken.conflist", "{ not json");
  EXPECT_EQ(load_network(dir.path(), "")->name, "alpha");
  EXPECT_EQ(load_network(dir.path(), "beta")->name, "beta");
  auto gamma = load_network(dir.path(), "gamma");
  EXPECT_EQ(gamma->plugins[0].type, "b");
  EXPECT_EQ(gamma->source, dir / "05-c.conf");
  try {
    load_network(dir.path(), "delta");
    FAIL();
  } catch (const NetworkNotFound& e) {
    EXPECT_EQ(std::string(e.what()), "load CNI network: no network \"delta\" in " +
                                         dir.path().string() +
                                         " (found: alpha, beta, gamma; could not read " +
                                         (dir / "30-broken.conflist") + " (malformed JSON))");
    EXPECT_EQ(e.name(), "delta");
  }
  EXPECT_FALSE(load_network(dir / "none", "").has_value());
}

// A name that is not there is refused the same way whatever the directory holds: never "no
// config at all" (which lets a runtime fall back to a default network of its own).
TEST(Config, AMissingNameIsNotFoundInAnEmptyOrMissingDirectoryToo) {
  TempDir dir;
  std::filesystem::create_directories(dir / "empty");
  try {
    load_network(dir / "empty", "mynet");
    FAIL();
  } catch (const NetworkNotFound& e) {
    EXPECT_EQ(e.detail(), "no network \"mynet\" in " + (dir / "empty") + " (found: none)");
  }
  try {
    load_network(dir / "missing", "mynet");
    FAIL();
  } catch (const NetworkNotFound& e) {
    EXPECT_EQ(e.detail(), "no network \"mynet\" in " + (dir / "missing") + " (no such directory)");
  }
}

TEST(Config, BrokenFileClaimingTheNameIsAnError) {
  TempDir dir;
  write(dir / "10-a.conflist", R"({"cniVersion":"1.0.0","name":"alpha","plugins":[]})");
  try {
    load_network(dir.path(), "alpha");
    FAIL();
  } catch (const minipod::UsageError& e) {
    EXPECT_EQ(
        std::string(e.what()),
        (dir / "10-a.conflist") + ": field \"plugins\": is empty (expected at least one plugin)");
  }
  auto files = list_network_files(dir.path());
  ASSERT_EQ(files.size(), 1u);
  EXPECT_FALSE(files[0].network);
  EXPECT_NE(files[0].error.find("is empty"), std::string::npos);
}

}  // namespace
}  // namespace cni
