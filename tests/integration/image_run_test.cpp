// Pods from layered images: built offline by buildah (oci-archive, docker-archive) or written by
// the test as an OCI layout (whiteouts, opaque directories, hard links across layers, 60 layers),
// loaded with `minipod image load`, and run: the files, user, env, working directory and command
// a container sees are the image's, as Kubernetes applies them.
#include <gtest/gtest.h>

#include <gmock/gmock.h>

#include <string>

#include <nlohmann/json.hpp>

#include "common/digest.h"
#include "common/fs.h"
#include "tests/images/oci_image_writer.h"
#include "tests/integration/pod_fixture.h"

namespace minipod::testing {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
namespace ts = testing_support;

class ImageRun : public PodTest {
 protected:
  std::filesystem::path scratch() const { return env().dir() / "image-scratch"; }

  // buildah with a store of its own (vfs: no overlay mounts to leave behind), removed at the end.
  CommandResult buildah(std::vector<std::string> args) const {
    std::vector<std::string> argv{"/usr/bin/buildah",
                                  "--root",
                                  (scratch() / "bh-root").string(),
                                  "--runroot",
                                  (scratch() / "bh-run").string(),
                                  "--storage-driver",
                                  "vfs"};
    argv.insert(argv.end(), args.begin(), args.end());
    return host_command(argv);
  }

  void TearDown() override {
    if (IsSkipped()) return;
    // buildah's vfs store holds files it made read-only; rm -rf copes.
    host_command({"/bin/rm", "-rf", scratch().string()});
    for (const char* ref : {"localhost/mpt-app:1", "mpt-app:docker", "localhost/mpt-layers:1",
                            "localhost/mpt-many:1"})
      env().minipod({"image", "rm", ref});
    env().minipod({"image", "prune"});
    PodTest::TearDown();
  }

  // A layout the test writes itself: each layer a tar of `entries`, base first.
  void write_layout(const std::filesystem::path& layout, const std::string& name,
                    const std::vector<std::vector<ts::TarEntry>>& layers, const json& config) {
    json desc = ts::write_oci_image(layout, layers, config, ts::Compression::kGzip);
    desc["annotations"] = {{"org.opencontainers.image.ref.name", name}};
    fs::write_file(layout / "index.json", json{{"schemaVersion", 2}, {"manifests", {desc}}}.dump());
    fs::write_file(layout / "oci-layout", R"({"imageLayoutVersion":"1.0.0"})");
  }

