// `minipod cni` beyond cnitool: empty variables refused, -o json failures, refused ADDs,
// validate, GC of every network, and the GC lock between two minipod processes.
#include <future>
#include <thread>

#include "cli_fixture.h"

namespace cni {
namespace {

using nlohmann::json;
using test::CliTest;

class CliVerbs : public CliTest {
 protected:
  std::vector<std::string> commands() {
    std::vector<std::string> out;
    for (const auto& c : test::read_log(log_))
      out.push_back(c["command"].get<std::string>() + " " +
                    json::parse(c["stdin"].get<std::string>())["type"].get<std::string>());
    return out;
  }
};

TEST_F(CliVerbs, AnEmptyIfnameOrPathIsAnErrorNotTheDefault) {
  for (const char* verb : {"add", "check", "del"}) {
    auto r = run(with_cache({"cni", verb, "mpt-cni-cli", netns_}), {"CNI_IFNAME="});
    EXPECT_EQ(r.code, 2) << verb;
    EXPECT_EQ(r.err,
              "minipod: CNI_IFNAME: is set but empty (expected an interface name such as eth0; "
              "unset it for the default eth0)\n");
    r = run(with_cache({"cni", verb, "mpt-cni-cli", netns_}), {"CNI_PATH="});
    EXPECT_EQ(r.code, 2) << verb;
    EXPECT_EQ(r.err,
              "minipod: CNI_PATH: is set but empty (expected ':'-separated plugin directories "
              "such as /usr/lib/cni; unset it for the default /opt/cni/bin:/usr/lib/cni)\n");
  }
  auto flag = run(with_cache({"cni", "add", "mpt-cni-cli", netns_, "--ifname", ""}));
  EXPECT_EQ(flag.code, 2);
  EXPECT_EQ(flag.err, "minipod: --ifname/CNI_IFNAME \"\": is empty\n");
  EXPECT_TRUE(test::read_log(log_).empty());
  EXPECT_TRUE(cache_empty());
  // A flag given wins over the empty variable, as over any other value.
  auto ok =
      run(with_cache({"cni", "add", "mpt-cni-cli", netns_, "--ifname", "net1", "--cni-path", bin_}),
          {"CNI_IFNAME=", "CNI_PATH="});
  EXPECT_EQ(ok.code, 0) << ok.err;
  EXPECT_EQ(test::read_log(log_)[0]["env"]["CNI_IFNAME"], "net1");
}

TEST_F(CliVerbs, JsonErrorsOnStdout) {
  conf("20-fail.conflist",
       R"({"cniVersion":"1.0.0","name":"mpt-cni-fail","plugins":[{"type":"a","log":")" + log_ +
           R"("},{"type":"b","log":")" + log_ +
           R"(","behave":{"ADD":{"error":{"code":123,"msg":"boom","details":"why"}}}}]})");
  auto add = run(with_cache({"cni", "add", "mpt-cni-fail", netns_, "-o", "json"}));
  EXPECT_EQ(add.code, 1);
  EXPECT_EQ(add.err, "");
  json e = json::parse(add.out);
  EXPECT_EQ(e["code"], 123);
  EXPECT_EQ(e["msg"], "boom");
  EXPECT_EQ(e["details"], "why");
  EXPECT_EQ(e["plugin"], "b");
  EXPECT_EQ(e["verb"], "ADD");
  EXPECT_EQ(e["network"], "mpt-cni-fail");
  EXPECT_EQ(e["error"],
            "CNI ADD failed: plugin \"b\" (network \"mpt-cni-fail\"): [code 123] boom; why");
  EXPECT_EQ(commands(), (std::vector<std::string>{"ADD a", "ADD b", "DEL b", "DEL a"}));

  auto missing = run(with_cache({"cni", "del", "mpt-cni-nowhere", netns_, "-o", "json"}));
  EXPECT_EQ(missing.code, 2);
  EXPECT_EQ(missing.err, "");
  e = json::parse(missing.out);
  EXPECT_EQ(e["code"], 7);
  EXPECT_EQ(e["verb"], "DEL");
  EXPECT_EQ(e["plugin"], nullptr);
  EXPECT_NE(e["details"].get<std::string>().find("no network \"mpt-cni-nowhere\""),
            std::string::npos)
      << e;

  auto empty =
      run(with_cache({"cni", "check", "mpt-cni-cli", netns_, "-o", "json"}), {"CNI_IFNAME="});
  EXPECT_EQ(empty.code, 2);
  EXPECT_EQ(json::parse(empty.out)["code"], 4);
  EXPECT_EQ(json::parse(empty.out)["msg"], "CNI_IFNAME");

  auto bad = run(with_cache({"cni", "add", "mpt-cni-cli", netns_, "-o", "yaml"}));
  EXPECT_EQ(bad.code, 2);
  EXPECT_EQ(bad.err, "minipod: --output: \"yaml\" is not one of text, json\n");
}

