// `minipod image pull REF --oci-layout DIR`, `login` and `logout` against Debian's
// docker-registry started on a free 127.0.0.1 port (plain HTTP, declared insecure in the test's
// registries.conf), with images built offline by buildah. Protocol edge cases (a token server,
// redirects to another host, 503s, corrupted blobs) come from small cpp-httplib servers in front
// of the registry.
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <csignal>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include <nlohmann/json.hpp>

#include "cni/base64.h"
#include "common/digest.h"
#include "common/fs.h"
#include "common/subprocess.h"
#include "tests/support/host_env.h"
#include "tests/support/suite_setup.h"
#include "tests/support/temp_dir.h"

namespace minipod::registry {
namespace {

using ::testing::HasSubstr;
using testing_support::TempDir;
namespace fsys = std::filesystem;

int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

std::string sh(const std::string& command) {
  ProcessRequest req;
  req.path = "/bin/sh";
  req.argv = {"sh", "-c", command};
  req.env = current_environment();
  ProcessResult r = run_process(req);
  if (!r.ok()) throw std::runtime_error(command + ": " + r.err + r.out);
  return r.out;
}

// A word no earlier run wrote.
std::string random_word() {
  std::random_device random;
  return std::to_string(random()) + "-" + std::to_string(random());
}

std::string sha256_of(const std::string& data) {
  Sha256Stream s;
  s.update(data);
  return s.digest();
}

// Debian's docker-registry on 127.0.0.1:<port>, storage in `dir`; killed when the test ends.
class Registry {
 public:
  Registry(const fsys::path& dir, const std::string& htpasswd = "") : port_(free_port()) {
    std::string config =
        "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: " +
        (dir / "data").string() + "\nhttp:\n  addr: 127.0.0.1:" + std::to_string(port_) + "\n";
    if (!htpasswd.empty())
      config += "auth:\n  htpasswd:\n    realm: test\n    path: " + htpasswd + "\n";
    fs::make_dirs(dir);
    fs::write_file(dir / "config.yml", config);
    process_ = std::make_unique<testing::Background>(
        std::vector<std::string>{"/usr/bin/docker-registry", "serve",
                                 (dir / "config.yml").string()},
        std::vector<std::string>{"PATH=/usr/bin:/bin"});
    httplib::Client probe("127.0.0.1", port_);
    for (int i = 0; i < 100; ++i) {
      if (probe.Get("/v2/")) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    throw std::runtime_error("docker-registry did not start: " + process_->err_so_far());
  }
  int port() const { return port_; }
  std::string host() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  int port_;
  std::unique_ptr<testing::Background> process_;
};

// An HTTP server in front of the registry, on its own port, with the misbehaviours a test asks
// for. Requests it saw are recorded.
class Proxy {
 public:
  int fail_first = 0;                    // answer fail_status to this many requests
  int fail_status = 503;                 // with a Retry-After of 1 s when it is 429
  bool lie_content_digest = false;       // a Docker-Content-Digest that is not the manifest's
  std::atomic<bool> stall_blobs{false};  // send half of each blob, then nothing until unset
  std::atomic<int> blob_delay_ms{0};     // before answering a blob (lets pulls overlap)
  bool corrupt_blobs = false;            // flip a byte of every blob
  bool corrupt_layers = false;           // of every blob over 100 kB (the config and manifest pass)
  bool pad_blobs = false;                // send more bytes than each blob has
  bool require_bearer = false;           // a token flow: /v2/ needs the token of /token
  std::string basic_user;                // the token server wants these credentials (when set)
  std::string basic_password;
  int redirect_blobs_to = 0;  // a port: blobs are 307-redirected there

