#include "images/cli/image_command.h"

#include <cstdio>
#include <memory>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "common/strings.h"
#include "images/oci/layered_store.h"
#include "images/store/image_config.h"
#include "images/store/image_store.h"

namespace minipod::images::cli {
namespace {

// "sha256:0123456789ab": enough to tell images apart; "-" for a local root filesystem.
std::string short_digest(const std::string& digest) {
  return digest.empty() ? "-" : digest.substr(0, 7 + 12);
}

void print_table(const std::vector<Image>& images) {
  size_t name_width = 4;
  for (const auto& image : images) name_width = std::max(name_width, image.name.size());
  std::printf("%-*s  %-19s  %10s  %s\n", static_cast<int>(name_width), "NAME", "DIGEST", "SIZE",
              "CREATED");
  for (const auto& image : images)
    std::printf("%-*s  %-19s  %10s  %s\n", static_cast<int>(name_width), image.name.c_str(),
                short_digest(image.digest).c_str(), human_size(image.size_bytes).c_str(),
                image.created.c_str());
}

nlohmann::json image_inspect_json(const std::string& dir, const Image& image) {
  if (image.digest.empty()) return image_to_json(image);
  return LayeredStore(dir).describe(image);
}

struct Args {
  std::string name, target;
  std::string source;
  std::vector<std::string> names;
  std::string output = "table";
};

}  // namespace

void add_image_commands(CLI::App& app, const std::string& store_dir, LayersInUse layers_in_use) {
  auto* image = app.add_subcommand("image", "Manage the local image store (root filesystems)");
  image->require_subcommand(1);
  auto args = std::make_shared<Args>();
  // `store_dir` is bound to the global --image-dir option, so it is only read once parsing ends.
  const std::string* dir = &store_dir;

  auto* build = image->add_subcommand(
      "build", "Build a built-in image (busybox, from Debian's busybox-static)");
  build->add_option("NAME", args->name, "Built-in image name")->required();
  build->callback([args, dir] {
    ImageStore store(*dir);
    Image built = store.build(args->name);
    std::printf("built image %s (%s) in %s\n", built.name.c_str(),
                human_size(built.size_bytes).c_str(), built.rootfs.parent_path().c_str());
  });

  auto* import = image->add_subcommand(
      "import", "Import a root filesystem directory or tar archive (.tar, .tar.gz, .tgz, .tar.xz)");
  import->add_option("NAME", args->name, "Name for the image")->required();
  import->add_option("PATH", args->source, "Root filesystem directory or tar archive")->required();
  import->callback([args, dir] {
    ImageStore store(*dir);
  Image imported = store.import(args->name, args->source);
  std::printf("imported image %s (%s) in %s\n", imported.name.c_str(),
              human_size(imported.size_bytes).c_str(), imported.rootfs.parent_path().c_str());
});

auto* ls = image->add_subcommand("ls", "List images");
ls->alias("list");
ls->add_option("-o,--output", args->output, "Output format")
    ->check(CLI::IsMember({"table", "json"}))
    ->capture_default_str();
ls->callback([args, dir] {
  ImageStore store(*dir);
  auto images = store.list();
  if (args->output == "json") {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& i : images) out.push_back(image_to_json(i));
    std::printf("%s\n", out.dump(2).c_str());
  } else {
    print_table(images);
  }
});

auto* inspect = image->add_subcommand("inspect", "Show an image's config as JSON");
inspect->add_option("REF", args->name, "Image name or reference")->required();
inspect->callback([args, dir] {
  ImageStore store(*dir);
  auto found = store.find(args->name);
  if (!found) {
    std::string names = join(store.list(), ", ", [](const Image& i) { return i.name; });
    throw UsageError("inspect image " + args->name,
                     "no image named \"" + args->name + "\" in " + *dir +
                         (names.empty() ? " (the store is empty)" : "; images: " + names));
  }
  std::printf("%s\n", image_inspect_json(*dir, *found).dump(2).c_str());
});

auto* load = image->add_subcommand(
    "load", "Load images from a docker-archive, an oci-archive or an OCI image layout directory");
load->add_option("PATH", args->source, "Archive file or OCI layout directory")->required();
load->add_option("--name", args->name, "Reference for the image (an archive of one image)");
load->callback([args, dir] {
  ImageStore store(*dir);
  std::optional<std::string> name;
  if (!args->name.empty()) name = args->name;
  for (const auto& loaded : store.load(args->source, name))
    std::printf("loaded image %s (%s, %zu layers)\n", loaded.name.c_str(), loaded.digest.c_str(),
                loaded.layers.size());
});

auto* tag = image->add_subcommand("tag", "Give an image another reference");
tag->add_option("SOURCE", args->name, "Image")->required();
tag->add_option("TARGET", args->target, "New reference")->required();
tag->callback([args, dir] {
  ImageStore store(*dir);
  Image tagged = store.tag(args->name, args->target);
  std::printf("tagged %s as %s\n", tagged.digest.c_str(), tagged.name.c_str());
});

auto* prune = image->add_subcommand(
    "prune", "Remove the layers and blobs no image reference needs (layers of live pods stay)");
prune->callback([dir, layers_in_use] {
  ImageStore store(*dir);
  auto pruned = store.prune(layers_in_use());
  std::printf("removed %zu layers and %zu blobs\n", pruned.layers, pruned.blobs);
  if (pruned.unfinished > 0)
    std::printf("removed %zu unfinished image writes of killed minipods\n", pruned.unfinished);
});

auto* rm = image->add_subcommand("rm", "Remove images");
rm->alias("remove");
rm->add_option("NAME", args->names, "Image names")->required();
rm->callback([args, dir] {
  ImageStore store(*dir);
  for (const auto& name : args->names) {
    store.remove(name);
    std::printf("removed image %s\n", name.c_str());
  }
});
}  // namespace minipod::images::cli

}  // namespace minipod::images::cli
