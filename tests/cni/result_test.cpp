#include <gtest/gtest.h>

#include "cni/result.h"
#include "common/error.h"

namespace cni {
namespace {

using nlohmann::json;

// One attachment in every result shape. 1.1.0 carries an interface mtu (1.1.0 field) and a route
// mtu (kept by libcni in every version >= 0.3.0).
const char* kV11 = R"({"cniVersion":"1.1.0",
  "interfaces":[{"name":"mpt-cbr0","mac":"aa:aa:aa:aa:aa:01"},
                {"name":"eth0","mac":"aa:aa:aa:aa:aa:02","sandbox":"/run/netns/mpt-cni-x","mtu":1400}],
  "ips":[{"interface":1,"address":"10.231.0.5/24","gateway":"10.231.0.1"},
         {"interface":1,"address":"fd00::5/64","gateway":"fd00::1"},
         {"interface":1,"address":"10.231.1.5/24"}],
  "routes":[{"dst":"0.0.0.0/0","gw":"10.231.0.1","mtu":1400},{"dst":"::/0"}],
  "dns":{"nameservers":["10.231.0.1"],"search":["example.test"]}})";

const char* kV04 = R"({"cniVersion":"0.4.0",
  "interfaces":[{"name":"mpt-cbr0","mac":"aa:aa:aa:aa:aa:01"},
                {"name":"eth0","mac":"aa:aa:aa:aa:aa:02","sandbox":"/run/netns/mpt-cni-x"}],
  "ips":[{"version":"4","interface":1,"address":"10.231.0.5/24","gateway":"10.231.0.1"},
         {"version":"6","interface":1,"address":"fd00::5/64","gateway":"fd00::1"},
         {"version":"4","interface":1,"address":"10.231.1.5/24"}],
  "routes":[{"dst":"0.0.0.0/0","gw":"10.231.0.1","mtu":1400},{"dst":"::/0"}],
  "dns":{"nameservers":["10.231.0.1"],"search":["example.test"]}})";

// 0.4.0 -> 0.2.0 keeps the first address of each family; routes go with their family.
const char* kV02 = R"({"cniVersion":"0.2.0",
  "ip4":{"ip":"10.231.0.5/24","gateway":"10.231.0.1","routes":[{"dst":"0.0.0.0/0","gw":"10.231.0.1"}]},
  "ip6":{"ip":"fd00::5/64","gateway":"fd00::1","routes":[{"dst":"::/0"}]},
  "dns":{"nameservers":["10.231.0.1"],"search":["example.test"]}})";

// 0.2.0 -> 0.4.0: no interfaces; one ip per family; the routes of both.
const char* kV04From02 = R"({"cniVersion":"0.4.0",
  "ips":[{"version":"4","address":"10.231.0.5/24","gateway":"10.231.0.1"},
         {"version":"6","address":"fd00::5/64","gateway":"fd00::1"}],
  "routes":[{"dst":"0.0.0.0/0","gw":"10.231.0.1"},{"dst":"::/0"}],
  "dns":{"nameservers":["10.231.0.1"],"search":["example.test"]}})";

json with_version(const char* j, const char* v) {
  json out = json::parse(j);
  out["cniVersion"] = v;
  return out;
}

json drop_interface_mtu(json j) {
  for (auto& i : j["interfaces"]) i.erase("mtu");
  return j;
}

json drop_ip_versions(json j) {
  for (auto& ip : j["ips"]) ip.erase("version");
  return j;
}

json convert(const json& in, const std::string& to) {
  return Result::parse(in).to_json(to);
}

TEST(ResultConversion, From110) {
  json in = json::parse(kV11);
  EXPECT_EQ(convert(in, "1.1.0"), in);
  EXPECT_EQ(convert(in, "1.0.0"), with_version(kV11, "1.0.0"));
  EXPECT_EQ(convert(in, "0.4.0"), json::parse(kV04));
  EXPECT_EQ(convert(in, "0.2.0"), json::parse(kV02));
}

TEST(ResultConversion, From100) {
  json in = with_version(kV11, "1.0.0");
  EXPECT_EQ(convert(in, "1.0.0"), in);
  EXPECT_EQ(convert(in, "1.1.0"), json::parse(kV11));
  EXPECT_EQ(convert(in, "0.4.0"), json::parse(kV04));
  EXPECT_EQ(convert(in, "0.2.0"), json::parse(kV02));
}

TEST(ResultConversion, From040) {
  json in = json::parse(kV04);
  EXPECT_EQ(convert(in, "0.4.0"), in);
  EXPECT_EQ(convert(in, "1.0.0"), drop_interface_mtu(with_version(kV11, "1.0.0")));
  EXPECT_EQ(convert(in, "1.1.0"), drop_interface_mtu(json::parse(kV11)));
  EXPECT_EQ(convert(in, "0.2.0"), json::parse(kV02));
}

