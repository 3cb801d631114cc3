// Docker's credential helpers: programs named docker-credential-<name> in PATH that keep
// passwords in a keychain (pass, secretservice) or fetch short-lived ones (ecr-login, gcloud).
// ~/.docker/config.json names them per registry (`credHelpers`) or for all (`credsStore`).
// Protocol: `docker-credential-<name> get`, the server on stdin, JSON on stdout.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "images/registry/credentials.h"

namespace minipod::registry {

// The credentials helper `name` has for `host`; nullopt when it has none ("credentials not
// found"). Throws Error naming the helper and `config` (the file that named it) when the helper
// is missing, fails or answers something that is not its JSON.
std::optional<Credentials> helper_credentials(const std::string& name, const std::string& host,
                                              const std::filesystem::path& config);

}  // namespace minipod::registry
