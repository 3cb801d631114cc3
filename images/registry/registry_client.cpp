#include "images/registry/registry_client.h"

#include <httplib.h>

#include <algorithm>
#include <cctype>
#include <exception>
#include <thread>

#include <nlohmann/json.hpp>

#include "cni/base64.h"
#include "common/error.h"
#include "images/registry/www_authenticate.h"

namespace minipod::registry {
namespace {

constexpr const char* kManifestAccept =
    "application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, "
    "application/vnd.docker.distribution.manifest.list.v2+json, "
    "application/vnd.docker.distribution.manifest.v2+json";
constexpr size_t kMaxManifest = 4 << 20;  // distribution's own limit for a manifest
constexpr int kMaxRedirects = 5;

// A failure below HTTP (connection refused or reset, TLS, timeout): retried when transient.
struct TransportFailure {
  httplib::Error error;
  std::string url;
};

// A connection cut mid-request (reset, short read). Not a refused connection or a connect timeout:
// that registry is down, and the next mirror (or the user) should hear so at once.
bool transient(httplib::Error e) {
  switch (e) {
    case httplib::Error::Read:
    case httplib::Error::Write:
    case httplib::Error::Unknown:
      return true;
    default:
      return false;
  }
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// "https://host:5000/v2/x?y" -> origin "https://host:5000", target "/v2/x?y".
std::pair<std::string, std::string> split_url(const std::string& url) {
  auto scheme = url.find("://");
  if (scheme == std::string::npos)
    throw Error("follow a registry URL", "\"" + url + "\" is not an absolute http(s) URL");
  auto path = url.find('/', scheme + 3);
  if (path == std::string::npos) return {url, "/"};
  return {url.substr(0, path), url.substr(path)};
}

std::string percent_encode(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 0xf];
    }
  }
  return out;
}

}  // namespace

std::string api_host(const std::string& registry) {
  if (registry == "docker.io" || registry == "index.docker.io") return "registry-1.docker.io";
  return registry;
}

std::string RegistryClient::Reply::header(const std::string& name) const {
  auto it = headers.find(lower(name));
  return it == headers.end() ? "" : it->second;
}

RegistryClient::RegistryClient(Endpoint endpoint, RetryPolicy retry, PullProgress& progress)
    : endpoint_(std::move(endpoint)), retry_(retry), progress_(progress) {}

RegistryClient::~RegistryClient() = default;

std::string RegistryClient::describe() const {
  return endpoint_.host + "/" + endpoint_.repository + (endpoint_.mirror ? " (mirror)" : "");
}

httplib::Client& RegistryClient::client_for(const std::string& origin) {
  auto& slot = clients_[origin];
  if (!slot) {
    slot = std::make_unique<httplib::Client>(origin);
    slot->set_connection_timeout(std::chrono::seconds(10));
    slot->set_read_timeout(std::chrono::seconds(60));
    slot->set_follow_location(false);  // redirects are followed here, without Authorization
    slot->set_decompress(false);       // digests are of the bytes as the registry stores them
    slot->set_keep_alive(true);
    // Only the registry itself may be insecure; a redirect target (blob storage) is verified.
    if (endpoint_.insecure && origin == "https://" + api_host(endpoint_.host))
      slot->enable_server_certificate_verification(false);
  }
  return *slot;
}

std::string RegistryClient::base_url() {
  const std::string host = api_host(endpoint_.host);
  if (scheme_.empty()) {
    scheme_ = "https";
    if (endpoint_.insecure) {
      // podman's rule for an insecure registry: TLS without verification when it speaks TLS,
      // plain HTTP when it does not.
      auto result = client_for("https://" + host).Get("/v2/");
      if (!result) scheme_ = "http";
    }
  }
  return scheme_ + "://" + host;
}

