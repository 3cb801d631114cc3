// The chaining, exec and cache rules of the client, asserted on what a recording fake plugin
// saw (tests/cni/fake_plugin.cpp).
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>

#include <chrono>
#include <thread>

#include "client_fixture.h"
#include "cni/base64.h"
#include "cni/cache.h"
#include "cni/client.h"
#include "cni/error.h"
#include "common/trace.h"

namespace cni {
namespace {

using nlohmann::json;
using test::abc;
using test::calls;
using test::ClientTest;
using test::TempDir;

TEST_F(ClientTest, ExactEnvironmentAndStdin) {
  auto list =
      net(json::array({{{"type", "a"}, {"custom", {{"deep", {1, 2}}}}, {"name", "ignored"}}}));
  client().add(list, rt());
  auto l = log();
  ASSERT_EQ(l.size(), 1u);  // no VERSION call on the normal path
  const json& env = l[0]["env"];
  EXPECT_EQ(env["CNI_COMMAND"], "ADD");
  EXPECT_EQ(env["CNI_CONTAINERID"], "ctr1");
  EXPECT_EQ(env["CNI_NETNS"], "/run/netns/mpt-cni-ctr1");
  EXPECT_EQ(env["CNI_IFNAME"], "eth0");
  EXPECT_EQ(env["CNI_ARGS"], "IgnoreUnknown=1;K8S_POD_NAME=web");
  EXPECT_EQ(env["CNI_PATH"], tmp_ / "empty" + ":" + plugins_);
  EXPECT_EQ(env["MPT_PARENT_VAR"], "inherited");
  EXPECT_EQ(in(l[0]),
            json::parse(
                R"({"type":"a","custom":{"deep":[1,2]},"name":"mpt-cni-t","cniVersion":"1.0.0"})"));
}

TEST_F(ClientTest, AddChainsPrevResultAndCachesTheLast) {
  auto list = net(abc());
  Result r = client().add(list, rt());
  auto adds = calls(log(), "ADD");
  ASSERT_EQ(adds.size(), 3u);
  EXPECT_EQ(order(adds), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_FALSE(in(adds[0]).contains("prevResult"));
  EXPECT_EQ(in(adds[1])["prevResult"]["interfaces"][0]["name"], "a");
  EXPECT_EQ(in(adds[2])["prevResult"]["interfaces"].size(), 2u);
  ASSERT_EQ(r.interfaces.size(), 3u);
  EXPECT_EQ(r.interfaces[2].name, "c");

  // libcni's cache file, byte-compatible keys.
  struct stat st {};
  ASSERT_EQ(::stat(cache_file_of().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  json c = json::parse(test::read(cache_file_of()));
  EXPECT_EQ(c["kind"], "cniCacheV1");
  EXPECT_EQ(c["containerId"], "ctr1");
  EXPECT_EQ(c["ifName"], "eth0");
  EXPECT_EQ(c["networkName"], "mpt-cni-t");
  EXPECT_EQ(c["netns"], "/run/netns/mpt-cni-ctr1");
  EXPECT_EQ(c["cniArgs"], json::parse(R"([["IgnoreUnknown","1"],["K8S_POD_NAME","web"]])"));
  EXPECT_FALSE(c.contains("capabilityArgs"));  // omitted when empty, like libcni
  EXPECT_EQ(base64_decode(c["config"].get<std::string>()), list.bytes);
  EXPECT_EQ(c["result"], r.to_json("1.0.0"));
  auto cached = client().cached("mpt-cni-t", "ctr1", "eth0");
  ASSERT_TRUE(cached);
  EXPECT_EQ(cached->config_bytes, list.bytes);
  EXPECT_EQ(cached->conf.args.size(), 2u);
  EXPECT_EQ(client().cached_all().size(), 1u);
}

TEST_F(ClientTest, RuntimeConfigOnlyForEnabledCapabilities) {
  auto list = net(json::array(
      {{{"type", "a"}, {"capabilities", {{"portMappings", true}, {"bandwidth", false}}}},
       {{"type", "b"}}}));
  RuntimeConf r = rt();
  r.capability_args =
      json::parse(R"({"portMappings":[{"hostPort":8080,"containerPort":80,"protocol":"tcp"}],
                                      "bandwidth":{"ingressRate":1},"mac":"aa:bb:cc:dd:ee:ff"})");
  client().add(list, r);
  auto adds = calls(log(), "ADD");
  EXPECT_EQ(
      in(adds[0])["runtimeConfig"],
      json::parse(R"({"portMappings":[{"hostPort":8080,"containerPort":80,"protocol":"tcp"}]})"));
  EXPECT_FALSE(in(adds[1]).contains("runtimeConfig"));
  EXPECT_EQ(json::parse(test::read(cache_file_of()))["capabilityArgs"], r.capability_args);
  // SPEC.md: "capabilities: must not be set" in what ADD, DEL and CHECK send; runtimeConfig
  // stands in for it. The cached config keeps it, so the next DEL derives runtimeConfig again.
  client().check(list, r);
  client().del(list, r);
  for (const char* verb : {"ADD", "CHECK", "DEL"})
    for (const auto& c : calls(log(), verb)) EXPECT_FALSE(in(c).contains("capabilities")) << verb;
  EXPECT_EQ(in(calls(log(), "DEL")[1])["runtimeConfig"], in(adds[0])["runtimeConfig"]);
}

TEST_F(ClientTest, FailedAddWritesNoCacheAndUndoDeletesInReverse) {
  auto plugins = abc();
  plugins[1]["behave"] = {
      {"ADD", {{"error", {{"code", 7}, {"msg", "bad config"}, {"details", "field x"}}}}}};
  auto list = net(plugins);
  try {
    client().add(list, rt());
    FAIL();
  } catch (const PluginError& e) {
    EXPECT_STREQ(
        e.what(),
        "CNI ADD failed: plugin \"b\" (network \"mpt-cni-t\"): [code 7] bad config; field x");
    EXPECT_EQ(e.code(), 7);
    EXPECT_EQ(e.msg(), "bad config");
    EXPECT_EQ(e.details(), "field x");
    EXPECT_EQ(e.plugin(), "b");
    EXPECT_EQ(e.verb(), "ADD");
  }
  EXPECT_FALSE(std::filesystem::exists(cache_file_of()));
  EXPECT_EQ(calls(log(), "ADD").size(), 2u);  // stops at the first failure

  EXPECT_THROW(client().add_or_undo(list, rt()), PluginError);
  auto dels = calls(log(), "DEL");
  EXPECT_EQ(order(dels), (std::vector<std::string>{"c", "b", "a"}));
  EXPECT_FALSE(std::filesystem::exists(cache_file_of()));
}

TEST_F(ClientTest, DelInReverseWithCachedPrevResultThenRemovesCache) {
  auto list = net(abc(), "0.4.0");
  Result added = client().add(list, rt());
  client().del(list, rt());
  auto dels = calls(log(), "DEL");
  EXPECT_EQ(order(dels), (std::vector<std::string>{"c", "b", "a"}));
  for (const auto& d : dels) {
    EXPECT_EQ(in(d)["prevResult"], added.to_json("0.4.0"));  // the same cached result for all
    EXPECT_EQ(d["env"]["CNI_COMMAND"], "DEL");
  }
  EXPECT_FALSE(std::filesystem::exists(cache_file_of()));
  client().del(list, rt());  // again: fine, now without prevResult
  EXPECT_FALSE(in(calls(log(), "DEL").back()).contains("prevResult"));
}

// One failing plugin must not leak what the others hold (the bridge's veth, host-local's
// address): each plugin still gets its DEL, the error names the one that failed, and the cache
// entry stays, so a later DEL gets the same prevResult and finishes the job.
TEST_F(ClientTest, DelGoesOnPastAFailingPluginAndKeepsTheCacheForARetry) {
  std::string broken = tmp_ / "b-is-broken";
  test::write(broken, "");
  auto plugins = abc();
  plugins[1]["behave"] = {
      {"DEL", {{"while_exists", broken}, {"error", {{"code", 11}, {"msg", "busy"}}}}}};
  auto list = net(plugins);
  Result added = client().add(list, rt());
  try {
    client().del(list, rt());
    FAIL();
  } catch (const PluginError& e) {
    EXPECT_STREQ(e.what(), "CNI DEL failed: plugin \"b\" (network \"mpt-cni-t\"): [code 11] busy");
    EXPECT_EQ(e.plugin(), "b");
  }
  auto dels = calls(log(), "DEL");
  EXPECT_EQ(order(dels), (std::vector<std::string>{"c", "b", "a"}));
  EXPECT_TRUE(std::filesystem::exists(cache_file_of()));

  std::filesystem::remove(broken);
  client().del(list, rt());
  dels = calls(log(), "DEL");
  ASSERT_EQ(dels.size(), 6u);
  for (const auto& d : dels) EXPECT_EQ(in(d)["prevResult"], added.to_json("1.0.0"));
  EXPECT_FALSE(std::filesystem::exists(cache_file_of()));
}

TEST_F(ClientTest, DelNamesEveryFailingPluginIncludingOneKilledAtTheTimeout) {
  auto plugins = abc();
  plugins[0]["behave"] = {{"DEL", {{"error", {{"code", 999}, {"msg", "a broke"}}}}}};
  plugins[2]["behave"] = {{"DEL", {{"sleep_ms", 5000}}}};
  auto list = net(plugins);
  client().add(list, rt());
  auto start = std::chrono::steady_clock::now();
  try {
    client(std::chrono::milliseconds(300)).del(list, rt());
    FAIL();
  } catch (const DelError& e) {
    ASSERT_EQ(e.failures().size(), 2u);
    EXPECT_EQ(e.failures()[0].plugin(), "c");
    EXPECT_EQ(e.failures()[1].plugin(), "a");
    EXPECT_EQ(e.network(), "mpt-cni-t");
    std::string m = e.what();
    EXPECT_EQ(m.rfind("CNI DEL failed: 2 of 3 plugins of network \"mpt-cni-t\" failed: plugin "
                      "\"c\" (network \"mpt-cni-t\"): killed after the 300 ms timeout",
                      0),
              0u)
        << m;
    EXPECT_NE(m.find("; and plugin \"a\" (network \"mpt-cni-t\"): [code 999] a broke"),
              std::string::npos)
        << m;
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(4));
  EXPECT_EQ(order(calls(log(), "DEL")), (std::vector<std::string>{"c", "b", "a"}));
  EXPECT_TRUE(std::filesystem::exists(cache_file_of()));
}

TEST_F(ClientTest, DelOfAListWhosePluginIsGoneStillDeletesTheOthers) {
  test::link_plugin(plugins_, "gone");
  auto list = net(json::array({{{"type", "a"}, {"tag", "a"}},
                               {{"type", "gone"}, {"tag", "gone"}},
                               {{"type", "c"}, {"tag", "c"}}}));
  client().add(list, rt());
  std::filesystem::remove(std::filesystem::path(plugins_) / "gone");  // uninstalled since
  try {
    client().del(list, rt());
    FAIL();
  } catch (const PluginError& e) {
    EXPECT_EQ(e.plugin(), "gone");
    EXPECT_NE(std::string(e.what()).find("failed to find plugin \"gone\""), std::string::npos)
        << e.what();
  }
  EXPECT_EQ(order(calls(log(), "DEL")), (std::vector<std::string>{"c", "a"}));
  EXPECT_TRUE(std::filesystem::exists(cache_file_of()));
}

TEST_F(ClientTest, DelBefore040HasNoPrevResult) {
  auto list = net(abc(), "0.3.1");
  client().add(list, rt());
  client().del(list, rt());
  for (const auto& d : calls(log(), "DEL")) EXPECT_FALSE(in(d).contains("prevResult"));
}

TEST_F(ClientTest, EmptyOrCorruptCacheNeverFailsDel) {
  auto list = net(abc());
  for (std::string content :
       {"", "{not json", R"({"kind":"other"})",
        R"({"kind":"cniCacheV1","result":{"cniVersion":"1.0.0","ips":"x"}})"}) {
    std::filesystem::create_directories(cache_);
    test::write(cache_file_of(), content);
    EXPECT_NO_THROW(client().del(list, rt())) << content;
    EXPECT_FALSE(std::filesystem::exists(cache_file_of())) << content;
    EXPECT_FALSE(in(calls(log(), "DEL").back()).contains("prevResult")) << content;
  }
  EXPECT_FALSE(client().cached("mpt-cni-t", "ctr1", "eth0"));
}

TEST_F(ClientTest, CheckForwardWithCachedResult) {
  auto list = net(abc());
  Result added = client().add(list, rt());
  client().check(list, rt());
  auto checks = calls(log(), "CHECK");
  EXPECT_EQ(order(checks), (std::vector<std::string>{"a", "b", "c"}));
  for (const auto& c : checks) EXPECT_EQ(in(c)["prevResult"], added.to_json("1.0.0"));
}

TEST_F(ClientTest, CheckRules) {
  auto disabled = net(abc(), "1.0.0", {{"disableCheck", true}});
  client().add(disabled, rt());
  client().check(disabled, rt());
  EXPECT_TRUE(calls(log(), "CHECK").empty());

  auto old = net(abc(), "0.3.1");
  try {
    client().check(old, rt("ctr2"));
    FAIL();
  } catch (const minipod::Error& e) {
    EXPECT_STREQ(
        e.what(),
        "CNI CHECK failed: network \"mpt-cni-t\" (test.conflist): configuration version \"0.3.1\" "
        "does not support CHECK (0.4.0+)");
  }
  try {
    client().check(net(abc()), rt("never-added"));
    FAIL();
  } catch (const minipod::Error& e) {
    EXPECT_NE(std::string(e.what()).find("no cached ADD result for container \"never-added\""),
              std::string::npos)
        << e.what();
  }
  EXPECT_TRUE(calls(log(), "CHECK").empty());
}

TEST_F(ClientTest, GcDeletesStaleAttachmentsThenAsksPlugins) {
  auto list = net(abc(), "1.1.0");
  client().add(list, rt("keep"));
  client().add(list, rt("stale"));
  client().gc(list, {{"keep", "eth0"}});
  auto l = log();
  auto dels = calls(l, "DEL");
  ASSERT_EQ(dels.size(), 3u);
  for (const auto& d : dels) EXPECT_EQ(d["env"]["CNI_CONTAINERID"], "stale");
  EXPECT_EQ(in(dels[0])["prevResult"]["interfaces"].size(), 3u);
  auto gcs = calls(l, "GC");
  EXPECT_EQ(order(gcs), (std::vector<std::string>{"a", "b", "c"}));
  json valid = json::parse(R"([{"containerID":"keep","ifname":"eth0"}])");
  for (const auto& g : gcs) {
    EXPECT_EQ(in(g)["cni.dev/valid-attachments"], valid);
    EXPECT_EQ(in(g)["cni.dev/attachments"], valid);
    EXPECT_EQ(g["env"]["CNI_CONTAINERID"], "");
    EXPECT_EQ(g["env"]["CNI_NETNS"], "");
  }
  EXPECT_TRUE(std::filesystem::exists(cache_file_of("keep")));
  EXPECT_FALSE(std::filesystem::exists(cache_file_of("stale")));
}

TEST_F(ClientTest, GcGoesOnPastErrors) {
  auto plugins = abc();
  plugins[0]["behave"] = {{"GC", {{"error", {{"code", 999}, {"msg", "gc broke"}}}}},
                          {"DEL", {{"error", {{"code", 999}, {"msg", "del broke"}}}}}};
  auto list = net(plugins, "1.1.0");
  client().add(list, rt("stale"));
  try {
    client().gc(list, {});
    FAIL();
  } catch (const minipod::Error& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("2 errors"), std::string::npos) << m;
    EXPECT_NE(m.find("delete stale attachment stale/eth0: CNI DEL failed: plugin \"a\""),
              std::string::npos)
        << m;
    EXPECT_NE(m.find("CNI GC failed: plugin \"a\" (network \"mpt-cni-t\"): [code 999] gc broke"),
              std::string::npos)
        << m;
  }
  EXPECT_EQ(order(calls(log(), "GC")), (std::vector<std::string>{"a", "b", "c"}));
}

TEST_F(ClientTest, GcRules) {
  client().gc(net(abc(), "1.1.0", {{"disableGC", true}}), {});
  EXPECT_TRUE(log().empty());
  auto v100 = net(abc(), "1.0.0");
  client().add(v100, rt("stale"));
  client().gc(v100, {});  // 1.0.0: stale DELs only, no GC verb
  EXPECT_EQ(calls(log(), "DEL").size(), 3u);
  EXPECT_TRUE(calls(log(), "GC").empty());
}

TEST_F(ClientTest, StatusStopsAtFirstError) {
  auto plugins = abc();
  plugins[1]["behave"] = {{"STATUS", {{"error", {{"code", 50}, {"msg", "not ready"}}}}}};
  try {
    client().status(net(plugins, "1.1.0"));
    FAIL();
  } catch (const PluginError& e) {
    EXPECT_EQ(e.code(), 50);
    EXPECT_EQ(e.plugin(), "b");
  }
  EXPECT_EQ(order(calls(log(), "STATUS")), (std::vector<std::string>{"a", "b"}));
  client().status(net(abc(), "1.0.0"));  // no STATUS before 1.1.0
  EXPECT_EQ(calls(log(), "STATUS").size(), 2u);
}

TEST_F(ClientTest, SleepingPluginIsKilledAtTheTimeout) {
  auto list = net(json::array({{{"type", "a"}, {"behave", {{"ADD", {{"sleep_ms", 30000}}}}}}}));
  auto start = std::chrono::steady_clock::now();
  try {
    client(std::chrono::milliseconds(300)).add(list, rt());
    FAIL();
  } catch (const PluginError& e) {
    EXPECT_STREQ(
        e.what(),
        "CNI ADD failed: plugin \"a\" (network \"mpt-cni-t\"): killed after the 300 ms timeout");
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  int pid = log().at(0)["pid"];
  EXPECT_EQ(::kill(pid, 0), -1);  // gone (and reaped)
  EXPECT_EQ(errno, ESRCH);
  EXPECT_FALSE(std::filesystem::exists(cache_file_of()));
}

TEST_F(ClientTest, GarbageOnStdout) {
  auto ok_exit = net(json::array(
      {{{"type", "a"},
        {"behave", {{"ADD", {{"stdout", "hello\nworld"}, {"stderr", "panic: x\nsecond"}}}}}}}));
  try {
    client().add(ok_exit, rt());
    FAIL();
  } catch (const PluginError& e) {
    EXPECT_STREQ(e.what(),
                 "CNI ADD failed: plugin \"a\" (network \"mpt-cni-t\"): printed something that is "
                 "not a JSON "
                 "result: \"hello world\"; stderr: panic: x second");
  }
  auto bad_exit = net(json::array(
      {{{"type", "a"},
        {"behave", {{"DEL", {{"stdout", "garbage"}, {"stderr", "boom"}, {"exit", 3}}}}}}}));
  try {
    client().del(bad_exit, rt());
    FAIL();
  } catch (const PluginError& e) {
    EXPECT_STREQ(e.what(),
                 "CNI DEL failed: plugin \"a\" (network \"mpt-cni-t\"): exit code 3, and stdout is "
                 "not a CNI "
                 "error object: \"garbage\"; stderr: boom");
    EXPECT_EQ(e.code(), 0);
  }
}

TEST_F(ClientTest, EmptyStdoutUsesStderr) {
  auto list = net(json::array(
      {{{"type", "a"},
        {"behave", {{"DEL", {{"stderr", "line1\nfatal: no netns\n"}, {"exit", 2}}}}}}}));
  try {
    client().del(list, rt());
    FAIL();
  } catch (const PluginError& e) {
    EXPECT_STREQ(
        e.what(),
        "CNI DEL failed: plugin \"a\" (network \"mpt-cni-t\"): line1 fatal: no netns; exit code 2");
  }
  auto silent = net(json::array({{{"type", "a"}, {"behave", {{"DEL", {{"exit", 2}}}}}}}));
  try {
    client().del(silent, rt());
    FAIL();
  } catch (const PluginError& e) {
    EXPECT_STREQ(
        e.what(),
        "CNI DEL failed: plugin \"a\" (network \"mpt-cni-t\"): exit code 2 and printed nothing");
  }
}

TEST_F(ClientTest, OversizedOutput) {
  auto list =
      net(json::array({{{"type", "a"}, {"behave", {{"ADD", {{"stdout_bytes", 3 << 20}}}}}}}));
  try {
    client().add(list, rt());
    FAIL();
  } catch (const PluginError& e) {
    EXPECT_NE(std::string(e.what()).find("printed more than 1048576 bytes on stdout"),
              std::string::npos)
        << e.what();
  }
}

TEST_F(ClientTest, MissingOrUnrunnablePluginRunsNothing) {
  auto list = net(json::array({{{"type", "a"}}, {{"type", "nope"}}}));
  try {
    client().add(list, rt());
    FAIL();
  } catch (const PluginError& e) {
    EXPECT_EQ(std::string(e.what()),
              "CNI ADD failed: plugin \"nope\" (network \"mpt-cni-t\"): failed to find plugin "
              "\"nope\" in path [" +
                  tmp_ / "empty" + " " + plugins_ + "]");
  }
  std::filesystem::copy_file(test::fake_plugin_binary(), plugins_ + "/noexec");
  ::chmod((plugins_ + "/noexec").c_str(), 0644);
  try {
    client().add(net(json::array({{{"type", "a"}}, {{"type", "noexec"}}})), rt());
    FAIL();
  } catch (const PluginError& e) {
    EXPECT_EQ(std::string(e.what()), "CNI ADD failed: plugin \"noexec\" (network \"mpt-cni-t\"): " +
                                         plugins_ + "/noexec is not executable");
  }
  EXPECT_TRUE(log().empty());
  EXPECT_THROW(find_plugin("../a", {plugins_}, "ADD", "n"), PluginError);
}

TEST_F(ClientTest, BadNamesRunNothing) {
  auto list = net(abc());
  RuntimeConf r = rt();
  r.ifname = "averyveryverylongname";
  try {
    client().add(list, r);
    FAIL();
  } catch (const minipod::UsageError& e) {
    EXPECT_STREQ(e.what(),
                 "interface name \"averyveryverylongname\": is too long (21 bytes, at most 15)");
  }
  r = rt("bad/id");
  EXPECT_THROW(client().add(list, r), minipod::UsageError);
  EXPECT_THROW(client().del(list, r), minipod::UsageError);
  EXPECT_TRUE(log().empty());
}

TEST_F(ClientTest, IncompatibleVersionErrorSaysWhatThePluginSupports) {
  test::link_plugin(plugins_, "fw",
                    R"({"cniVersion":"1.0.0","supportedVersions":["0.4.0","1.0.0"]})");
  auto list = net(json::array({{{"type", "fw"}}}), "0.3.1");
  try {
    client().add(list, rt());
    FAIL();
  } catch (const PluginError& e) {
    EXPECT_STREQ(e.what(),
                 "CNI ADD failed: plugin \"fw\" (network \"mpt-cni-t\"): [code 1] incompatible CNI "
                 "versions; "
                 "config is \"0.3.1\", plugin supports [\"0.4.0\" \"1.0.0\"]; the plugin supports "
                 "[0.4.0 1.0.0], "
                 "network \"mpt-cni-t\" (test.conflist) asks for 0.3.1");
  }
}

TEST_F(ClientTest, CniVersionsNegotiatesAndAsksVersionOncePerBinary) {
  test::link_plugin(plugins_, "old",
                    R"({"cniVersion":"1.0.0","supportedVersions":["0.3.1","0.4.0","1.0.0"]})");
  json top{{"cniVersion", "0.4.0"}, {"cniVersions", {"1.0.0", "1.1.0"}}};
  auto list = net(json::array({{{"type", "a"}}, {{"type", "old"}}}), "", top);
  EXPECT_EQ(list.cni_version, "1.1.0");
  client().add(list, rt("one"));
  client().add(list, rt("two"));
  auto l = log();
  EXPECT_EQ(calls(l, "VERSION").size(), 2u);  // a and old, once each
  for (const auto& add : calls(l, "ADD")) EXPECT_EQ(in(add)["cniVersion"], "1.0.0");
  client().del(list, rt("one"));  // the cached result's version: no VERSION call needed
  EXPECT_EQ(calls(log(), "VERSION").size(), 2u);
  EXPECT_EQ(in(calls(log(), "DEL")[0])["cniVersion"], "1.0.0");

  json none{{"cniVersions", {"1.1.0"}}};
  try {
    client().add(net(json::array({{{"type", "a"}}, {{"type", "old"}}}), "", none), rt("three"));
    FAIL();
  } catch (const minipod::Error& e) {
    EXPECT_STREQ(e.what(),
                 "CNI ADD failed: network \"mpt-cni-t\" (test.conflist): no version of [1.1.0] is "
                 "supported by "
                 "every plugin (\"a\" supports [0.1.0 0.2.0 0.3.0 0.3.1 0.4.0 1.0.0 1.1.0], "
                 "\"old\" supports "
                 "[0.3.1 0.4.0 1.0.0])");
  }
}

TEST_F(ClientTest, ResultWithoutCniVersionTakesTheConfigVersion) {
  auto list =
      net(json::array(
              {{{"type", "a"},
                {"behave", {{"ADD", {{"stdout", R"({"ips":[{"address":"10.231.0.7/24"}]})"}}}}}}}),
          "0.4.0");
  Result r = client().add(list, rt());
  EXPECT_EQ(r.cni_version, "0.4.0");
  EXPECT_EQ(r.first_address("4"), "10.231.0.7");
}

TEST_F(ClientTest, RetriesWhileTheBinaryIsBusy) {
  std::string path = plugins_ + "/busy";
  std::filesystem::copy_file(test::fake_plugin_binary(), path);
  ::chmod(path.c_str(), 0755);
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);  // exec now fails with ETXTBSY
  ASSERT_GE(fd, 0);
  std::thread closer([fd] {
    std::this_thread::sleep_for(std::chrono::milliseconds(60));
    ::close(fd);
  });
  EXPECT_NO_THROW(client().add(net(json::array({{{"type", "busy"}}})), rt()));
  closer.join();
}

TEST_F(ClientTest, TraceShowsEveryCall) {
  std::string trace_file = tmp_ / "trace.txt";
  int saved = ::dup(2);
  int fd = ::open(trace_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  ::dup2(fd, 2);
  ::close(fd);
  minipod::Tracer::get().enable(true);
  auto list = net(json::array(
      {{{"type", "a"},
        {"behave",
         {{"ADD", {{"stderr", "a warning"}, {"stdout", R"({"cniVersion":"1.0.0"})"}}}}}}}));
  client().add(list, rt());
  minipod::Tracer::get().enable(false);
  ::dup2(saved, 2);
  ::close(saved);
  std::string t = test::read(trace_file);
  EXPECT_NE(t.find("CNI ADD a (network mpt-cni-t)"), std::string::npos) << t;
  EXPECT_NE(t.find("$ CNI_COMMAND=ADD CNI_CONTAINERID=ctr1 CNI_NETNS=/run/netns/mpt-cni-ctr1 "
                   "CNI_IFNAME=eth0 "
                   "CNI_ARGS='IgnoreUnknown=1;K8S_POD_NAME=web' CNI_PATH="),
            std::string::npos)
      << t;
  EXPECT_NE(t.find("/bin/a < config.json"), std::string::npos) << t;
  EXPECT_NE(t.find("stdin: {\"behave\""), std::string::npos) << t;
  EXPECT_NE(t.find("stdout: {\"cniVersion\":\"1.0.0\"}"), std::string::npos) << t;
  EXPECT_NE(t.find("stderr: a warning"), std::string::npos) << t;
  EXPECT_NE(t.find("result: exit code 0 in "), std::string::npos) << t;
}

}  // namespace
}  // namespace cni
