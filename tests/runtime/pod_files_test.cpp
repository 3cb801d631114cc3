#include "runtime/sandbox/pod_files.h"

#include <gtest/gtest.h>

namespace minipod::sandbox {
namespace {

TEST(Hosts, HasLocalhostThePodAndItsAliases) {
  std::string hosts = render_hosts("web", {"10.87.0.5"}, {{"10.1.2.3", {"db", "db.local"}}});
  EXPECT_NE(hosts.find("127.0.0.1\tlocalhost\n"), std::string::npos);
  EXPECT_NE(hosts.find("::1\tlocalhost ip6-localhost ip6-loopback\n"), std::string::npos);
  EXPECT_NE(hosts.find("10.87.0.5\tweb\n"), std::string::npos);
  EXPECT_NE(hosts.find("10.1.2.3\tdb db.local\n"), std::string::npos);
}

TEST(ResolvConf, DropsLoopbackNameserversOfTheHost) {
  std::string host =
      "# comment\nnameserver 127.0.0.53\nnameserver 192.0.2.1\nsearch example.org\noptions edns0\n";
  EXPECT_EQ(render_resolv_conf(host, {}, std::nullopt),
            "nameserver 192.0.2.1\nsearch example.org\noptions edns0\n");
}

TEST(ResolvConf, CniDnsReplacesHostNameserversAndDnsConfigMergesOnTop) {
  DnsSettings cni{{"192.0.2.53"}, {"cluster.local"}, {}};
  spec::DNSConfig cfg;
  cfg.nameservers = {"192.0.2.99"};
  cfg.searches = {"svc.local"};
  cfg.options = {{"ndots", "2"}, {"edns0", ""}};
  std::string out =
      render_resolv_conf("nameserver 192.0.2.1\nsearch a.org\noptions ndots:5\n", cni, cfg);
  EXPECT_EQ(out,
            "nameserver 192.0.2.53\nnameserver 192.0.2.99\n"
            "search a.org cluster.local svc.local\noptions ndots:2 edns0\n");
}

}  // namespace
}  // namespace minipod::sandbox
