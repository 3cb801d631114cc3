// The ways out that an attacker inside a pod tried, each played against minipod and followed by a
// look at the host: pause as a door (/proc/1/root, /proc/1/mountinfo), the host's minipod binary
// handed to the container (CVE-2019-5736 class), image links that send minipod's writes out of
// the root filesystem (CVE-2021-30465 class), plus the smaller defaults of Docker and containerd
// (io_uring refused, a read-only cgroup file system of the container's own).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "common/digest.h"
#include "common/fs.h"
#include "tests/integration/pod_fixture.h"

namespace minipod::testing {
namespace {

namespace fsys = std::filesystem;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kCanary = "mpt-canary-7f3a9c: if a container reads this, it got out";

class Escape : public PodTest {
 protected:
  void SetUp() override {
    PodTest::SetUp();
    if (IsSkipped()) return;
    canary_dir_ = env().dir() / "host-secrets";
    fsys::create_directories(canary_dir_);
    canary_ = canary_dir_ / "secret";
    fs::write_file(canary_, kCanary, 0600);
  }
  void TearDown() override {
    if (IsSkipped()) return;
    env().minipod({"rm", "-f", "mpt-esc-d"});
    // The host's files as they were: the canary unchanged, nothing new next to it.
    EXPECT_EQ(fs::read_file(canary_), kCanary);
    std::vector<std::string> files;
    for (const auto& e : fsys::directory_iterator(canary_dir_)) files.push_back(e.path().string());
    EXPECT_EQ(files, std::vector<std::string>{canary_.string()});
    PodTest::TearDown();
  }

  // An image made from the probe image's root filesystem, changed by `edit`.
  void make_image(const std::string& name,
                  const std::function<void(const fsys::path& rootfs)>& edit) {
    auto rootfs = env().dir() / ("rootfs-" + name);
    if (!fsys::exists(rootfs)) {
      auto copy = host_command(
          {"/bin/cp", "-a", (env().image_dir() / "probe" / "rootfs").string(), rootfs.string()});
      ASSERT_EQ(copy.exit_code, 0) << copy.err;
      edit(rootfs);
    }
    env().minipod({"image", "rm", name});
    auto imported = env().minipod({"image", "import", name, rootfs.string()});
    ASSERT_EQ(imported.exit_code, 0) << imported.err;
  }

  static std::string pod(const std::string& name, const std::string& containers,
                         const std::string& spec = "") {
    return "apiVersion: v1\nkind: Pod\nmetadata:\n  name: " + name +
           "\nspec:\n  restartPolicy: Never\n  terminationGracePeriodSeconds: 1\n" + spec +
           "  containers:\n" + containers;
  }
  static std::string container(const std::string& name, const std::string& image,
                               const std::string& script, const std::string& security = "") {
    return "  - name: " + name + "\n    image: " + image + "\n    command: [sh, -c, '" + script +
           "']\n" + (security.empty() ? "" : "    securityContext: " + security + "\n");
  }

  // `/evil` is `#!/proc/self/exe`: whoever executes it runs its own binary again, in the pod.
  // A minipod linked dynamically (the sanitizer build) needs the host's loader and libraries to
  // start in there: the image ships them, as any glibc-based image would, so the attack is real.
  void make_evil_image() {
    make_image("evil", [](const fsys::path& rootfs) {
      fs::write_file(rootfs / "evil", "#!/proc/self/exe\n", 0755);
      for (const auto& lib : shared_libraries_of(bin_dir() / "minipod")) {
        auto copy = host_command({"/bin/cp", "-L", "--parents", lib, rootfs.string()});
        ASSERT_EQ(copy.exit_code, 0) << copy.err;
      }
    });
  }

