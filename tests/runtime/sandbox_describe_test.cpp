// The --trace text of the sandbox's steps: what a person reads, and the command they would type.
#include <gtest/gtest.h>

#include "runtime/sandbox/describe.h"

namespace minipod::sandbox {
namespace {

TEST(SandboxDescribe, StepsAndTheirCommands) {
  TraceStep reserve = describe_reserve("web", "0123456789abcdef0123", "/run/minipod/pods/0123");
  EXPECT_EQ(reserve.what,
            "reserve pod name \"web\", id 0123456789ab, record in /run/minipod/pods/0123");
  EXPECT_EQ(reserve.command, "");

  TraceStep pin = describe_netns_pin("/run/netns/web", 42);
  EXPECT_EQ(pin.command, "touch /run/netns/web && mount --bind /proc/42/ns/net /run/netns/web");

  TraceStep address = describe_address_added({"10.87.0.5", "fd00::5"}, "web", "/p/hosts");
  EXPECT_EQ(address.command, "echo '10.87.0.5 web' >> /p/hosts");
  EXPECT_EQ(describe_address_added({}, "web", "/p/hosts").command, "echo '- web' >> /p/hosts");
}

TEST(SandboxDescribe, PauseWithAndWithoutItsOwnNetwork) {
  PauseOptions pause;
  pause.binary = "/usr/lib/minipod/minipod-pause";
  pause.hostname = "web";
  PauseTrace own = describe_pause(pause, 7, 4026532000);
  EXPECT_EQ(own.clone.what,
            "clone pause (pid 7) into new net, uts, ipc, pid and mount namespaces "
            "(net:[4026532000])");
  EXPECT_EQ(own.clone.command,
            "unshare --net --uts --ipc --pid --mount --fork /usr/lib/minipod/minipod-pause &");
  ASSERT_TRUE(own.hostname);
  EXPECT_EQ(own.hostname->command,
            "nsenter --target 7 --uts --net sh -c 'hostname web && ip link set lo up'");

  pause.host_network = true;
  PauseTrace host = describe_pause(pause, 7, 0);
  EXPECT_EQ(host.clone.what,
            "clone pause (pid 7) into new ipc, pid and mount namespaces (net:[host])");
  EXPECT_EQ(host.clone.command,
            "unshare --ipc --pid --mount --fork /usr/lib/minipod/minipod-pause &");
  EXPECT_FALSE(host.hostname);
}

}  // namespace
}  // namespace minipod::sandbox
