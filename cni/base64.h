// Standard base64 with padding (RFC 4648), as Go's encoding/json writes []byte: the cache
// stores the conflist bytes this way. Backed by OpenSSL, which minipod links anyway.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace cni {

std::string base64_encode(std::string_view data);
// nullopt on any character outside the alphabet or a bad length/padding.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace cni
