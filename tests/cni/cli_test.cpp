// `minipod cni ...` through the minipod binary: cnitool's
// variables and flags, output, exit codes and one-line errors, with the fake plugin.
#include "cli_fixture.h"

namespace cni {
namespace {

using nlohmann::json;
using test::CliTest;

TEST_F(CliTest, AddCacheLsDelLikeCnitool) {
  auto add = run(
      with_cache({"cni", "add", "mpt-cni-cli", netns_}),
      {"CNI_ARGS=IgnoreUnknown=1;K8S_POD_NAME=web", "CNI_IFNAME=net1",
       R"(CAP_ARGS={"portMappings":[{"hostPort":18080,"containerPort":80,"protocol":"tcp"}]})"});
  ASSERT_EQ(add.code, 0) << add.err;
  json result = json::parse(add.out);
  EXPECT_EQ(result["cniVersion"], "1.0.0");
  EXPECT_EQ(result["ips"][0]["address"], "10.231.9.2/24");
  auto log = test::read_log(log_);
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0]["env"]["CNI_CONTAINERID"], "cnitool-99203b8d94f4d935877c");  // cnitool's hash
  EXPECT_EQ(log[0]["env"]["CNI_IFNAME"], "net1");
  EXPECT_EQ(log[0]["env"]["CNI_ARGS"], "IgnoreUnknown=1;K8S_POD_NAME=web");
  EXPECT_EQ(log[0]["env"]["CNI_PATH"], bin_);
  EXPECT_EQ(json::parse(
                log[1]["stdin"].get<std::string>())["runtimeConfig"]["portMappings"][0]["hostPort"],
            18080);

  auto ls = run(with_cache({"cni", "cache", "ls"}));
  EXPECT_EQ(ls.code, 0);
  EXPECT_NE(ls.out.find("mpt-cni-cli  cnitool-99203b8d94f4d935877c  net1    "
                        "/run/netns/mpt-cni-none  10.231.9.2/24"),
            std::string::npos)
      << ls.out;
  auto lsj = run(with_cache({"cni", "cache", "ls", "-o", "json"}));
  EXPECT_EQ(json::parse(lsj.out)[0]["cniArgs"][1][1], "web");

  auto check = run(with_cache({"cni", "check", "mpt-cni-cli", netns_, "--ifname", "net1"}));
  EXPECT_EQ(check.code, 0) << check.err;
  auto del = run(with_cache({"cni", "del", "mpt-cni-cli", netns_, "--ifname", "net1"}));
  EXPECT_EQ(del.code, 0) << del.err;
  EXPECT_TRUE(cache_empty());
}

TEST_F(CliTest, FlagsWinOverVariables) {
  auto add = run(with_cache({"cni", "add", "mpt-cni-cli", netns_, "--container-id", "c1",
                             "--ifname", "eth1", "--args", "A=1"}),
                 {"CNI_IFNAME=net1", "CNI_ARGS=B=2"});
  ASSERT_EQ(add.code, 0) << add.err;
  auto log = test::read_log(log_);
  EXPECT_EQ(log[0]["env"]["CNI_CONTAINERID"], "c1");
  EXPECT_EQ(log[0]["env"]["CNI_IFNAME"], "eth1");
  EXPECT_EQ(log[0]["env"]["CNI_ARGS"], "A=1");
  EXPECT_EQ(run(with_cache({"cni", "del", "mpt-cni-cli", netns_, "--container-id", "c1", "--ifname",
                            "eth1"}))
                .code,
            0);
  EXPECT_TRUE(cache_empty());
}

TEST_F(CliTest, FailedAddIsUndone) {
  conf("20-fail.conflist",
       R"({"cniVersion":"1.0.0","name":"mpt-cni-fail","plugins":[{"type":"a","log":")" + log_ +
           R"("},{"type":"b","log":")" + log_ +
           R"(","behave":{"ADD":{"error":{"code":999,"msg":"boom"}}}}]})");
  auto add = run(with_cache({"cni", "add", "mpt-cni-fail", netns_}));
  EXPECT_EQ(add.code, 1);
  EXPECT_EQ(add.err,
            "minipod: CNI ADD failed: plugin \"b\" (network \"mpt-cni-fail\"): [code 999] boom\n");
  EXPECT_EQ(add.out, "");
  auto log = test::read_log(log_);
  ASSERT_EQ(log.size(), 4u);  // ADD a, ADD b, then the undo: DEL b, DEL a
  EXPECT_EQ(log[2]["env"]["CNI_COMMAND"], "DEL");
  EXPECT_EQ(log[3]["env"]["CNI_COMMAND"], "DEL");
  EXPECT_TRUE(cache_empty());
}

