// The minipod command line, run as a user would (the real binary): errors on one line starting
// with "minipod: ", exit code 2 for wrong usage, `run -`, `version`.
#include <seccomp.h>

#include <filesystem>
#include <regex>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "cni/version.h"
#include "common/subprocess.h"
#include "tests/support/temp_dir.h"

namespace minipod {
namespace {

struct Run {
  int code;
  std::string out, err;
};

Run minipod(std::vector<std::string> args, const std::string& stdin_data = "",
            std::vector<std::string> env = {}) {
  ProcessRequest req;
  req.path = CLI_DRIVER;
  req.argv = {"minipod"};
  req.argv.insert(req.argv.end(), args.begin(), args.end());
  req.env = current_environment();
  req.env.insert(req.env.end(), env.begin(), env.end());
  req.stdin_data = stdin_data;
  req.timeout = std::chrono::seconds(30);
  auto r = run_process(req);
  EXPECT_FALSE(r.timed_out);
  return Run{r.exit_code, r.out, r.err};
}

const char* const kVerbs =
    "run, ps, inspect, logs, exec, debug, stop, rm, gc, image, login, logout, cni, net, version";

TEST(Cli, UnknownVerbIsNamedWithTheVerbs) {
  auto r = minipod({"--trace", "frobnicate", "x"});
  EXPECT_EQ(r.code, 2);
  EXPECT_EQ(r.err, std::string("minipod: unknown command \"frobnicate\"; the commands are: ") +
                       kVerbs + "\n");
  auto nested = minipod({"--image-dir", "/nowhere", "cni", "--cni-conf-dir", "/tmp", "frob"});
  EXPECT_EQ(nested.code, 2);
  EXPECT_TRUE(
      nested.err.starts_with("minipod: unknown command \"cni frob\"; the cni commands are: add, "))
      << nested.err;
  auto none = minipod({});
  EXPECT_EQ(none.code, 2);
  EXPECT_EQ(none.err,
            std::string("minipod: a command is required; the commands are: ") + kVerbs + "\n");
}

TEST(Cli, ParserErrorsAreOneLineStartingWithMinipod) {
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"ps", "--bogus"}, {"logs"}, {"cni"}, {"stop", "p", "--grace", "soon"}}) {
    auto r = minipod(args);
    EXPECT_EQ(r.code, 2) << args[0];
    EXPECT_TRUE(r.err.starts_with("minipod: ")) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
  EXPECT_EQ(minipod({"logs"}).err, "minipod: pod is required (see 'minipod logs --help')\n");
}

TEST(Cli, NegativeCountsAreRefusedNamingTheFlag) {
  struct Case {
    std::vector<std::string> args;
    std::string err;
  } cases[] = {
      {{"logs", "p", "--tail", "-1"},
       "minipod: --tail: must be a number of lines >= 0, got \"-1\" (see 'minipod logs --help')\n"},
      {{"stop", "p", "--grace=-5"},
       "minipod: --grace: must be a number of seconds >= 0, got \"-5\" (see 'minipod stop "
       "--help')\n"},
      {{"run", "--grace", "-1", "-"},
       "minipod: --grace: must be a number of seconds >= 0, got \"-1\" (see 'minipod run "
       "--help')\n"},
  };
  for (const auto& c : cases) {
    auto r = minipod(c.args);
    EXPECT_EQ(r.code, 2) << c.args[0];
    EXPECT_EQ(r.err, c.err);
  }
}

// `run -` reads the manifest from stdin, and names it <stdin> in errors. Both manifests are
// refused before anything is created.
TEST(Cli, RunReadsTheManifestFromStdin) {
  testing_support::TempDir dir;
  std::vector<std::string> env{"MINIPOD_IMAGE_DIR=" + dir / "images",
                               "MINIPOD_RUN_DIR=" + dir / "run", "MINIPOD_DATA_DIR=" + dir / "data",
                               "MINIPOD_LOG_DIR=" + dir / "log"};
  auto bad = minipod({"run", "-"}, "{},\nx", env);
  EXPECT_EQ(bad.code, 2);
  EXPECT_TRUE(bad.err.starts_with("minipod: <stdin>: line 1, column 3: invalid YAML: ','"))
      << bad.err;
  auto no_image = minipod({"run", "-"},
                          "apiVersion: v1\nkind: Pod\nmetadata: {name: mpt-stdin}\n"
                          "spec: {containers: [{name: c, image: mpt-none, imagePullPolicy: "
                          "Never}]}\n",
                          env);
  EXPECT_EQ(no_image.code, 2);
  EXPECT_TRUE(no_image.err.starts_with("minipod: <stdin>: spec.containers[0].image: "))
      << no_image.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "run/pods"));
}

