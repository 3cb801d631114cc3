// Layers unpacked into overlayfs' form, and layers that try to write outside refused.
#include "images/oci/layer_unpack.h"
#include "images/oci/layers_unpack.h"

#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <string>

#include <gtest/gtest.h>

#include "common/digest.h"
#include "common/error.h"
#include "common/fs.h"
#include "tests/images/tar_writer.h"
#include "tests/support/temp_dir.h"

namespace minipod::images {
namespace {

namespace ts = testing_support;
namespace sfs = std::filesystem;

std::string xattr(const sfs::path& p, const char* name) {
  char buf[256];
  ssize_t n = ::lgetxattr(p.c_str(), name, buf, sizeof buf);
  return n < 0 ? "" : std::string(buf, static_cast<size_t>(n));
}

class LayerUnpackTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root (device nodes, trusted.* xattrs, chown)";
  }
  sfs::path layer(const std::string& name, const std::vector<ts::TarEntry>& entries,
                  ts::Compression c = ts::Compression::kNone) {
    auto tar = tmp_.path() / (name + ".tar");
    ts::write_tar(tar, entries, c);
    auto dest = tmp_.path() / name;
    sfs::create_directory(dest);
    return dest;
  }
  void unpack(const std::string& name, std::vector<sfs::path> lowers = {}) {
    auto blob = tmp_.path() / (name + ".tar");
    LayerSource src{blob, "sha256:" + sha256_hex(fs::read_file(blob)), std::move(lowers), {}};
    unpack_layer(src, tmp_.path() / name);
  }
  ts::TempDir tmp_;
};

TEST(LayerEntryPath, NormalisesAndRefusesEscapes) {
  EXPECT_EQ(layer_entry_path("./usr/bin/x"), "usr/bin/x");
  EXPECT_EQ(layer_entry_path("dir/"), "dir");
  EXPECT_EQ(layer_entry_path("./"), "");
  EXPECT_THROW(layer_entry_path("../etc/passwd"), Error);
  EXPECT_THROW(layer_entry_path("a/../../b"), Error);
  EXPECT_THROW(layer_entry_path("/etc/passwd"), Error);
}

