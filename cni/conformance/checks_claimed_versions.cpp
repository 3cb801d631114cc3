// Versions the plugin claims that this suite does not know (a newer spec, a typo): named as a
// note in every report, so no one reads "tested: 1.0.0 1.1.0" as the whole of what the plugin
// says it speaks (version.unknown).
#include "cni/conformance/runner.h"

#include "cni/version.h"
#include "common/strings.h"

namespace cni::conformance {

using minipod::join;

void Runner::note_unknown_versions() {
  if (!wanted("version.unknown") || report_.claimed.empty()) return;
  std::vector<std::string> unknown;
  for (const auto& v : report_.claimed)
    if (!is_supported_version(v) && !contains(unknown, v)) unknown.push_back(v);
  if (unknown.empty()) {
    pass("version.unknown", "every claimed version is one this suite knows");
    return;
  }
  // An INFO check's failure is a note: shown in text, JSON and JUnit, never counted.
  fail("version.unknown", std::string("claims version") + (unknown.size() > 1 ? "s " : " ") +
                              join(unknown, ", ") + ", which this suite does not know: not tested");
}

}  // namespace cni::conformance