  explicit Proxy(int upstream) : upstream_(upstream) {
    server_.Get(".*",
                [this](const httplib::Request& req, httplib::Response& res) { handle(req, res); });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ~Proxy() {
    stall_blobs = false;
    server_.stop();
    thread_.join();
  }
  int port() const { return port_; }
  std::string host() const { return "127.0.0.1:" + std::to_string(port_); }
  int token_requests() const { return token_requests_; }
  std::vector<std::string> seen() {
    std::lock_guard lock(mutex_);
    return seen_;
  }

 private:
  void handle(const httplib::Request& req, httplib::Response& res) {
    std::string auth = req.get_header_value("Authorization");
    {
      std::lock_guard lock(mutex_);
      seen_.push_back(req.path + (auth.empty() ? "" : " auth=" + auth.substr(0, auth.find(' '))));
    }
    if (fail_first > 0) {
      --fail_first;
      res.status = fail_status;
      if (fail_status == 429) res.set_header("Retry-After", "1");
      return;
    }
    if (req.path == "/token") {
      ++token_requests_;
      if (!basic_user.empty()) {
        std::string want = "Basic " + cni::base64_encode(basic_user + ":" + basic_password);
        if (auth != want) {
          res.status = 401;
          return;
        }
      }
      res.set_content(R"({"token":"tok-123","expires_in":300})", "application/json");
      return;
    }
    if (require_bearer && auth != "Bearer tok-123") {
      res.status = 401;
      res.set_header("WWW-Authenticate",
                     "Bearer realm=\"http://" + host() +
                         "/token\",service=\"test\",scope=\"repository:x:pull\"");
      return;
    }
    bool blob = req.path.find("/blobs/") != std::string::npos;
    if (blob) std::this_thread::sleep_for(std::chrono::milliseconds(blob_delay_ms.load()));
    if (blob && redirect_blobs_to != 0) {
      res.status = 307;
      res.set_header("Location",
                     "http://127.0.0.1:" + std::to_string(redirect_blobs_to) + req.path);
      return;
    }
    httplib::Client up("127.0.0.1", upstream_);
    httplib::Headers h;
    if (req.has_header("Accept")) h.emplace("Accept", req.get_header_value("Accept"));
    auto r = up.Get(req.path, h);
    if (!r) {
      res.status = 502;
      return;
    }
    res.status = r->status;
    std::string body = r->body;
    if (blob && (corrupt_blobs || (corrupt_layers && body.size() > 100000)) && !body.empty())
      body[body.size() / 2] ^= 0x55;
    if (blob && pad_blobs) body += "trailing bytes";
    for (const char* k : {"Docker-Content-Digest", "Location"})
      if (r->has_header(k)) res.set_header(k, r->get_header_value(k));
    if (lie_content_digest && req.path.find("/manifests/") != std::string::npos) {
      res.headers.erase("Docker-Content-Digest");
      res.set_header("Docker-Content-Digest", sha256_of("another manifest"));
    }
    if (blob && stall_blobs && body.size() > 100000) {
      // Half of the blob, then a connection that stays open with nothing more on it: a pull
      // hanging mid-layer, for a test to kill.
      res.set_content_provider(body.size(), r->get_header_value("Content-Type"),
                               [this, body](size_t offset, size_t, httplib::DataSink& sink) {
                                 if (offset == 0) return sink.write(body.data(), body.size() / 2);
                                 while (stall_blobs)
                                   std::this_thread::sleep_for(std::chrono::milliseconds(20));
                                 return false;
                               });
      return;
    }
    res.set_content(body, r->get_header_value("Content-Type"));
  }

  int upstream_;
  int port_ = 0;
  httplib::Server server_;
  std::thread thread_;
  std::atomic<int> token_requests_{0};
  std::mutex mutex_;
  std::vector<std::string> seen_;
};

struct Pushed {
  std::string v2s2 = "v2s2:1", oci = "oci:1", list = "list:1", index = "ociindex:1";
};

// One registry with the test images, built once for the suite.
class PullTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    setup_.run([] {
      dir_ = new TempDir();
      registry_ = new Registry(dir_->path() / "registry");
      const std::string t = dir_->path().string();
      const std::string b =
          "buildah --root " + t + "/broot --runroot " + t + "/brun --storage-driver vfs ";
      const std::string push = " --tls-verify=false ";
      const std::string reg = "docker://" + registry_->host() + "/";
      fs::make_dirs(t + "/ctx");
      fs::write_file(t + "/ctx/hello.txt", "hello from amd64\n");
      fs::write_file(t + "/ctx/arm.txt", "hello from arm64\n");
      sh("set -e; c=$(" + b + "from scratch); " + b + "copy $c " + t +
         "/ctx/hello.txt /hello.txt; " + b + "config --os linux --arch amd64 $c; " + b +
         "commit -q --timestamp 0 $c img1 >/dev/null; " + "c=$(" + b + "from scratch); " + b +
         "copy $c " + t + "/ctx/arm.txt /arm.txt; " + b +
         "config --os linux --arch arm64 --variant v8 $c; " + b +
         "commit -q --timestamp 0 $c img2 >/dev/null; " + b + "push -q" + push +
         "--format docker img1 " + reg + "v2s2:1; " + b + "push -q" + push + "--format oci img1 " +
         reg + "oci:1; " + b + "manifest create lst >/dev/null; " + b +
         "manifest add lst containers-storage:localhost/img1 >/dev/null; " + b +
         "manifest add --arch arm64 --variant v8 lst containers-storage:localhost/img2 "
         ">/dev/null; " +
         b + "manifest push -q --all" + push + "--format v2s2 lst " + reg + "list:1; " + b +
         "manifest push -q --all" + push + "--format oci lst " + reg + "ociindex:1");
      // A runnable image (busybox and the file it prints), for `run` pulling what is missing.
      sh("set -e; c=$(" + b + "from scratch); " + b + "copy $c /bin/busybox /bin/busybox; " + b +
         "copy $c " + t + "/ctx/hello.txt /hello.txt; " + b +
         "config --os linux --arch amd64 $c; " + b +
         "commit -q --timestamp 0 $c img3 >/dev/null; " + b + "push -q" + push +
         "--format oci img3 " + reg + "app:1");
      // A zstd layer. containers/image reuses a blob it has pushed before, whatever the
      // compression asked for (its blob-info cache outlives this suite), so the layer's content
      // is new at every run and the test checks the manifest says zstd.
      fs::write_file(t + "/ctx/zstd.txt", "zstd layer " + random_word() + "\n");
      sh("set -e; c=$(" + b + "from scratch); " + b + "copy $c " + t + "/ctx/zstd.txt /zstd.txt; " +
         b + "commit -q --timestamp 0 $c img4 >/dev/null; " + b + "push -q" + push +
         "--format oci --compression-format zstd img4 " + reg + "zstd:1");
    });
  }
  static void TearDownTestSuite() {
    // buildah's vfs storage holds nothing mounted; its files go with the temp dir.
    delete registry_;
    delete dir_;
  }

