// Shared fixture of the pod integration tests: one private environment per suite (images,
// network, state dirs), and after every test a check that nothing was left on the host.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "tests/support/host_env.h"
#include "tests/support/suite_setup.h"

namespace minipod::testing {

class PodTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite();
  static void TearDownTestSuite();
  // Skips the test, with the reason, when not run as root. Subclasses that override SetUp or
  // TearDown call these first and return when IsSkipped().
  void SetUp() override;
  void TearDown() override;

  static HostEnv& env() { return *env_; }
  // Writes `yaml` to a file and runs `minipod run` on it to the end.
  CommandResult run_pod(const std::string& yaml, const std::vector<std::string>& extra = {},
                        std::chrono::milliseconds timeout = std::chrono::seconds(60));
  std::unique_ptr<Background> start_pod(const std::string& yaml,
                                        const std::vector<std::string>& extra = {});
  std::string manifest_path(const std::string& yaml);

  // Lines printed by one container ("[name] text" -> "text").
  static std::vector<std::string> lines_of(const std::string& output, const std::string& container);

 private:
  static std::unique_ptr<HostEnv> env_;
  static SuiteSetup setup_;
  int manifests_ = 0;
};

}  // namespace minipod::testing
