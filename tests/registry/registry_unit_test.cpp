// The registry client's rules that need no registry: reference normalisation, the platform
// choice, registries.conf, WWW-Authenticate challenges and the auth file.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>

#include "common/error.h"
#include "common/fs.h"
#include "images/registry/credentials.h"
#include "images/registry/platform.h"
#include "images/registry/registries_conf.h"
#include "images/registry/registry_ref.h"
#include "images/registry/www_authenticate.h"
#include "tests/support/temp_dir.h"

namespace minipod::registry {
namespace {

TEST(RegistryRef, NormalisesAsDockerAndKubernetesDo) {
  auto r = parse_registry_ref("busybox");
  EXPECT_EQ(r.to_string(), "docker.io/library/busybox:latest");
  r = parse_registry_ref("foo/bar:1");
  EXPECT_EQ(r.to_string(), "docker.io/foo/bar:1");
  r = parse_registry_ref("127.0.0.1:5000/app/x:2");
  EXPECT_EQ(r.host, "127.0.0.1:5000");
  EXPECT_EQ(r.repository, "app/x");
  EXPECT_EQ(r.tag, "2");
  r = parse_registry_ref("localhost/app@sha256:" + std::string(64, 'a'));
  EXPECT_EQ(r.host, "localhost");
  EXPECT_EQ(r.tag, "");
  EXPECT_EQ(r.manifest_reference(), "sha256:" + std::string(64, 'a'));
  EXPECT_THROW(parse_registry_ref("Upper/Case"), UsageError);
  EXPECT_THROW(parse_registry_ref("app@sha256:short"), UsageError);
}

nlohmann::json two_platform_index() {
  return nlohmann::json::parse(R"({"manifests":[
    {"digest":"sha256:a","size":1,"platform":{"os":"linux","architecture":"amd64"}},
    {"digest":"sha256:b","size":1,"platform":{"os":"linux","architecture":"arm64","variant":"v8"}}]})");
}

