// The cgroup2 device program, enforced by this host's kernel: loaded and attached by minipod's own
// code (runtime/cgroups/device_program.h) to a test cgroup2 directory, it lets a process there
// create a node for a block device of the host (mknod is allowed, as on v1) but not open it,
// while /dev/null opens. The same process could open the node before it moved there, from the
// root of the v1 devices hierarchy (which allows everything) on a hybrid host: the program
// refused it, not v1.
#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <linux/bpf.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <sstream>
#include <thread>

#include "common/error.h"
#include "common/fd.h"
#include "common/fs.h"
#include "runtime/cgroups/device_program.h"
#include "runtime/cgroups/hierarchy.h"
#include "tests/integration/block_device.h"
#include "tests/support/temp_dir.h"

namespace minipod::testing {
namespace {

namespace fsys = std::filesystem;
using ::testing::HasSubstr;

// What the child saw: 0 or the errno of each step.
struct Report {
  int setup = -1;  // its private tmpfs for the node
  int mknod = -1;
  int open_disk = -1;
  int open_null = -1;
  int mknod_again = -1;
};

bool read_all(int fd, void* buf, size_t n) {
  auto* p = static_cast<char*>(buf);
  while (n > 0) {
    ssize_t r = ::read(fd, p, n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    p += r;
    n -= static_cast<size_t>(r);
  }
  return true;
}

void write_all(int fd, const void* buf, size_t n) {
  while (::write(fd, buf, n) < 0 && errno == EINTR) {
  }
}

int err_of(int rc) {
  return rc >= 0 ? 0 : errno;
}

int open_errno(const char* path, int flags) {
  int fd = ::open(path, flags | O_CLOEXEC);
  if (fd < 0) return errno;
  ::close(fd);
  return 0;
}

// The child: async-signal-safe calls only. Waits for "go" before each phase; reports after it.
// The node lives in a tmpfs of a private mount namespace (a file system that allows device
// nodes whatever /tmp is mounted with), so it goes when the child does, however the test ends.
[[noreturn]] void child_main(int go_fd, int report_fd, const char* dir, const char* node,
                             const char* node2, dev_t disk) {
  char c = 0;
  Report before, after;
  if (!read_all(go_fd, &c, 1)) ::_exit(1);
  before.setup = err_of(::unshare(CLONE_NEWNS));
  if (before.setup == 0)
    before.setup = err_of(::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr));
  if (before.setup == 0)
    before.setup = err_of(::mount("mpt-devices", dir, "tmpfs", MS_NOSUID, "mode=0700"));
  before.mknod = err_of(::mknod(node, S_IFBLK | 0600, disk));
  before.open_disk = open_errno(node, O_RDONLY);
  before.open_null = open_errno("/dev/null", O_RDWR);
  write_all(report_fd, &before, sizeof(before));
  if (!read_all(go_fd, &c, 1)) ::_exit(1);  // now in the cgroup with the program
  after.setup = 0;
  after.open_disk = open_errno(node, O_RDONLY);
  after.open_null = open_errno("/dev/null", O_RDWR);
  after.mknod_again = err_of(::mknod(node2, S_IFBLK | 0600, disk));
  write_all(report_fd, &after, sizeof(after));
  ::_exit(0);
}

// Reaps the child (killing it first if it is still there) when the test ends, pass or fail.
struct ChildGuard {
  pid_t pid = -1;
  ~ChildGuard() {
    if (pid <= 0) return;
    ::kill(pid, SIGKILL);
    while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
  }
};

// Removes the test cgroup; the child may still be leaving it for a moment after its reaping.
struct CgroupGuard {
  std::string dir;
  ~CgroupGuard() {
    for (int i = 0; i < 100; ++i) {
      if (::rmdir(dir.c_str()) == 0 || errno == ENOENT) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ADD_FAILURE() << "could not remove " << dir << ": " << std::strerror(errno);
  }
};

std::string cgroup_line(pid_t pid, const std::string& controller) {
  std::istringstream in(fs::read_file("/proc/" + std::to_string(pid) + "/cgroup"));
  for (std::string l; std::getline(in, l);) {
    auto first = l.find(':'), second = l.find(':', first + 1);
    if (l.substr(first + 1, second - first - 1) == controller) return l.substr(second + 1);
  }
  return "<not in a " + controller + " hierarchy>";
}

TEST(DeviceProgram, TheKernelRefusesTheHostDiskButNotDevNull) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root";
  const auto& h = cgroups::host_hierarchies();  // from /proc/self/mountinfo
  if (h.unified.empty()) GTEST_SKIP() << "no cgroup2 mount on this host";
  auto disk = openable_block_device();
  if (!disk) GTEST_SKIP() << "no block device opens even for root here: a refusal proves nothing";