  void SetUp() override {
    setup_.check();
    fs::make_dirs(tmp_.path() / "home");
    conf_ = tmp_ / "registries.conf";
    write_conf("");
  }

  // registries.conf: `host` (a proxy, another registry) declared insecure as well.
  void pull_through(const std::string& host) {
    write_conf("[[registry]]\nlocation = \"" + host + "\"\ninsecure = true\n");
  }

  // registries.conf: the test registry declared insecure (plain HTTP), plus `extra`.
  void write_conf(const std::string& extra) {
    fs::write_file(
        conf_, "[[registry]]\nlocation = \"" + registry_->host() + "\"\ninsecure = true\n" + extra);
  }

  std::vector<std::string> env() const {
    std::vector<std::string> e{"PATH=/usr/bin:/bin", "HOME=" + (tmp_ / "home"),
                               "MINIPOD_REGISTRIES_CONF=" + conf_,
                               "MINIPOD_AUTH_FILE=" + (tmp_ / "home/auth.json")};
    return e;
  }

  ProcessResult minipod_pull(const std::vector<std::string>& args,
                             const std::string& stdin_data = "") {
    ProcessRequest req;
    // The minipod command, which runs the minipod-pull helper next to it.
    req.path = (testing::bin_dir() / "minipod").string();
    req.argv = {"minipod"};
    req.argv.insert(req.argv.end(), args.begin(), args.end());
    req.env = env();
    req.stdin_data = stdin_data;
    req.timeout = std::chrono::seconds(30);
    return run_process(req);
  }

  ProcessResult pull(const std::string& ref, std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"image", "pull", ref, "--oci-layout", layout()};
    args.insert(args.end(), extra.begin(), extra.end());
    return minipod_pull(args);
  }

  std::string layout() const { return tmp_ / "layout"; }

  // minipod with an image store, run and state directories of the test's own.
  ProcessRequest with_store_request(const std::vector<std::string>& args) {
    ProcessRequest req;
    req.path = (testing::bin_dir() / "minipod").string();
    req.argv = {"minipod"};
    req.argv.insert(req.argv.end(), args.begin(), args.end());
    req.env = env();
    req.env.push_back("MINIPOD_IMAGE_DIR=" + images());
    for (std::string d : {"RUN", "DATA", "LOG"})
      req.env.push_back("MINIPOD_" + d + "_DIR=" + (tmp_ / d));
    req.timeout = std::chrono::seconds(60);
    return req;
  }
  ProcessResult with_store(const std::vector<std::string>& args) {
    return run_process(with_store_request(args));
  }
  std::string images() const { return tmp_ / "images"; }