TEST_F(CliTest, BadInputGivesOneLineAndTheRightExitCode) {
  conf("30-json.conflist", "{\"name\": \"mpt-cni-json\", oops}");
  conf("31-noname.conflist", R"({"cniVersion":"1.0.0","plugins":[{"type":"a"}]})");
  conf("32-notype.conflist",
       R"({"cniVersion":"1.0.0","name":"mpt-cni-notype","plugins":[{"type":"a"},{"mtu":1}]})");
  conf(
      "33-unknown.conflist",
      R"({"cniVersion":"1.0.0","name":"mpt-cni-unknown","plugins":[{"type":"a"},{"type":"nope"}]})");
  conf("34-noexec.conflist",
       R"({"cniVersion":"1.0.0","name":"mpt-cni-noexec","plugins":[{"type":"noexec"}]})");
  conf("35-version.conflist",
       R"({"cniVersion":"9.9.9","name":"mpt-cni-version","plugins":[{"type":"a"}]})");
  std::filesystem::copy_file(test::fake_plugin_binary(), bin_ + "/noexec");
  std::filesystem::permissions(bin_ + "/noexec", std::filesystem::perms(0644));
  std::string d = tmp_ / "net.d/";
  struct Case {
    std::vector<std::string> args;
    std::vector<std::string> env;
    int code;
    std::string err;
  } cases[] = {
      {{"mpt-cni-notype", netns_},
       {},
       2,
       d + "32-notype.conflist: field \"plugins[1].type\": missing (expected the plugin's name, "
           "e.g. \"bridge\")"},
      {{"mpt-cni-unknown", netns_},
       {},
       1,
       "CNI ADD failed: plugin \"nope\" (network \"mpt-cni-unknown\"): failed to find plugin "
       "\"nope\" in path [" +
           bin_ + "]"},
      {{"mpt-cni-noexec", netns_},
       {},
       1,
       "CNI ADD failed: plugin \"noexec\" (network \"mpt-cni-noexec\"): " + bin_ +
           "/noexec is not executable"},
      {{"mpt-cni-version", netns_},
       {},
       2,
       d + "35-version.conflist: field \"cniVersion\": \"9.9.9\" is not a CNI version minipod "
           "supports "
           "[0.1.0 0.2.0 0.3.0 0.3.1 0.4.0 1.0.0 1.1.0]"},
      {{"mpt-cni-cli", netns_, "--ifname", "averyveryverylongname"},
       {},
       2,
       "--ifname/CNI_IFNAME \"averyveryverylongname\": is too long (21 bytes, at most 15)"},
      {{"mpt-cni-cli", netns_},
       {"CNI_ARGS=K8S_POD_NAME"},
       2,
       "--args/CNI_ARGS: invalid pair \"K8S_POD_NAME\" (expected KEY=VALUE pairs separated by "
       "';')"},
      {{"mpt-cni-cli", netns_, "--capability-args", "[1]"},
       {},
       2,
       "--capability-args/CAP_ARGS: expected a JSON object such as {\"portMappings\": [...]}"},
  };
  for (const auto& c : cases) {
    std::vector<std::string> args{"cni", "add"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    auto r = run(with_cache(args), c.env);
    EXPECT_EQ(r.code, c.code) << c.args[0] << ": " << r.err;
    EXPECT_EQ(r.err, "minipod: " + c.err + "\n") << c.args[0];
    EXPECT_EQ(r.out, "");
    EXPECT_TRUE(cache_empty());
  }
  // A broken file is only an error for the network it holds; by name it cannot be found.
  auto json_err = run(with_cache({"cni", "add", "mpt-cni-json", netns_}));
  EXPECT_EQ(json_err.code, 2);
  EXPECT_TRUE(one_line(json_err.err)) << json_err.err;
  EXPECT_NE(json_err.err.find("30-json.conflist (malformed JSON)"), std::string::npos)
      << json_err.err;
  EXPECT_TRUE(test::read_log(log_).empty());  // no plugin ever ran
  // The default network is the first file; a broken first file is reported with its error.
  // A number beyond a double is nlohmann's out_of_range, not a parse_error: still one invalid
  // file among others, not a failure of the whole listing.
  conf("36-overflow.conflist",
       R"({"cniVersion":"1.0.0","name":"mpt-cni-big","plugins":[{"type":"a","mtu":1e999}]})");
  auto ls = run({"cni", "ls"});
  EXPECT_EQ(ls.code, 0) << ls.err;
  EXPECT_NE(ls.out.find("(invalid: " + d +
                        "36-overflow.conflist: field \"plugins[0].mtu\": number overflow parsing "
                        "'1e999')"),
            std::string::npos)
      << ls.out;
  EXPECT_NE(ls.out.find("mpt-cni-cli"), std::string::npos);
  EXPECT_NE(ls.out.find("(invalid: " + d +
                        "30-json.conflist: malformed JSON: parse error at line 1, column 26"),
            std::string::npos)
      << ls.out;
  EXPECT_NE(ls.out.find("(invalid: " + d + "31-noname.conflist: field \"name\": missing"),
            std::string::npos)
      << ls.out;
  // Wrong usage.
  auto usage = run({"cni", "add", "mpt-cni-cli"});
  EXPECT_EQ(usage.code, 2);
  auto unknown_net = run(with_cache({"cni", "del", "mpt-cni-none", netns_}));
  EXPECT_EQ(unknown_net.code, 2);
  EXPECT_TRUE(one_line(unknown_net.err)) << unknown_net.err;
}

TEST_F(CliTest, VersionAndTrace) {
  test::link_plugin(bin_, "fw", R"({"cniVersion":"1.0.0","supportedVersions":["0.4.0","1.0.0"]})");
  auto v = run({"cni", "version", "fw"});
  EXPECT_EQ(v.code, 0);
  EXPECT_EQ(v.out, "fw (" + bin_ + "/fw): CNI 0.4.0, 1.0.0\n");
  auto vj = run({"cni", "version", "fw", "-o", "json"});
  EXPECT_EQ(json::parse(vj.out)["supportedVersions"], json::parse(R"(["0.4.0","1.0.0"])"));
  auto t =
      run(with_cache({"cni", "add", "mpt-cni-cli", netns_, "--container-id", "t1", "--trace"}));
  EXPECT_EQ(t.code, 0) << t.err;
  EXPECT_NE(t.err.find("CNI ADD a (network mpt-cni-cli)"), std::string::npos) << t.err;
  EXPECT_NE(t.err.find("CNI ADD b (network mpt-cni-cli)"), std::string::npos) << t.err;
  EXPECT_EQ(run(with_cache({"cni", "del", "mpt-cni-cli", netns_, "--container-id", "t1"})).code, 0);
  EXPECT_TRUE(cache_empty());
}

}  // namespace
}  // namespace cni
