#include "images/registry/sha256_stream.h"

#include <openssl/evp.h>

#include "common/error.h"

namespace minipod::registry {

Sha256Stream::Sha256Stream() : ctx_(EVP_MD_CTX_new()) {
  if (ctx_ == nullptr) throw Error("compute sha256", "EVP_MD_CTX_new failed");
  reset();
}

Sha256Stream::~Sha256Stream() {
  EVP_MD_CTX_free(ctx_);
}

void Sha256Stream::reset() {
  if (EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr) != 1)
    throw Error("compute sha256", "EVP_DigestInit_ex failed");
}

void Sha256Stream::update(std::string_view data) {
  if (EVP_DigestUpdate(ctx_, data.data(), data.size()) != 1)
    throw Error("compute sha256", "EVP_DigestUpdate failed");
}

std::string Sha256Stream::digest() {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ctx_, md, &len) != 1)
    throw Error("compute sha256", "EVP_DigestFinal_ex failed");
  static const char* hex = "0123456789abcdef";
  std::string out = "sha256:";
  for (unsigned int i = 0; i < len; ++i) {
    out += hex[md[i] >> 4];
    out += hex[md[i] & 0xf];
  }
  reset();
  return out;
}

}  // namespace minipod::registry