// `net show` reads only (ip, iptables-save, the records): any user runs it. With no pods in its
// run dir it still draws the host; a format it does not know is a usage error.
TEST(Cli, NetShowDrawsTheHostAndRefusesUnknownFormats) {
  testing_support::TempDir dir;
  std::vector<std::string> env{"MINIPOD_RUN_DIR=" + dir / "run"};
  auto text = minipod({"net", "show"}, "", env);
  EXPECT_EQ(text.code, 0) << text.err;
  EXPECT_FALSE(text.out.empty());
  auto svg = minipod({"net", "show", "--format", "svg", "-o", dir / "net.svg"}, "", env);
  EXPECT_EQ(svg.code, 0) << svg.err;
  EXPECT_TRUE(svg.err.starts_with("minipod: wrote " + dir / "net.svg" + " (")) << svg.err;
  EXPECT_TRUE(fs::read_file(dir.path() / "net.svg").starts_with("<?xml"));
  auto png = minipod({"net", "show", "--format", "png"}, "", env);
  EXPECT_EQ(png.code, 2);
  EXPECT_TRUE(png.err.starts_with("minipod: --format: png not in {text,dot,svg}")) << png.err;
  auto nowhere = minipod({"net", "show", "-o", dir / "no/such/dir/net.txt"}, "", env);
  EXPECT_EQ(nowhere.code, 1);
  EXPECT_TRUE(nowhere.err.starts_with("minipod: net show: write the drawing to " +
                                      dir / "no/such/dir/net.txt"))
      << nowhere.err;
  EXPECT_EQ(minipod({"net"}).code, 2);
}

TEST(Cli, VersionSaysWhatMinipodIsMadeOf) {
  auto j = minipod({"version", "-o", "json"});
  ASSERT_EQ(j.code, 0) << j.err;
  auto v = nlohmann::json::parse(j.out);
  EXPECT_EQ(v["version"], MINIPOD_TEST_VERSION);
  EXPECT_TRUE(
      std::regex_match(v["commit"].get<std::string>(), std::regex("[0-9a-f]{40}(-dirty)?|unknown")))
      << v["commit"];
  const scmp_version* s = seccomp_version();
  EXPECT_EQ(
      v["libraries"]["libseccomp"],
      std::to_string(s->major) + "." + std::to_string(s->minor) + "." + std::to_string(s->micro));
  for (const char* lib : {"libcap", "yaml-cpp", "nlohmann-json", "CLI11", "OpenSSL"})
    EXPECT_TRUE(std::regex_match(v["libraries"][lib].get<std::string>(),
                                 std::regex("[0-9]+\\.[0-9]+(\\.[0-9]+)?[a-z]?")))
        << lib << ": " << v["libraries"][lib];
  EXPECT_EQ(v["cniVersions"], nlohmann::json(cni::supported_versions()));

  auto text = minipod({"version"});
  ASSERT_EQ(text.code, 0) << text.err;
  EXPECT_TRUE(std::regex_search(
      text.out, std::regex(std::string("^minipod +") + MINIPOD_TEST_VERSION + "\ncommit +")))
      << text.out;
  EXPECT_TRUE(std::regex_search(text.out, std::regex("\nCNI spec +0\\.1\\.0 .*1\\.1\\.0\n$")))
      << text.out;
  EXPECT_EQ(minipod({"version", "-o", "yaml"}).err,
            "minipod: --output: \"yaml\" is not one of text, json\n");
}

}  // namespace
}  // namespace minipod