  static std::vector<ts::TarEntry> busybox_layer() {
    return {ts::dir("bin"),
            ts::file("bin/busybox", fs::read_file("/bin/busybox"), 0755),
            ts::symlink("bin/sh", "busybox"),
            ts::symlink("bin/cat", "busybox"),
            ts::symlink("bin/ls", "busybox"),
            ts::symlink("bin/stat", "busybox"),
            ts::symlink("bin/id", "busybox"),
            ts::symlink("bin/pwd", "busybox")};
  }
};

TEST_F(ImageRun, NonRootUserEntrypointCmdEnvWorkdirFromABuildahImage) {
  fs::make_dirs(scratch() / "ctx" / "bin", 0755);
  fs::make_dirs(scratch() / "ctx" / "etc", 0755);
  std::filesystem::copy_file("/bin/busybox", scratch() / "ctx" / "bin" / "busybox");
  fs::write_file(scratch() / "ctx" / "etc" / "passwd",
                 "root:x:0:0:root:/root:/bin/sh\napp:x:1234:2345::/home/app:/bin/sh\n");
  fs::write_file(scratch() / "ctx" / "etc" / "group",
                 "root:x:0:\napp:x:2345:\nwheel:x:10:root,app\nmail:x:8:\n");
  fs::make_dirs(scratch() / "ctx2" / "srv", 0755);
  fs::write_file(scratch() / "ctx2" / "srv" / "data", "second-layer\n");
  auto from = buildah({"from", "scratch"});
  ASSERT_EQ(from.exit_code, 0) << from.err;
  std::string c = from.out.substr(0, from.out.find('\n'));
  ASSERT_EQ(buildah({"copy", c, (scratch() / "ctx").string() + "/", "/"}).exit_code, 0);
  ASSERT_EQ(buildah({"commit", "--timestamp", "0", c, "mpt-base"}).exit_code, 0);
  ASSERT_EQ(buildah({"copy", c, (scratch() / "ctx2").string() + "/", "/"}).exit_code, 0);
  auto config =
      buildah({"config", "--entrypoint", R"(["/bin/busybox","sh","-c"])", "--cmd",
               // A JSON list: a plain string would be shell form, /bin/sh -c prepended.
               json::array({R"(echo "user=$(id -u):$(id -g) groups=$(id -G) home=$HOME pwd=$(pwd) )"
                            R"(greeting=$GREETING )"
                            R"(mode=$MODE"; )"
                            "cat /srv/data"})
                   .dump(),
               "--env", "GREETING=from-image", "--env", "MODE=image", "--workingdir", "/srv",
               "--user", "app", c});
  ASSERT_EQ(config.exit_code, 0) << config.err;
  auto commit = buildah({"commit", "--timestamp", "0", c, "mpt-app"});
  ASSERT_EQ(commit.exit_code, 0) << commit.err;
  auto oci = scratch() / "app-oci.tar";
  auto docker = scratch() / "app-docker.tar";
  ASSERT_EQ(buildah({"push", "mpt-app", "oci-archive:" + oci.string() + ":localhost/mpt-app:1"})
                .exit_code,
            0);
  ASSERT_EQ(buildah({"push", "mpt-app", "docker-archive:" + docker.string() + ":mpt-app:docker"})
                .exit_code,
            0);

  auto loaded = env().minipod({"image", "load", oci.string()});
  ASSERT_EQ(loaded.exit_code, 0) << loaded.err;
  EXPECT_THAT(loaded.out, HasSubstr("loaded image localhost/mpt-app:1"));
  auto loaded2 = env().minipod({"image", "load", docker.string()});
  ASSERT_EQ(loaded2.exit_code, 0) << loaded2.err;
  EXPECT_THAT(loaded2.out, HasSubstr("loaded image docker.io/library/mpt-app:docker"));
  auto ls = env().minipod({"image", "ls"});
  EXPECT_THAT(ls.out, HasSubstr("localhost/mpt-app:1"));

  // The image's defaults, then the pod's env and args over them.
  auto r = run_pod(R"(
apiVersion: v1
kind: Pod
metadata:
  name: mpt-img-user
spec:
  restartPolicy: Never
  terminationGracePeriodSeconds: 1
  containers:
  - name: defaults
    image: localhost/mpt-app:1
    imagePullPolicy: Never
  - name: overridden
    image: mpt-app:docker
    imagePullPolicy: Never
    env: [{name: MODE, value: pod}]
    workingDir: /bin
    args: ['echo "user=$(id -u) home=$HOME pwd=$(pwd) greeting=$GREETING mode=$MODE"']
    securityContext: {runAsUser: 4321}
)",
                   {"--network", "none"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(
      lines_of(r.out, "defaults"),
      ::testing::ElementsAre(
          "user=1234:2345 groups=2345 10 home=/home/app pwd=/srv greeting=from-image mode=image",
          "second-layer"));
  // HOME from the image's /etc/passwd entry of the uid it runs as: none for 4321.
  EXPECT_THAT(lines_of(r.out, "overridden"),
              ::testing::ElementsAre("user=4321 home=/ pwd=/bin greeting=from-image mode=pod"));

  // runAsNonRoot cannot be checked against a user given by name: refused, as the kubelet does.
  auto refused = run_pod(R"(
apiVersion: v1
kind: Pod
metadata:
  name: mpt-img-nonroot
spec:
  containers:
  - name: c
    image: localhost/mpt-app:1
    securityContext: {runAsNonRoot: true}
)",
                         {"--network", "none"});
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_THAT(refused.err,
              HasSubstr("image has non-numeric user (app), cannot verify user is non-root"));

  // Never and a missing image.
  auto never = run_pod(R"(
apiVersion: v1
kind: Pod
metadata:
  name: mpt-img-never
spec:
  containers:
  - name: c
    image: localhost/mpt-absent:1
    imagePullPolicy: Never
)",
                       {"--network", "none"});
  EXPECT_EQ(never.exit_code, 2);
  EXPECT_THAT(never.err, HasSubstr("ErrImageNeverPull"));
}