TEST(Platform, ArmVariantIsNormalisedAndMissingPlatformsAreListed) {
  auto index = two_platform_index();
  EXPECT_EQ(choose_manifest(index, parse_platform("linux/arm64"), "x")["digest"], "sha256:b");
  EXPECT_EQ(choose_manifest(index, parse_platform("linux/amd64"), "x")["digest"], "sha256:a");
  try {
    choose_manifest(index, parse_platform("linux/s390x"), "x");
    FAIL() << "s390x chosen";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(
                  "no manifest for linux/s390x; it has: linux/amd64, linux/arm64/v8"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW(parse_platform("linux"), UsageError);
}

TEST(RegistriesConf, MirrorsComeFirstThenTheLocationWithTheRestOfTheName) {
  auto conf = parse_registries_conf(R"(
unqualified-search-registries = ["docker.io"]
[[registry]]
prefix = "example.test/team"
location = "real.test:5000/mirrored"
insecure = true
[[registry.mirror]]
location = "m1.test/cache"
[[registry.mirror]]
location = "m2.test"
insecure = true
[[registry]]
location = "blocked.test"
blocked = true
)",
                                    "/tmp/r.conf");
  EXPECT_EQ(conf.unqualified_search_registries, std::vector<std::string>{"docker.io"});
  auto eps = conf.endpoints(parse_registry_ref("example.test/team/app:1"));
  ASSERT_EQ(eps.size(), 3u);
  EXPECT_EQ(eps[0].host, "m1.test");
  EXPECT_EQ(eps[0].repository, "cache/app");
  EXPECT_FALSE(eps[0].insecure);
  EXPECT_EQ(eps[1].host, "m2.test");
  EXPECT_EQ(eps[1].repository, "app");
  EXPECT_TRUE(eps[1].insecure);
  EXPECT_EQ(eps[2].host, "real.test:5000");
  EXPECT_EQ(eps[2].repository, "mirrored/app");
  EXPECT_FALSE(eps[2].mirror);
  // A component boundary: "example.test/teamx" is not under "example.test/team".
  EXPECT_EQ(conf.endpoints(parse_registry_ref("example.test/teamx/app")).front().host,
            "example.test");
  try {
    conf.endpoints(parse_registry_ref("blocked.test/app"));
    FAIL() << "blocked registry allowed";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("is blocked in /tmp/r.conf"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(parse_registries_conf("[[registry]]\ninsecure = \"yes\"\nlocation = \"a\"\n", "/x"),
               UsageError);
  EXPECT_THROW(parse_registries_conf("[[registry\n", "/x"), UsageError);
}

TEST(WwwAuthenticate, BearerParametersWithQuotedCommas) {
  auto c = parse_challenge(
      R"(Bearer realm="https://auth.test/token",service="registry.test",scope="repository:a/b:pull,push")");
  EXPECT_EQ(c.scheme, "bearer");
  EXPECT_EQ(c.param("realm"), "https://auth.test/token");
  EXPECT_EQ(c.param("service"), "registry.test");
  EXPECT_EQ(c.param("scope"), "repository:a/b:pull,push");
  EXPECT_EQ(parse_challenge("Basic realm=\"Registry Realm\"").scheme, "basic");
}

TEST(Credentials, LoginFileThenDockerConfig) {
  testing_support::TempDir home;
  ::setenv("HOME", home.path().c_str(), 1);
  ::unsetenv("XDG_RUNTIME_DIR");
  ::setenv("MINIPOD_AUTH_FILE", (home / "auth.json").c_str(), 1);
  fs::make_dirs(home.path() / ".docker");
  // "dXNlcjpwYXNz" is base64 of "user:pass".
  fs::write_file(home.path() / ".docker/config.json",
                 R"({"auths":{"https://index.docker.io/v1/":{"auth":"dXNlcjpwYXNz"}}})");
  auto hub = find_credentials("docker.io");
  ASSERT_TRUE(hub);
  EXPECT_EQ(hub->username, "user");
  EXPECT_EQ(hub->password, "pass");
  EXPECT_FALSE(find_credentials("127.0.0.1:5000"));
  store_credentials(login_auth_file(), "127.0.0.1:5000", {"me", "p:w"});
  auto mine = find_credentials("127.0.0.1:5000");
  ASSERT_TRUE(mine);
  EXPECT_EQ(mine->password, "p:w");
  EXPECT_TRUE(remove_credentials(login_auth_file(), "127.0.0.1:5000"));
  EXPECT_FALSE(remove_credentials(login_auth_file(), "127.0.0.1:5000"));
  EXPECT_FALSE(find_credentials("127.0.0.1:5000"));
  ::unsetenv("MINIPOD_AUTH_FILE");
}

// config.json's credHelpers and credsStore: docker-credential-<name> get, in PATH.
TEST(Credentials, DockerCredentialHelpers) {
  testing_support::TempDir home;
  ::setenv("HOME", home.path().c_str(), 1);
  ::unsetenv("XDG_RUNTIME_DIR");
  ::setenv("MINIPOD_AUTH_FILE", (home / "auth.json").c_str(), 1);
  fs::make_dirs(home.path() / "bin");
  // A helper that knows one server, says so for the others as the real ones do, and records
  // what it was asked.
  fs::write_file(
      home.path() / "bin/docker-credential-mpt",
      "#!/bin/sh\nread server\necho \"$1 $server\" >> " + (home / "asked") +
          "\ncase $server in\n"
          "  https://index.docker.io/v1/) echo '{\"ServerURL\":\"x\",\"Username\":\"hub\","
          "\"Secret\":\"s1\"}' ;;\n"
          "  reg.test:5000) echo '{\"Username\":\"alice\",\"Secret\":\"s2\"}' ;;\n"
          "  token.test) echo '{\"Username\":\"<token>\",\"Secret\":\"r\"}' ;;\n"
          "  broken.test) echo 'garbage' ;;\n"
          "  *) echo 'credentials not found in native keychain'; exit 1 ;;\nesac\n",
      0755);
  const char* old_path = std::getenv("PATH");
  std::string saved = old_path ? old_path : "";
  ::setenv("PATH", (home.path().string() + "/bin:" + saved).c_str(), 1);
  fs::make_dirs(home.path() / ".docker");
  fs::write_file(home.path() / ".docker/config.json",
                 R"({"credHelpers":{"reg.test:5000":"mpt","gone.test":"mpt-missing"},)"
                 R"("auths":{"plain.test":{"auth":"dXNlcjpwYXNz"}},"credsStore":"mpt"})");
  auto reg = find_credentials("reg.test:5000");
  ASSERT_TRUE(reg);
  EXPECT_EQ(reg->username, "alice");
  EXPECT_EQ(reg->password, "s2");
  auto hub = find_credentials("docker.io");  // through credsStore, by the v1 index URL
  ASSERT_TRUE(hub);
  EXPECT_EQ(hub->username, "hub");
  auto plain = find_credentials("plain.test");  // the file's own entry before the store
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->username, "user");
  EXPECT_FALSE(find_credentials("nothing.test"));  // "credentials not found": none
  auto message = [](const std::string& host) {
    try {
      find_credentials(host);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_THAT(message("gone.test"), ::testing::HasSubstr("docker-credential-mpt-missing is not "
                                                         "in PATH"));
  EXPECT_THAT(message("token.test"), ::testing::HasSubstr("identity token"));
  EXPECT_THAT(message("broken.test"), ::testing::HasSubstr("expected {\"Username\""));
  EXPECT_THAT(message("broken.test"),
              ::testing::HasSubstr(home.path().string() + "/.docker/config.json"));
  EXPECT_THAT(fs::read_file(home.path() / "asked"), ::testing::HasSubstr("get reg.test:5000\n"));
  ::setenv("PATH", saved.c_str(), 1);
  ::unsetenv("MINIPOD_AUTH_FILE");
}

}  // namespace
}  // namespace minipod::registry
