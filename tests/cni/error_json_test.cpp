// `-o json` failures of `minipod cni add|check|del`: shaped like a plugin's error object.
#include "cni/cli/error_json.h"

#include <gtest/gtest.h>

#include <cerrno>

#include "cni/error.h"
#include "common/error.h"

namespace cni::cli {
namespace {

using nlohmann::json;

TEST(ErrorJson, APluginsErrorKeepsItsCodeMsgAndDetails) {
  PluginError e("ADD", "bridge", "mynet", 11, "busy", "try later", "");
  EXPECT_EQ(error_object(e, Phase::kRun, "ADD", "mynet"),
            json({{"code", 11},
                  {"msg", "busy"},
                  {"details", "try later"},
                  {"plugin", "bridge"},
                  {"verb", "ADD"},
                  {"network", "mynet"},
                  {"error",
                   "CNI ADD failed: plugin \"bridge\" (network \"mynet\"): [code 11] "
                   "busy; try later"}}));
  PluginError crash("DEL", "portmap", "mynet", 0, "killed by signal 9", "", "panic: x");
  json o = error_object(crash, Phase::kRun, "DEL", "mynet");
  EXPECT_EQ(o["code"], 999);  // it gave none
  EXPECT_EQ(o["stderr"], "panic: x");
}

TEST(ErrorJson, SeveralFailedDelsAreListed) {
  DelError e("mynet",
             {PluginError("DEL", "portmap", "mynet", 0, "gone", "", ""),
              PluginError("DEL", "bridge", "mynet", 7, "bad", "", "")},
             3);
  json o = error_object(e, Phase::kRun, "DEL", "mynet");
  EXPECT_EQ(o["code"], 999);
  EXPECT_EQ(o["plugin"], nullptr);
  EXPECT_EQ(o["msg"], "2 plugins failed");
  ASSERT_EQ(o["failures"].size(), 2u);
  EXPECT_EQ(o["failures"][1]["plugin"], "bridge");
  EXPECT_EQ(o["failures"][1]["code"], 7);
}

TEST(ErrorJson, OtherFailuresGetACodeByWhatFailed) {
  minipod::UsageError config("/etc/cni/net.d/a.conflist", "field \"plugins\": missing");
  json o = error_object(config, Phase::kConfig, "ADD", "a");
  EXPECT_EQ(o["code"], 7);
  EXPECT_EQ(o["msg"], "/etc/cni/net.d/a.conflist");
  EXPECT_EQ(o["details"], "field \"plugins\": missing");
  EXPECT_EQ(o["plugin"], nullptr);
  EXPECT_EQ(o["verb"], "ADD");
  minipod::UsageError flag("CNI_IFNAME", "is set but empty");
  EXPECT_EQ(error_object(flag, Phase::kArguments, "ADD", "")["code"], 4);
  EXPECT_EQ(error_object(flag, Phase::kArguments, "ADD", "")["network"], nullptr);
  AttachmentInUse in_use("container \"c\" ...", "/var/lib/cni/results/a-c-eth0");
  o = error_object(in_use, Phase::kRun, "ADD", "a");
  EXPECT_EQ(o["code"], 4);
  EXPECT_EQ(o["existing"], "/var/lib/cni/results/a-c-eth0");
  minipod::Error io("lock network \"a\" for CNI ADD", "/run/minipod/cni-locks/a", EACCES);
  o = error_object(io, Phase::kRun, "ADD", "a");
  EXPECT_EQ(o["code"], 5);
  EXPECT_EQ(o["details"], "/run/minipod/cni-locks/a: Permission denied");
  EXPECT_EQ(
      error_object(minipod::Error("CNI ADD failed", "no version"), Phase::kRun, "ADD", "a")["code"],
      999);
}

}  // namespace
}  // namespace cni::cli
