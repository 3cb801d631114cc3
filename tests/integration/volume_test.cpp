// Pod volumes as a user sees them: an emptyDir shared by an init container and two app
// containers, a Memory emptyDir that is a tmpfs of its sizeLimit, readOnly mounts, every hostPath
// type (made, checked, refused with the kubelet's words), subPath symlink escapes refused
// (CVE-2017-1002101, CVE-2021-25741), and nothing left on the host once the pod is gone.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "common/fs.h"
#include "tests/integration/block_device.h"
#include "tests/integration/pod_fixture.h"

namespace minipod::testing {
namespace {

namespace fsys = std::filesystem;

class Volumes : public PodTest {
 protected:
  void SetUp() override {
    PodTest::SetUp();
    // The host's side of the hostPath volumes: a fresh directory per test.
    if (!IsSkipped()) host_ = fresh_dir(env().dir() / "vol-host");
  }
  static fsys::path fresh_dir(const fsys::path& dir) {
    fsys::remove_all(dir);
    fsys::create_directories(dir);
    return dir;
  }
  void TearDown() override {
    if (IsSkipped()) return;
    env().minipod({"rm", "-f", "mpt-vol-d"});
    // The mounts a propagation test made (or a container made through one), innermost first.
    for (const auto& m : {host_ / "shared" / "sub", host_ / "shared", host_ / "private"})
      ::umount2(m.c_str(), MNT_DETACH);
    fsys::remove_all(host_);
    PodTest::TearDown();
  }

