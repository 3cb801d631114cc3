#include "images/store/image_config.h"

#include <ctime>

#include "common/error.h"
#include "common/fs.h"
#include "common/json_parse.h"

namespace minipod::images {

nlohmann::json image_to_json(const Image& image, const std::string& source) {
  nlohmann::json j = {
      {"name", image.name},
      {"rootfs", image.rootfs.string()},
      {"created", image.created},
      {"size", image.size_bytes},
      {"config",
       {{"entrypoint", image.config.entrypoint},
        {"cmd", image.config.cmd},
        {"env", image.config.env},
        {"workingDir", image.config.working_dir},
        {"user", image.config.user}}},
  };
  if (!image.digest.empty()) {
    j["digest"] = image.digest;
    j["configDigest"] = image.config_digest;
    nlohmann::json layers = nlohmann::json::array();
    for (const auto& l : image.layers) layers.push_back(l.string());
    j["layers"] = layers;
  }
  if (!source.empty()) j["source"] = source;
  return j;
}

Image read_image_record(const std::filesystem::path& image_dir, const std::string& name) {
  auto file = image_dir / kImageRecordFile;
  Image image;
  image.name = name;
  image.rootfs = image_dir / kRootfsDir;
  image.layers = {image.rootfs};
  try {
    auto j = nlohmann::json::parse(fs::read_file(file));
    image.created = j.value("created", "");
    image.size_bytes = j.value("size", uint64_t{0});
    if (j.contains("config")) {
      const auto& c = j.at("config");
      image.config.entrypoint = c.value("entrypoint", std::vector<std::string>{});
      image.config.cmd = c.value("cmd", std::vector<std::string>{});
      image.config.env = c.value("env", std::vector<std::string>{});
      image.config.working_dir = c.value("workingDir", "");
    }
  } catch (const nlohmann::json::exception& e) {
    throw Error("read image " + name, file.string() + ": " + json_message(e));
  }
  return image;
}

std::string now_rfc3339() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  ::gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace minipod::images
