#include "runtime/spec/names.h"

#include <gtest/gtest.h>

#include "runtime/spec/sysctl.h"

namespace minipod::spec {
namespace {

TEST(Names, DnsLabel) {
  for (const char* ok : {"a", "web", "web-1", "0", "a0-b1"}) EXPECT_TRUE(is_dns_label(ok)) << ok;
  for (const char* bad : {"", "-a", "a-", "A", "a_b", "a.b", "ä"})
    EXPECT_FALSE(is_dns_label(bad)) << bad;
  EXPECT_TRUE(is_dns_label(std::string(63, 'a')));
  EXPECT_FALSE(is_dns_label(std::string(64, 'a')));
}

TEST(Names, DnsSubdomain) {
  for (const char* ok : {"a", "a.b", "svc.cluster.local", "x-1.y-2"})
    EXPECT_TRUE(is_dns_subdomain(ok)) << ok;
  for (const char* bad : {"", ".a", "a.", "a..b", "A.b", "a_b.c"})
    EXPECT_FALSE(is_dns_subdomain(bad)) << bad;
}

TEST(Names, EnvVarName) {
  for (const char* ok : {"A", "_x", "my.var", "-dash", "PATH2"})
    EXPECT_TRUE(is_env_var_name(ok)) << ok;
  for (const char* bad : {"", "1A", "A=B", "A B", "A$"}) EXPECT_FALSE(is_env_var_name(bad)) << bad;
}

TEST(Names, QualifiedNamesAndLabelValues) {
  for (const char* ok : {"app", "app.kubernetes.io/name", "A_b.c-D", "x/y"})
    EXPECT_TRUE(is_qualified_name(ok)) << ok;
  for (const char* bad : {"", "/x", "x/", "a/b/c", "_x", "Bad_Prefix/x"})
    EXPECT_FALSE(is_qualified_name(bad)) << bad;
  EXPECT_TRUE(is_label_value(""));
  EXPECT_TRUE(is_label_value("v1.2_3"));
  EXPECT_FALSE(is_label_value("-x"));
  EXPECT_FALSE(is_label_value(std::string(64, 'a')));
}

TEST(Names, PortNames) {
  for (const char* ok : {"http", "h2c", "web-8080"}) EXPECT_TRUE(is_port_name(ok)) << ok;
  for (const char* bad : {"", "8080", "HTTP", "-http", "http-", "a--b", "sixteen-chars-xx"})
    EXPECT_FALSE(is_port_name(bad)) << bad;
}

TEST(Names, IpAddresses) {
  for (const char* ok : {"10.0.0.1", "::1", "fd00::10", "0.0.0.0"})
    EXPECT_TRUE(is_ip_address(ok)) << ok;
  for (const char* bad : {"", "10.0.0", "10.0.0.256", "localhost", "fd00::/8", " 10.0.0.1"})
    EXPECT_FALSE(is_ip_address(bad)) << bad;
}

TEST(Names, Capabilities) {
  EXPECT_EQ(normalize_capability("NET_ADMIN"), "NET_ADMIN");
  EXPECT_EQ(normalize_capability("cap_net_admin"), "NET_ADMIN");
  EXPECT_EQ(normalize_capability("Cap_Sys_Admin"), "SYS_ADMIN");
  EXPECT_EQ(normalize_capability("ALL"), "ALL");
  EXPECT_EQ(normalize_capability("all"), "ALL");
  EXPECT_EQ(normalize_capability("CHECKPOINT_RESTORE"), "CHECKPOINT_RESTORE");
  EXPECT_EQ(normalize_capability("CAP_ALL"), std::nullopt);
  EXPECT_EQ(normalize_capability("FLY"), std::nullopt);
  EXPECT_EQ(normalize_capability(""), std::nullopt);
}

TEST(Sysctl, NormalizesLikeKubernetes) {
  EXPECT_EQ(normalize_sysctl_name("net.ipv4.ip_forward"), "net.ipv4.ip_forward");
  EXPECT_EQ(normalize_sysctl_name("net/ipv4/ip_forward"), "net.ipv4.ip_forward");
  EXPECT_EQ(normalize_sysctl_name("net/ipv4/conf/eth0.100/forwarding"),
            "net.ipv4.conf.eth0/100.forwarding");
  EXPECT_EQ(normalize_sysctl_name("net.ipv4.conf.eth0/100.forwarding"),
            "net.ipv4.conf.eth0/100.forwarding");
  EXPECT_EQ(sysctl_proc_path("net.ipv4.ip_forward"), "/proc/sys/net/ipv4/ip_forward");
  EXPECT_EQ(sysctl_proc_path("net.ipv4.conf.eth0/100.forwarding"),
            "/proc/sys/net/ipv4/conf/eth0.100/forwarding");
}

TEST(Sysctl, OnlyNamespacedOnes) {
  EXPECT_EQ(sysctl_namespace("net.core.somaxconn"), "net");
  EXPECT_EQ(sysctl_namespace("kernel.shmmax"), "ipc");
  EXPECT_EQ(sysctl_namespace("kernel.shm_rmid_forced"), "ipc");
  EXPECT_EQ(sysctl_namespace("kernel.msgmax"), "ipc");
  EXPECT_EQ(sysctl_namespace("kernel.sem"), "ipc");
  EXPECT_EQ(sysctl_namespace("fs.mqueue.queues_max"), "ipc");
  EXPECT_EQ(sysctl_namespace("kernel.semx"), "");
  EXPECT_EQ(sysctl_namespace("kernel.panic"), "");
  EXPECT_EQ(sysctl_namespace("fs.mqueue"), "");
  EXPECT_EQ(sysctl_namespace("vm.swappiness"), "");
  EXPECT_EQ(sysctl_namespace("network.x"), "");
}

TEST(Sysctl, NameFormat) {
  for (const char* ok :
       {"net.ipv4.ip_forward", "kernel.sem", "net.ipv4.conf.eth0/100.forwarding", "a-b.c_d"})
    EXPECT_TRUE(is_sysctl_name(ok)) << ok;
  for (const char* bad : {"", "net..x", ".net", "net.", "Net.x", "net.x*", "net x"})
    EXPECT_FALSE(is_sysctl_name(bad)) << bad;
}

}  // namespace
}  // namespace minipod::spec