  // The loader and libraries a binary is linked against (none for a static one), from ldd.
  static std::vector<std::string> shared_libraries_of(const fsys::path& binary) {
    auto ldd = host_command({"/usr/bin/ldd", binary.string()});
    std::vector<std::string> libs;
    if (ldd.exit_code != 0) return libs;  // "not a dynamic executable"
    std::istringstream lines(ldd.out);
    for (std::string line; std::getline(lines, line);) {
      std::istringstream words(line);
      for (std::string w; words >> w;)
        if (w.front() == '/') libs.push_back(w);
    }
    return libs;
  }

  fsys::path canary_dir_, canary_;
};

// Finding 1. A container of a shared-PID pod sees pause as PID 1: with SYS_PTRACE (or privileged)
// it used to read any host file through /proc/1/root and the host's mount table in
// /proc/1/mountinfo. Now pause's root is an empty read-only tmpfs and it holds nothing else.
TEST_F(Escape, PauseIsNoDoorToTheHost) {
  std::string look =
      "echo root-entries $(ls -A /proc/1/root/ 2>/dev/null | wc -l); probe read /proc/1/root" +
      canary_.string() +
      "; echo mountinfo-lines $(cat /proc/1/mountinfo 2>/dev/null | wc -l); "
      "sed \"s/^/mountinfo: /\" /proc/1/mountinfo; grep -E "
      "\"^(Uid|CapEff|CapBnd|NoNewPrivs|Seccomp):\" "
      "/proc/1/status; probe write /proc/1/exe; echo pause-stdin $(readlink /proc/1/fd/0)";
  auto r = run_pod(pod("mpt-esc-pause",
                       container("ptrace", "probe", look, "{capabilities: {add: [SYS_PTRACE]}}") +
                           container("priv", "probe", look, "{privileged: true}") +
                           container("plain", "probe", look),
                       "  shareProcessNamespace: true\n"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, Not(HasSubstr("mpt-canary")));
  for (const char* name : {"ptrace", "priv", "plain"}) {
    SCOPED_TRACE(name);
    auto out = lines_of(r.out, name);
    // Nothing in pause's root; the host file behind it is not there.
    EXPECT_THAT(out, Contains("root-entries 0")) << r.out;
    EXPECT_THAT(out, Contains(HasSubstr(canary_.string() + ":E")));
    // pause's mount table: its one read-only tmpfs root (or nothing readable).
    for (const auto& l : out) {
      if (l.rfind("mountinfo: ", 0) != 0) continue;
      EXPECT_THAT(l, HasSubstr(" / / ro,"));  // its root, nothing of the host's
      EXPECT_THAT(l, Not(HasSubstr("/run/netns")));
      EXPECT_THAT(l, Not(HasSubstr(env().dir().string())));
    }
    auto lines = std::find_if(out.begin(), out.end(),
                              [](const auto& l) { return l.rfind("mountinfo-lines", 0) == 0; });
    ASSERT_NE(lines, out.end());
    EXPECT_THAT(*lines, ::testing::AnyOf("mountinfo-lines 0", "mountinfo-lines 1"));
    EXPECT_THAT(out, Not(Contains(HasSubstr("/proc/1/exe:ok"))));
  }
  // What it runs as, read by the privileged container (the others may be denied /proc/1/status
  // fields): no user of the host's, no capabilities, no_new_privs, seccomp.
  auto priv = lines_of(r.out, "priv");
  EXPECT_THAT(priv, Contains(HasSubstr("Uid:\t65535\t65535\t65535\t65535")));
  EXPECT_THAT(priv, Contains("CapEff:\t0000000000000000"));
  EXPECT_THAT(priv, Contains("CapBnd:\t0000000000000000"));
  EXPECT_THAT(priv, Contains("NoNewPrivs:\t1"));
  EXPECT_THAT(priv, Contains("Seccomp:\t2"));
  // Its stdio is a null device of its own (unlinked), never the host's /dev/null.
  EXPECT_THAT(priv, Contains("pause-stdin /null (deleted)"));
}

// Finding 2. A container that turns a program into `#!/proc/self/exe` made `minipod exec` run the
// host's minipod inside it, where the pod could reopen /proc/<pid>/exe for writing once it no
// longer ran. A second process of the container waits for that to happen, stops it and tries.
TEST_F(Escape, ExecAndDebugNeverHandTheHostBinaryToThePod) {
  make_evil_image();
  auto binary = bin_dir() / "minipod";
  std::string before = sha256_hex(fs::read_file(binary));
  auto id = env().minipod(
      {"run", "-d", manifest_path(pod("mpt-esc-d", container("c", "evil", "exec sleep 600")))});
  ASSERT_EQ(id.exit_code, 0) << id.err;
  env().wait_running("mpt-esc-d");

  auto attack = [&](const std::vector<std::string>& enter) {
    // The catcher runs in the container; the way in is tried until it has caught one.
    Background catcher(env().minipod_args({"exec", "mpt-esc-d", "--", "probe", "catch-exe",
                                           "/proc/self/exe", "30"}),
                       env().environment());
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    for (int i = 0; i < 100 && !catcher.wait(std::chrono::milliseconds(1)); ++i)
      env().minipod(enter, std::chrono::seconds(20));
    EXPECT_TRUE(catcher.wait(std::chrono::seconds(30)));
    return catcher.result().out;
  };
  for (const auto& enter : {std::vector<std::string>{"exec", "mpt-esc-d", "--", "/evil"},
                            std::vector<std::string>{"debug", "mpt-esc-d", "--image", "evil",
                                                     "--target", "c", "--", "/evil"}}) {
    SCOPED_TRACE(enter.front());
    std::string out = attack(enter);
    EXPECT_THAT(out, HasSubstr("caught ")) << out;
    // The pod holds a handle on the binary minipod ran from: a read-only mount, never the
    // host's writable file; and it can be opened for writing neither while nor after it runs.
    EXPECT_THAT(out, ::testing::AnyOf(HasSubstr("exe-mount:ro"), HasSubstr("exe-mount:sealed")))
        << out;
    EXPECT_THAT(out, Not(HasSubstr("open-write:ok")));
    EXPECT_THAT(out, Not(HasSubstr("reopen-write:ok")));
  }
  EXPECT_EQ(sha256_hex(fs::read_file(binary)), before);
}

// Finding 2, the container start itself: a container whose program is `#!/proc/self/exe` runs
// minipod as its first process; its sibling in the shared PID namespace waits for it. That
// minipod lives a millisecond or two: several such containers give the catcher several chances.
TEST_F(Escape, ContainerStartNeverHandsTheHostBinaryToThePod) {
  make_evil_image();
  auto binary = bin_dir() / "minipod";
  std::string before = sha256_hex(fs::read_file(binary));
  std::string evil;
  for (int i = 0; i < 8; ++i)
    evil += "  - name: evil" + std::to_string(i) + "\n    image: evil\n    command: [/evil]\n";
  auto r = run_pod(pod("mpt-esc-start",
                       container("catcher", "probe", "probe catch-exe /proc/self/exe 20") + evil,
                       "  shareProcessNamespace: true\n"));
  auto out = lines_of(r.out, "catcher");
  EXPECT_THAT(out, Contains(HasSubstr("caught "))) << r.out << r.err;
  EXPECT_THAT(out, ::testing::AnyOf(Contains("exe-mount:ro"), Contains("exe-mount:sealed-memfd")));
  EXPECT_THAT(out, Not(Contains("open-write:ok")));
  EXPECT_THAT(out, Not(Contains("reopen-write:ok")));
  EXPECT_EQ(sha256_hex(fs::read_file(binary)), before);
}

// Finding 3. An image whose /etc is a link to a host directory (absolute, or climbing with ..)
// made minipod create hosts, hostname and resolv.conf on the host. Links are now followed inside
// the root: the files land in the container, and the host directory stays as it was.
TEST_F(Escape, ImageLinksCannotSendMinipodsWritesOutOfTheRoot) {
  auto host_etc = canary_dir_.string();
  make_image("etc-abs", [&](const fsys::path& rootfs) {
    fsys::remove_all(rootfs / "etc");
    fsys::create_directory_symlink(host_etc, rootfs / "etc");
  });
  make_image("etc-rel", [&](const fsys::path& rootfs) {
    fsys::remove_all(rootfs / "etc");
    fsys::create_directory_symlink("../../../../../../../../.." + host_etc, rootfs / "etc");
  });
  std::string look = "cat /etc/hostname; probe read " + canary_.string();
  auto r = run_pod(
      pod("mpt-esc-etc", container("abs", "etc-abs", look) + container("rel", "etc-rel", look)));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* name : {"abs", "rel"}) {
    auto out = lines_of(r.out, name);
    EXPECT_THAT(out, Contains("mpt-esc-etc")) << r.out;  // its hostname file, inside its root
    EXPECT_THAT(out, Contains(canary_.string() + ":ENOENT"));
  }
  // TearDown: nothing new in the host directory, the canary unchanged.
}

// Finding 3, kernel file systems: a /proc, /sys or /dev that is a link used to be followed (the
// mount and its masking then happened elsewhere). Refused, naming the path; nothing is left.
TEST_F(Escape, KernelFileSystemTargetsMustBePlainDirectories) {
  for (const char* dir : {"proc", "sys", "dev"}) {
    SCOPED_TRACE(dir);
    std::string image = std::string("link-") + dir;
    make_image(image, [&](const fsys::path& rootfs) {
      fsys::remove_all(rootfs / dir);
      fsys::create_directory_symlink("/", rootfs / dir);
    });
    auto r = run_pod(pod("mpt-esc-link", container("c", image, "true")));
    EXPECT_EQ(r.exit_code, 1) << r.out;
    EXPECT_THAT(r.err, HasSubstr(std::string("image \"") + image + "\": mount /" + dir + ": /" +
                                 dir + " is or goes through a symbolic link"));
  }
  // And a file where a pod file is bound (a directory at /etc/hosts) is refused the same way.
  make_image("hosts-dir", [](const fsys::path& rootfs) {
    fsys::remove(rootfs / "etc" / "hosts");
    fsys::create_directories(rootfs / "etc" / "hosts");
  });
  auto r = run_pod(pod("mpt-esc-link", container("c", "hosts-dir", "true")));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("bind /etc/hosts: /etc/hosts is a directory"));
}

// Finding 6: io_uring refused by the default profile (moby#46762, containerd#9320), and the
// container's own cgroups at /sys/fs/cgroup, read-only, in a cgroup namespace of its own.
TEST_F(Escape, DefaultsOfCurrentDockerAndContainerd) {
  auto r = run_pod(pod(
      "mpt-esc-defaults",
      container("c", "probe",
                "probe syscall io_uring_setup; probe write /sys/fs/cgroup/mpt-x; "
                "grep -c . /proc/self/cgroup; grep -v \":/$\" /proc/self/cgroup || echo all-root; "
                "grep -c \" /sys/fs/cgroup\" /proc/self/mountinfo") +
          container("priv", "probe", "probe syscall io_uring_setup", "{privileged: true}")));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto out = lines_of(r.out, "c");
  EXPECT_THAT(out, Contains("io_uring_setup:EPERM"));
  EXPECT_THAT(out, Contains(::testing::StartsWith("/sys/fs/cgroup/mpt-x:E")));
  EXPECT_THAT(out, Not(Contains("/sys/fs/cgroup/mpt-x:ok")));
  // Every hierarchy it is in shows its own cgroup as "/".
  EXPECT_THAT(out, Contains("all-root")) << r.out;
  // Privileged containers are not filtered at all.
  EXPECT_THAT(lines_of(r.out, "priv"), Not(Contains("io_uring_setup:EPERM")));
}

}  // namespace
}  // namespace minipod::testing
