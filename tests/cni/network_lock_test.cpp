// GC runs exclusively of ADD and DEL on a network (the lock in cni/network_lock.h). Within one
// process here; tests/cni/cli_test.cpp has the same between two minipod processes.
#include "cni/network_lock.h"

#include <sys/stat.h>

#include <future>
#include <thread>

#include "client_fixture.h"

namespace cni {
namespace {

using nlohmann::json;
using test::abc;
using test::calls;
using namespace std::chrono_literals;

class NetworkLockTest : public test::ClientTest {
 protected:
  NetworkLock hold(NetworkLock::Mode mode) {
    return NetworkLock(locks_, "mpt-cni-t", mode, "test");
  }
  // Whether `f` is still waiting after a while.
  template <typename T>
  static bool blocked(std::future<T>& f) {
    return f.wait_for(300ms) == std::future_status::timeout;
  }
};

TEST_F(NetworkLockTest, AddAndDelWaitForGc) {
  auto list = net(abc(), "1.1.0");
  std::future<Result> add;
  {
    auto gc = hold(NetworkLock::Mode::kExclusive);
    add = std::async(std::launch::async, [&] { return client().add(list, rt()); });
    EXPECT_TRUE(blocked(add));
    EXPECT_TRUE(log().empty()) << "a plugin ran while the GC held the network";
  }
  add.get();
  EXPECT_EQ(calls(log(), "ADD").size(), 3u);
  std::future<void> del;
  {
    auto gc = hold(NetworkLock::Mode::kExclusive);
    del = std::async(std::launch::async, [&] { client().del(list, rt()); });
    EXPECT_TRUE(blocked(del));
  }
  del.get();
  EXPECT_EQ(calls(log(), "DEL").size(), 3u);
}

TEST_F(NetworkLockTest, GcWaitsForAddsAndDelsButTheyRunSideBySide) {
  auto list = net(abc(), "1.1.0");
  std::future<GcReport> gc;
  {
    auto add_in_progress = hold(NetworkLock::Mode::kShared);
    // Another ADD is not held up by it ...
    EXPECT_NO_THROW(client().add(list, rt()));
    // ... a GC is.
    gc = std::async(std::launch::async, [&] { return client().gc(list, {{"ctr1", "eth0"}}); });
    EXPECT_TRUE(blocked(gc));
    EXPECT_TRUE(calls(log(), "GC").empty());
  }
  EXPECT_EQ(gc.get().collected, (std::vector<std::string>{"a", "b", "c"}));
}

TEST_F(NetworkLockTest, OneFilePerNetworkThatStays) {
  { auto l = hold(NetworkLock::Mode::kShared); }
  struct stat st {};
  ASSERT_EQ(::stat((locks_ + "/mpt-cni-t").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat(locks_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  // Another network is another lock: its GC does not wait for this one's ADDs.
  auto add_in_progress = hold(NetworkLock::Mode::kShared);
  json other{{"cniVersion", "1.1.0"}, {"name", "mpt-cni-other"}, {"plugins", abc()}};
  EXPECT_NO_THROW(client().gc(parse_network_config(other.dump(), "other.conflist"), {}));
}

TEST_F(NetworkLockTest, ALinkInPlaceOfTheFileIsRefused) {
  std::filesystem::create_directories(locks_);
  std::filesystem::create_symlink(tmp_ / "elsewhere", locks_ + "/mpt-cni-t");
  try {
    hold(NetworkLock::Mode::kShared);
    FAIL();
  } catch (const minipod::Error& e) {
    EXPECT_EQ(std::string(e.what()), "lock network \"mpt-cni-t\" for CNI test: " + locks_ +
                                         "/mpt-cni-t: Too many levels of symbolic links");
  }
  EXPECT_FALSE(std::filesystem::exists(tmp_ / "elsewhere"));
}

}  // namespace
}  // namespace cni
