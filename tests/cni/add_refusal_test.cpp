// An ADD whose attachment is already made is refused before any plugin runs, so that the DEL
// undoing a failed ADD can never delete another attachment's interface.
#include "client_fixture.h"
#include "cni/error.h"

namespace cni {
namespace {

using nlohmann::json;
using test::abc;
using test::calls;

class AddRefusal : public test::ClientTest {
 protected:
  // Refused with AttachmentInUse naming `existing`; nothing ran, nothing was undone.
  void expect_refused(const NetworkConfigList& list, const RuntimeConf& r,
                      const std::string& existing, const std::string& says) {
    size_t before = log().size();
    try {
      client().add_or_undo(list, r);
      ADD_FAILURE() << "ADD was not refused";
    } catch (const AttachmentInUse& e) {
      EXPECT_EQ(e.existing(), existing);
      EXPECT_EQ(e.kind(), minipod::ExitKind::kUsage);
      EXPECT_NE(std::string(e.what()).find(says), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(existing), std::string::npos) << e.what();
    }
    EXPECT_EQ(log().size(), before) << "a plugin ran";
  }
};

TEST_F(AddRefusal, TheSameAttachmentTwice) {
  auto list = net(abc());
  client().add(list, rt());
  std::string entry = test::read(cache_file_of());
  expect_refused(list, rt(), cache_file_of(),
                 "CNI ADD refused: container \"ctr1\" interface \"eth0\" on network "
                 "\"mpt-cni-t\" (test.conflist): interface \"eth0\" is already attached on "
                 "network \"mpt-cni-t\"");
  EXPECT_EQ(test::read(cache_file_of()), entry);  // the first attachment is untouched
  EXPECT_TRUE(calls(log(), "DEL").empty());
  // Another interface name is another attachment.
  RuntimeConf eth1 = rt();
  eth1.ifname = "eth1";
  EXPECT_NO_THROW(client().add(list, eth1));
}

TEST_F(AddRefusal, TheSameContainerAndIfnameOnAnotherNetwork) {
  client().add(net(abc()), rt());
  json other{{"cniVersion", "1.0.0"}, {"name", "mpt-cni-other"}, {"plugins", abc()}};
  expect_refused(parse_network_config(other.dump(), "other.conflist"), rt(), cache_file_of(),
                 "is already attached on network \"mpt-cni-t\"");
}

TEST_F(AddRefusal, TheSameIfnameInTheSameNetns) {
  client().add(net(abc()), rt("ctr1"));
  RuntimeConf same_netns = rt("ctr2");
  same_netns.netns = rt("ctr1").netns;
  expect_refused(net(abc()), same_netns, cache_file_of("ctr1"),
                 "is already used in network namespace /run/netns/mpt-cni-ctr1 by container "
                 "\"ctr1\" on network \"mpt-cni-t\"");
}

TEST_F(AddRefusal, AnUnreadableEntryOfTheAttachment) {
  test::write(cache_file_of(), "{not json");
  expect_refused(net(abc()), rt(), cache_file_of(),
                 "the cache already holds an entry for it, unreadable");
  // A DEL is what clears it (an unreadable entry never fails a DEL); then the ADD runs.
  client().del(net(abc()), rt());
  EXPECT_NO_THROW(client().add(net(abc()), rt()));
}

}  // namespace
}  // namespace cni
