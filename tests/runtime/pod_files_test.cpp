#include "runtime/sandbox/pod_files.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "common/fs.h"
#include "tests/support/temp_dir.h"

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

TEST(PodFiles, RewrittenInPlaceSoBindMountsSeeTheAddress) {
  testing_support::TempDir dir;
  PodFileContents before{"web\n", render_hosts("web", {}, {}), "nameserver 192.0.2.1\n"};
  auto files = write_pod_files(dir.path(), before);
  struct stat hosts_st {
  }, resolv_st{};
  ASSERT_EQ(::stat(files.hosts.c_str(), &hosts_st), 0);
  ASSERT_EQ(::stat(files.resolv_conf.c_str(), &resolv_st), 0);
  EXPECT_EQ(fs::read_file(files.hosts).find("web"), std::string::npos);

  PodFileContents after = before;
  after.hosts = render_hosts("web", {"10.87.0.5"}, {});
  write_pod_files(dir.path(), after, &before);
  struct stat hosts_now {
  }, resolv_now{};
  ASSERT_EQ(::stat(files.hosts.c_str(), &hosts_now), 0);
  ASSERT_EQ(::stat(files.resolv_conf.c_str(), &resolv_now), 0);
  EXPECT_EQ(hosts_now.st_ino, hosts_st.st_ino);  // the inode a container's bind mount holds
  EXPECT_NE(fs::read_file(files.hosts).find("10.87.0.5\tweb\n"), std::string::npos);
  // Unchanged files are not written again.
  EXPECT_EQ(resolv_now.st_mtim.tv_nsec, resolv_st.st_mtim.tv_nsec);
  EXPECT_EQ(resolv_now.st_mtim.tv_sec, resolv_st.st_mtim.tv_sec);
}

}  // namespace
}  // namespace minipod::sandbox
