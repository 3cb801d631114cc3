// Judging an ADD result: its shape against the requested spec version, and whether what it
// claims about the sandbox is true.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cni/conformance/harness.h"
#include "cni/conformance/sandbox.h"

namespace cni::conformance {

// What is wrong with `result` as a `version` result for attachment `a` (empty: nothing).
// `after`: the sandbox's links after the ADD (an interface there must carry the sandbox path).
std::vector<std::string> shape_problems(const nlohmann::json& result, const std::string& version,
                                        const Attachment& a, const std::vector<NsLink>& after);

// What the result claims about the sandbox that is not so: interfaces that do not exist there,
// a different MAC, addresses that are not configured.
std::vector<std::string> reality_problems(const nlohmann::json& result, const std::string& version,
                                          const Attachment& a, const std::vector<NsLink>& before,
                                          const std::vector<NsLink>& after);

// "eth0 10.233.1.2/24 (02:..)", what the sandbox holds besides lo.
std::string describe_sandbox(const std::vector<NsLink>& links);

// Whether a chained plugin's result keeps (or modifies) its prevResult rather than ignoring
// it: true unless prevResult had interfaces or addresses and the result keeps none of them.
bool prev_result_kept(const nlohmann::json& prev, const nlohmann::json& result,
                      std::string* evidence);

}  // namespace cni::conformance
