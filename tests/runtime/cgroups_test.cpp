// cgroup layout detection and the v1/v2 file mapping of Kubernetes' resources.
#include <gtest/gtest.h>

#include "common/error.h"
#include "runtime/cgroups/cgroup.h"
#include "runtime/cgroups/hierarchy.h"
#include "runtime/cgroups/limits.h"

namespace minipod::cgroups {
namespace {

constexpr const char* kHybrid =
    R"(25 1 0:23 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
)";

constexpr const char* kV1 = R"(31 23 0:28 / /sys/fs/cgroup ro,nosuid - tmpfs tmpfs ro,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid shared:10 - cgroup cgroup rw,cpu,cpuacct
35 31 0:32 / /sys/fs/cgroup/memory rw,nosuid shared:11 - cgroup cgroup rw,memory
39 31 0:36 / /sys/fs/cgroup/pids rw,nosuid shared:12 - cgroup cgroup rw,pids
)";

constexpr const char* kV2 = R"(25 1 0:23 / /sys rw - sysfs sysfs rw
30 25 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
)";

TEST(CgroupHierarchy, DetectsHybridV1AndV2) {
  auto h = parse_mountinfo(kHybrid);
  EXPECT_EQ(h.mode, Mode::kHybrid);
  EXPECT_EQ(h.unified, "/sys/fs/cgroup/unified");
  EXPECT_EQ(h.v1.at("memory"), "/sys/fs/cgroup/memory");
  EXPECT_EQ(h.v1.at("cpu"), "/sys/fs/cgroup/cpu");
  EXPECT_EQ(h.v1.count("name=systemd"), 0u);

  auto v1 = parse_mountinfo(kV1);
  EXPECT_EQ(v1.mode, Mode::kLegacy);
  EXPECT_EQ(v1.v1.at("cpu"), "/sys/fs/cgroup/cpu,cpuacct");
  EXPECT_EQ(v1.v1.at("cpuacct"), "/sys/fs/cgroup/cpu,cpuacct");

  auto v2 = parse_mountinfo(kV2);
  EXPECT_EQ(v2.mode, Mode::kUnified);
  EXPECT_EQ(v2.unified, "/sys/fs/cgroup");
  EXPECT_TRUE(v2.v1.empty());

  EXPECT_EQ(parse_mountinfo("").mode, Mode::kNone);
}

TEST(CgroupJoin, TasksOfEachV1HierarchyAndACloneIntoCgroup2) {
  // A hybrid host: v1 hierarchies are joined through their tasks files, the empty cgroup2 by
  // cloning into it (or its cgroup.procs when the kernel cannot).
  auto hybrid = Cgroup(parse_mountinfo(kHybrid), "minipod/abc/web").join();
  EXPECT_EQ(hybrid.tasks_files,
            (std::vector<std::string>{"/sys/fs/cgroup/memory/minipod/abc/web/tasks",
                                      "/sys/fs/cgroup/cpu/minipod/abc/web/tasks",
                                      "/sys/fs/cgroup/pids/minipod/abc/web/tasks"}));
  EXPECT_EQ(hybrid.unified_dir, "/sys/fs/cgroup/unified/minipod/abc/web");
  EXPECT_EQ(hybrid.unified_procs, "/sys/fs/cgroup/unified/minipod/abc/web/cgroup.procs");
  auto v1 = Cgroup(parse_mountinfo(kV1), "minipod/abc").join();
  EXPECT_EQ(v1.unified_dir, "");
  EXPECT_EQ(v1.tasks_files.size(), 3u);  // memory, cpu(,cpuacct) and pids
  auto v2 = Cgroup(parse_mountinfo(kV2), "minipod/abc").join();
  EXPECT_TRUE(v2.tasks_files.empty());
  EXPECT_EQ(v2.unified_dir, "/sys/fs/cgroup/minipod/abc");
  EXPECT_TRUE(Cgroup(parse_mountinfo(""), "minipod/abc").join().empty());
}

TEST(CgroupHierarchy, OneDirectoryPerHierarchy) {
  Cgroup hybrid(parse_mountinfo(kHybrid), "minipod/abc/web");
  EXPECT_EQ(hybrid.dirs(),
            (std::vector<std::string>{
                "/sys/fs/cgroup/memory/minipod/abc/web", "/sys/fs/cgroup/cpu/minipod/abc/web",
                "/sys/fs/cgroup/pids/minipod/abc/web", "/sys/fs/cgroup/unified/minipod/abc/web"}));
  EXPECT_EQ(hybrid.dir_of("memory"), "/sys/fs/cgroup/memory/minipod/abc/web");
  EXPECT_EQ(hybrid.dir_of("blkio"), "");
  Cgroup v1(parse_mountinfo(kV1), "minipod/abc");
  EXPECT_EQ(v1.dirs().size(), 3u);  // cpu,cpuacct counted once
  Cgroup v2(parse_mountinfo(kV2), "minipod/abc");
  EXPECT_EQ(v2.dirs(), std::vector<std::string>{"/sys/fs/cgroup/minipod/abc"});
}

