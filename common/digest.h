// Hex digests of a byte string (OpenSSL's libcrypto, already linked for base64).
#pragma once

#include <string>
#include <string_view>

namespace minipod {

std::string sha256_hex(std::string_view data);
std::string sha512_hex(std::string_view data);

}  // namespace minipod
