// `image load` of the three kinds of image files into the layered store, and what the store does
// with them: references, shared layers, tag, rm, prune, import refusing archives, image users.
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/digest.h"
#include "common/error.h"
#include "common/fd.h"
#include "common/fs.h"
#include "images/oci/image_user.h"
#include "images/oci/layered_store.h"
#include "images/oci/store_layout.h"
#include "images/store/image_store.h"
#include "tests/images/oci_image_writer.h"
#include "tests/support/temp_dir.h"

namespace minipod::images {
namespace {

namespace ts = testing_support;
namespace sfs = std::filesystem;
using nlohmann::json;

using ts::digest_of;

// An image as a test describes it: its layers (base first) and its config.
struct TestImage {
  std::vector<std::vector<ts::TarEntry>> layers;
  json config = json::object();
};

json write_oci_image(const sfs::path& layout, const TestImage& image) {
  return ts::write_oci_image(layout, image.layers, image.config);
}

class ImageLoadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (chown, device nodes)";
    store_ = std::make_unique<ImageStore>(tmp_.path() / "store");
    store_->set_reporter({});
  }
  ts::TempDir tmp_;
  std::unique_ptr<ImageStore> store_;
};

TestImage app_image() {
  TestImage img;
  img.layers = {
      {ts::dir("etc"),
       ts::file("etc/passwd", "root:x:0:0::/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n"),
       ts::file("etc/group",
                "root:x:0:\napp:x:1000:app\nstaff:x:50:\nwheel:x:10:root,app\n"
                "audio:x:29:bob,app,carol\nbad:x:zz:app\n"),
       ts::dir("bin"), ts::file("bin/tool", "v1", 0755), ts::file("bin/old", "old", 0755)},
      {ts::dir("bin"), ts::file("bin/tool", "v2", 0755), ts::file("bin/.wh.old", "")}};
  img.config = {{"Entrypoint", {"/bin/tool"}},
                {"Cmd", {"--flag"}},
                {"Env", {"A=1"}},
                {"WorkingDir", "/work"},
                {"User", "app:staff"}};
  return img;
}

