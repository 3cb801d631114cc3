// Platforms as OCI indexes name them (os/architecture/variant, Go's names) and the choice of one
// manifest from an index or Docker manifest list.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace minipod::registry {

struct Platform {
  std::string os;
  std::string architecture;
  std::string variant;  // normalised: arm64 means v8 when empty, amd64 has none

  std::string to_string() const;  // "linux/arm64/v8"
};

// The platform this program runs on (uname's machine mapped to Go's architecture names).
Platform host_platform();

// Whether an image config's os/architecture (a single-manifest image states its platform only
// there) is `wanted`'s, with the same normalisation as an index's platforms.
bool config_matches(const nlohmann::json& config, const Platform& wanted);

// "os/arch[/variant]" as --platform takes it. Throws UsageError.
Platform parse_platform(std::string_view text);

// The descriptor of `index` (OCI index or Docker manifest list) whose platform is `wanted`.
// Throws Error naming the platforms the index has when none matches.
nlohmann::json choose_manifest(const nlohmann::json& index, const Platform& wanted,
                               const std::string& image);

}  // namespace minipod::registry