RegistryClient::Reply RegistryClient::attempt(const std::string& start_url,
                                              std::map<std::string, std::string> headers,
                                              const BodySink& sink) {
  std::string url = start_url;
  std::string origin = split_url(url).first;
  for (int hop = 0; hop <= kMaxRedirects; ++hop) {
    auto [this_origin, target] = split_url(url);
    if (this_origin != origin) {
      // Blob storage (S3, a CDN) gets its own signed URL; the registry's token is not for it.
      headers.erase("Authorization");
      origin = this_origin;
    }
    httplib::Headers h(headers.begin(), headers.end());
    Reply reply;
    bool to_sink = false;
    std::exception_ptr sink_failure;
    auto result = client_for(origin).Get(
        target, h,
        [&](const httplib::Response& response) {
          reply.status = response.status;
          for (const auto& [k, v] : response.headers) reply.headers.emplace(lower(k), v);
          to_sink = response.status >= 200 && response.status < 300;
          return true;
        },
        [&](const char* data, size_t size) {
          if (!to_sink) {
            if (reply.error_body.size() < 4096)
              reply.error_body.append(data, std::min<size_t>(size, 4096 - reply.error_body.size()));
            return true;
          }
          // The sink's failure (a full disk, more bytes than declared) cancels the transfer and
          // is rethrown below: exceptions are not thrown through the HTTP library.
          try {
            sink.write(data, size);
            return true;
          } catch (...) {
            sink_failure = std::current_exception();
            return false;
          }
        });
    if (sink_failure) std::rethrow_exception(sink_failure);
    if (!result) throw TransportFailure{result.error(), url};
    if (reply.status >= 300 && reply.status < 400) {
      std::string location = reply.header("Location");
      if (location.empty())
        throw Error("GET " + url,
                    "redirect " + std::to_string(reply.status) + " without a Location header");
      url = location.find("://") != std::string::npos ? location : origin + location;
      continue;
    }
    return reply;
  }
  throw Error("GET " + start_url, "more than " + std::to_string(kMaxRedirects) + " redirects");
}

RegistryClient::Reply RegistryClient::request(const std::string& path,
                                              const std::map<std::string, std::string>& headers,
                                              const BodySink& sink, const std::string& scope) {
  bool authenticated = false;
  std::string last_failure;
  auto delay = retry_.first_delay;
  for (int attempt_no = 1; attempt_no <= retry_.attempts; ++attempt_no) {
    if (!authorization_.empty() && std::chrono::steady_clock::now() >= authorization_expires_)
      authorization_.clear();  // an expired token: the registry's 401 gets a fresh one
    auto h = headers;
    if (!authorization_.empty()) h["Authorization"] = authorization_;
    if (sink.reset) sink.reset();
    const std::string url = base_url() + path;
    std::chrono::milliseconds wait = delay;
    try {
      Reply reply = attempt(url, h, sink);
      if (reply.status == 401 && !authenticated) {
        authenticate(reply, scope);
        authenticated = true;
        --attempt_no;  // authenticating is not a failed attempt
        continue;
      }
      if (reply.status < 500 && reply.status != 429) return reply;
      last_failure = "HTTP " + std::to_string(reply.status);
      if (std::string after = reply.header("Retry-After");
          !after.empty() &&
          std::all_of(after.begin(), after.end(), [](char c) { return c >= '0' && c <= '9'; }))
        wait = std::min<std::chrono::milliseconds>(
            std::chrono::seconds(std::stoll(after.substr(0, 6))), retry_.max_delay);
    } catch (const TransportFailure& f) {
      last_failure = httplib::to_string(f.error) + " (" + f.url + ")";
      if (!transient(f.error))
        throw Error("GET " + url, "cannot talk to " + describe() + ": " + last_failure);
    }
    if (attempt_no == retry_.attempts) break;
    progress_.note("retrying " + endpoint_.host + path + " in " + std::to_string(wait.count()) +
                   " ms: " + last_failure + " (attempt " + std::to_string(attempt_no) + " of " +
                   std::to_string(retry_.attempts) + ")");
    std::this_thread::sleep_for(wait);
    delay = std::min(delay * 2, retry_.max_delay);
  }
  throw Error("GET " + base_url() + path,
              "gave up after " + std::to_string(retry_.attempts) + " attempts: " + last_failure);
}

void RegistryClient::authenticate(const Reply& unauthorized, const std::string& scope) {
  const std::string step = "authenticate to " + endpoint_.host;
  std::string header = unauthorized.header("WWW-Authenticate");
  if (header.empty())
    throw Error(step, "the registry answered 401 without a WWW-Authenticate challenge");
  Challenge challenge = parse_challenge(header);
  if (!credentials_looked_up_) {
    credentials_ = find_credentials(endpoint_.host);
    credentials_looked_up_ = true;
  }
  if (challenge.scheme == "basic") {
    if (!credentials_)
      throw Error(step, "the registry requires a login and no credentials are stored for " +
                            endpoint_.host + " (run 'minipod login " + endpoint_.host + "')");
    authorization_ =
        "Basic " + cni::base64_encode(credentials_->username + ":" + credentials_->password);
    authorization_expires_ = std::chrono::steady_clock::time_point::max();
    return;
  }
  if (challenge.scheme != "bearer")
    throw Error(step, "unsupported authentication scheme \"" + challenge.scheme +
                          "\" (expected Bearer or Basic)");
  std::string realm = challenge.param("realm");
  if (realm.empty()) throw Error(step, "the Bearer challenge has no realm: " + header);
  std::string wanted_scope = challenge.param("scope").empty() ? scope : challenge.param("scope");
  std::chrono::seconds expires_in{60};
  authorization_ =
      "Bearer " + fetch_token(realm, challenge.param("service"), wanted_scope, &expires_in);
  // Renewed a little before the registry would refuse it.
  authorization_expires_ = std::chrono::steady_clock::now() + expires_in - std::chrono::seconds(5);
}

