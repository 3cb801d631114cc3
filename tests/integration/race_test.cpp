// Two processes at once on the same pods: `minipod gc` racing pod creation (it used to delete
// pods being created and release names being reserved: two Running pods with one name), and gc
// looping while workers create and remove pods.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>

#include "common/fs.h"
#include "tests/integration/pod_fixture.h"

namespace minipod::testing {
namespace {

using ::testing::HasSubstr;

std::string pod_yaml(const std::string& name) {
  return "apiVersion: v1\nkind: Pod\nmetadata:\n  name: " + name +
         "\nspec:\n  terminationGracePeriodSeconds: 1\n  containers:\n  - name: c\n"
         "    image: probe\n    command: [probe, sleep, \"600\"]\n";
}

class Races : public PodTest {
 protected:
  void TearDown() override {
    for (const auto& n : {"mpt-race", "mpt-race-0", "mpt-race-1", "mpt-race-2", "mpt-race-3"})
      env().minipod({"rm", "-f", n});
    PodTest::TearDown();
  }
  size_t pods_named(const std::string& name) {
    auto ps = nlohmann::json::parse(env().minipod({"ps", "-a", "-o", "json"}).out);
    size_t n = 0;
    for (const auto& p : ps) n += p["name"] == name;
    return n;
  }
};

// gc runs while a pod is held at each point of its reservation (its directory in place, its name
// reserved, its record not yet written): it must leave that pod alone, and the name stays taken.
TEST_F(Races, GcNeverTouchesAPodBeingCreated) {
  auto manifest = manifest_path(pod_yaml("mpt-race"));
  for (const char* at : {"reserve:1", "reserve:2"}) {
    SCOPED_TRACE(at);
    auto run = std::async(std::launch::async, [&] {
      return env().minipod({"run", "-d", manifest}, std::chrono::seconds(60),
                           {std::string("MINIPOD_TEST_DELAY_AT=") + at + ":1500"});
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    for (int i = 0; i < 5; ++i) {
      auto gc = env().minipod({"gc"});
      EXPECT_EQ(gc.exit_code, 0) << gc.err;
      EXPECT_THAT(gc.out, ::testing::Not(HasSubstr("mpt-race"))) << "gc touched the pod";
      // Once reserved, nobody else gets the name (before, at reserve:1, another pod may).
      if (std::string(at) == "reserve:2") {
        auto second = env().minipod({"run", "-d", manifest});
        EXPECT_NE(second.exit_code, 0);
        EXPECT_THAT(second.err, HasSubstr("a pod named \"mpt-race\" already exists"));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    auto first = run.get();
    ASSERT_EQ(first.exit_code, 0) << first.err;
    EXPECT_FALSE(env().wait_running("mpt-race").is_null());
    EXPECT_EQ(pods_named("mpt-race"), 1u);
    EXPECT_EQ(env().minipod({"rm", "-f", "mpt-race"}).exit_code, 0);
  }
}

// Four workers create and remove their pods again and again, each creation held a little at
// every reservation step, while gc loops: no command fails, no name is ever held twice, and
// nothing is left.
TEST_F(Races, GcLoopWhileFourWorkersCreateAndRemovePods) {
  std::atomic<bool> done{false};
  auto gc_loop = std::async(std::launch::async, [&] {
    int runs = 0;
    std::string failures;
    while (!done) {
      auto gc = env().minipod({"gc"});
      if (gc.exit_code != 0) failures += gc.out + gc.err;
      ++runs;
    }
    return std::pair{runs, failures};
  });
  std::vector<std::future<std::string>> workers;
  for (int w = 0; w < 4; ++w)
    workers.push_back(std::async(std::launch::async, [&, w] {
      std::string name = "mpt-race-" + std::to_string(w);
      auto manifest = manifest_path(pod_yaml(name));
      std::string problems;
      for (int i = 0; i < 4; ++i) {
        auto run =
            env().minipod({"run", "-d", manifest}, std::chrono::seconds(60),
                          {"MINIPOD_TEST_DELAY_AT=reserve:" + std::to_string(1 + i % 2) + ":100"});
        if (run.exit_code != 0) problems += name + " run: " + run.err;
        if (size_t n = pods_named(name); n != 1)
          problems += name + ": " + std::to_string(n) + " pods with this name\n";
        auto rm = env().minipod({"rm", "-f", name});
        if (rm.exit_code != 0) problems += name + " rm: " + rm.err;
      }
      return problems;
    }));
  for (auto& w : workers) EXPECT_EQ(w.get(), "");
  done = true;
  auto [runs, failures] = gc_loop.get();
  EXPECT_GT(runs, 3);
  EXPECT_EQ(failures, "");
  EXPECT_EQ(env().minipod({"gc"}).exit_code, 0);
}

}  // namespace
}  // namespace minipod::testing