  // The blob GETs a proxy saw, per digest.
  static std::map<std::string, int> blob_gets(Proxy& proxy) {
    std::map<std::string, int> out;
    for (const auto& s : proxy.seen())
      if (auto at = s.find("/blobs/"); at != std::string::npos) ++out[s.substr(at + 7, 71)];
    return out;
  }

  // Directories of unfinished writes anywhere in the test's image store.
  std::vector<std::string> staging_left() const {
    std::vector<std::string> out;
    if (!fsys::exists(images())) return out;
    for (const auto& e : fsys::recursive_directory_iterator(images()))
      if (e.path().filename().string().rfind(".staging-", 0) == 0) out.push_back(e.path());
    return out;
  }

  // The manifest the layout's index.json names, with every blob it refers to checked.
  nlohmann::json layout_manifest(const std::string& expected_digest = "") {
    EXPECT_EQ(fs::read_file(layout() + "/oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}\n");
    auto index = nlohmann::json::parse(fs::read_file(layout() + "/index.json"));
    EXPECT_EQ(index["manifests"].size(), 1u) << index.dump();
    std::string digest = index["manifests"][0]["digest"];
    if (!expected_digest.empty()) {
      EXPECT_EQ(digest, expected_digest);
    }
    auto blob = [&](const std::string& d) {
      std::string data = fs::read_file(layout() + "/blobs/sha256/" + d.substr(7));
      EXPECT_EQ(sha256_of(data), d);
      return data;
    };
    auto manifest = nlohmann::json::parse(blob(digest));
    blob(manifest["config"]["digest"]);
    for (const auto& l : manifest["layers"]) blob(l["digest"]);
    return manifest;
  }

  // The digest the registry gives `ref`'s manifest for `accept`, read directly.
  static std::string registry_digest(const std::string& repo, const std::string& reference,
                                     const std::string& accept) {
    httplib::Client c("127.0.0.1", registry_->port());
    auto r = c.Get("/v2/" + repo + "/manifests/" + reference, {{"Accept", accept}});
    return r ? sha256_of(r->body) : "";
  }

  static TempDir* dir_;
  static Registry* registry_;
  static testing::SuiteSetup setup_;
  TempDir tmp_;
  std::string conf_;
};

TempDir* PullTest::dir_ = nullptr;
Registry* PullTest::registry_ = nullptr;
testing::SuiteSetup PullTest::setup_;

TEST_F(PullTest, DockerSchema2ImageBecomesAnOciLayout) {
  auto r = pull(registry_->host() + "/v2s2:1");
  ASSERT_TRUE(r.ok()) << r.err;
  EXPECT_THAT(r.out, HasSubstr("pulled " + registry_->host() + "/v2s2:1"));
  EXPECT_THAT(r.err, HasSubstr("layer "));  // one progress line per blob when not a terminal
  auto manifest = layout_manifest(
      registry_digest("v2s2", "1", "application/vnd.docker.distribution.manifest.v2+json"));
  EXPECT_EQ(manifest["mediaType"], "application/vnd.docker.distribution.manifest.v2+json");
  auto index = nlohmann::json::parse(fs::read_file(layout() + "/index.json"));
  EXPECT_EQ(index["manifests"][0]["annotations"]["org.opencontainers.image.ref.name"], "1");
}

TEST_F(PullTest, OciManifestByTagAndByDigestQuietPrintsTheDigest) {
  std::string digest = registry_digest("oci", "1", "application/vnd.oci.image.manifest.v1+json");
  auto r = pull(registry_->host() + "/oci:1", {"-q"});
  ASSERT_TRUE(r.ok()) << r.err;
  EXPECT_EQ(r.out, digest + "\n");
  EXPECT_EQ(r.err, "");
  layout_manifest(digest);
  fs::remove_tree(layout());
  r = pull(registry_->host() + "/oci@" + digest, {"-q"});
  ASSERT_TRUE(r.ok()) << r.err;
  layout_manifest(digest);
  // Another OCI implementation reads the layout: skopeo finds the image by its tag.
  std::string raw = sh("skopeo inspect --raw oci:" + layout() + ":" + digest);
  EXPECT_EQ(sha256_of(raw), digest);
}

TEST_F(PullTest, IndexAndManifestListPickThePlatformAndNameTheOnesThatExist) {
  const std::string list_type = "application/vnd.docker.distribution.manifest.list.v2+json";
  httplib::Client c("127.0.0.1", registry_->port());
  auto list = nlohmann::json::parse(c.Get("/v2/list/manifests/1", {{"Accept", list_type}})->body);
  std::map<std::string, std::string> by_arch;
  for (const auto& m : list["manifests"]) by_arch[m["platform"]["architecture"]] = m["digest"];
  auto r = pull(registry_->host() + "/list:1", {"--platform", "linux/arm64"});
  ASSERT_TRUE(r.ok()) << r.err;
  layout_manifest(by_arch["arm64"]);
  fs::remove_tree(layout());
  r = pull(registry_->host() + "/list:1", {"--platform", "linux/amd64"});
  ASSERT_TRUE(r.ok()) << r.err;
  layout_manifest(by_arch["amd64"]);

  fs::remove_tree(layout());
  r = pull(registry_->host() + "/ociindex:1", {"--platform", "linux/arm64/v8"});
  ASSERT_TRUE(r.ok()) << r.err;
  auto manifest = layout_manifest();
  EXPECT_EQ(manifest["mediaType"], "application/vnd.oci.image.manifest.v1+json");

  r = pull(registry_->host() + "/ociindex:1", {"--platform", "linux/s390x"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("no manifest for linux/s390x; it has: linux/amd64, linux/arm64/v8"));

  // A single-manifest image states its platform in its config.
  r = pull(registry_->host() + "/v2s2:1", {"--platform", "linux/arm64"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("single manifest for linux/amd64, not linux/arm64/v8"));
}

TEST_F(PullTest, CorruptedBlobIsRefusedAndLeavesNoPartialFile) {
  Proxy proxy(registry_->port());
  proxy.corrupt_blobs = true;
  pull_through(proxy.host());
  auto r = pull(proxy.host() + "/oci:1");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("the content's digest is sha256:"));
  EXPECT_THAT(r.err, HasSubstr("corrupted"));
  for (const auto& e : fsys::directory_iterator(layout() + "/blobs/sha256")) {
    EXPECT_EQ(e.path().filename().string().find(".partial"), std::string::npos) << e.path();
  }
  EXPECT_FALSE(fsys::exists(layout() + "/index.json"));

  proxy.corrupt_blobs = false;
  proxy.pad_blobs = true;
  r = pull(proxy.host() + "/oci:1");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("bytes the manifest declares"));
  EXPECT_FALSE(fsys::exists(layout() + "/index.json"));
}

// Into the store, where the load starts once the manifest and config are there and unpacks each
// layer as it arrives: a corrupted layer fails the pull (the registry client's error), nothing is
// stored or left behind.
TEST_F(PullTest, ACorruptedLayerFailsAPullIntoTheStoreLeavingNothing) {
  Proxy proxy(registry_->port());
  proxy.corrupt_layers = true;
  pull_through(proxy.host());
  auto r = with_store({"image", "pull", proxy.host() + "/app:1"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("corrupted"));
  EXPECT_THAT(r.err, HasSubstr("ErrImagePull: the registry client (minipod-pull) failed"));
  EXPECT_THAT(with_store({"image", "ls"}).out, ::testing::Not(HasSubstr("/app")));
  EXPECT_THAT(staging_left(), ::testing::IsEmpty());
  EXPECT_TRUE(fsys::is_empty(images() + "/.oci/layers"));
}

TEST_F(PullTest, RetriesA503) {
  Proxy proxy(registry_->port());
  proxy.fail_first = 2;
  pull_through(proxy.host());
  auto r = pull(proxy.host() + "/oci:1");
  ASSERT_TRUE(r.ok()) << r.err;
  EXPECT_THAT(r.err, HasSubstr("HTTP 503 (attempt 1 of 5)"));
  layout_manifest();
}

// A zstd-compressed layer, through the registry into the store: unpacked, nothing compressed
// kept.
TEST_F(PullTest, ZstdLayersAreUnpackedIntoTheStore) {
  auto manifest = nlohmann::json::parse(
      sh("curl -s -H 'Accept: application/vnd.oci.image.manifest.v1+json' http://" +
         registry_->host() + "/v2/zstd/manifests/1"));
  ASSERT_EQ(manifest["layers"][0]["mediaType"], "application/vnd.oci.image.layer.v1.tar+zstd")
      << "buildah pushed another compression: the test would prove nothing";
  auto r = with_store({"image", "pull", registry_->host() + "/zstd:1"});
  ASSERT_TRUE(r.ok()) << r.err;
  EXPECT_THAT(with_store({"image", "inspect", registry_->host() + "/zstd:1"}).out,
              HasSubstr("application/vnd.oci.image.layer.v1.tar+zstd"));
  bool found = false;
  for (const auto& e : fsys::directory_iterator(images() + "/.oci/layers")) {
    auto file = e.path() / "zstd.txt";
    if (fsys::exists(file)) {
      found = true;
      EXPECT_EQ(fs::read_file(file).rfind("zstd layer ", 0), 0u);
    }
  }
  EXPECT_TRUE(found) << "no layer directory holds /zstd.txt";
  EXPECT_THAT(staging_left(), ::testing::IsEmpty());
}

TEST_F(PullTest, RetriesA429AfterItsRetryAfter) {
  Proxy proxy(registry_->port());
  proxy.fail_first = 1;
  proxy.fail_status = 429;
  pull_through(proxy.host());
  auto started = std::chrono::steady_clock::now();
  auto r = pull(proxy.host() + "/oci:1");
  ASSERT_TRUE(r.ok()) << r.err;
  EXPECT_THAT(r.err, HasSubstr("HTTP 429 (attempt 1 of 5)"));
  EXPECT_THAT(r.err, HasSubstr(" in 1000 ms"));
  EXPECT_GE(std::chrono::steady_clock::now() - started, std::chrono::seconds(1));
  layout_manifest();
}

TEST_F(PullTest, ADockerContentDigestThatDisagreesIsRefused) {
  Proxy proxy(registry_->port());
  proxy.lie_content_digest = true;
  pull_through(proxy.host());
  auto r = pull(proxy.host() + "/oci:1");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("but the registry states " + sha256_of("another manifest") +
                               " (Docker-Content-Digest from " + proxy.host() + "/oci)"));
  EXPECT_FALSE(fsys::exists(layout() + "/index.json"));
  EXPECT_THAT(blob_gets(proxy), ::testing::IsEmpty());
}

// A second pull of a stored image asks the registry for the manifest only (imagePullPolicy
// Always on every run costs one request); pulls of one image at once download each blob once.
TEST_F(PullTest, RepullsFetchOnlyTheManifestAndConcurrentPullsEachBlobOnce) {
  Proxy proxy(registry_->port());
  proxy.blob_delay_ms = 300;  // the three pulls below overlap for sure
  pull_through(proxy.host());
  const std::string ref = proxy.host() + "/app:1";
  std::vector<ProcessResult> results(3);
  std::vector<std::thread> pulls;
  for (auto& result : results)
    pulls.emplace_back([&] { result = with_store({"image", "pull", ref}); });
  for (auto& t : pulls) t.join();
  for (const auto& r : results) {
    ASSERT_TRUE(r.ok()) << r.err;
    EXPECT_THAT(r.out, HasSubstr(ref + " sha256:"));
  }
  auto gets = blob_gets(proxy);
  EXPECT_EQ(gets.size(), 2u);  // the config and the one layer
  for (const auto& [digest, n] : gets) EXPECT_EQ(n, 1) << digest << " downloaded " << n << " times";
  size_t layers = 0;
  for ([[maybe_unused]] const auto& e : fsys::directory_iterator(images() + "/.oci/layers"))
    ++layers;
  EXPECT_EQ(layers, 1u);

  auto before = proxy.seen().size();
  auto again = with_store({"image", "pull", ref});
  ASSERT_TRUE(again.ok()) << again.err;
  EXPECT_THAT(again.err, HasSubstr("already present"));
  auto seen = proxy.seen();
  std::vector<std::string> second(seen.begin() + static_cast<long>(before), seen.end());
  EXPECT_THAT(second, ::testing::ElementsAre("/v2/app/manifests/1")) << again.err;
  EXPECT_THAT(staging_left(), ::testing::IsEmpty());
}

// `minipod image pull` killed mid-layer: its helper goes with it, what it wrote stays in a
// staging directory until gc, and the next pull starts over and succeeds.
TEST_F(PullTest, AKilledPullIsSweptByGcAndPulledAgain) {
  Proxy proxy(registry_->port());
  proxy.stall_blobs = true;
  pull_through(proxy.host());
  const std::string ref = proxy.host() + "/app:1";
  auto req = with_store_request({"image", "pull", ref});
  req.argv.front() = req.path;
  testing::Background pull(req.argv, req.env);
  // Wait for the half layer to be written (a .partial file in the staging layout).
  std::string staging;
  for (int i = 0; i < 200 && staging.empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    for (const auto& s : staging_left())
      for (const auto& e : fsys::recursive_directory_iterator(s))
        if (e.is_regular_file() && e.file_size() > 100000) staging = s;
  }
  ASSERT_FALSE(staging.empty()) << pull.err_so_far();
  pull.signal(SIGKILL);
  ASSERT_TRUE(pull.wait(std::chrono::seconds(10)));
  // The helper died with minipod: no process still writes into the staging directory.
  bool helper_gone = false;
  for (int i = 0; i < 100 && !helper_gone; ++i) {
    helper_gone = true;
    for (const auto& p : fsys::directory_iterator("/proc")) {
      std::optional<std::string> cmdline;
      try {
        cmdline = fs::read_file_if_exists(p.path() / "cmdline");
      } catch (const std::exception&) {  // a process that ended meanwhile
      }
      if (cmdline && cmdline->find(staging) != std::string::npos) helper_gone = false;
    }
    if (!helper_gone) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(helper_gone) << "minipod-pull outlived the minipod that ran it";
  EXPECT_THAT(with_store({"image", "ls"}).out, ::testing::Not(HasSubstr(ref)));

  auto gc = with_store({"gc"});
  EXPECT_TRUE(gc.ok()) << gc.err;
  EXPECT_THAT(gc.out, HasSubstr("removed 1 unfinished image writes"));
  EXPECT_THAT(staging_left(), ::testing::IsEmpty());

  proxy.stall_blobs = false;
  auto r = with_store({"image", "pull", ref});
  ASSERT_TRUE(r.ok()) << r.err;
  EXPECT_THAT(with_store({"image", "ls"}).out, HasSubstr(proxy.host() + "/app"));
  EXPECT_THAT(staging_left(), ::testing::IsEmpty());
}

TEST_F(PullTest, MirrorsAreTriedFirstInOrder) {
  Proxy mirror(registry_->port());
  int closed = free_port();  // nothing listens there: the first mirror fails at once
  // The location itself is a closed port too: the pull can only succeed through the mirror.
  write_conf(
      "[[registry]]\nprefix = \"mirrored.test\"\nlocation = \"127.0.0.1:" + std::to_string(closed) +
      "\"\n[[registry.mirror]]\nlocation = \"127.0.0.1:" + std::to_string(closed) +
      "\"\ninsecure = true\n[[registry.mirror]]\nlocation = \"" + mirror.host() +
      "\"\ninsecure = true\n");
  auto r = pull("mirrored.test/oci:1");
  ASSERT_TRUE(r.ok()) << r.err;
  EXPECT_THAT(r.err,
              HasSubstr("mirror 127.0.0.1:" + std::to_string(closed) + "/oci (mirror) failed"));
  EXPECT_THAT(r.out, HasSubstr("from " + mirror.host() + "/oci (mirror)"));
  EXPECT_THAT(mirror.seen(), ::testing::Contains("/v2/oci/manifests/1"));
}

TEST_F(PullTest, BlockedRegistryIsRefusedNamingTheConfFile) {
  write_conf("[[registry]]\nlocation = \"blocked.test\"\nblocked = true\n");
  auto r = pull("blocked.test/oci:1");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("registry \"blocked.test\" is blocked in " + conf_));
}

// Without --oci-layout the image goes into the store (nothing compressed kept), and `run` pulls
// an image it lacks (imagePullPolicy IfNotPresent: a tag is given) before the pod starts.
TEST_F(PullTest, PullStoresTheImageAndRunPullsWhatIsMissing) {
  if (::geteuid() != 0) GTEST_SKIP() << "running a pod needs root";
  const std::string ref = registry_->host() + "/app:1";
  auto r = with_store({"image", "pull", ref});
  ASSERT_TRUE(r.ok()) << r.err;
  EXPECT_THAT(r.out, HasSubstr(ref + " sha256:"));
  EXPECT_THAT(with_store({"image", "ls"}).out, HasSubstr(registry_->host() + "/app"));
  // No staging layout and no compressed blob of the layer (busybox: ~1 MB) are left in the store.
  EXPECT_THAT(staging_left(), ::testing::IsEmpty());
  for (const auto& e : std::filesystem::recursive_directory_iterator(images())) {
    if (e.is_regular_file() && e.path().parent_path().filename() == "sha256") {
      EXPECT_LT(e.file_size(), 100000u) << "a layer blob kept: " << e.path();
    }
  }
  auto rm = with_store({"image", "rm", ref});
  ASSERT_TRUE(rm.ok()) << rm.err;

  fs::write_file(tmp_ / "pod.yaml",
                 "apiVersion: v1\nkind: Pod\nmetadata:\n  name: mpt-pull-run\nspec:\n"
                 "  restartPolicy: Never\n  containers:\n  - name: app\n    image: " +
                     ref + "\n    command: [/bin/busybox, cat, /hello.txt]\n");
  auto run = with_store({"run", "--network", "none", tmp_ / "pod.yaml"});
  ASSERT_TRUE(run.ok()) << run.err;
  EXPECT_THAT(run.out, HasSubstr("hello from amd64"));
  EXPECT_THAT(run.err, HasSubstr("layer "));  // the pull's progress, one line per blob
  EXPECT_THAT(with_store({"image", "ls"}).out, HasSubstr(registry_->host() + "/app"));
}

TEST_F(PullTest, PlainHttpOnlyWhenInsecure) {
  fs::write_file(conf_, "");
  auto r = pull(registry_->host() + "/oci:1");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("cannot talk to " + registry_->host()));
}

TEST_F(PullTest, BearerTokenFlowWithDockerConfigCredentialsAndRedirectWithoutAuthorization) {
  Proxy blobs(registry_->port());  // another host:port serving the blobs
  Proxy front(registry_->port());
  front.require_bearer = true;
  front.basic_user = "alice";
  front.basic_password = "s3cret";
  front.redirect_blobs_to = blobs.port();
  pull_through(front.host());
  auto r = pull(front.host() + "/oci:1");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("the token server requires a login (run 'minipod login " +
                               front.host() + "')"));

