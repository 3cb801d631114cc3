#include "images/registry/credential_helper.h"

#include <unistd.h>

#include <cstdlib>
#include <sstream>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "common/subprocess.h"

namespace minipod::registry {
namespace {

std::optional<std::filesystem::path> in_path(const std::string& program) {
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    if (dir.empty()) continue;
    auto candidate = std::filesystem::path(dir) / program;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return std::nullopt;
}

// Docker Hub is known to helpers by its v1 index URL; every other registry by its host.
std::string server_url(const std::string& host) {
  if (host == "docker.io" || host == "index.docker.io" || host == "registry-1.docker.io")
    return "https://index.docker.io/v1/";
  return host;
}

}  // namespace

std::optional<Credentials> helper_credentials(const std::string& name, const std::string& host,
                                              const std::filesystem::path& config) {
  const std::string program = "docker-credential-" + name;
  const std::string step =
      "get credentials for " + host + " from " + program + " (named in " + config.string() + ")";
  if (name.empty() || name.find('/') != std::string::npos)
    throw Error(step, "\"" + name + "\" is not a helper name (docker-credential-<name> in PATH)");
  auto binary = in_path(program);
  if (!binary) throw Error(step, program + " is not in PATH");
  ProcessRequest req;
  req.path = binary->string();
  req.argv = {program, "get"};
  req.env = current_environment();
  req.stdin_data = server_url(host);
  req.timeout = std::chrono::seconds(30);
  ProcessResult r = run_process(req);
  std::string said = r.out + r.err;
  if (!r.ok()) {
    // The protocol's answer for "nothing stored" (docker/docker-credential-helpers).
    if (said.find("credentials not found") != std::string::npos) return std::nullopt;
    while (!said.empty() && (said.back() == '\n' || said.back() == ' ')) said.pop_back();
    throw Error(step, r.timed_out
                          ? "it did not answer within 30 s"
                          : "it failed (exit code " + std::to_string(r.exit_code) + "): " + said);
  }
  auto answer = nlohmann::json::parse(r.out, nullptr, false);
  if (!answer.is_object() || !answer.contains("Username") || !answer["Username"].is_string() ||
      !answer.contains("Secret") || !answer["Secret"].is_string())
    throw Error(step, "expected {\"Username\": ..., \"Secret\": ...} on its stdout, got: " +
                          r.out.substr(0, 200));
  std::string user = answer["Username"];
  if (user == "<token>")
    throw Error(step,
                "it holds an identity token (OAuth refresh token), which minipod cannot use yet; "
                "log in with a user name and password (minipod login " +
                    host + ")");
  return Credentials{user, answer["Secret"]};
}

}  // namespace minipod::registry
