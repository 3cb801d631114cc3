// The fixture of the `minipod cni` tests: the real minipod binary run as a user would, with the
// fake plugin linked as "a" and "b", a config dir, cache and run dir of its own.
#pragma once

#include <algorithm>

#include "common/subprocess.h"
#include "test_util.h"

namespace cni::test {

using nlohmann::json;

struct CliRun {
  int code;
  std::string out, err;
};

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* name : {"a", "b"}) test::link_plugin(bin_, name);
    conf(
        "10-mpt.conflist",
        R"({"cniVersion":"1.0.0","name":"mpt-cni-cli","plugins":[{"type":"a","addIP":"10.231.9.2/24",
      "log":")" +
            log_ + R"("},{"type":"b","capabilities":{"portMappings":true},"log":")" + log_ +
            R"("}]})");
  }
  void conf(const std::string& file, const std::string& content) {
    test::write(tmp_ / ("net.d/" + file), content);
  }

  CliRun run(std::vector<std::string> args, std::vector<std::string> env = {}) {
    minipod::ProcessRequest req;
    req.path = CLI_DRIVER;
    req.argv = {"minipod"};
    req.argv.insert(req.argv.end(), args.begin(), args.end());
    req.env = minipod::current_environment();
    std::erase_if(req.env, [](const std::string& kv) {
      return kv.starts_with("CNI_") || kv.starts_with("NETCONFPATH=") ||
             kv.starts_with("CAP_ARGS=") || kv.starts_with("MINIPOD_RUN_DIR=");
    });
    req.env.push_back("NETCONFPATH=" + tmp_ / "net.d");
    req.env.push_back("MINIPOD_RUN_DIR=" + tmp_ / "run");  // the network locks
    req.env.push_back("CNI_PATH=" + bin_);
    // A variable given here replaces the fixture's (getenv() would find the first of two).
    for (const auto& kv : env) {
      std::string key = kv.substr(0, kv.find('=') + 1);
      std::erase_if(req.env, [&](const std::string& e) { return e.starts_with(key); });
      req.env.push_back(kv);
    }
    req.timeout = std::chrono::seconds(30);
    auto r = minipod::run_process(req);
    return CliRun{r.exit_code, r.out, r.err};
  }
  std::vector<std::string> with_cache(std::vector<std::string> args) {
    args.insert(args.begin() + 1, {"--cache-dir", cache_});
    return args;
  }
  bool cache_empty() {
    return !std::filesystem::exists(cache_) || std::filesystem::is_empty(cache_);
  }
  static bool one_line(const std::string& s) {
    return !s.empty() && std::count(s.begin(), s.end(), '\n') == 1;
  }

  TempDir tmp_;
  std::string bin_ = tmp_ / "bin";
  std::string log_ = tmp_ / "log.jsonl";
  std::string cache_ = tmp_ / "cache";
  std::string netns_ = "/run/netns/mpt-cni-none";
};

}  // namespace cni::test