TEST(ResultConversion, From020) {
  json in = json::parse(kV02);
  EXPECT_EQ(convert(in, "0.2.0"), in);
  EXPECT_EQ(convert(in, "0.4.0"), json::parse(kV04From02));
  EXPECT_EQ(convert(in, "1.0.0"), drop_ip_versions(with_version(kV04From02, "1.0.0")));
  EXPECT_EQ(convert(in, "1.1.0"), drop_ip_versions(with_version(kV04From02, "1.1.0")));
}

TEST(ResultConversion, OtherPairs) {
  json v1 = json::parse(kV11);
  EXPECT_EQ(convert(v1, "0.3.1")["ips"][0]["version"], "4");
  EXPECT_EQ(convert(json::parse(kV02), "0.1.0")["cniVersion"], "0.1.0");
  EXPECT_EQ(convert(json::parse(kV02), "0.1.0")["ip4"], json::parse(kV02)["ip4"]);
  // A 1.0.0 result with no "dns" content leaves it out; 0.4.0 always writes it (Go struct).
  json bare = json::parse(R"({"cniVersion":"1.0.0","ips":[{"address":"10.231.0.9/24"}]})");
  EXPECT_FALSE(convert(bare, "1.0.0").contains("dns"));
  EXPECT_EQ(convert(bare, "0.4.0")["dns"], json::object());
  EXPECT_THROW(convert(bare, "2.0.0"), minipod::Error);
  // Without any address there is nothing a 0.2.0 result could say.
  EXPECT_THROW(
      convert(json::parse(R"({"cniVersion":"1.0.0","interfaces":[{"name":"lo"}]})"), "0.2.0"),
      minipod::Error);
}

TEST(ResultParse, DebianOutputs) {
  // Exact stdout of Debian 12's plugins (BASELINE.md).
  auto lo = Result::parse(json::parse(
      R"({"cniVersion":"0.4.0","interfaces":[{"name":"lo","mac":"00:00:00:00:00:00","sandbox":"/var/run/netns/x"}],"ips":[{"interface":0,"address":"127.0.0.1/8"},{"interface":0,"address":"::1/128"}],"dns":{}})"));
  EXPECT_EQ(lo.ips[0].family(), "4");
  EXPECT_EQ(lo.ips[1].family(), "6");
  // libcni would lose these (it reads "version"); the family of the address is what counts.
  json v02 = lo.to_json("0.2.0");
  EXPECT_EQ(v02["ip4"]["ip"], "127.0.0.1/8");
  EXPECT_EQ(v02["ip6"]["ip"], "::1/128");
  auto br = Result::parse(json::parse(
      R"({"cniVersion":"1.0.0","interfaces":[{"name":"bench-br0","mac":"c6:f1:68:d5:f6:53"},{"name":"vetha53c9443","mac":"a6:36:e3:03:e8:fa"},{"name":"eth0","mac":"3a:42:9f:bb:e7:d6","sandbox":"/var/run/netns/bench-cni-v100"}],"ips":[{"interface":2,"address":"10.123.0.2/24","gateway":"10.123.0.1"}],"routes":[{"dst":"0.0.0.0/0"}],"dns":{}})"));
  EXPECT_EQ(br.first_address("4"), "10.123.0.2");
  EXPECT_EQ(br.first_address("6"), "");
  EXPECT_EQ(br.interfaces.size(), 3u);
  EXPECT_EQ(br.ips[0].interface, 2);
  auto old = Result::parse(json::parse(
      R"({"cniVersion":"0.1.0","ip4":{"ip":"10.123.0.4/24","gateway":"10.123.0.1","routes":[{"dst":"0.0.0.0/0"}]},"dns":{}})"));
  EXPECT_EQ(old.first_address("4"), "10.123.0.4");
  EXPECT_EQ(old.routes.size(), 1u);
}

TEST(ResultParse, Tolerant) {
  auto r = Result::parse(json::parse(
      R"({"ips":[{"address":"10.231.0.3/24","future":true}],"dns":{},"extra":{"x":1}})"));
  EXPECT_EQ(r.cni_version, "0.1.0");  // no cniVersion: libcni's default
  auto v1 = Result::parse(
      json::parse(R"({"cniVersion":"1.0.0","ips":[{"address":"fd00::3/64"}],"dns":null})"));
  EXPECT_TRUE(v1.interfaces.empty());
  EXPECT_EQ(v1.ips[0].gateway, "");
  EXPECT_EQ(v1.first_address("6"), "fd00::3");
  try {
    Result::parse(json::parse(R"({"cniVersion":"1.0.0","ips":[{"address":5}]})"));
    FAIL();
  } catch (const minipod::Error& e) {
    EXPECT_STREQ(e.what(), "parse CNI result: field \"ips[0].address\": expected a string");
  }
  EXPECT_THROW(Result::parse(json::parse(R"({"cniVersion":"1.0.0","ips":"x"})")), minipod::Error);
  EXPECT_THROW(Result::parse(json::parse("[]")), minipod::Error);
}

}  // namespace
}  // namespace cni
