#include <gtest/gtest.h>
#include <sys/mount.h>
#include <unistd.h>

#include <filesystem>

#include "common/fs.h"
#include "runtime/container/launcher.h"
#include "runtime/container/rootfs_plan.h"
#include "runtime/run/container_command.h"
#include "runtime/run/cri_log.h"

namespace minipod {
namespace {

namespace fsys = std::filesystem;

TEST(ExecCandidates, SearchesTheContainersPath) {
  EXPECT_EQ(container::exec_candidates("sh", {"A=1", "PATH=/bin:/usr/bin"}),
            (std::vector<std::string>{"/bin/sh", "/usr/bin/sh"}));
  EXPECT_EQ(container::exec_candidates("/opt/x", {"PATH=/bin"}),
            std::vector<std::string>{"/opt/x"});
  EXPECT_EQ(container::exec_candidates("sh", {}).front(), "/usr/local/sbin/sh");
}

TEST(FindInImage, ResolvesSymlinksInsideTheImageNotOnTheHost) {
  char tmpl[] = "/tmp/mpt-unit-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  fsys::path root = tmpl;
  fsys::create_directories(root / "bin");
  fs::write_file(root / "bin" / "busybox", "x", 0755);
  fsys::create_symlink("/bin/busybox", root / "bin" / "sh");       // absolute: inside the image
  fsys::create_symlink("/usr/bin/env", root / "bin" / "hostenv");  // exists on the host only
  EXPECT_EQ(container::find_in_image(root, {"/bin/sh"}), "/bin/sh");
  EXPECT_EQ(container::find_in_image(root, {"/usr/bin/sh", "/bin/sh"}), "/bin/sh");
  EXPECT_EQ(container::find_in_image(root, {"/bin/hostenv"}), "");
  EXPECT_EQ(container::find_in_image(root, {"/bin/nothing"}), "");
  fsys::remove_all(root);
}

TEST(RootfsPlan, LayersTopFirstInTheOverlay) {
  container::RootfsInputs in;
  in.lowers = {"/s/layers/top", "/s/layers/mid", "/s/layers/base"};
  in.upper = "/l/upper";
  in.work = "/l/work";
  in.rootfs = "/l/rootfs";
  auto plan = container::plan_rootfs(in);
  EXPECT_EQ(plan.lowers, in.lowers);
  EXPECT_EQ(
      plan.overlay,
      "lowerdir=/s/layers/top:/s/layers/mid:/s/layers/base,upperdir=/l/upper,workdir=/l/work");
  EXPECT_EQ(plan.lowers_dir, "/s/layers");
  EXPECT_EQ(plan.overlay_relative, "lowerdir=top:mid:base,upperdir=/l/upper,workdir=/l/work");
}

TEST(RootfsPlan, MountsInTheStandardOrderAndBindsPodFiles) {
  container::RootfsInputs in;
  in.lowers = {"/img"};
  in.upper = "/l/upper";
  in.work = "/l/work";
  in.rootfs = "/l/rootfs";
  in.shm_dir = "/pod/shm";
  in.hostname_file = "/pod/hostname";
  in.hosts_file = "/pod/hosts";
  in.resolv_file = "/pod/resolv.conf";
  auto plan = container::plan_rootfs(in);
  EXPECT_EQ(plan.rootfs, "/l/rootfs");
  EXPECT_EQ(plan.overlay, "lowerdir=/img,upperdir=/l/upper,workdir=/l/work");
  using Kind = container::RootfsOp::Kind;
  std::vector<std::string> mounts;
  for (const auto& op : plan.ops)
    if (op.kind == Kind::kMount || op.kind == Kind::kBind) mounts.push_back(op.path);
  // Targets are paths inside the container, resolved there by the child (common/safe_path.h).
  // The pod files come first, while the overlay is the only mount they could land on.
  EXPECT_EQ(mounts,
            (std::vector<std::string>{"/etc/hostname", "/etc/hosts", "/etc/resolv.conf", "/proc",
                                      "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue", "/sys"}));
  for (const auto& op : plan.ops) {
    if (op.kind == Kind::kBind && op.path.rfind("/etc/", 0) == 0) {
      // Following the image's links, but inside the root and on its own mount only.
      EXPECT_EQ(op.target, safe_path::Kind::kRegularFile);
      EXPECT_EQ(op.strictness, safe_path::kFollowInRoot | safe_path::kNoMountCrossing);
    } else if (op.kind == Kind::kMount) {
      // Kernel file systems only on plain directories: no symlink on the way.
      EXPECT_EQ(op.strictness, safe_path::kNoSymlinks) << op.path;
    }
  }
  // /sys is read-only per mount, never per superblock (shared by the pod's containers).
  bool sys_read_only = false;
  for (const auto& op : plan.ops) {
    if (op.kind == Kind::kMount && op.path == "/sys") {
      EXPECT_FALSE(op.flags & MS_RDONLY);
    }
    sys_read_only |= op.kind == Kind::kRemountReadOnly && op.path == "/sys";
  }
  EXPECT_TRUE(sys_read_only);
}

TEST(RootfsPlan, CgroupFileSystemsReadOnlyUnderSysFsCgroup) {
  container::RootfsInputs in;
  in.rootfs = "/r";
  using Kind = container::RootfsOp::Kind;
  auto paths_of = [](const container::RootfsPlan& p, Kind k) {
    std::vector<std::string> out;
    for (const auto& op : p.ops)
      if (op.kind == k && op.path.rfind("/sys/fs/cgroup", 0) == 0) out.push_back(op.path);
    return out;
  };
  // v2: the unified hierarchy itself.
  in.cgroupfs = {{"", "cgroup2", ""}};
  auto v2 = container::plan_rootfs(in);
  EXPECT_EQ(paths_of(v2, Kind::kMount), std::vector<std::string>{"/sys/fs/cgroup"});
  EXPECT_EQ(paths_of(v2, Kind::kRemountReadOnly), std::vector<std::string>{"/sys/fs/cgroup"});
  // v1 / hybrid: a tmpfs with one mount per hierarchy, all read-only.
  in.cgroupfs = {{"memory", "cgroup", "memory"}, {"unified", "cgroup2", ""}};
  auto v1 = container::plan_rootfs(in);
  EXPECT_EQ(paths_of(v1, Kind::kMount),
            (std::vector<std::string>{"/sys/fs/cgroup", "/sys/fs/cgroup/memory",
                                      "/sys/fs/cgroup/unified"}));
  EXPECT_EQ(paths_of(v1, Kind::kRemountReadOnly).size(), 3u);
  in.privileged = true;
  EXPECT_TRUE(paths_of(container::plan_rootfs(in), Kind::kRemountReadOnly).empty());
}

TEST(ContainerCommand, KubernetesCommandAndArgsSemantics) {
  images::ImageConfig image;
  image.entrypoint = {"/entry"};
  image.cmd = {"default-arg"};
  spec::Container c;
  EXPECT_EQ(run::resolve_argv(c, image), (std::vector<std::string>{"/entry", "default-arg"}));
  c.args = {"mine"};
  EXPECT_EQ(run::resolve_argv(c, image), (std::vector<std::string>{"/entry", "mine"}));
  c.command = {"/bin/cmd"};
  c.args.clear();
  EXPECT_EQ(run::resolve_argv(c, image), std::vector<std::string>{"/bin/cmd"});
  c.args = {"a", "b"};
  EXPECT_EQ(run::resolve_argv(c, image), (std::vector<std::string>{"/bin/cmd", "a", "b"}));
}

TEST(ContainerCommand, ContainerEnvOverridesImageEnv) {
  images::ImageConfig image;
  image.env = {"PATH=/img/bin", "A=image"};
  spec::Container c;
  c.env = {{"A", "container"}, {"B", "x=y"}};
  EXPECT_EQ(run::resolve_env(c, image, "web"),
            (std::vector<std::string>{"HOSTNAME=web", "PATH=/img/bin", "A=container", "B=x=y"}));
}

TEST(CriLog, RecordFormat) {
  EXPECT_EQ(run::cri_line("2026-11-26T04:15:16.000000001Z", "stdout", "hello", false),
            "2026-11-26T04:15:16.000000001Z stdout F hello\n");
  EXPECT_EQ(run::cri_line("T", "stderr", "part", true), "T stderr P part\n");
}

}  // namespace
}  // namespace minipod