std::string RegistryClient::fetch_token(const std::string& realm, const std::string& service,
                                        const std::string& scope,
                                        std::chrono::seconds* expires_in) {
  const std::string step = "get a token for " + endpoint_.host + " from " + realm;
  std::string url = realm;
  char sep = realm.find('?') == std::string::npos ? '?' : '&';
  if (!service.empty()) {
    url += sep + std::string("service=") + percent_encode(service);
    sep = '&';
  }
  if (!scope.empty()) url += sep + std::string("scope=") + percent_encode(scope);
  std::map<std::string, std::string> headers;
  if (credentials_)
    headers["Authorization"] =
        "Basic " + cni::base64_encode(credentials_->username + ":" + credentials_->password);
  std::string body;
  BodySink sink{[&](const char* d, size_t n) { body.append(d, n); }, [&] { body.clear(); }};
  Reply reply;
  try {
    reply = attempt(url, headers, sink);
  } catch (const TransportFailure& f) {
    throw Error(step, "cannot reach the token server: " + httplib::to_string(f.error));
  }
  if (reply.status == 401 || reply.status == 403)
    throw Error(step, credentials_ ? "the token server refused the credentials of \"" +
                                         credentials_->username + "\" stored for " + endpoint_.host
                                   : "the token server requires a login (run 'minipod login " +
                                         endpoint_.host + "')");
  if (reply.status != 200)
    throw Error(step, "the token server answered HTTP " + std::to_string(reply.status) + ": " +
                          reply.error_body);
  try {
    auto j = nlohmann::json::parse(body);
    std::string token = j.value("token", "");
    if (token.empty()) token = j.value("access_token", "");
    if (token.empty()) throw Error(step, "the answer has neither \"token\" nor \"access_token\"");
    if (j.contains("expires_in") && j["expires_in"].is_number_integer())
      *expires_in = std::chrono::seconds(std::max<int64_t>(j["expires_in"].get<int64_t>(), 10));
    return token;
  } catch (const nlohmann::json::exception& e) {
    throw Error(step, std::string("the answer is not JSON: ") + e.what());
  }
}

void RegistryClient::fail(const std::string& step, const Reply& reply) const {
  std::string detail = describe() + " answered HTTP " + std::to_string(reply.status);
  try {
    auto j = nlohmann::json::parse(reply.error_body);
    for (const auto& e : j.at("errors"))
      detail += "; " + e.value("code", "") + ": " + e.value("message", "");
  } catch (const std::exception&) {
  }
  if (reply.status == 401)
    detail += credentials_ ? " (the credentials of \"" + credentials_->username + "\" were refused)"
                           : " (no credentials stored; run 'minipod login " + endpoint_.host + "')";
  throw Error(step, detail);
}

ManifestResponse RegistryClient::get_manifest(const std::string& reference) {
  const std::string step = "fetch manifest " + endpoint_.repository + ":" + reference;
  ManifestResponse out;
  bool too_big = false;
  BodySink sink{[&](const char* d, size_t n) {
                  if (out.body.size() + n > kMaxManifest)
                    too_big = true;
                  else
                    out.body.append(d, n);
                },
                [&] { out.body.clear(); }};
  Reply reply =
      request("/v2/" + endpoint_.repository + "/manifests/" + reference,
              {{"Accept", kManifestAccept}}, sink, "repository:" + endpoint_.repository + ":pull");
  if (reply.status != 200) fail(step, reply);
  if (too_big) throw Error(step, "the manifest is larger than 4 MiB");
  out.content_type = reply.header("Content-Type");
  out.docker_content_digest = reply.header("Docker-Content-Digest");
  return out;
}

void RegistryClient::get_blob(const std::string& digest, const BodySink& sink) {
  Reply reply = request("/v2/" + endpoint_.repository + "/blobs/" + digest, {}, sink,
                        "repository:" + endpoint_.repository + ":pull");
  if (reply.status != 200) fail("fetch blob " + digest, reply);
}

void RegistryClient::check_credentials(const Credentials& credentials) {
  credentials_ = credentials;
  credentials_looked_up_ = true;
  authorization_.clear();
  BodySink sink{[](const char*, size_t) {}, {}};
  Reply reply = request("/v2/", {}, sink, "");
  if (reply.status != 200) fail("log in to " + endpoint_.host, reply);
}

}  // namespace minipod::registry
