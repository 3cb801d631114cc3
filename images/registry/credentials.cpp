#include "images/registry/credentials.h"

#include <cstdlib>

#include <nlohmann/json.hpp>

#include "cni/base64.h"
#include "common/error.h"
#include "common/fs.h"
#include "images/registry/credential_helper.h"

namespace minipod::registry {
namespace {

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? "" : value;
}

std::filesystem::path home() {
  std::string h = env("HOME");
  return h.empty() ? std::filesystem::path("/root") : std::filesystem::path(h);
}

// "https://index.docker.io/v1/" -> "index.docker.io"; "host:5000" stays.
std::string key_host(std::string key) {
  if (auto scheme = key.find("://"); scheme != std::string::npos) key = key.substr(scheme + 3);
  return key.substr(0, key.find('/'));
}

// Docker Hub's credentials are stored under its v1 index name.
bool same_registry(const std::string& key, const std::string& host) {
  std::string k = key_host(key);
  if (k == host) return true;
  auto hub = [](const std::string& h) {
    return h == "docker.io" || h == "index.docker.io" || h == "registry-1.docker.io";
  };
  return hub(k) && hub(host);
}

nlohmann::json read_json(const std::filesystem::path& file) {
  auto text = fs::read_file_if_exists(file);
  if (!text) return nlohmann::json::object();
  try {
    auto j = nlohmann::json::parse(*text);
    if (!j.is_object()) throw Error("read credentials " + file.string(), "expected a JSON object");
    return j;
  } catch (const nlohmann::json::exception& e) {
    throw Error("read credentials " + file.string(), std::string("not valid JSON: ") + e.what());
  }
}

}  // namespace

std::filesystem::path login_auth_file() {
  if (std::string f = env("MINIPOD_AUTH_FILE"); !f.empty()) return f;
  if (std::string run = env("XDG_RUNTIME_DIR"); !run.empty())
    return std::filesystem::path(run) / "containers/auth.json";
  return home() / ".config/minipod/auth.json";
}

std::vector<std::filesystem::path> auth_files() {
  std::vector<std::filesystem::path> files{login_auth_file()};
  auto add = [&](const std::filesystem::path& p) {
    for (const auto& f : files)
      if (f == p) return;
    files.push_back(p);
  };
  if (std::string run = env("XDG_RUNTIME_DIR"); !run.empty())
    add(std::filesystem::path(run) / "containers/auth.json");
  add(home() / ".config/minipod/auth.json");
  add(home() / ".docker/config.json");
  return files;
}

std::optional<Credentials> find_credentials(const std::string& host) {
  for (const auto& file : auth_files()) {
    nlohmann::json j = read_json(file);
    // Docker's order: the registry's own helper, then the file's entry, then the default store.
    if (auto helpers = j.find("credHelpers"); helpers != j.end() && helpers->is_object())
      for (const auto& [key, name] : helpers->items())
        if (same_registry(key, host) && name.is_string())
          return helper_credentials(name.get<std::string>(), host, file);
    if (auto auths = j.find("auths"); auths != j.end() && auths->is_object())
      for (const auto& [key, entry] : auths->items()) {
        if (!same_registry(key, host) || !entry.is_object()) continue;
        std::string encoded = entry.value("auth", "");
        if (encoded.empty()) continue;  // a placeholder that credsStore fills
        auto decoded = cni::base64_decode(encoded);
        auto colon = decoded ? decoded->find(':') : std::string::npos;
        if (colon == std::string::npos)
          throw Error("read credentials " + file.string(),
                      "auths.\"" + key + "\".auth is not base64 of user:password");
        return Credentials{decoded->substr(0, colon), decoded->substr(colon + 1)};
      }
    if (auto store = j.find("credsStore"); store != j.end() && store->is_string())
      if (auto found = helper_credentials(store->get<std::string>(), host, file)) return found;
  }
  return std::nullopt;
}

void store_credentials(const std::filesystem::path& file, const std::string& host,
                       const Credentials& credentials) {
  nlohmann::json j = read_json(file);
  if (!j.contains("auths") || !j["auths"].is_object()) j["auths"] = nlohmann::json::object();
  j["auths"][host] = {
      {"auth", cni::base64_encode(credentials.username + ":" + credentials.password)}};
  fs::make_dirs(file.parent_path(), 0700);
  fs::write_file_atomic(file, j.dump(1, '\t') + "\n", 0600);
}

bool remove_credentials(const std::filesystem::path& file, const std::string& host) {
  nlohmann::json j = read_json(file);
  auto auths = j.find("auths");
  if (auths == j.end() || !auths->is_object() || auths->erase(host) == 0) return false;
  fs::write_file_atomic(file, j.dump(1, '\t') + "\n", 0600);
  return true;
}

}  // namespace minipod::registry