TEST(CgroupLimits, KubernetesConversions) {
  EXPECT_EQ(cpu_shares(1000), 1024u);
  EXPECT_EQ(cpu_shares(100), 102u);
  EXPECT_EQ(cpu_shares(1), 2u);  // at least 2
  EXPECT_EQ(cpu_shares(1'000'000), 262'144u);
  EXPECT_EQ(cpu_quota_us(200), 20'000);
  EXPECT_EQ(cpu_quota_us(1500), 150'000);
  EXPECT_EQ(cpu_quota_us(1), 1000);  // the kernel's minimum
  EXPECT_EQ(cpu_weight(1024), 100u);
  EXPECT_EQ(cpu_weight(2), 1u);
  EXPECT_EQ(cpu_weight(262'144), 10'000u);
  EXPECT_EQ(cpu_weight(102), 17u);
  EXPECT_LT(cpu_weight(512), cpu_weight(1024));
  EXPECT_LT(cpu_weight(1024), cpu_weight(2048));

  spec::Resources r;
  r.limits.memory_bytes = 32 << 20;
  r.limits.cpu_millis = 500;
  Limits l = container_limits(r);
  EXPECT_EQ(l.memory_bytes, 32 << 20);
  EXPECT_EQ(l.cpu_quota_us, 50'000);
  EXPECT_EQ(l.cpu_shares, 512u);  // the request defaults to the limit
  r.requests.cpu_millis = 250;
  EXPECT_EQ(container_limits(r).cpu_shares, 256u);
  EXPECT_TRUE(container_limits(spec::Resources{}).empty());
}

TEST(CgroupLimits, FileMappingV1AndV2) {
  Limits l;
  l.memory_bytes = 33554432;
  l.cpu_quota_us = 20'000;
  l.cpu_shares = 1024;
  l.pids_max = 64;
  auto v1 = limit_files(Version::kV1, l);
  ASSERT_EQ(v1.size(), 6u);
  auto eq = [](const FileWrite& w, const char* c, const char* f, const char* v) {
    return w.controller == c && w.file == f && w.value == v;
  };
  EXPECT_TRUE(eq(v1[0], "memory", "memory.limit_in_bytes", "33554432"));
  EXPECT_TRUE(eq(v1[1], "memory", "memory.memsw.limit_in_bytes", "33554432"));
  EXPECT_TRUE(v1[1].optional);
  EXPECT_TRUE(eq(v1[2], "cpu", "cpu.cfs_period_us", "100000"));
  EXPECT_TRUE(eq(v1[3], "cpu", "cpu.cfs_quota_us", "20000"));
  EXPECT_TRUE(eq(v1[4], "cpu", "cpu.shares", "1024"));
  EXPECT_TRUE(eq(v1[5], "pids", "pids.max", "64"));

  auto v2 = limit_files(Version::kV2, l);
  ASSERT_EQ(v2.size(), 5u);
  EXPECT_TRUE(eq(v2[0], "memory", "memory.max", "33554432"));
  EXPECT_TRUE(eq(v2[1], "memory", "memory.swap.max", "0"));
  EXPECT_TRUE(eq(v2[2], "cpu", "cpu.max", "20000 100000"));
  EXPECT_TRUE(eq(v2[3], "cpu", "cpu.weight", "100"));
  EXPECT_TRUE(eq(v2[4], "pids", "pids.max", "64"));

  EXPECT_TRUE(limit_files(Version::kV2, Limits{}).empty());
  EXPECT_EQ(needed_controllers(l), (std::vector<std::string>{"memory", "cpu", "pids"}));
}

TEST(CgroupLimits, DeviceAllowListUnlessPrivileged) {
  spec::Container c;
  Limits l = container_limits(c);
  EXPECT_TRUE(l.device_allowlist);
  // Applied by Cgroup::create (device_access.h), on v1 and on cgroup2, not as limit files.
  EXPECT_TRUE(limit_files(Version::kV1, l).empty());
  EXPECT_TRUE(limit_files(Version::kV2, l).empty());
  EXPECT_EQ(describe(l), "no limits");  // what was applied is said by the cgroup, not the limits
  c.security_context.privileged = true;
  EXPECT_FALSE(container_limits(c).device_allowlist);
}

TEST(CgroupRecord, RemovesOnlyPodCgroups) {
  EXPECT_THROW(remove_recorded({"/sys/fs/cgroup/memory"}), Error);
  EXPECT_THROW(remove_recorded({"/sys/fs/cgroup/memory/minipod/../x"}), Error);
  EXPECT_THROW(remove_recorded({"/tmp/minipod/abc"}), Error);
  // A pod cgroup that is already gone is fine.
  EXPECT_NO_THROW(remove_recorded({"/sys/fs/cgroup/memory/minipod/mpt-no-such-pod"}));
}

TEST(CgroupOom, ParsesTheKillCounter) {
  EXPECT_EQ(parse_oom_kill("oom_kill_disable 0\nunder_oom 0\noom_kill 3\n"), 3u);  // v1
  EXPECT_EQ(parse_oom_kill("low 0\nhigh 0\nmax 5\noom 2\noom_kill 2\noom_group_kill 0\n"), 2u);
  EXPECT_EQ(parse_oom_kill(""), 0u);
}

}  // namespace
}  // namespace minipod::cgroups