TEST_F(CliVerbs, AnAddOfAnAttachmentThatExistsIsRefusedAndUndoesNothing) {
  ASSERT_EQ(run(with_cache({"cni", "add", "mpt-cni-cli", netns_})).code, 0);
  std::string entry = cache_ + "/mpt-cni-cli-cnitool-99203b8d94f4d935877c-eth0";
  ASSERT_TRUE(std::filesystem::exists(entry));
  auto again = run(with_cache({"cni", "add", "mpt-cni-cli", netns_}));
  EXPECT_EQ(again.code, 2);
  EXPECT_EQ(again.err,
            "minipod: CNI ADD refused: container \"cnitool-99203b8d94f4d935877c\" interface "
            "\"eth0\" on network \"mpt-cni-cli\" (" +
                tmp_ / "net.d/10-mpt.conflist" +
                "): interface \"eth0\" is already attached on network \"mpt-cni-cli\" (cache "
                "entry " +
                entry +
                "): an ADD would fail on it, and the DEL undoing that failure would delete the "
                "existing attachment's interface (DEL that attachment first, or use another "
                "interface name)\n");
  auto json_err = run(with_cache({"cni", "add", "mpt-cni-cli", netns_, "-o", "json"}));
  EXPECT_EQ(json_err.code, 2);
  EXPECT_EQ(json::parse(json_err.out)["code"], 4);
  EXPECT_EQ(json::parse(json_err.out)["existing"], entry);
  EXPECT_EQ(commands(), (std::vector<std::string>{"ADD a", "ADD b"}));  // no DEL ran
  ASSERT_EQ(run(with_cache({"cni", "del", "mpt-cni-cli", netns_})).code, 0);
  EXPECT_TRUE(cache_empty());
}

TEST_F(CliVerbs, ValidateSaysEveryProblem) {
  auto ok = run({"cni", "validate", "mpt-cni-cli"}, {R"(CAP_ARGS={"portMappings":[]})"});
  EXPECT_EQ(ok.code, 0) << ok.err;
  std::string file = tmp_ / "net.d/10-mpt.conflist";
  EXPECT_EQ(ok.out, "network \"mpt-cni-cli\" (" + file +
                        "): CNI 1.0.0\n"
                        "  plugin 1/2 \"a\" (plugins[0] of " +
                        file + "): " + bin_ +
                        "/a, supports [0.1.0 0.2.0 0.3.0 0.3.1 0.4.0 1.0.0 1.1.0]: ok\n"
                        "  plugin 2/2 \"b\" (plugins[1] of " +
                        file + "): " + bin_ +
                        "/b, supports [0.1.0 0.2.0 0.3.0 0.3.1 0.4.0 1.0.0 1.1.0], capabilities "
                        "portMappings: ok\n"
                        "network \"mpt-cni-cli\" is valid\n");
  conf(
      "20-broken.conflist",
      R"({"cniVersion":"1.0.0","name":"mpt-cni-broken","plugins":[{"type":"a"},{"type":"nope"}]})");
  auto bad = run({"cni", "validate", "mpt-cni-broken", "--capability-args", R"({"mac":"x"})"});
  EXPECT_EQ(bad.code, 1);
  EXPECT_NE(
      bad.out.find("  plugin 2/2 \"nope\" (plugins[1] of " + tmp_ / "net.d/20-broken.conflist" +
                   "): not found: failed to find plugin "
                   "\"nope\" in path [" +
                   bin_ + "]"),
      std::string::npos)
      << bad.out;
  EXPECT_NE(bad.out.find("  capability \"mac\" (asked for in --capability-args/CAP_ARGS) is "
                         "declared by no plugin (declared: none)"),
            std::string::npos)
      << bad.out;
  EXPECT_NE(bad.out.find("network \"mpt-cni-broken\" is not valid: 2 problems\n"),
            std::string::npos)
      << bad.out;
  auto j = run({"cni", "validate", "mpt-cni-broken", "-o", "json"});
  EXPECT_EQ(j.code, 1);
  EXPECT_EQ(json::parse(j.out)["valid"], false);
  EXPECT_EQ(json::parse(j.out)["plugins"][1]["path"], nullptr);
  EXPECT_TRUE(commands().empty());  // VERSION only
}