  fs::make_dirs(tmp_.path() / "home/.docker");
  fs::write_file(tmp_.path() / "home/.docker/config.json",
                 "{\"auths\":{\"" + front.host() + "\":{\"auth\":\"" +
                     cni::base64_encode("alice:s3cret") + "\"}}}");
  r = pull(front.host() + "/oci:1");
  ASSERT_TRUE(r.ok()) << r.err;
  layout_manifest();
  EXPECT_EQ(front.token_requests(), 2);  // one refused above, then one reused for every request
  auto seen = blobs.seen();
  ASSERT_FALSE(seen.empty());
  for (const auto& s : seen) {
    EXPECT_THAT(s, ::testing::Not(HasSubstr("auth="))) << "blob host got Authorization";
  }
  for (const auto& s : front.seen()) {
    if (s.find("/blobs/") != std::string::npos) {
      EXPECT_THAT(s, HasSubstr("auth=Bearer"));
    }
  }
}

TEST_F(PullTest, BasicAuthLoginPullLogout) {
  const std::string t = tmp_.path().string();
  sh("htpasswd -Bbn bob pw123 > " + t + "/htpasswd");
  Registry secured(tmp_.path() / "secured", t + "/htpasswd");
  // Copy an image into it through the registry API: buildah push with credentials.
  const std::string b = "buildah --root " + dir_->path().string() + "/broot --runroot " +
                        dir_->path().string() + "/brun --storage-driver vfs ";
  sh(b + "push -q --tls-verify=false --creds bob:pw123 img1 docker://" + secured.host() +
     "/private:1");
  pull_through(secured.host());

  auto r = pull(secured.host() + "/private:1");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("run 'minipod login " + secured.host() + "'"));

  r = minipod_pull({"login", "--username", "bob", "--password-stdin", secured.host()}, "wrong\n");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("credentials of \"bob\" were refused"));
  EXPECT_FALSE(fsys::exists(t + "/home/auth.json"));

  r = minipod_pull({"login", "--username", "bob", "--password-stdin", secured.host()}, "pw123\n");
  ASSERT_TRUE(r.ok()) << r.err;
  auto auth = nlohmann::json::parse(fs::read_file(t + "/home/auth.json"));
  EXPECT_EQ(auth["auths"][secured.host()]["auth"], cni::base64_encode("bob:pw123"));
  EXPECT_EQ(fsys::status(t + "/home/auth.json").permissions() & fsys::perms::all,
            fsys::perms::owner_read | fsys::perms::owner_write);

  r = pull(secured.host() + "/private:1");
  ASSERT_TRUE(r.ok()) << r.err;
  layout_manifest();

  r = minipod_pull({"logout", secured.host()});
  ASSERT_TRUE(r.ok()) << r.err;
  EXPECT_FALSE(nlohmann::json::parse(fs::read_file(t + "/home/auth.json"))["auths"].contains(
      secured.host()));
  r = minipod_pull({"logout", secured.host()});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("not logged in"));
}

}  // namespace
}  // namespace minipod::registry
