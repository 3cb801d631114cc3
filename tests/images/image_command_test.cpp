// `minipod image ...` through CLI11, as main() wires it: the store directory is read only after
// parsing, so --image-dir given after registration is honoured.
#include "images/cli/image_command.h"

#include <cstdio>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "tests/support/temp_dir.h"

namespace minipod::images::cli {
namespace {

using testing_support::TempDir;

// Runs one command line the way main() does and returns what it printed on stdout.
std::string run_cli(std::vector<std::string> args) {
  CLI::App app{"minipod"};
  app.require_subcommand(1);
  std::string image_dir = "/nonexistent-default";
  app.add_option("--image-dir", image_dir);
  add_image_commands(app, image_dir, [] { return std::vector<std::filesystem::path>{}; });
  std::vector<const char*> argv = {"minipod"};
  for (const auto& a : args) argv.push_back(a.c_str());
  ::testing::internal::CaptureStdout();
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
  } catch (...) {
    std::fflush(stdout);
    ::testing::internal::GetCapturedStdout();
    throw;
  }
  std::fflush(stdout);
  return ::testing::internal::GetCapturedStdout();
}

TEST(ImageCommand, BuildListInspectRemove) {
  TempDir tmp;
  std::string dir = (tmp.path() / "images").string();
  EXPECT_EQ(run_cli({"--image-dir", dir, "image", "ls"}),
            "NAME  DIGEST                     SIZE  CREATED\n");
  EXPECT_NE(run_cli({"--image-dir", dir, "image", "build", "busybox"}).find("built image busybox"),
            std::string::npos);

  std::string table = run_cli({"--image-dir", dir, "image", "ls"});
  EXPECT_EQ(table.rfind("NAME ", 0), 0u) << table;
  EXPECT_NE(table.find("\nbusybox "), std::string::npos) << table;
  EXPECT_NE(table.find(" MiB "), std::string::npos) << table;

  auto json =
      nlohmann::json::parse(run_cli({"--image-dir", dir, "image", "ls", "--output", "json"}));
  ASSERT_TRUE(json.is_array());
  ASSERT_EQ(json.size(), 1u);
  EXPECT_EQ(json[0]["name"], "busybox");
  EXPECT_EQ(json[0]["config"]["cmd"], nlohmann::json::array({"sh"}));
  EXPECT_EQ(json[0]["rootfs"], dir + "/busybox/rootfs");

  auto inspect =
      nlohmann::json::parse(run_cli({"--image-dir", dir, "image", "inspect", "busybox"}));
  EXPECT_EQ(inspect["name"], "busybox");

  EXPECT_EQ(run_cli({"--image-dir", dir, "image", "rm", "busybox"}), "removed image busybox\n");
  EXPECT_EQ(nlohmann::json::parse(run_cli({"--image-dir", dir, "image", "ls", "-o", "json"})),
            nlohmann::json::array());
}

TEST(ImageCommand, ErrorsAreUsageErrors) {
  TempDir tmp;
  std::string dir = (tmp.path() / "images").string();
  EXPECT_THROW(run_cli({"--image-dir", dir, "image", "rm", "ghost"}), UsageError);
  EXPECT_THROW(run_cli({"--image-dir", dir, "image", "inspect", "ghost"}), UsageError);
  EXPECT_THROW(run_cli({"--image-dir", dir, "image", "build", "alpine"}), UsageError);
  EXPECT_THROW(run_cli({"--image-dir", dir, "image", "import", "Bad/Name", "/"}), UsageError);
  EXPECT_THROW(run_cli({"--image-dir", dir, "image", "ls", "--output", "yaml"}),
               CLI::ValidationError);
  EXPECT_THROW(run_cli({"--image-dir", dir, "image"}), CLI::RequiredError);
}

}  // namespace
}  // namespace minipod::images::cli
