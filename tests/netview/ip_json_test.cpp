// iproute2's JSON (`ip -j -d addr show`, `ip -j route show`, `ip -j netns list`) as Debian 12's
// iproute2 6.1 prints it, trimmed to the fields that matter.
#include "runtime/netview/ip_json.h"

#include <gtest/gtest.h>

#include "common/error.h"

namespace minipod::netview {
namespace {

const char* kHostLinks = R"([
 {"ifindex":1,"ifname":"lo","flags":["LOOPBACK","UP","LOWER_UP"],"operstate":"UNKNOWN",
  "link_type":"loopback","address":"00:00:00:00:00:00",
  "addr_info":[{"family":"inet","local":"127.0.0.1","prefixlen":8,"scope":"host","label":"lo"}]},
 {"ifindex":23021,"ifname":"mpt-nsx0","flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],
  "link_type":"ether","address":"86:03:b5:b4:e1:51",
  "linkinfo":{"info_kind":"bridge","info_data":{"stp_state":0}},
  "addr_info":[{"family":"inet","local":"10.232.99.1","prefixlen":24,"scope":"global"},
               {"family":"inet6","local":"fe80::e8b1:6fff:fea7:abec","prefixlen":64,"scope":"link"}]},
 {"ifindex":23022,"link_index":2,"ifname":"mpt-nsxv","flags":["BROADCAST","MULTICAST","UP"],
  "master":"mpt-nsx0","link_type":"ether","address":"86:03:b5:b4:e1:51","link_netnsid":0,
  "linkinfo":{"info_kind":"veth","info_slave_kind":"bridge"},"addr_info":[]},
 {"ifindex":3,"ifname":"ifb1","flags":["BROADCAST","NOARP"],"link_type":"ether",
  "linkinfo":{"info_kind":"ifb"},"addr_info":[]}
])";

TEST(IpJson, LinksWithTheirKindMasterPeerAndAddresses) {
  auto links = parse_links(nlohmann::json::parse(kHostLinks), "ip -j -d addr show");
  ASSERT_EQ(links.size(), 4u);
  EXPECT_EQ(links[0].kind, "loopback");
  EXPECT_TRUE(links[0].up);
  ASSERT_EQ(links[0].addresses.size(), 1u);
  EXPECT_EQ(links[0].addresses[0].cidr(), "127.0.0.1/8");
  EXPECT_EQ(links[0].addresses[0].scope, "host");

  EXPECT_EQ(links[1].name, "mpt-nsx0");
  EXPECT_EQ(links[1].kind, "bridge");
  ASSERT_EQ(links[1].addresses.size(), 2u);
  EXPECT_EQ(links[1].addresses[1].family, "inet6");
  EXPECT_EQ(links[1].addresses[1].scope, "link");

  EXPECT_EQ(links[2].index, 23022);
  EXPECT_EQ(links[2].kind, "veth");
  EXPECT_EQ(links[2].master, "mpt-nsx0");
  EXPECT_EQ(links[2].peer_index, 2);
  ASSERT_TRUE(links[2].peer_nsid.has_value());
  EXPECT_EQ(*links[2].peer_nsid, 0);

  EXPECT_FALSE(links[3].up);
  EXPECT_FALSE(links[3].peer_nsid.has_value());
}

TEST(IpJson, RoutesWithGatewayDeviceAndSourceButNoUnreachableOnes) {
  auto routes = parse_routes(nlohmann::json::parse(R"([
    {"type":"unicast","dst":"default","gateway":"10.232.99.1","dev":"eth0","flags":[]},
    {"dst":"10.232.99.0/24","dev":"eth0","protocol":"kernel","scope":"link","prefsrc":"10.232.99.2"},
    {"type":"unreachable","dst":"10.9.0.0/16","flags":[]}
  ])"),
                             "ip -j route show");
  ASSERT_EQ(routes.size(), 2u);
  EXPECT_EQ(routes[0].describe(), "default via 10.232.99.1 dev eth0");
  EXPECT_EQ(routes[1].describe(), "10.232.99.0/24 dev eth0 src 10.232.99.2");
}

TEST(IpJson, PinnedNamespacesByNameWithTheirIdWhenTheyHaveOne) {
  auto list = parse_netns_list(nlohmann::json::parse(R"([{"name":"web","id":3},{"name":"alone"}])"),
                               "ip -j netns list");
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].name, "alone");
  EXPECT_FALSE(list[0].nsid.has_value());
  EXPECT_EQ(list[1].name, "web");
  EXPECT_EQ(list[1].nsid, 3);
}

TEST(IpJson, UnexpectedJsonNamesTheCommandAndWhatWasExpected) {
  try {
    parse_links(nlohmann::json::parse(R"([{"ifindex":"one","ifname":"lo"}])"),
                "ip -n web -j -d addr show");
    FAIL() << "no error";
  } catch (const Error& e) {
    std::string what = e.what();
    EXPECT_NE(what.find("ip -n web -j -d addr show: unexpected JSON"), std::string::npos) << what;
    EXPECT_NE(what.find("expected an array of links with ifindex, ifname and addr_info"),
              std::string::npos)
        << what;
  }
  EXPECT_THROW(parse_routes(nlohmann::json::object(), "ip -j route show"), Error);
}

TEST(IpJson, BatchOutputIsOneDocumentPerCommand) {
  auto docs = split_json_documents("[{\"a\":1}]\n[]\n[{\"name\":\"x\"}]\n", 3, "ip -batch");
  ASSERT_EQ(docs.size(), 3u);
  EXPECT_TRUE(docs[1].empty());
  try {
    split_json_documents("[]\n", 2, "ip -j -d -batch -");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(),
                 "ip -j -d -batch -: printed 1 JSON documents; expected 2, one per command");
  }
  EXPECT_THROW(split_json_documents("[}", 1, "ip"), Error);
}

}  // namespace
}  // namespace minipod::netview
