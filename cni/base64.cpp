#include "cni/base64.h"

#include <openssl/evp.h>

namespace cni {

// OpenSSL's EVP block coder does the work; this file only adapts it to strings and to the
// standard padded alphabet that Go's encoding/base64 (and so libcni's cache) uses.

std::string base64_encode(std::string_view data) {
  std::string out(4 * ((data.size() + 2) / 3), '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(data.data()),
                          static_cast<int>(data.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) return std::nullopt;
  if (text.empty()) return std::string();
  // EVP_DecodeBlock tolerates padding in the middle; Go (and so libcni) does not.
  auto first_pad = text.find('=');
  if (first_pad != std::string_view::npos && first_pad < text.size() - 2) return std::nullopt;
  if (first_pad == text.size() - 2 && text.back() != '=') return std::nullopt;
  std::string out(3 * text.size() / 4, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(text.data()),
                          static_cast<int>(text.size()));
  if (n < 0) return std::nullopt;
  // EVP_DecodeBlock counts the bytes that padding stands for; drop them.
  size_t pad = text.ends_with("==") ? 2 : text.ends_with("=") ? 1 : 0;
  out.resize(static_cast<size_t>(n) - pad);
  return out;
}

}  // namespace cni
