// Hex digests of a byte string (OpenSSL's libcrypto, already linked for base64).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace minipod {

std::string sha256_hex(std::string_view data);
std::string sha512_hex(std::string_view data);

// "sha256:" and 64 lower-case hex digits: the only digests OCI content is named by here (a digest
// becomes a file name, so nothing else may pass).
bool is_sha256_digest(std::string_view digest);

// SHA-256 of a stream fed in pieces (a layer blob as it is read or downloaded, never held whole in
// memory).
class Sha256Stream {
 public:
  Sha256Stream();
  ~Sha256Stream();
  Sha256Stream(const Sha256Stream&) = delete;
  Sha256Stream& operator=(const Sha256Stream&) = delete;
  void update(const void* data, size_t size);
  void update(std::string_view data) { update(data.data(), data.size()); }
  // The hex digest of everything fed so far; the stream starts over after it.
  std::string hex();
  // "sha256:<hex>", the OCI form; the stream starts over after it.
  std::string digest() { return "sha256:" + hex(); }
  // Forgets what was fed (a download that starts again).
  void reset();

 private:
  void* ctx_;  // EVP_MD_CTX, kept out of this header
};

}  // namespace minipod
