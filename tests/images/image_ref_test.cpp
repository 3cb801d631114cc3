// References read as containerd and the kubelet read them.
#include "images/oci/image_ref.h"

#include <gtest/gtest.h>

#include "common/error.h"

namespace minipod::images {
namespace {

struct RefCase {
  const char* text;
  const char* host;
  const char* path;
  const char* tag;
  const char* digest;
};

class ImageRefTest : public ::testing::TestWithParam<RefCase> {};

TEST_P(ImageRefTest, NormalisesAsTheKubeletDoes) {
  const auto& c = GetParam();
  ImageRef ref = parse_image_ref(c.text);
  EXPECT_EQ(ref.host, c.host);
  EXPECT_EQ(ref.path, c.path);
  EXPECT_EQ(ref.tag, c.tag);
  EXPECT_EQ(ref.digest, c.digest);
}

const std::string kDigest = "sha256:" + std::string(64, 'a');

INSTANTIATE_TEST_SUITE_P(
    References, ImageRefTest,
    ::testing::Values(
        RefCase{"busybox", "docker.io", "library/busybox", "latest", ""},
        RefCase{"busybox:1.36", "docker.io", "library/busybox", "1.36", ""},
        RefCase{"foo/bar", "docker.io", "foo/bar", "latest", ""},
        RefCase{"docker.io/library/nginx", "docker.io", "library/nginx", "latest", ""},
        RefCase{"localhost/app", "localhost", "app", "latest", ""},
        RefCase{"localhost:5000/app:v1", "localhost:5000", "app", "v1", ""},
        RefCase{"registry.k8s.io/pause:3.9", "registry.k8s.io", "pause", "3.9", ""},
        RefCase{"gcr.io/a/b/c", "gcr.io", "a/b/c", "latest", ""},
        // A first component without '.' or ':' is a path, not a host.
        RefCase{"myregistry/app", "docker.io", "myregistry/app", "latest", ""},
        RefCase{"127.0.0.1:5000/x/y:t_1.2-3", "127.0.0.1:5000", "x/y", "t_1.2-3", ""}));

TEST(ImageRef, DigestWinsAndKeysTheStore) {
  auto ref = parse_image_ref("busybox:1.36@" + kDigest);
  EXPECT_EQ(ref.digest, kDigest);
  EXPECT_EQ(ref.key(), "docker.io/library/busybox@" + kDigest);
  auto bare = parse_image_ref("quay.io/a/b@" + kDigest);
  EXPECT_FALSE(bare.tag_given);
  EXPECT_EQ(bare.tagged(), "quay.io/a/b@" + kDigest);
  EXPECT_EQ(parse_image_ref("busybox").tagged(), "docker.io/library/busybox:latest");
}

TEST(ImageRef, ErrorsNameTheReferenceAndWhatIsWrong) {
  auto message = [](const std::string& text) {
    try {
      parse_image_ref(text);
    } catch (const UsageError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_NE(message("Busybox").find("image reference \"Busybox\""), std::string::npos);
  EXPECT_NE(message("Busybox").find("path component \"Busybox\""), std::string::npos);
  EXPECT_NE(message("busybox@sha256:abc").find("digest \"sha256:abc\""), std::string::npos);
  EXPECT_NE(message("busybox:-x").find("tag \"-x\""), std::string::npos);
  EXPECT_NE(message("a//b").find("path component \"\""), std::string::npos);
  EXPECT_NE(message("").find("is empty"), std::string::npos);
  EXPECT_NE(message("localhost:5000/").find("no repository path"), std::string::npos);
  EXPECT_EQ(try_parse_image_ref("UPPER/x"), std::nullopt);
  EXPECT_NE(message("../escape").find("registry host \"..\""), std::string::npos);
}

}  // namespace
}  // namespace minipod::images