TEST_F(CliVerbs, GcOfEveryNetwork) {
  conf("20-gc.conflist",
       R"({"cniVersion":"1.1.0","name":"mpt-cni-gc","plugins":[{"type":"a","log":")" + log_ +
           R"("}]})");
  std::string alive = tmp_ / "ns-alive", gone = tmp_ / "ns-gone";
  test::write(alive, "");
  ASSERT_EQ(run(with_cache({"cni", "add", "mpt-cni-gc", alive, "--container-id", "alive"})).code,
            0);
  ASSERT_EQ(run(with_cache({"cni", "add", "mpt-cni-gc", gone, "--container-id", "gone"})).code, 0);
  ASSERT_EQ(
      run(with_cache({"cni", "add", "mpt-cni-cli", gone + "2", "--container-id", "gone2"})).code,
      0);
  auto gc = run(with_cache({"cni", "gc"}));
  EXPECT_EQ(gc.code, 0) << gc.err;
  std::string d = tmp_ / "net.d/";
  EXPECT_EQ(gc.out, "network \"mpt-cni-cli\" (" + d +
                        "10-mpt.conflist): deleted stale attachments gone2/eth0; no GC verb: the "
                        "network speaks 1.0.0, older than 1.1.0\n"
                        "network \"mpt-cni-gc\" (" +
                        d + "20-gc.conflist): deleted stale attachments gone/eth0; GC sent to a\n");
  auto gcs = test::read_log(log_);
  EXPECT_EQ(json::parse(gcs.back()["stdin"].get<std::string>())["cni.dev/valid-attachments"],
            json::parse(R"([{"containerID":"alive","ifname":"eth0"}])"));
  auto j = run(with_cache({"cni", "gc", "-o", "json"}));
  EXPECT_EQ(j.code, 0);
  EXPECT_EQ(json::parse(j.out)[1]["collected"], json::parse(R"(["a"])"));
  EXPECT_EQ(run(with_cache({"cni", "del", "mpt-cni-gc", alive, "--container-id", "alive"})).code,
            0);
  EXPECT_TRUE(cache_empty());
}

// Two minipod processes: a GC holds the network while its first plugin sleeps; an ADD started
// meanwhile runs only after the whole GC, and a GC started during an ADD only after the ADD.
TEST_F(CliVerbs, GcAndAddOfTwoProcessesNeverOverlap) {
  auto write_conf = [&](const std::string& verb) {
    conf("20-lock.conflist",
         R"({"cniVersion":"1.1.0","name":"mpt-cni-lock","plugins":[{"type":"a","log":")" + log_ +
             R"(","behave":{")" + verb + R"(":{"sleep_ms":1500}}},{"type":"b","log":")" + log_ +
             R"("}]})");
  };
  auto wait_for_first_call = [&] {
    for (int i = 0; i < 500 && test::read_log(log_).empty(); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
  };
  std::vector<std::string> add{"cni", "add", "mpt-cni-lock", netns_, "--container-id", "c1"};
  std::vector<std::string> gc{"cni", "gc", "mpt-cni-lock", "--valid", "c1/eth0"};

  write_conf("GC");
  auto first = std::async(std::launch::async, [&] { return run(with_cache(gc)); });
  wait_for_first_call();
  auto second = run(with_cache(add));
  EXPECT_EQ(first.get().code, 0);
  EXPECT_EQ(second.code, 0) << second.err;
  EXPECT_EQ(commands(), (std::vector<std::string>{"GC a", "GC b", "ADD a", "ADD b"}));

  std::filesystem::remove(log_);
  ASSERT_EQ(run(with_cache({"cni", "del", "mpt-cni-lock", netns_, "--container-id", "c1"})).code,
            0);
  std::filesystem::remove(log_);
  write_conf("ADD");
  auto adding = std::async(std::launch::async, [&] { return run(with_cache(add)); });
  wait_for_first_call();
  auto collecting = run(with_cache(gc));
  EXPECT_EQ(adding.get().code, 0);
  EXPECT_EQ(collecting.code, 0) << collecting.err;
  EXPECT_EQ(commands(), (std::vector<std::string>{"ADD a", "ADD b", "GC a", "GC b"}));
  EXPECT_TRUE(std::filesystem::exists(tmp_ / "run/cni-locks/mpt-cni-lock"));
  ASSERT_EQ(run(with_cache({"cni", "del", "mpt-cni-lock", netns_, "--container-id", "c1"})).code,
            0);
}

}  // namespace
}  // namespace cni
