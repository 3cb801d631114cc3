#include "images/registry/platform.h"

#include <sys/utsname.h>

#include "common/error.h"
#include "common/strings.h"

namespace minipod::registry {
namespace {

// containerd's normalisation: arm64's only variant is v8, so "" and "v8" are the same platform;
// amd64 images carry no variant (v2/v3 microarchitecture levels are not chosen from indexes).
Platform normalised(Platform p) {
  if (p.architecture == "aarch64") p.architecture = "arm64";
  if (p.architecture == "x86_64") p.architecture = "amd64";
  if (p.architecture == "arm64" && p.variant.empty()) p.variant = "v8";
  if (p.architecture == "amd64") p.variant.clear();
  return p;
}

Platform platform_of(const nlohmann::json& descriptor) {
  Platform p;
  if (auto it = descriptor.find("platform"); it != descriptor.end() && it->is_object()) {
    p.os = it->value("os", "");
    p.architecture = it->value("architecture", "");
    p.variant = it->value("variant", "");
  }
  return normalised(p);
}

}  // namespace

std::string Platform::to_string() const {
  return os + "/" + architecture + (variant.empty() ? "" : "/" + variant);
}

Platform host_platform() {
  struct utsname u {};
  ::uname(&u);
  std::string machine = u.machine;
  Platform p{"linux", machine, ""};
  if (machine == "armv7l") p = {"linux", "arm", "v7"};
  if (machine == "armv6l") p = {"linux", "arm", "v6"};
  if (machine == "i686" || machine == "i386") p = {"linux", "386", ""};
  if (machine == "ppc64le") p = {"linux", "ppc64le", ""};
  return normalised(p);
}

bool config_matches(const nlohmann::json& config, const Platform& wanted) {
  if (!config.is_object()) return false;
  Platform have = normalised({config.value("os", ""), config.value("architecture", ""), ""});
  Platform want = normalised(wanted);
  return have.os == want.os && have.architecture == want.architecture;
}

Platform parse_platform(std::string_view text) {
  auto parts = split(text, '/');
  if (parts.size() < 2 || parts.size() > 3 || parts[0].empty() || parts[1].empty())
    throw UsageError("parse --platform \"" + std::string(text) + "\"",
                     "expected os/architecture[/variant], such as linux/amd64 or linux/arm64/v8");
  return normalised({parts[0], parts[1], parts.size() == 3 ? parts[2] : ""});
}

nlohmann::json choose_manifest(const nlohmann::json& index, const Platform& wanted,
                               const std::string& image) {
  const Platform want = normalised(wanted);
  std::vector<std::string> available;
  if (auto manifests = index.find("manifests"); manifests != index.end() && manifests->is_array()) {
    for (const auto& descriptor : *manifests) {
      if (!descriptor.is_object()) continue;
      Platform p = platform_of(descriptor);
      // Attestation manifests (buildx's "unknown/unknown") are not images to run.
      if (p.os == "unknown") continue;
      if (p.os == want.os && p.architecture == want.architecture && p.variant == want.variant)
        return descriptor;
      available.push_back(p.to_string());
    }
  }
  throw Error("choose a platform of " + image,
              "the image has no manifest for " + want.to_string() + "; it has: " +
                  (available.empty() ? "no platform-specific manifests" : join(available, ", ")) +
                  " (choose one with --platform)");
}

}  // namespace minipod::registry
