#include "images/pull/image_pull.h"

#include "common/digest.h"
#include "common/error.h"
#include "common/file_lock.h"
#include "common/fs.h"
#include "images/oci/image_ref.h"
#include "images/oci/store_layout.h"
#include "images/pull/pull_helper.h"
#include "images/store/staging_dir.h"

namespace minipod::images {

std::filesystem::path pull_helper_path(const std::filesystem::path& minipod_binary) {
  if (!minipod_binary.empty()) return minipod_binary.parent_path() / "minipod-pull";
  std::error_code ec;
  auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) throw Error("find minipod-pull", "readlink /proc/self/exe", ec.value());
  return self.parent_path() / "minipod-pull";
}

Image pull_image(ImageStore& store, const std::string& reference,
                 const std::vector<std::string>& helper_args,
                 const std::filesystem::path& minipod_binary) {
  ImageRef ref = parse_image_ref(reference);
  // Tag and digest as the user gave them: a digest pulls exactly that manifest.
  std::string name = ref.key();
  const std::filesystem::path root = layered_store_root(store.dir());
  fs::make_dirs(root / "locks", 0755);
  // One pull of a reference at a time: a second one waits here, then finds the manifest and its
  // layers in the store and fetches nothing but the manifest (each blob is downloaded and
  // unpacked once however many pulls want it).
  FileLock one_pull(root / "locks" / ("pull-" + sha256_hex(name).substr(0, 32) + ".lock"));
  // The helper skips what the store holds; prune must not take it away before the load below
  // has referenced it.
  FileLock no_prune(root / "locks" / "store.lock", LOCK_SH);
  // In the store itself, where gc sweeps what a killed pull left (the helper dies with minipod).
  StagingDir staging(root, "pull");
  std::vector<std::string> args{
      "image", "pull", name, "--oci-layout", staging.path().string(), "--store", root.string()};
  args.insert(args.end(), helper_args.begin(), helper_args.end());
  const std::string step = "pull image " + reference;
  auto failed = [&](int code) {
    return Error(step, "ErrImagePull: the registry client (minipod-pull) failed with exit code " +
                           std::to_string(code) + "; its message is above");
  };
  // The helper names each blob once it is in the staging layout; the store unpacks each layer as
  // it arrives (side by side, and while the next ones download).
  struct HelperGone {};
  PullHelper helper(pull_helper_path(minipod_binary), args);
  auto manifest = helper.manifest();
  if (!manifest) throw failed(helper.finish());
  try {
    Image image = with_context(step, [&] {
      return store.load_arriving(staging.path(), *manifest, name, [&](const std::string& digest) {
        if (!helper.wait_for(digest)) throw HelperGone{};
      });
    });
    if (int code = helper.finish(); code != 0) throw failed(code);
    return image;
  } catch (const HelperGone&) {
    throw failed(helper.finish());
  }
  // Any other error of the load (a layer refused): ~PullHelper stops the download first.
}

}  // namespace minipod::images
