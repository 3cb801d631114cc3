#include "common/digest.h"

#include <openssl/evp.h>

#include "common/error.h"

namespace minipod {
namespace {

std::string digest_hex(std::string_view data, const EVP_MD* md, const char* name) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), digest, &len, md, nullptr) != 1)
    throw Error(std::string("compute ") + name, "libcrypto refused the digest");
  static const char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (unsigned i = 0; i < len; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 15];
  }
  return out;
}

}  // namespace

std::string sha256_hex(std::string_view data) {
  return digest_hex(data, EVP_sha256(), "SHA-256");
}

std::string sha512_hex(std::string_view data) {
  return digest_hex(data, EVP_sha512(), "SHA-512");
}

}  // namespace minipod
