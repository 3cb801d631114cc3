#include "images/oci/oci_layout.h"

#include <sys/utsname.h>

#include "common/digest.h"
#include "common/error.h"
#include "common/fs.h"
#include "common/json_parse.h"

namespace minipod::images {
namespace {

nlohmann::json parse_json(const std::string& text, const std::string& what) {
  return minipod::parse_json(text, what, ExitKind::kRuntime);
}

bool is_index(const std::string& media_type) {
  return media_type == kOciIndexType || media_type == kDockerListType;
}

// The entry of `index` for linux/<host arch>.
std::string pick_platform(const nlohmann::json& index, const std::string& what) {
  std::string arch = host_architecture();
  std::string seen;
  for (const auto& m : index.value("manifests", nlohmann::json::array())) {
    auto platform = m.value("platform", nlohmann::json::object());
    std::string os = platform.value("os", ""), a = platform.value("architecture", "");
    if (os == "linux" && a == arch) return m.value("digest", "");
    seen += (seen.empty() ? "" : ", ") + (os.empty() ? "?" : os) + "/" + (a.empty() ? "?" : a);
  }
  throw Error("choose a platform in " + what, "it has no linux/" + arch + " image (it has: " +
                                                  (seen.empty() ? "none" : seen) + ")");
}

}  // namespace

std::string host_architecture() {
  struct utsname u {};
  ::uname(&u);
  std::string m = u.machine;
  if (m == "x86_64") return "amd64";
  if (m == "aarch64") return "arm64";
  if (m == "i686" || m == "i386") return "386";
  return m;
}

std::filesystem::path blob_path(const std::filesystem::path& layout, const std::string& digest) {
  if (!is_sha256_digest(digest))
    throw Error("image layout " + layout.string(),
                "digest \"" + digest + "\" is not sha256:<64 lower-case hex digits>");
  return layout / "blobs" / "sha256" / digest.substr(7);
}

std::string read_verified_blob(const std::filesystem::path& layout, const std::string& digest) {
  auto path = blob_path(layout, digest);
  std::string data = fs::read_file(path);
  std::string got = "sha256:" + sha256_hex(data);
  if (got != digest)
    throw Error("verify blob " + path.string(),
                "its content has digest " + got + ", not " + digest);
  return data;
}

std::vector<LayoutManifest> layout_manifests(const std::filesystem::path& layout) {
  auto index_file = layout / "index.json";
  auto index = parse_json(fs::read_file(index_file), index_file.string());
  std::vector<LayoutManifest> out;
  for (const auto& m : index.value("manifests", nlohmann::json::array())) {
    LayoutManifest lm;
    lm.digest = m.value("digest", "");
    auto annotations = m.value("annotations", nlohmann::json::object());
    lm.name = annotations.value("io.containerd.image.name",
                                annotations.value("org.opencontainers.image.ref.name", ""));
    std::string media_type = m.value("mediaType", "");
    // Nested indexes (a multi-platform image in a layout): down to one image manifest.
    for (int depth = 0; is_index(media_type); ++depth) {
      if (depth == 8) throw Error("read " + index_file.string(), "indexes nested too deep");
      auto nested = parse_json(read_verified_blob(layout, lm.digest), "index " + lm.digest);
      lm.digest = pick_platform(nested, "index " + lm.digest);
      media_type.clear();
      for (const auto& e : nested.value("manifests", nlohmann::json::array()))
        if (e.value("digest", "") == lm.digest) media_type = e.value("mediaType", "");
    }
    out.push_back(lm);
  }
  if (out.empty()) throw Error("read " + index_file.string(), "it lists no image");
  return out;
}

}  // namespace minipod::images