  // `dir` bind-mounted on itself with the propagation `flag` (MS_SHARED, MS_PRIVATE): what the
  // host's mount of a hostPath is decides what mountPropagation can give (containerd's check).
  static void own_mount(const fsys::path& dir, unsigned long flag) {
    fsys::create_directories(dir);
    ASSERT_EQ(::mount(dir.c_str(), dir.c_str(), nullptr, MS_BIND, nullptr), 0) << dir;
    ASSERT_EQ(::mount(nullptr, dir.c_str(), nullptr, flag, nullptr), 0) << dir;
  }
  // A pod whose hostPath volume "h" is `host_`/shared, a mount of its own shared with the host's
  // mount namespace (and with `shared`/sub to mount on), running `script` with `mounts` of it.
  std::unique_ptr<Background> start_on_shared_mount(const std::string& name,
                                                    const std::string& script,
                                                    const std::string& mounts,
                                                    const std::string& extra = "") {
    auto shared = host_ / "shared";
    own_mount(shared, MS_SHARED);
    fsys::create_directories(shared / "sub");
    return start_pod(pod(name, "  - name: h\n    hostPath: {path: " + shared.string() + "}\n",
                         container("c", script, mounts, extra)));
  }
  static bool wait_for_file(const fsys::path& file) {
    for (int i = 0; i < 300 && !fsys::exists(file); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    return fsys::exists(file);
  }

  static std::string pod(const std::string& name, const std::string& volumes,
                         const std::string& containers, const std::string& init = "") {
    return "apiVersion: v1\nkind: Pod\nmetadata:\n  name: " + name +
           "\nspec:\n  restartPolicy: Never\n  terminationGracePeriodSeconds: 1\n  volumes:\n" +
           volumes + (init.empty() ? "" : "  initContainers:\n" + init) + "  containers:\n" +
           containers;
  }
  static std::string container(const std::string& name, const std::string& script,
                               const std::string& mounts, const std::string& extra = "") {
    return "  - name: " + name + "\n    image: probe\n    command: [sh, -c, '" + script +
           "']\n    volumeMounts:\n" + mounts + extra;
  }
  // Nothing of the pod's volumes on the host: no mount in its data dir, no directory.
  void expect_volumes_gone() {
    std::error_code ec;
    for (const auto& e : fsys::directory_iterator(env().data_dir() / "volumes", ec))
      ADD_FAILURE() << "emptyDir volumes left: " << e.path();
    std::ifstream mi("/proc/self/mountinfo");
    std::string line;
    while (std::getline(mi, line))
      EXPECT_THAT(line,
                  ::testing::Not(::testing::HasSubstr((env().data_dir() / "volumes").string())));
  }

  fsys::path host_;
};

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;

TEST_F(Volumes, InitContainerWritesEmptyDirThatTwoAppsRead) {
  auto r = run_pod(pod("mpt-vol-share",
                       "  - name: data\n    emptyDir: {}\n"
                       "  - name: mem\n    emptyDir: {medium: Memory, sizeLimit: 16Mi}\n",
                       container("reader-a", "cat /data/msg; stat -c mode=%a /data",
                                 "    - {name: data, mountPath: /data}\n") +
                           container("reader-b",
                                     "cat /in/msg; touch /in/x 2>/dev/null || echo ro-refused; "
                                     "grep \" /mem \" /proc/mounts; df -k /mem | tail -1; "
                                     "echo m > /mem/f && cat /mem/f",
                                     "    - {name: data, mountPath: /in, readOnly: true}\n"
                                     "    - {name: mem, mountPath: /mem}\n"),
                       container("writer", "echo written-by-init > /data/msg",
                                 "    - {name: data, mountPath: /data}\n")));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto a = lines_of(r.out, "reader-a");
  auto b = lines_of(r.out, "reader-b");
  EXPECT_THAT(a, Contains("written-by-init")) << r.out;
  EXPECT_THAT(a, Contains("mode=777")) << r.out;  // the kubelet's emptyDir mode
  EXPECT_THAT(b, Contains("written-by-init")) << r.out;
  EXPECT_THAT(b, Contains("ro-refused")) << r.out;
  // The Memory emptyDir is a tmpfs of its sizeLimit: 16 MiB.
  bool tmpfs = false, size = false;
  for (const auto& l : b) {
    if (l.rfind("tmpfs /mem tmpfs ", 0) == 0 && l.find("size=16384k") != std::string::npos)
      tmpfs = true;
    if (l.find(" 16384 ") != std::string::npos && l.find("/mem") != std::string::npos) size = true;
  }
  EXPECT_TRUE(tmpfs) << r.out;
  EXPECT_TRUE(size) << r.out;
  EXPECT_THAT(b, Contains("m")) << r.out;
  expect_volumes_gone();
}

TEST_F(Volumes, ARestartedContainerFindsWhatItWroteBefore) {
  // Fails its first run; the kubelet restarts it (OnFailure) with the same emptyDir.
  std::string yaml = pod("mpt-vol-restart", "  - name: data\n    emptyDir: {}\n",
                         container("c",
                                   "echo run >> /data/runs; [ $(wc -l < /data/runs) -ge 2 ] || "
                                   "exit 1; echo runs=$(wc -l < /data/runs)",
                                   "    - {name: data, mountPath: /data}\n"));
  yaml.replace(yaml.find("restartPolicy: Never"), 20, "restartPolicy: OnFailure");
  auto r = run_pod(yaml);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(lines_of(r.out, "c"), Contains("runs=2")) << r.out;
  expect_volumes_gone();
}

TEST_F(Volumes, HostPathOfEachTypeIsCheckedAndMade) {
  const std::string canary = "mpt-vol-canary: the host's files, seen from a container\n";
  auto dir = host_ / "dir";
  auto file = host_ / "file";
  auto sock = host_ / "sock";
  fsys::create_directories(dir);
  fs::write_file(dir / "canary", canary, 0644);
  fs::write_file(file, "a-host-file\n", 0644);
  int s = ::socket(AF_UNIX, SOCK_STREAM, 0);
  ASSERT_GE(s, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", sock.c_str());
  ASSERT_EQ(::bind(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ::close(s);
  auto block = openable_block_device();
  std::string block_path = block ? "/dev/" + block->name : "/dev/loop0";
  auto made_dir = host_ / "made" / "deep";
  auto made_file = host_ / "made-file";

  auto volume = [](const std::string& name, const std::string& path, const std::string& type) {
    return "  - name: " + name + "\n    hostPath: {path: " + path + ", type: " + type + "}\n";
  };
  auto mount = [](const std::string& name, const std::string& at) {
    return "    - {name: " + name + ", mountPath: " + at + "}\n";
  };
  auto r = run_pod(pod(
      "mpt-vol-hostpath",
      volume("any", dir.string(), "\"\"") + volume("d", dir.string(), "Directory") +
          volume("doc", made_dir.string(), "DirectoryOrCreate") +
          volume("f", file.string(), "File") + volume("foc", made_file.string(), "FileOrCreate") +
          volume("s", sock.string(), "Socket") + volume("c", "/dev/null", "CharDevice") +
          volume("b", block_path, "BlockDevice"),
      container("c",
                "cat /any/canary; [ -d /d ] && [ -d /doc ] && cat /f && "
                "[ -f /foc ] && [ -S /s ] && [ -c /c ] && [ -b /b ] && echo "
                "all-types-ok",
                mount("any", "/any") + mount("d", "/d") + mount("doc", "/doc") + mount("f", "/f") +
                    mount("foc", "/foc") + mount("s", "/s") + mount("c", "/c") +
                    mount("b", "/b"))));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto out = lines_of(r.out, "c");
  EXPECT_THAT(out, Contains(canary.substr(0, canary.size() - 1))) << r.out;
  EXPECT_THAT(out, Contains("a-host-file")) << r.out;
  EXPECT_THAT(out, Contains("all-types-ok")) << r.out;
  // DirectoryOrCreate: made with its parents, 0755, root's; FileOrCreate: an empty 0644 file.
  struct stat st {};
  ASSERT_EQ(::stat(made_dir.c_str(), &st), 0);
  EXPECT_TRUE(S_ISDIR(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0755u);
  EXPECT_EQ(st.st_uid, 0u);
  ASSERT_EQ(::stat(made_file.c_str(), &st), 0);
  EXPECT_TRUE(S_ISREG(st.st_mode));
  EXPECT_EQ(st.st_mode & 07777, 0644u);
  EXPECT_EQ(st.st_size, 0);
  // hostPaths are the host's: they stay.
  EXPECT_EQ(fs::read_file(dir / "canary"), canary);
}

TEST_F(Volumes, HostPathTypeCheckFailuresUseTheKubeletsWords) {
  auto dir = host_ / "dir";
  auto file = host_ / "file";
  fsys::create_directories(dir);
  fs::write_file(file, "x", 0644);
  struct Case {
    std::string type, path, message;
  };
  const Case cases[] = {
      {"Directory", file.string(), file.string() + " is not a directory"},
      {"Directory", (host_ / "missing").string(),
       (host_ / "missing").string() + " is not a directory"},
      {"DirectoryOrCreate", file.string(), file.string() + " is not a directory"},
      {"File", dir.string(), dir.string() + " is not a file"},
      {"FileOrCreate", dir.string(), dir.string() + " is not a file"},
      {"Socket", file.string(), file.string() + " is not a socket file"},
      {"CharDevice", file.string(), file.string() + " is not a character device"},
      {"BlockDevice", "/dev/null", "/dev/null is not a block device"},
  };
  for (const auto& c : cases) {
    auto r =
        run_pod(pod("mpt-vol-check",
                    "  - name: v\n    hostPath: {path: " + c.path + ", type: " + c.type + "}\n",
                    container("c", "echo started", "    - {name: v, mountPath: /v}\n")));
    EXPECT_NE(r.exit_code, 0) << c.type;
    EXPECT_THAT(r.err, HasSubstr("volume \"v\": hostPath type check failed: " + c.message))
        << c.type;
    EXPECT_THAT(r.out, Not(HasSubstr("started"))) << c.type;
  }
  // FileOrCreate makes the file, never its directory (the kubelet's os.OpenFile).
  auto orphan = host_ / "no-such-dir" / "f";
  auto r = run_pod(
      pod("mpt-vol-check",
          "  - name: v\n    hostPath: {path: " + orphan.string() + ", type: FileOrCreate}\n",
          container("c", "echo started", "    - {name: v, mountPath: /v}\n")));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.err, HasSubstr("volume \"v\": create: " + orphan.string()));
  EXPECT_FALSE(fsys::exists(orphan.parent_path()));
}

TEST_F(Volumes, SubPathSymlinkEscapesAreRefused) {
  // The init container plants links out of the volume; the app mounts them as its subPath.
  std::string plant =
      "ln -s / /vol/esc; ln -s ../../.. /vol/up; ln -s /nowhere /vol/dangle; mkdir /vol/real; "
      "echo inside > /vol/real/f; "
      "ln -s real /vol/ok";
  for (std::string sub : {"esc", "up", "up/etc", "dangle"}) {
    auto r = run_pod(pod("mpt-vol-esc", "  - name: vol\n    emptyDir: {}\n",
                         container("victim", "ls /x; cat /x/etc/hostname; echo victim-ran",
                                   "    - {name: vol, mountPath: /x, subPath: \"" + sub + "\"}\n"),
                         container("attacker", plant, "    - {name: vol, mountPath: /vol}\n")));
    EXPECT_NE(r.exit_code, 0) << sub << ": " << r.out;
    EXPECT_THAT(r.err, HasSubstr("mount volume \"vol\" at /x: " + sub + " leads out of the volume"))
        << sub;
    EXPECT_THAT(r.out, Not(HasSubstr("victim-ran"))) << sub;
    EXPECT_THAT(r.out, Not(HasSubstr("boot"))) << sub;  // the host's / never listed
  }
  // A link that stays inside the volume is followed; a missing subPath is made a directory.
  auto r = run_pod(pod("mpt-vol-esc", "  - name: vol\n    emptyDir: {}\n",
                       container("reader", "cat /x/f; ls -ld /new | cut -c1-10",
                                 "    - {name: vol, mountPath: /x, subPath: ok}\n"
                                 "    - {name: vol, mountPath: /new, subPath: made/here}\n"),
                       container("attacker", plant, "    - {name: vol, mountPath: /vol}\n")));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(lines_of(r.out, "reader"), Contains("inside")) << r.out;
  EXPECT_THAT(lines_of(r.out, "reader"), Contains("drwxrwxrwx")) << r.out;  // the volume's mode
  expect_volumes_gone();
}

TEST_F(Volumes, DetachedPodKeepsEmptyDirUntilRmAndInspectListsThem) {
  std::vector<std::string> cmd{
      "run", "-d",
      manifest_path(pod("mpt-vol-d",
                        "  - name: data\n    emptyDir: {}\n"
                        "  - name: mem\n    emptyDir: {medium: Memory, sizeLimit: 8Mi}\n",
                        container("c", "echo kept > /data/f; echo m > /mem/f",
                                  "    - {name: data, mountPath: /data}\n"
                                  "    - {name: mem, mountPath: /mem, readOnly: false}\n")))};
  auto started = env().minipod(cmd);
  ASSERT_EQ(started.exit_code, 0) << started.err;
  nlohmann::json pod;
  for (int i = 0; i < 100; ++i) {
    auto r = env().minipod({"inspect", "mpt-vol-d"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    pod = nlohmann::json::parse(r.out);
    // Done once the monitor has torn the pod down and gone.
    if (pod["status"] == "Succeeded" && pod["monitor"]["alive"] == false) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(pod["status"], "Succeeded") << pod.dump();
  ASSERT_EQ(pod["volumes"].size(), 2u) << pod.dump();
  EXPECT_EQ(pod["volumes"][0]["name"], "data");
  EXPECT_EQ(pod["volumes"][0]["type"], "emptyDir");
  EXPECT_EQ(pod["volumes"][1]["medium"], "Memory");
  EXPECT_EQ(pod["volumes"][1]["sizeLimit"], 8 * 1024 * 1024);
  auto mounts = pod["containers"][0]["mounts"];
  ASSERT_EQ(mounts.size(), 2u) << pod.dump();
  EXPECT_EQ(mounts[0]["volume"], "data");
  EXPECT_EQ(mounts[0]["mountPath"], "/data");
  EXPECT_EQ(mounts[0]["readOnly"], false);
  EXPECT_EQ(mounts[0]["mountPropagation"], "None");
  // The stopped pod keeps its disk emptyDir until rm; its tmpfs is unmounted already.
  std::string data = pod["volumes"][0]["path"];
  EXPECT_EQ(fs::read_file(fsys::path(data) / "f"), "kept\n");
  std::string mem = pod["volumes"][1]["path"];
  std::ifstream mi("/proc/self/mountinfo");
  std::string line;
  while (std::getline(mi, line)) EXPECT_THAT(line, Not(HasSubstr(mem)));
  auto rm = env().minipod({"rm", "mpt-vol-d"});
  EXPECT_EQ(rm.exit_code, 0) << rm.err;
  EXPECT_FALSE(fsys::exists(data));
  expect_volumes_gone();
}

TEST_F(Volumes, HostToContainerSeesLaterHostMountsAndNoneDoesNot) {
  auto bg = start_on_shared_mount("mpt-vol-h2c",
                                  "touch /ready/r; for i in $(seq 1 300); do [ -f /h/sub/marker ] "
                                  "&& break; sleep 0.1; done; cat /h/sub/marker; ls /n/sub; echo "
                                  "listed",
                                  "    - {name: h, mountPath: /h, mountPropagation: "
                                  "HostToContainer}\n"
                                  "    - {name: h, mountPath: /n}\n"
                                  "    - {name: h, mountPath: /ready, subPath: ready}\n");
  auto shared = host_ / "shared";
  ASSERT_TRUE(wait_for_file(shared / "ready" / "r")) << bg->err_so_far();
  // Mounted on the host after the container started: only the HostToContainer mount sees it.
  ASSERT_EQ(::mount("tmpfs", (shared / "sub").c_str(), "tmpfs", 0, "size=1m"), 0);
  fs::write_file(shared / "sub" / "marker", "from-the-host\n", 0644);
  ASSERT_TRUE(bg->wait(std::chrono::seconds(60)));
  const auto& r = bg->result();
  EXPECT_EQ(r.exit_code, 0) << r.err;
  auto out = lines_of(r.out, "c");
  EXPECT_THAT(out, Contains("from-the-host")) << r.out;
  EXPECT_THAT(out, Contains("listed")) << r.out;
  EXPECT_THAT(out, Not(Contains("marker"))) << r.out;  // None: rprivate, the empty directory
  EXPECT_EQ(::umount2((shared / "sub").c_str(), 0), 0);
}

TEST_F(Volumes, PropagationNeedsASharedOrSlaveHostMount) {
  auto priv = host_ / "private";
  own_mount(priv, MS_PRIVATE);
  for (std::string mode : {"HostToContainer", "Bidirectional"}) {
    auto r =
        run_pod(pod("mpt-vol-priv", "  - name: h\n    hostPath: {path: " + priv.string() + "}\n",
                    container("c", "echo started",
                              "    - {name: h, mountPath: /h, mountPropagation: " + mode + "}\n",
                              "    securityContext: {privileged: true}\n")));
    EXPECT_NE(r.exit_code, 0) << mode;
    EXPECT_THAT(r.err, HasSubstr("path \"" + priv.string() + "\" is mounted on \"" + priv.string() +
                                 "\" but it is not a shared" +
                                 (mode == "HostToContainer" ? " or slave" : "") + " mount"))
        << mode;
    EXPECT_THAT(r.out, Not(HasSubstr("started"))) << mode;
  }
}

TEST_F(Volumes, BidirectionalSendsAPrivilegedContainersMountsToTheHost) {
  auto bg = start_on_shared_mount(
      "mpt-vol-bidi",
      "mount -t tmpfs -o size=1m tmpfs /h/sub && echo from-container > /h/sub/f; for i in $(seq 1 "
      "300); do [ -f /h/go ] && break; sleep 0.1; done; umount /h/sub && echo unmounted",
      "    - {name: h, mountPath: /h, mountPropagation: Bidirectional}\n",
      "    securityContext: {privileged: true}\n");
  auto shared = host_ / "shared";
  // The container's tmpfs, seen on the host below the hostPath.
  ASSERT_TRUE(wait_for_file(shared / "sub" / "f")) << bg->err_so_far() << bg->out_so_far();
  EXPECT_EQ(fs::read_file(shared / "sub" / "f"), "from-container\n");
  fs::write_file(shared / "go", "", 0644);
  ASSERT_TRUE(bg->wait(std::chrono::seconds(60)));
  const auto& r = bg->result();
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(lines_of(r.out, "c"), Contains("unmounted")) << r.out;
  // Its unmount reached the host too.
  EXPECT_FALSE(fsys::exists(shared / "sub" / "f"));
}

}  // namespace
}  // namespace minipod::testing
