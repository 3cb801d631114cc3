// Paths inside a root filesystem resolved as the process living there would, and never further:
// the attacks of CVE-2021-30465's class, played against common/safe_path on plain directories.
#include "common/safe_path.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "common/error.h"
#include "common/fs.h"
#include "tests/support/temp_dir.h"

namespace minipod::safe_path {
namespace {

namespace fsys = std::filesystem;
using testing_support::TempDir;

class SafePath : public ::testing::Test {
 protected:
  void SetUp() override {
    fsys::create_directories(root_ / "etc");
    fsys::create_directories(outside_);
  }
  // Nothing may ever appear in the directory outside the root.
  void TearDown() override { EXPECT_TRUE(fsys::is_empty(outside_)) << outside_; }

  TempDir dir_;
  fsys::path root_ = dir_.path() / "root";
  fsys::path outside_ = dir_.path() / "host-etc";
};

TEST_F(SafePath, AbsoluteLinkOutOfTheRootLandsInsideIt) {
  fsys::remove(root_ / "etc");
  fsys::create_directory_symlink(outside_, root_ / "etc");  // /etc -> <host>/host-etc
  RootDir root(root_);
  UniqueFd fd = root.ensure("/etc/hosts", Kind::kRegularFile, 0644);
  ASSERT_TRUE(fd);
  // Created where the container would find it: <root>/<host path>/hosts.
  EXPECT_TRUE(fsys::is_regular_file(root_ / outside_.relative_path() / "hosts"));
}

TEST_F(SafePath, DotDotCannotClimbOutOfTheRoot) {
  fsys::remove(root_ / "etc");
  fsys::create_directory_symlink("../../../../../../../../" + outside_.string(), root_ / "etc");
  RootDir root(root_);
  EXPECT_TRUE(root.ensure("/etc/resolv.conf", Kind::kRegularFile, 0644));
  EXPECT_TRUE(fsys::is_regular_file(root_ / outside_.relative_path() / "resolv.conf"));
}

// kBeneath (a volume's subPath): a link that leads out is refused, never read inside the root;
// one that stays below it is followed, and what is missing is made there.
TEST_F(SafePath, BeneathRefusesLinksOutAndFollowsLinksWithin) {
  fsys::create_directory_symlink("/", root_ / "abs");
  fsys::create_directory_symlink("../../..", root_ / "up");
  fsys::create_directory_symlink("/nowhere", root_ / "dangling");
  fsys::create_directory_symlink("etc", root_ / "within");
  RootDir root(root_);
  for (const char* out : {"abs", "up", "up/etc", "etc/../.."}) {
    try {
      root.open(out, O_PATH, kBeneath);
      ADD_FAILURE() << out << " was resolved";
    } catch (const Error& e) {
      EXPECT_EQ(e.err(), EXDEV) << out;
      EXPECT_NE(std::string(e.what()).find("leads out of it"), std::string::npos) << e.what();
    }
  }
  Refusal r;
  EXPECT_EQ(ensure_in_root(root.fd(), "dangling/x", Kind::kDirectory, 0755, kBeneath, &r), -1);
  EXPECT_EQ(r.err, EXDEV);
  EXPECT_FALSE(fsys::exists(root_ / "nowhere"));
  UniqueFd made(ensure_in_root(root.fd(), "within/sub", Kind::kDirectory, 0700, kBeneath, &r));
  ASSERT_TRUE(made) << r.why;
  EXPECT_TRUE(fsys::is_directory(root_ / "etc" / "sub"));
  EXPECT_TRUE(root.open("/", O_PATH | O_DIRECTORY, kBeneath));  // the root itself
}

TEST_F(SafePath, DanglingLinkIsFollowedInsideTheRoot) {
  // Ubuntu's /etc/resolv.conf -> ../run/systemd/resolve/stub-resolv.conf, with /run empty.
  fsys::create_symlink("../run/systemd/resolve/stub-resolv.conf", root_ / "etc" / "resolv.conf");
  RootDir root(root_);
  EXPECT_TRUE(root.ensure("/etc/resolv.conf", Kind::kRegularFile, 0644));
  EXPECT_TRUE(fsys::is_regular_file(root_ / "run/systemd/resolve/stub-resolv.conf"));
}

TEST_F(SafePath, KernelFileSystemTargetsRefuseAnySymlink) {
  fsys::create_directory_symlink("/", root_ / "proc");
  RootDir root(root_);
  try {
    root.ensure("/proc", Kind::kDirectory, 0755, kNoSymlinks);
    FAIL() << "a symlinked /proc was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("/proc"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("symbolic link"), std::string::npos) << e.what();
  }
  // And the raw side says the same without allocating.
  Refusal r;
  EXPECT_EQ(ensure_in_root(root.fd(), "/proc/sys", Kind::kDirectory, 0755, kNoSymlinks, &r), -1);
  EXPECT_EQ(r.err, ELOOP);
}

TEST_F(SafePath, TargetsOfTheWrongKindAreRefused) {
  fsys::create_directories(root_ / "etc" / "hosts");  // a directory where a file goes
  fs::write_file(root_ / "sys", "not a directory");
  ASSERT_EQ(::mkfifo((root_ / "etc" / "hostname").c_str(), 0644), 0);
  RootDir root(root_);
  Refusal r;
  EXPECT_EQ(ensure_in_root(root.fd(), "/etc/hosts", Kind::kRegularFile, 0644, 0, &r), -1);
  EXPECT_EQ(r.err, EISDIR);
  EXPECT_EQ(ensure_in_root(root.fd(), "/sys", Kind::kDirectory, 0755, kNoSymlinks, &r), -1);
  EXPECT_EQ(r.err, ENOTDIR);
  EXPECT_EQ(ensure_in_root(root.fd(), "/etc/hostname", Kind::kRegularFile, 0644, 0, &r), -1);
  EXPECT_EQ(r.err, EINVAL);  // a fifo: bind-mounting a pod file there is refused
}

TEST_F(SafePath, MissingDirectoriesAreCreatedWithTheirMode) {
  RootDir root(root_);
  mode_t old = ::umask(0);
  UniqueFd fd = root.ensure("/dev/shm", Kind::kDirectory, 01777);
  ::umask(old);
  ASSERT_TRUE(fd);
  EXPECT_EQ(fsys::status(root_ / "dev").permissions(), fsys::perms(0755));
  EXPECT_EQ(static_cast<unsigned>(fsys::status(root_ / "dev/shm").permissions()), 01777u);
}

TEST_F(SafePath, OpenFindsFilesThroughLinksInsideTheRootOnly) {
  fsys::create_directories(root_ / "bin");
  fs::write_file(root_ / "bin/busybox", "x", 0755);
  fsys::create_symlink("/bin/busybox", root_ / "bin/sh");       // inside: <root>/bin/busybox
  fsys::create_symlink("/usr/bin/env", root_ / "bin/hostenv");  // exists on the host only
  RootDir root(root_);
  EXPECT_TRUE(root.open("/bin/sh", O_PATH));
  EXPECT_FALSE(root.open("/bin/hostenv", O_PATH));
  EXPECT_FALSE(root.open("/bin/none/deeper", O_PATH));
}

TEST(SafePathMounts, NoMountCrossingStopsAtAnotherFileSystem) {
  // From the host's root, /proc is another mount.
  RootDir root("/");
  EXPECT_GE(open_in_root(root.fd(), "/etc", O_PATH, kNoMountCrossing), 0);
  EXPECT_EQ(open_in_root(root.fd(), "/proc/self", O_PATH, kNoMountCrossing), -EXDEV);
  // Magic links are never followed, whatever the strictness.
  EXPECT_EQ(open_in_root(root.fd(), "/proc/self/root", O_PATH, kFollowInRoot), -ELOOP);
}

TEST(SafePathMounts, FdPathNamesTheDescriptor) {
  char buf[32];
  EXPECT_STREQ(fd_path(7, buf), "/proc/self/fd/7");
  EXPECT_STREQ(fd_path(1234567, buf), "/proc/self/fd/1234567");
}

}  // namespace
}  // namespace minipod::safe_path
