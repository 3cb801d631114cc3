// `minipod version [-o json]`: what a bug report needs: minipod's version and the commit it was
// built from, the versions of the libraries linked into it (minipod is a static PIE: these are
// the versions it carries, whatever the host has installed now), and the CNI spec versions it
// speaks.
#include <openssl/crypto.h>
#include <seccomp.h>
#include <sys/capability.h>
#include <CLI/Version.hpp>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "cni/version.h"
#include "common/error.h"
#include "common/strings.h"
#include "common/table.h"
#include "minipod_commit.h"  // generated at build time by cmake/git_commit.cmake
#include "runtime/cli/commands.h"

namespace minipod::cli {
namespace {

// Name and version of each library, in link order of importance.
std::vector<std::pair<std::string, std::string>> libraries() {
  const scmp_version* seccomp = seccomp_version();         // the library's own, at run time
  std::string openssl = OpenSSL_version(OPENSSL_VERSION);  // "OpenSSL 3.0.11 19 Sep 2023"
  if (openssl.starts_with("OpenSSL ")) openssl = openssl.substr(8);
  if (auto space = openssl.find(' '); space != std::string::npos) openssl.resize(space);
  return {
      {"libseccomp", std::to_string(seccomp->major) + "." + std::to_string(seccomp->minor) + "." +
                         std::to_string(seccomp->micro)},
      // libcap has no run-time version call; its header says what it was built against.
      {"libcap", std::to_string(LIBCAP_MAJOR) + "." + std::to_string(LIBCAP_MINOR)},
      {"yaml-cpp", MINIPOD_YAML_CPP_VERSION},  // yaml-cpp 0.7's headers carry no version
      {"nlohmann-json", std::to_string(NLOHMANN_JSON_VERSION_MAJOR) + "." +
                            std::to_string(NLOHMANN_JSON_VERSION_MINOR) + "." +
                            std::to_string(NLOHMANN_JSON_VERSION_PATCH)},
      {"CLI11", CLI11_VERSION},
      {"OpenSSL", openssl},
  };
}

void run_version(const std::string& output) {
  if (output != "text" && output != "json")
    throw UsageError("--output", "\"" + output + "\" is not one of text, json");
  const auto libs = libraries();
  const auto& cni_versions = cni::supported_versions();
  if (output == "json") {
    nlohmann::json j = {{"version", MINIPOD_VERSION}, {"commit", MINIPOD_GIT_COMMIT}};
    j["libraries"] = nlohmann::json::object();
    for (const auto& [name, version] : libs) j["libraries"][name] = version;
    j["cniVersions"] = cni_versions;
    std::printf("%s\n", j.dump(2).c_str());
    return;
  }
  std::vector<std::vector<std::string>> rows{{"minipod", MINIPOD_VERSION},
                                             {"commit", MINIPOD_GIT_COMMIT}};
  for (const auto& [name, version] : libs) rows.push_back({name, version});
  rows.push_back({"CNI spec", join(cni_versions, " ")});
  print_table(rows, 2);
}

}  // namespace

void add_version_command(CLI::App& app) {
  auto output = std::make_shared<std::string>("text");
  auto* cmd = app.add_subcommand(
      "version", "Show minipod's version and commit, its libraries and the CNI versions it speaks");
  cmd->add_option("--output,-o", *output, "text or json")->capture_default_str();
  cmd->callback([output] { run_version(*output); });
}

}  // namespace minipod::cli