  CgroupGuard cgroup{h.unified + "/mpt-devices-" + std::to_string(::getpid())};
  ASSERT_EQ(::mkdir(cgroup.dir.c_str(), 0755), 0) << cgroup.dir << ": " << std::strerror(errno);
  // What Cgroup::create does for a container.
  const auto& program = cgroups::default_device_program();
  program.attach(cgroup.dir);
  EXPECT_EQ(cgroups::attached_device_programs(cgroup.dir).size(), 1u);

  testing_support::TempDir tmp;
  std::string node = tmp / "disk", node2 = tmp / "disk2";
  Pipe go = make_pipe(), report = make_pipe();
  ChildGuard child;
  child.pid = ::fork();
  ASSERT_GE(child.pid, 0) << std::strerror(errno);
  if (child.pid == 0)
    child_main(go.read.get(), report.write.get(), tmp.path().c_str(), node.c_str(), node2.c_str(),
               disk->dev);
  report.write.reset();  // a dead child is EOF
  std::string pid = std::to_string(child.pid);

  // Its v1 devices cgroup, where there is one, is the root: everything allowed there.
  if (auto v1 = h.v1.find("devices"); v1 != h.v1.end()) {
    fs::write_file(v1->second + "/cgroup.procs", pid);
    EXPECT_EQ(cgroup_line(child.pid, "devices"), "/");
    EXPECT_EQ(fs::read_file(v1->second + "/devices.list"), "a *:* rwm\n");
  }

  write_all(go.write.get(), "g", 1);
  Report before;
  ASSERT_TRUE(read_all(report.read.get(), &before, sizeof(before)));
  ASSERT_EQ(before.setup, 0) << std::strerror(before.setup);
  ASSERT_EQ(before.mknod, 0) << std::strerror(before.mknod);
  // The control: outside the program's cgroup the node opens (O_RDONLY, nothing is read).
  EXPECT_EQ(before.open_disk, 0) << disk->name << ": " << std::strerror(before.open_disk);
  EXPECT_EQ(before.open_null, 0) << std::strerror(before.open_null);

  fs::write_file(cgroup.dir + "/cgroup.procs", pid);
  EXPECT_EQ(cgroup_line(child.pid, ""), cgroup.dir.substr(h.unified.size()));
  write_all(go.write.get(), "g", 1);
  Report after;
  ASSERT_TRUE(read_all(report.read.get(), &after, sizeof(after)));
  EXPECT_EQ(after.open_disk, EPERM) << disk->name << ": " << std::strerror(after.open_disk);
  EXPECT_EQ(after.open_null, 0) << std::strerror(after.open_null);
  EXPECT_EQ(after.mknod_again, 0) << std::strerror(after.mknod_again);  // "b *:* m"
  int status = 0;
  ASSERT_EQ(::waitpid(child.pid, &status, 0), child.pid);
  child.pid = -1;
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
}

TEST(DeviceProgram, TheVerifiersRefusalIsInTheError) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root";
  bpf_insn exit_only{};
  exit_only.code = BPF_JMP | BPF_EXIT;  // returns r0 without setting it
  try {
    cgroups::DeviceProgram program({exit_only});
    FAIL() << "the kernel loaded a program that returns an unset register";
  } catch (const Error& e) {
    EXPECT_EQ(e.err(), EACCES);
    EXPECT_THAT(e.what(), HasSubstr("verifier log:"));
    EXPECT_THAT(e.what(), HasSubstr("R0"));
  }
}

}  // namespace
}  // namespace minipod::testing
