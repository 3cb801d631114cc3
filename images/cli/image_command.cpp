#include "images/cli/image_command.h"

#include <cstdio>
#include <memory>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "common/strings.h"
#include "images/store/image_config.h"
#include "images/store/image_store.h"

namespace minipod::images::cli {
namespace {

void print_table(const std::vector<Image>& images) {
  size_t name_width = 4;
  for (const auto& image : images) name_width = std::max(name_width, image.name.size());
  std::printf("%-*s  %10s  %s\n", static_cast<int>(name_width), "NAME", "SIZE", "CREATED");
  for (const auto& image : images)
    std::printf("%-*s  %10s  %s\n", static_cast<int>(name_width), image.name.c_str(),
                human_size(image.size_bytes).c_str(), image.created.c_str());
}

struct Args {
  std::string name;
  std::string source;
  std::vector<std::string> names;
  std::string output = "table";
};

}  // namespace

void add_image_commands(CLI::App& app, const std::string& store_dir) {
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
inspect->add_option("NAME", args->name, "Image name")->required();
inspect->callback([args, dir] {
  ImageStore store(*dir);
  auto found = store.find(args->name);
  if (!found) {
    std::string names = join(store.list(), ", ", [](const Image& i) { return i.name; });
    throw UsageError("inspect image " + args->name,
                     "no image named \"" + args->name + "\" in " + *dir +
                         (names.empty() ? " (the store is empty)" : "; images: " + names));
  }
  std::printf("%s\n", image_to_json(*found).dump(2).c_str());
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
