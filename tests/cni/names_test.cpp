#include <gtest/gtest.h>

#include "cni/base64.h"
#include "cni/client.h"
#include "cni/defaults.h"
#include "cni/names.h"
#include "cni/version.h"
#include "common/error.h"
#include "common/strings.h"

namespace cni {
namespace {

TEST(Names, InterfaceNames) {
  EXPECT_EQ(ifname_problem("eth0"), "");
  EXPECT_EQ(ifname_problem("123456789012345"), "");
  EXPECT_EQ(ifname_problem("1234567890123456"), "is too long (16 bytes, at most 15)");
  EXPECT_EQ(ifname_problem(""), "is empty");
  EXPECT_EQ(ifname_problem("."), "must not be . or ..");
  EXPECT_EQ(ifname_problem(".."), "must not be . or ..");
  for (const char* bad : {"a/b", "a:b", "a b", "a\tb"})
    EXPECT_EQ(ifname_problem(bad), "must not contain '/', ':' or whitespace") << bad;
  try {
    check_ifname("averyveryverylongname", "--ifname");
    FAIL();
  } catch (const minipod::UsageError& e) {
    EXPECT_STREQ(e.what(),
                 "--ifname \"averyveryverylongname\": is too long (21 bytes, at most 15)");
  }
}

TEST(Names, ContainerIdsAndNetworkNames) {
  EXPECT_EQ(container_id_problem("abc-1_2.3"), "");
  EXPECT_EQ(container_id_problem("-abc"), "must start with a letter or digit");
  EXPECT_EQ(container_id_problem("a/b"), "may only contain letters, digits, '_', '.' and '-'");
  EXPECT_EQ(container_id_problem(""), "is empty");
  EXPECT_EQ(network_name_problem("mpt-cni-net"), "");
  EXPECT_THROW(check_network_name("a b"), minipod::UsageError);
}

TEST(Names, CniArgs) {
  auto args = parse_cni_args("IgnoreUnknown=1;K8S_POD_NAME=web");
  ASSERT_EQ(args.size(), 2u);
  EXPECT_EQ(args[1], (std::pair<std::string, std::string>{"K8S_POD_NAME", "web"}));
  EXPECT_EQ(format_cni_args(args), "IgnoreUnknown=1;K8S_POD_NAME=web");
  EXPECT_TRUE(parse_cni_args("").empty());
  for (const char* bad : {"A", "A=", "=B", "A=B=C", "A=B;", "A=B;;C=D"}) {
    EXPECT_THROW(parse_cni_args(bad), minipod::UsageError) << bad;
  }
  try {
    parse_cni_args("A=1;oops", "--args");
  } catch (const minipod::UsageError& e) {
    EXPECT_STREQ(e.what(),
                 "--args: invalid pair \"oops\" (expected KEY=VALUE pairs separated by ';')");
  }
}

TEST(Base64, KnownVectorsAndRoundTrip) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64_encode("\xff\xfe"), "//4=");
  std::string all;
  for (int i = 0; i < 256; ++i) all += static_cast<char>(i);
  EXPECT_EQ(base64_decode(base64_encode(all)), all);
  EXPECT_EQ(base64_decode("Zm9vYg=="), "foob");
  EXPECT_FALSE(base64_decode("Zm9"));
  EXPECT_FALSE(base64_decode("Zm9*"));
  EXPECT_FALSE(base64_decode("Z=9v"));
}

TEST(Version, ParseAndCompare) {
  int v[3];
  EXPECT_TRUE(parse_version("1.0.0", v));
  EXPECT_TRUE(parse_version("", v));
  EXPECT_EQ(v[1], 1);  // no version = 0.1.0
  EXPECT_FALSE(parse_version("1.0.0.0", v));
  EXPECT_FALSE(parse_version("1.x", v));
  EXPECT_LT(compare_versions("0.4.0", "1.0.0"), 0);
  EXPECT_GT(compare_versions("0.10.0", "0.4.0"), 0);
  EXPECT_EQ(compare_versions("1.0", "1.0.0"), 0);
  EXPECT_TRUE(version_at_least("1.1.0", "0.4.0"));
  EXPECT_THROW(compare_versions("x", "1.0.0"), minipod::Error);
  EXPECT_EQ(format_versions({"0.4.0", "1.0.0"}), "[0.4.0 1.0.0]");
}

// --cni-path's default and the library's are one list, in one order.
TEST(Defaults, CniPathSpellsThePluginDirs) {
  EXPECT_EQ(minipod::split(default_cni_path(), ':'), default_plugin_dirs());
  EXPECT_EQ(Options{}.plugin_dirs, default_plugin_dirs());
  EXPECT_EQ(RuntimeConf{}.ifname, kDefaultIfname);
}

}  // namespace
}  // namespace cni
