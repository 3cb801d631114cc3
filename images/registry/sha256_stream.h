// SHA-256 of bytes as they stream past (a blob while it downloads), with OpenSSL's EVP.
#pragma once

#include <memory>
#include <string>
#include <string_view>

typedef struct evp_md_ctx_st EVP_MD_CTX;

namespace minipod::registry {

class Sha256Stream {
 public:
  Sha256Stream();
  ~Sha256Stream();
  Sha256Stream(const Sha256Stream&) = delete;
  Sha256Stream& operator=(const Sha256Stream&) = delete;

  void update(std::string_view data);
  // "sha256:<hex>" of everything so far; the stream starts over afterwards.
  std::string digest();
  void reset();

 private:
  EVP_MD_CTX* ctx_;
};

}  // namespace minipod::registry
