// One registry repository seen through the distribution API (/v2/): manifests and blobs fetched
// with authentication (anonymous, Bearer token from WWW-Authenticate, Basic), retries of
// transient failures, and redirects followed without leaking the Authorization header.
//
// HTTP and TLS come from cpp-httplib (Debian's libcpp-httplib-dev, over OpenSSL). Debian ships it
// as a shared library only, and libcurl's dependencies have no static archives either, so the
// registry code cannot go into the static-PIE `minipod`: it lives in the dynamically linked
// `minipod-pull` helper that minipod runs for login, logout and pull (pulls are rare; `run` of a
// present image keeps its static fast path). cpp-httplib rather than libcurl: a C++ API that
// streams a body to a callback, and the same library serves the fake registries of the tests.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "images/registry/credentials.h"
#include "images/registry/progress.h"
#include "images/registry/registries_conf.h"

namespace httplib {
class Client;
}

namespace minipod::registry {

struct RetryPolicy {
  int attempts = 5;                            // tries of one request in all
  std::chrono::milliseconds first_delay{200};  // doubled after each failure
  std::chrono::milliseconds max_delay{5000};
};

// Receives a response body; `reset` starts it over when a request is retried.
struct BodySink {
  std::function<void(const char* data, size_t size)> write;
  std::function<void()> reset;
};

struct ManifestResponse {
  std::string body;
  std::string content_type;
  std::string docker_content_digest;
};

class RegistryClient {
 public:
  RegistryClient(Endpoint endpoint, RetryPolicy retry, PullProgress& progress);
  ~RegistryClient();
  RegistryClient(const RegistryClient&) = delete;
  RegistryClient& operator=(const RegistryClient&) = delete;

  // GET /v2/<repo>/manifests/<reference>, accepting OCI index and manifest, Docker manifest list
  // and schema 2 (never schema 1, which the registry sends to clients that accept nothing).
  ManifestResponse get_manifest(const std::string& reference);
  // GET /v2/<repo>/blobs/<digest>, streamed into `sink`.
  void get_blob(const std::string& digest, const BodySink& sink);
  // GET /v2/ with `credentials` (what `minipod login` checks). Throws Error when refused.
  void check_credentials(const Credentials& credentials);

  const Endpoint& endpoint() const { return endpoint_; }
  std::string describe() const;  // "127.0.0.1:5000/app (mirror)"

 private:
  struct Reply {
    int status = 0;
    std::multimap<std::string, std::string, std::less<>> headers;
    std::string error_body;  // the start of a non-2xx body (the registry's error JSON)
    std::string header(const std::string& name) const;
  };

  // One request with retries, redirects and authentication; 2xx bodies go to `sink`.
  Reply request(const std::string& path, const std::map<std::string, std::string>& headers,
                const BodySink& sink, const std::string& scope);
  // One attempt: follows redirects, no retries, no authentication handling.
  Reply attempt(const std::string& url, std::map<std::string, std::string> headers,
                const BodySink& sink);
  void authenticate(const Reply& unauthorized, const std::string& scope);
  std::string fetch_token(const std::string& realm, const std::string& service,
                          const std::string& scope, std::chrono::seconds* expires_in);
  httplib::Client& client_for(const std::string& origin);
  std::string base_url();
  [[noreturn]] void fail(const std::string& step, const Reply& reply) const;

  Endpoint endpoint_;
  RetryPolicy retry_;
  PullProgress& progress_;
  std::optional<Credentials> credentials_;
  bool credentials_looked_up_ = false;
  std::string scheme_;  // "https" or, for an insecure registry that does not speak TLS, "http"
  std::string authorization_;  // the header value for this repository's scope
  std::chrono::steady_clock::time_point authorization_expires_ =
      std::chrono::steady_clock::time_point::max();
  std::map<std::string, std::unique_ptr<httplib::Client>> clients_;  // by origin, kept alive
};

// The distribution API's host of a registry name (Docker Hub answers at registry-1.docker.io).
std::string api_host(const std::string& registry);

}  // namespace minipod::registry