TEST_F(ImageRun, WhiteoutsOpaqueDirsAndHardLinksAcrossLayers) {
  auto layout = scratch() / "layers";
  auto base = busybox_layer();
  for (auto e : {ts::dir("etc"), ts::file("etc/gone", "x"), ts::file("etc/kept", "kept"),
                 ts::dir("opt"), ts::file("opt/old1", "1"), ts::file("opt/old2", "2"),
                 ts::dir("lib"), ts::file("lib/libx.so", "libx")})
    base.push_back(e);
  ts::TarEntry cap = ts::file("bin/capped", "", 0755);
  cap.xattrs = {{"user.mpt", "kept"}};
  write_layout(layout, "localhost/mpt-layers:1",
               {base,
                {ts::dir("etc"), ts::file("etc/.wh.gone", ""), ts::dir("opt"),
                 ts::file("opt/.wh..wh..opq", ""), ts::file("opt/new", "new"), ts::dir("lib"),
                 ts::hardlink("lib/libx.so.1", "lib/libx.so"), ts::dir("bin"), cap}},
               {{"Cmd",
                 {"/bin/sh", "-c",
                  "ls /etc; ls /opt; cat /lib/libx.so.1; echo; "
                  "stat -c %h /lib/libx.so.1"}}});
  auto loaded = env().minipod({"image", "load", layout.string()});
  ASSERT_EQ(loaded.exit_code, 0) << loaded.err;
  auto r = run_pod(R"(
apiVersion: v1
kind: Pod
metadata:
  name: mpt-img-layers
spec:
  restartPolicy: Never
  containers:
  - name: c
    image: localhost/mpt-layers:1
)",
                   {"--network", "none"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto lines = lines_of(r.out, "c");
  // /etc: hostname, hosts, resolv.conf are the pod's files; "gone" is hidden by the whiteout.
  EXPECT_THAT(lines, ::testing::Contains("kept"));
  EXPECT_THAT(lines, ::testing::Not(::testing::Contains("gone")));
  EXPECT_THAT(lines, ::testing::Contains("new"));
  EXPECT_THAT(lines, ::testing::Not(::testing::Contains("old1")));
  EXPECT_THAT(lines, ::testing::Contains("libx"));
  EXPECT_THAT(lines, ::testing::Contains("2"));  // the link and its copied-up target

  auto inspect = env().minipod({"image", "inspect", "localhost/mpt-layers:1"});
  ASSERT_EQ(inspect.exit_code, 0) << inspect.err;
  auto j = json::parse(inspect.out);
  EXPECT_EQ(j["layers"].size(), 2u);
  EXPECT_EQ(j["names"], json::array({"localhost/mpt-layers:1"}));
}

TEST_F(ImageRun, SixtyLayers) {
  auto layout = scratch() / "many";
  std::vector<std::vector<ts::TarEntry>> layers{busybox_layer()};
  for (int i = 1; i < 60; ++i)
    layers.push_back({ts::dir("layers"), ts::file("layers/" + std::to_string(i), "")});
  write_layout(layout, "localhost/mpt-many:1", layers,
               {{"Cmd", {"/bin/sh", "-c", "ls /layers | wc -l"}}});
  auto loaded = env().minipod({"image", "load", layout.string()});
  ASSERT_EQ(loaded.exit_code, 0) << loaded.err;
  EXPECT_THAT(loaded.out, HasSubstr("60 layers"));
  auto r = run_pod(R"(
apiVersion: v1
kind: Pod
metadata:
  name: mpt-img-many
spec:
  restartPolicy: Never
  containers:
  - name: c
    image: localhost/mpt-many:1
)",
                   {"--network", "none"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(lines_of(r.out, "c"), ::testing::ElementsAre("59"));
}

}  // namespace
}  // namespace minipod::testing