TEST_F(LayerUnpackTest, WhiteoutsBecomeOverlayFormAndMetadataIsKept) {
  ts::TarEntry cap = ts::file("bin/ping", "ELF", 04755);
  cap.uid = 1000;
  cap.gid = 1001;
  cap.xattrs = {
      {"security.capability",
       std::string(
           "\x01\x00\x00\x02\x00\x20\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00", 20)},
      {"user.note", "hi"}};
  ts::TarEntry fifo;
  fifo.name = "run/fifo";
  fifo.type = AE_IFIFO;
  ts::TarEntry null;
  null.name = "dev/null";
  null.type = AE_IFCHR;
  null.major = 1;
  null.minor = 3;
  null.perm = 0666;
  layer("l",
        {ts::dir("bin"), cap, ts::dir("etc"), ts::file("etc/.wh.gone", ""), ts::dir("opt"),
         ts::file("opt/.wh..wh..opq", ""), ts::file("opt/new", "n"), ts::dir("run"), fifo,
         ts::dir("dev"), null, ts::symlink("bin/sh", "/bin/busybox"),
         ts::hardlink("bin/ping2", "bin/ping")},
        ts::Compression::kGzip);
  unpack("l");
  auto root = tmp_.path() / "l";
  struct stat st {};
  ASSERT_EQ(::lstat((root / "etc/gone").c_str(), &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  EXPECT_EQ(st.st_rdev, makedev(0, 0));
  EXPECT_FALSE(sfs::exists(root / "etc/.wh.gone"));
  EXPECT_EQ(xattr(root / "opt", "trusted.overlay.opaque"), "y");
  EXPECT_FALSE(sfs::exists(root / "opt/.wh..wh..opq"));
  EXPECT_EQ(fs::read_file(root / "opt/new"), "n");
  ASSERT_EQ(::lstat((root / "bin/ping").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 04755u);
  EXPECT_EQ(st.st_uid, 1000u);
  EXPECT_EQ(st.st_gid, 1001u);
  EXPECT_EQ(st.st_nlink, 2u);
  EXPECT_EQ(xattr(root / "bin/ping", "security.capability").size(), 20u);
  EXPECT_EQ(xattr(root / "bin/ping", "user.note"), "hi");
  ASSERT_EQ(::lstat((root / "run/fifo").c_str(), &st), 0);
  EXPECT_TRUE(S_ISFIFO(st.st_mode));
  ASSERT_EQ(::lstat((root / "dev/null").c_str(), &st), 0);
  EXPECT_EQ(st.st_rdev, makedev(1, 3));
  EXPECT_EQ(sfs::read_symlink(root / "bin/sh"), "/bin/busybox");
  // Directories keep the layer's times, though entries were created in them after theirs.
  for (const char* d : {"bin", "etc", "opt"}) {
    ASSERT_EQ(::lstat((root / d).c_str(), &st), 0);
    EXPECT_EQ(st.st_mtim.tv_sec, 1700000000) << d;
  }
}

TEST_F(LayerUnpackTest, HardLinkToALowerLayerCopiesTheTargetUp) {
  ts::TarEntry big = ts::file("usr/lib/libx.so", "library", 0755);
  big.uid = 7;
  layer("base", {ts::dir("usr"), ts::dir("usr/lib"), big}, ts::Compression::kZstd);
  unpack("base");
  layer("top",
        {ts::dir("usr"), ts::dir("usr/lib"), ts::hardlink("usr/lib/libx.so.1", "usr/lib/libx.so")});
  unpack("top", {tmp_.path() / "base"});
  auto top = tmp_.path() / "top";
  EXPECT_EQ(fs::read_file(top / "usr/lib/libx.so"), "library");
  struct stat a {
  }, b{};
  ASSERT_EQ(::stat((top / "usr/lib/libx.so").c_str(), &a), 0);
  ASSERT_EQ(::stat((top / "usr/lib/libx.so.1").c_str(), &b), 0);
  EXPECT_EQ(a.st_ino, b.st_ino);
  EXPECT_EQ(a.st_uid, 7u);
  EXPECT_EQ(a.st_mode & 07777, 0755u);
}

TEST_F(LayerUnpackTest, EscapingEntriesAreRefusedByNameAndWriteNothingOutside) {
  auto outside = tmp_.path() / "victim";
  auto message = [&](const std::string& name, const std::vector<ts::TarEntry>& entries) {
    layer(name, entries);
    try {
      unpack(name);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  std::string dotdot = message("dotdot", {ts::file("../victim", "x")});
  EXPECT_NE(dotdot.find("\"../victim\""), std::string::npos) << dotdot;
  std::string absolute = message("abs", {ts::file("/tmp/victim", "x")});
  EXPECT_NE(absolute.find("\"/tmp/victim\""), std::string::npos) << absolute;
  // A symlink out of the layer, then an entry through it.
  std::string through = message(
      "link", {ts::symlink("esc", outside.parent_path().string()), ts::file("esc/victim", "x")});
  EXPECT_NE(through.find("\"esc/victim\""), std::string::npos) << through;
  std::string relative = message("rel", {ts::symlink("up", "../.."), ts::file("up/victim", "x")});
  EXPECT_NE(relative.find("\"up/victim\""), std::string::npos) << relative;
  // A hard link to something outside.
  std::string link = message("hard", {ts::hardlink("x", "../../etc/passwd")});
  EXPECT_NE(link.find("\"../../etc/passwd\""), std::string::npos) << link;
  EXPECT_FALSE(sfs::exists(outside));
  EXPECT_FALSE(sfs::exists("/tmp/victim"));
}

// Layers unpacked side by side (the store's load): a hard link into the layer below waits until
// the layers below are in place; a failed layer is named, a layer that needs it fails too, and
// the others still finish, whole.
TEST_F(LayerUnpackTest, LayersSideBySideWaitForTheLayerBelowAndNameTheOneThatFailed) {
  // A base large enough to still be unpacking when the top asks for its file.
  std::string data(8 << 20, 'x');
  for (size_t i = 0; i < data.size(); i += 4096) data[i] = static_cast<char>(i / 4096);
  layer("base", {ts::dir("usr"), ts::file("usr/big", data, 0644)}, ts::Compression::kGzip);
  layer("top", {ts::dir("usr"), ts::hardlink("usr/big.1", "usr/big")});
  layer("bad", {ts::file("../victim", "x")});
  auto job = [&](const std::string& name, std::vector<sfs::path> lowers, const std::string& label) {
    auto blob = tmp_.path() / (name + ".tar");
    sfs::remove_all(tmp_.path() / name);  // unpack_layers renames its staging directory there
    return LayerJob{{blob, "sha256:" + sha256_hex(fs::read_file(blob)), std::move(lowers), {}},
                    tmp_.path() / name,
                    label,
                    {}};
  };
  auto staging = tmp_.path() / "staging";
  sfs::create_directory(staging);
  std::vector<LayerJob> jobs{job("base", {}, "layer 1/2"),
                             job("top", {tmp_.path() / "base"}, "layer 2/2")};
  unpack_layers(jobs, staging, 2);
  EXPECT_EQ(fs::read_file(tmp_.path() / "top/usr/big.1"), data);
  EXPECT_TRUE(sfs::is_empty(staging));

  std::vector<LayerJob> failing{job("base", {}, "layer 1/3"), job("bad", {}, "layer 2/3"),
                                job("top", {tmp_.path() / "base"}, "layer 3/3")};
  try {
    unpack_layers(failing, staging, 2);
    ADD_FAILURE() << "a layer writing ../victim was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("\"../victim\""), std::string::npos) << e.what();
  }
  EXPECT_EQ(fs::read_file(tmp_.path() / "base/usr/big"), data);
  EXPECT_FALSE(sfs::exists(tmp_.path() / "bad"));
  EXPECT_FALSE(sfs::exists(tmp_.path() / "top"));  // its hard link needed every layer below
  EXPECT_TRUE(sfs::is_empty(staging));
}

TEST_F(LayerUnpackTest, AWrongDigestIsRefused) {
  layer("l", {ts::file("a", "1")});
  LayerSource src{tmp_.path() / "l.tar", "sha256:" + std::string(64, '0'), {}, {}};
  EXPECT_THROW(unpack_layer(src, tmp_.path() / "l"), Error);
}

}  // namespace
}  // namespace minipod::images
