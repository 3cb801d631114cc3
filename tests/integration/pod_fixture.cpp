#include "tests/integration/pod_fixture.h"

#include <unistd.h>

#include <sstream>

#include "common/fs.h"

namespace minipod::testing {

std::unique_ptr<HostEnv> PodTest::env_;
SuiteSetup PodTest::setup_;

namespace {
constexpr const char* kNeedsRoot =
    "needs root: creates namespaces, mounts, cgroups and veths, and runs the CNI plugins";
}  // namespace

void PodTest::SetUpTestSuite() {
  if (::geteuid() != 0) return;  // every test skips itself in SetUp
  setup_.run([] {
    env_ = std::make_unique<HostEnv>("pod", 7);
    // The probe image: busybox plus the static probe program.
    auto built = env_->minipod({"image", "build", "busybox"});
    require(built.exit_code == 0, "minipod image build busybox: " + built.err);
    auto rootfs = env_->dir() / "probe-rootfs";
    auto copy = host_command(
        {"/bin/cp", "-a", (env_->image_dir() / "busybox" / "rootfs").string(), rootfs.string()});
    require(copy.exit_code == 0, "cp -a the busybox rootfs: " + copy.err);
    std::filesystem::copy_file(bin_dir() / "probe", rootfs / "bin" / "probe");
    auto imported = env_->minipod({"image", "import", "probe", rootfs.string()});
    require(imported.exit_code == 0, "minipod image import probe: " + imported.err);
  });
}

void PodTest::TearDownTestSuite() {
  env_.reset();
}

void PodTest::SetUp() {
  if (::geteuid() != 0) GTEST_SKIP() << kNeedsRoot;
  setup_.check();
}

void PodTest::TearDown() {
  if (IsSkipped() || setup_.failed()) return;
  auto leaks = env_->leaks();
  std::string all;
  for (const auto& l : leaks) all += "\n  " + l;
  EXPECT_TRUE(leaks.empty()) << "left on the host:" << all;
}

std::string PodTest::manifest_path(const std::string& yaml) {
  return env_->write_file("pod-" + std::to_string(++manifests_) + ".yaml", yaml).string();
}

CommandResult PodTest::run_pod(const std::string& yaml, const std::vector<std::string>& extra,
                               std::chrono::milliseconds timeout) {
  std::vector<std::string> args{"run", manifest_path(yaml)};
  args.insert(args.end(), extra.begin(), extra.end());
  return env_->minipod(args, timeout);
}

std::unique_ptr<Background> PodTest::start_pod(const std::string& yaml,
                                               const std::vector<std::string>& extra) {
  std::vector<std::string> args{"run", manifest_path(yaml)};
  args.insert(args.end(), extra.begin(), extra.end());
  return std::make_unique<Background>(env_->minipod_args(args), env_->environment());
}

std::vector<std::string> PodTest::lines_of(const std::string& output,
                                           const std::string& container) {
  std::vector<std::string> out;
  std::istringstream in(output);
  std::string line, prefix = "[" + container + "] ";
  while (std::getline(in, line))
    if (line.rfind(prefix, 0) == 0) out.push_back(line.substr(prefix.size()));
  return out;
}

}  // namespace minipod::testing