TEST_F(ImageLoadTest, OciLayoutWithANestedIndexForThisPlatform) {
  auto layout = tmp_.path() / "layout";
  json desc = write_oci_image(layout, app_image());
  desc["platform"] = {{"os", "linux"}, {"architecture", "amd64"}};
  json other = desc;
  other["platform"] = {{"os", "linux"}, {"architecture", "s390x"}};
  json nested = {{"schemaVersion", 2}, {"manifests", {other, desc}}};
  std::string nested_text = nested.dump();
  fs::write_file(layout / "blobs" / "sha256" / digest_of(nested_text).substr(7), nested_text);
  json index = {{"schemaVersion", 2},
                {"manifests",
                 {{{"mediaType", "application/vnd.oci.image.index.v1+json"},
                   {"digest", digest_of(nested_text)},
                   {"size", nested_text.size()},
                   {"annotations", {{"org.opencontainers.image.ref.name", "localhost/app:1"}}}}}}};
  fs::write_file(layout / "index.json", index.dump());
  fs::write_file(layout / "oci-layout", R"({"imageLayoutVersion":"1.0.0"})");

  auto loaded = store_->load(layout);
  ASSERT_EQ(loaded.size(), 1u);
  EXPECT_EQ(loaded[0].name, "localhost/app:1");
  EXPECT_EQ(loaded[0].digest, desc["digest"]);
  auto found = store_->find("localhost/app:1");
  ASSERT_TRUE(found);
  ASSERT_EQ(found->layers.size(), 2u);
  EXPECT_EQ(fs::read_file(found->layers[0] / "bin/tool"), "v2");  // top first
  EXPECT_EQ(fs::read_file(found->layers[1] / "bin/tool"), "v1");
  struct stat st {};
  ASSERT_EQ(::lstat((found->layers[0] / "bin/old").c_str(), &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  EXPECT_EQ(found->config.entrypoint, std::vector<std::string>{"/bin/tool"});
  EXPECT_EQ(found->config.working_dir, "/work");
  // By digest too, and the layers are in the store, not in the layout (which may go).
  EXPECT_TRUE(store_->find("localhost/app@" + desc["digest"].get<std::string>()));
  EXPECT_EQ(found->layers[0].parent_path(), tmp_.path() / "store" / ".oci" / "layers");

  // Resolved against the image's own passwd and group.
  auto user = resolve_image_user(found->layers, found->config.user);
  EXPECT_EQ(user.uid, 1000u);
  EXPECT_EQ(user.gid, 50u);
  EXPECT_FALSE(user.numeric_user);
  EXPECT_EQ(resolve_image_user(found->layers, "1000").gid, 1000u);
  EXPECT_EQ(resolve_image_user(found->layers, "42:7").uid, 42u);
  EXPECT_THROW(resolve_image_user(found->layers, "nobody"), UsageError);
  EXPECT_THROW(resolve_image_user(found->layers, "app:nogroup"), UsageError);
  // HOME as runc gives it: the entry's home, "/" for a uid without one.
  EXPECT_EQ(image_home(found->layers, 1000), "/home/app");
  EXPECT_EQ(image_home(found->layers, 0), "/root");
  EXPECT_EQ(image_home(found->layers, 4242), "/");
  // containerd's additional gids: the groups listing the user, not the one named after it.
  EXPECT_EQ(image_groups(found->layers, 1000), (std::vector<gid_t>{10, 29}));
  EXPECT_EQ(image_groups(found->layers, 0), (std::vector<gid_t>{10}));
  EXPECT_TRUE(image_groups(found->layers, 4242).empty());

  // A second load of the same layout reuses every layer.
  auto before = sfs::last_write_time(found->layers[1]);
  store_->load(layout, "localhost/app:2");
  EXPECT_EQ(sfs::last_write_time(store_->find("localhost/app:2")->layers[1]), before);
}

TEST_F(ImageLoadTest, DockerArchiveWithTwoImagesSharingALayer) {
  auto dir = tmp_.path() / "docker";
  fs::make_dirs(dir, 0755);
  std::vector<ts::TarEntry> base = {ts::dir("bin"), ts::file("bin/sh", "shell", 0755)};
  ts::write_tar(dir / "base.tar", base);
  ts::write_tar(dir / "a.tar", {ts::file("a", "A")});
  ts::write_tar(dir / "b.tar", {ts::file("b", "B")});
  auto config = [&](const std::string& layer, const std::string& cmd) {
    json c = {
        {"architecture", "amd64"},
        {"os", "linux"},
        {"config", {{"Cmd", {cmd}}}},
        {"rootfs",
         {{"type", "layers"},
          {"diff_ids",
           {digest_of(fs::read_file(dir / "base.tar")), digest_of(fs::read_file(dir / layer))}}}}};
    return c.dump();
  };
  fs::write_file(dir / "a.json", config("a.tar", "/a"));
  fs::write_file(dir / "b.json", config("b.tar", "/b"));
  json manifest = json::array(
      {{{"Config", "a.json"}, {"RepoTags", {"example.com/a:1"}}, {"Layers", {"base.tar", "a.tar"}}},
       {{"Config", "b.json"}, {"RepoTags", {"b:2"}}, {"Layers", {"base.tar", "b.tar"}}}});
  fs::write_file(dir / "manifest.json", manifest.dump());
  std::vector<ts::TarEntry> archive;
  for (const char* f : {"manifest.json", "a.json", "b.json", "base.tar", "a.tar", "b.tar"})
    archive.push_back(ts::file(f, fs::read_file(dir / f)));
  auto tar = tmp_.path() / "images.tar";
  ts::write_tar(tar, archive);

  // A root filesystem import of an image archive is refused with the hint.
  try {
    store_->import("x", tar);
    ADD_FAILURE() << "import of a docker-archive accepted";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("minipod image load"), std::string::npos) << e.what();
  }

  auto loaded = store_->load(tar);
  ASSERT_EQ(loaded.size(), 2u);
  auto a = store_->find("example.com/a:1");
  auto b = store_->find("b:2");  // docker.io/library/b:2
  ASSERT_TRUE(a && b);
  EXPECT_EQ(b->name, "docker.io/library/b:2");
  EXPECT_EQ(a->layers[1], b->layers[1]);  // the base layer, unpacked once, shared
  EXPECT_EQ(fs::read_file(a->layers[0] / "a"), "A");
  EXPECT_EQ(b->config.cmd, std::vector<std::string>{"/b"});
  // Nothing of the archive stays in the store: no staging, no compressed layers.
  for (const auto& e : sfs::directory_iterator(tmp_.path() / "store" / ".oci"))
    EXPECT_NE(e.path().filename().string().rfind(".staging-", 0), 0u) << e.path();
  size_t blobs = 0;
  for (const auto& e : sfs::directory_iterator(tmp_.path() / "store/.oci/blobs/sha256"))
    blobs += e.is_regular_file();
  EXPECT_EQ(blobs, 4u);  // two manifests, two configs

  // tag, rm, prune: layers go only when no reference (and no pod) needs them.
  store_->tag("example.com/a:1", "localhost/a:copy");
  store_->remove("example.com/a:1");
  EXPECT_FALSE(store_->find("example.com/a:1"));
  EXPECT_EQ(store_->prune({}), (ImageStore::Pruned{0, 0, 0}));
  store_->remove("localhost/a:copy");
  EXPECT_EQ(store_->prune({b->layers[0]}), (ImageStore::Pruned{1, 2, 0}));
  EXPECT_TRUE(sfs::exists(b->layers[0]));
  EXPECT_TRUE(sfs::exists(b->layers[1]));
  EXPECT_FALSE(sfs::exists(a->layers[0]));
  EXPECT_EQ(store_->list().size(), 1u);
}

TEST_F(ImageLoadTest, PruneSweepsInterruptedLoadsAndOrphanLayers) {
  auto layout = tmp_.path() / "layout";
  json desc = write_oci_image(layout, app_image());
  desc["annotations"] = {{"org.opencontainers.image.ref.name", "localhost/app:1"}};
  fs::write_file(layout / "index.json", json{{"schemaVersion", 2}, {"manifests", {desc}}}.dump());
  store_->load(layout);
  // What a load killed half way leaves: its staging directory (a pid that cannot exist) and a
  // layer no reference names.
  auto oci = tmp_.path() / "store" / ".oci";
  auto stale = oci / ".staging-999999999-layer-abcdef";
  fs::make_dirs(stale / "usr", 0755);
  auto orphan = oci / "layers" / std::string(64, 'e');
  fs::make_dirs(orphan / "bin", 0755);
  // And a pull killed before this store kept its staging in .oci: at the top of the store.
  auto stale_pull = tmp_.path() / "store" / ".staging-999999998-pull-ghijkl";
  fs::make_dirs(stale_pull / "blobs/sha256", 0755);
  EXPECT_EQ(store_->prune({}), (ImageStore::Pruned{1, 0, 2}));
  EXPECT_FALSE(sfs::exists(stale));
  EXPECT_FALSE(sfs::exists(stale_pull));
  EXPECT_FALSE(sfs::exists(orphan));
  auto kept = store_->find("localhost/app:1");
  ASSERT_TRUE(kept);
  for (const auto& l : kept->layers) EXPECT_TRUE(sfs::exists(l));
}

// The store's root carries ext4's "top of directory hierarchies" hint, so that layer directories
// are spread over block groups (images/store/top_directory_hint.h). On a filesystem without inode
// flags there is nothing to check but that the load worked.
TEST(ImageStoreRoot, SpreadsLayerDirectoriesWhereTheFilesystemCan) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root (chown, device nodes)";
  ts::TempDir tmp("/var/tmp");  // a disk filesystem on Debian (/tmp may be a tmpfs)
  auto layout = tmp.path() / "layout";
  json desc = write_oci_image(layout, app_image());
  fs::write_file(layout / "index.json", json{{"schemaVersion", 2}, {"manifests", {desc}}}.dump());
  ImageStore store(tmp.path() / "store");
  store.set_reporter({});
  ASSERT_EQ(store.load(layout, "localhost/app:1").size(), 1u);
  UniqueFd probe(::open(tmp.path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  int flags = 0;
  if (::ioctl(probe.get(), FS_IOC_GETFLAGS, &flags) != 0) return;  // no inode flags here
  UniqueFd root(
      ::open((tmp.path() / "store" / ".oci").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  ASSERT_TRUE(root);
  ASSERT_EQ(::ioctl(root.get(), FS_IOC_GETFLAGS, &flags), 0);
  EXPECT_NE(flags & FS_TOPDIR_FL, 0) << "flags " << flags;
}

TEST(ChainIds, FollowTheImageSpec) {
  std::string a = "sha256:" + std::string(64, 'a'), b = "sha256:" + std::string(64, 'b');
  auto ids = chain_ids({a, b});
  ASSERT_EQ(ids.size(), 2u);
  EXPECT_EQ(ids[0], a);
  EXPECT_EQ(ids[1], "sha256:" + sha256_hex(a + " " + b));
}

}  // namespace
}  // namespace minipod::images
