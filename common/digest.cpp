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

Sha256Stream::Sha256Stream() : ctx_(EVP_MD_CTX_new()) {
  if (!ctx_) throw Error("compute SHA-256", "libcrypto could not start a digest");
  try {
    reset();
  } catch (...) {
    EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_));
    throw;
  }
}

void Sha256Stream::reset() {
  if (EVP_DigestInit_ex(static_cast<EVP_MD_CTX*>(ctx_), EVP_sha256(), nullptr) != 1)
    throw Error("compute SHA-256", "libcrypto could not start a digest");
}

Sha256Stream::~Sha256Stream() {
  EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_));
}

void Sha256Stream::update(const void* data, size_t size) {
  if (EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(ctx_), data, size) != 1)
    throw Error("compute SHA-256", "libcrypto refused the data");
}

std::string Sha256Stream::hex() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(ctx_), digest, &len) != 1)
    throw Error("compute SHA-256", "libcrypto could not finish the digest");
  static const char hexdigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < len; ++i) {
    out += hexdigits[digest[i] >> 4];
    out += hexdigits[digest[i] & 15];
  }
  reset();
  return out;
}

std::string sha512_hex(std::string_view data) {
  return digest_hex(data, EVP_sha512(), "SHA-512");
}

bool is_sha256_digest(std::string_view digest) {
  constexpr std::string_view kPrefix = "sha256:";
  return digest.size() == kPrefix.size() + 64 && digest.substr(0, kPrefix.size()) == kPrefix &&
         digest.find_first_not_of("0123456789abcdef", kPrefix.size()) == std::string_view::npos;
}

}  // namespace minipod
