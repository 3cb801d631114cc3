// Kubernetes' restart rules and crash-loop back-off, as the supervisor applies them.
#include "runtime/run/restart_policy.h"

#include <gtest/gtest.h>

namespace minipod::run {
namespace {

using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;
constexpr milliseconds kBase{10'000};

TEST(RestartPolicy, WhoRestarts) {
  auto restarts = [](ContainerRole role, const char* policy, int code) {
    return decide_restart(role, policy, code, 0, seconds(1), kBase).restart;
  };
  // Native sidecars always, whatever the pod's policy.
  EXPECT_TRUE(restarts(ContainerRole::kSidecar, "Never", 0));
  // Init containers on failure, unless Never.
  EXPECT_TRUE(restarts(ContainerRole::kInit, "OnFailure", 1));
  EXPECT_TRUE(restarts(ContainerRole::kInit, "Always", 1));
  EXPECT_FALSE(restarts(ContainerRole::kInit, "Always", 0));
  EXPECT_FALSE(restarts(ContainerRole::kInit, "Never", 1));
  // App containers by the pod's policy.
  EXPECT_TRUE(restarts(ContainerRole::kApp, "Always", 0));
  EXPECT_TRUE(restarts(ContainerRole::kApp, "OnFailure", 2));
  EXPECT_FALSE(restarts(ContainerRole::kApp, "OnFailure", 0));
  EXPECT_FALSE(restarts(ContainerRole::kApp, "Never", 2));
}

TEST(RestartPolicy, BackOffDoublesUpToFiveMinutesAndIsForgottenAfterTenOfRunning) {
  auto d = decide_restart(ContainerRole::kApp, "Always", 1, 0, seconds(1), kBase);
  EXPECT_EQ(d.delay, milliseconds(10'000));
  EXPECT_EQ(d.restarts, 1);
  d = decide_restart(ContainerRole::kApp, "Always", 1, 3, seconds(1), kBase);
  EXPECT_EQ(d.delay, milliseconds(80'000));
  EXPECT_EQ(d.restarts, 4);
  d = decide_restart(ContainerRole::kApp, "Always", 1, 40, seconds(1), kBase);
  EXPECT_EQ(d.delay, minutes(5));
  d = decide_restart(ContainerRole::kApp, "Always", 1, 7, minutes(11), kBase);
  EXPECT_EQ(d.delay, milliseconds(10'000));
  EXPECT_EQ(d.restarts, 1);
  // No restart: the count stays.
  d = decide_restart(ContainerRole::kApp, "Never", 1, 3, seconds(1), kBase);
  EXPECT_FALSE(d.restart);
  EXPECT_EQ(d.restarts, 3);
}

}  // namespace
}  // namespace minipod::run
