// Registry credentials as podman and docker keep them: `auths.<host>.auth` = base64("user:pass")
// in containers' auth.json and in ~/.docker/config.json. minipod reads both and writes its own
// auth file (the containers format) on `minipod login`.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace minipod::registry {

struct Credentials {
  std::string username;
  std::string password;
};

// The auth file `minipod login` writes: $MINIPOD_AUTH_FILE, else
// $XDG_RUNTIME_DIR/containers/auth.json (podman's), else ~/.config/minipod/auth.json.
std::filesystem::path login_auth_file();

// The files credentials are looked up in, first match wins: the login file above, containers'
// auth.json ($XDG_RUNTIME_DIR/containers/auth.json), ~/.config/minipod/auth.json, then
// ~/.docker/config.json.
std::vector<std::filesystem::path> auth_files();

// The credentials stored for `host` ("127.0.0.1:5000"; keys written as URLs, such as
// "https://index.docker.io/v1/", match their host): per file, a `credHelpers` entry's helper,
// else the `auths` entry, else the `credsStore` helper (credential_helper.h). nullopt when none
// has any.
std::optional<Credentials> find_credentials(const std::string& host);

// Adds or replaces the entry of `host` in `file` (created 0600 with its directory).
void store_credentials(const std::filesystem::path& file, const std::string& host,
                       const Credentials& credentials);
// Removes the entry of `host`; false when there was none.
bool remove_credentials(const std::filesystem::path& file, const std::string& host);

}  // namespace minipod::registry
