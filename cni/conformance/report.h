// The suite's report in three forms: a text table for people, JSON with the full evidence of
// every call for tools, JUnit XML for CI systems.
#pragma once

#include <string>

#include "cni/conformance/suite.h"

namespace cni::conformance {

// One row per check and version (check, version, level, result, evidence), ending with the line
// "N passed, N failed" (", N skipped" and ", N warnings" after it when there are any).
std::string format_text(const Report& report);
std::string format_json(const Report& report);
std::string format_junit(const Report& report);

// "pass", "FAIL", "warn" (a SHOULD check that failed), "skip".
std::string result_word(const CheckResult& r);

}  // namespace cni::conformance
