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

TEST(RootfsPlan, MountsInTheStandardOrderAndBindsPodFiles) {
  container::RootfsInputs in{"/img",     "/l/upper",      "/l/work",    "/l/rootfs",
                             "/pod/shm", "/pod/hostname", "/pod/hosts", "/pod/resolv.conf"};
  auto plan = container::plan_rootfs(in);
  std::vector<std::string> mounts;
  for (const auto& op : plan.ops)
    if (op.kind == container::RootfsOp::Kind::kMount) mounts.push_back(op.path);
  EXPECT_EQ(mounts,
            (std::vector<std::string>{
                "/l/rootfs", "/l/rootfs/proc", "/l/rootfs/dev", "/l/rootfs/dev/pts",
                "/l/rootfs/dev/shm", "/l/rootfs/dev/mqueue", "/l/rootfs/sys",
                "/l/rootfs/etc/hostname", "/l/rootfs/etc/hosts", "/l/rootfs/etc/resolv.conf"}));
  EXPECT_EQ(plan.ops.front().data, "lowerdir=/img,upperdir=/l/upper,workdir=/l/work");
  // /sys is read-only per mount, never per superblock (shared by the pod's containers).
  bool sys_read_only = false;
  for (const auto& op : plan.ops) {
    if (op.kind == container::RootfsOp::Kind::kMount && op.path == "/l/rootfs/sys") {
      EXPECT_FALSE(op.flags & MS_RDONLY);
    }
    sys_read_only |=
        op.kind == container::RootfsOp::Kind::kRemountReadOnly && op.path == "/l/rootfs/sys";
  }
  EXPECT_TRUE(sys_read_only);
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
