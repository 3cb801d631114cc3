// The catalogue of conformance checks: every rule the suite judges, with its ID, the spec section
// it comes from, how binding the spec is about it (MUST or SHOULD) and the spec versions it
// applies to. The docs table and the report both come from here, so they cannot drift apart.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace cni::conformance {

// kInfo: what the suite observes where the spec sets no rule (e.g. the CNI_COMMAND-less "about"
// text of Go's skel): shown, never counted against the plugin.
enum class Level { kMust, kShould, kInfo };

struct CheckInfo {
  std::string id;  // "del.twice"
  Level level;
  std::string section;      // where the rule is written, e.g. "SPEC.md §2 DEL"
  std::string title;        // the rule, one line
  std::string min_version;  // first spec version it applies to ("" = all)
  std::string max_version;  // last spec version it applies to ("" = all)
  bool per_version = true;  // false: judged once, not per claimed version
  // The suite judges it as a MUST where the spec only says "should" (DEL tolerating missing
  // resources): every report says so, so no one reads it as the spec's word.
  bool suite_policy = false;
};

// In report order.
const std::vector<CheckInfo>& catalogue();
// nullptr when there is no such check.
const CheckInfo* find_check(std::string_view id);
// Whether the check applies to spec version `version` (always true for once-only checks).
bool applies(const CheckInfo& check, const std::string& version);

const char* level_name(Level level);
// The level as reports print it: level_name(), or "MUST (suite policy; SPEC: should)".
std::string level_label(const CheckInfo& check);

}  // namespace cni::conformance
