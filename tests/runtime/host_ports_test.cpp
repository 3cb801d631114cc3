// Host port reservations: what overlaps, who holds a port, when a reservation is stale.
#include "runtime/state/host_ports.h"

#include <gtest/gtest.h>

#include "common/error.h"
#include "common/fs.h"
#include "runtime/state/name_reservation.h"
#include "runtime/state/pod_record.h"
#include "runtime/state/pod_store.h"
#include "tests/support/temp_dir.h"

namespace minipod::state {
namespace {

HostPort port(int n, const std::string& protocol = "TCP", const std::string& ip = "") {
  return {n, protocol, ip, "spec.containers[0].ports[0].hostPort"};
}

TEST(HostPort, OverlapsOnPortProtocolAndMeetingAddresses) {
  EXPECT_TRUE(port(80).overlaps(port(80)));
  EXPECT_FALSE(port(80).overlaps(port(81)));
  EXPECT_FALSE(port(80).overlaps(port(80, "UDP")));
  EXPECT_TRUE(port(80).overlaps(port(80, "TCP", "127.0.0.1")));  // every address
  EXPECT_TRUE(port(80, "TCP", "0.0.0.0").overlaps(port(80, "TCP", "10.0.0.1")));
  EXPECT_FALSE(port(80, "TCP", "127.0.0.1").overlaps(port(80, "TCP", "127.0.0.2")));
  EXPECT_EQ(port(8080).describe(), "8080/TCP");
  EXPECT_EQ(port(53, "UDP", "127.0.0.1").describe(), "127.0.0.1:53/UDP");
  EXPECT_EQ(port(53, "UDP", "::1").describe(), "[::1]:53/UDP");
}

class HostPorts : public ::testing::Test {
 protected:
  void SetUp() override { paths_.run_dir = tmp_.path(); }
  // A pod directory with a record in `status`.
  void pod(const std::string& id, const std::string& status, bool network_held) {
    PodRecord r;
    r.id = id;
    r.name = "pod-" + id;
    r.status = pod_status_from(status);
    r.network_held = network_held;
    PodLock lock = create_pod_dir(paths_, id);
    save_record(lock, paths_.pod_dir(id), r);
  }

  testing_support::TempDir tmp_;
  Paths paths_;
};

TEST_F(HostPorts, TheSecondPodIsRefusedNamingTheFirst) {
  pod("aaaaaaaaaaaaaaaa", "running", true);
  NameReservation web(paths_, "web", "aaaaaaaaaaaaaaaa", {port(8080)}, "web.yaml");
  fs::make_dirs(paths_.pod_dir("bbbbbbbbbbbbbbbb"), 0700);
  try {
    NameReservation other(paths_, "other", "bbbbbbbbbbbbbbbb", {port(9090), port(8080)},
                          "pod.yaml");
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_STREQ(e.what(),
                 "pod.yaml: spec.containers[0].ports[0].hostPort: 8080/TCP is already published "
                 "by pod \"web\" (id aaaaaaaaaaaa)");
  }
  // The refused pod took nothing: neither its name nor its other port.
  EXPECT_FALSE(std::filesystem::exists(paths_.names_dir() / "other"));
  EXPECT_FALSE(find_port_holder(paths_, {port(9090)}, ""));
  EXPECT_TRUE(find_port_holder(paths_, {port(8080, "TCP", "127.0.0.1")}, ""));
  EXPECT_FALSE(find_port_holder(paths_, {port(8080, "UDP")}, ""));
  EXPECT_FALSE(find_port_holder(paths_, {port(8080)}, "aaaaaaaaaaaaaaaa"));  // its own
  web.release_ports();
  EXPECT_FALSE(find_port_holder(paths_, {port(8080)}, ""));
  EXPECT_TRUE(std::filesystem::exists(paths_.names_dir() / "web"));  // the name stays
}

TEST_F(HostPorts, APortIsFreeOnceItsPodIsGoneOrEndedWithItsNetworkReleased) {
  pod("cccccccccccccccc", "stopped", false);
  pod("dddddddddddddddd", "stopped", true);  // its DEL failed: portmap's rules may be there
  reserve_host_ports(paths_, {port(1)}, "cccccccccccccccc", "released");
  reserve_host_ports(paths_, {port(2)}, "dddddddddddddddd", "held");
  reserve_host_ports(paths_, {port(3)}, "eeeeeeeeeeeeeeee", "gone");
  EXPECT_FALSE(find_port_holder(paths_, {port(1)}, ""));
  auto held = find_port_holder(paths_, {port(2)}, "");
  ASSERT_TRUE(held);
  EXPECT_EQ(held->name, "held");
  EXPECT_EQ(remove_stale_host_ports(paths_),
            std::vector<std::string>{"3/TCP (pod \"gone\" is gone)"});
  EXPECT_FALSE(find_port_holder(paths_, {port(3)}, ""));
}

}  // namespace
}  // namespace minipod::state
