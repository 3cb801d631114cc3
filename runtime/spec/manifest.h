// Reads a Kubernetes Pod manifest (YAML or JSON) into a validated spec::Pod.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "runtime/spec/pod_spec.h"

namespace minipod::spec {

struct ParseOutput {
  Pod pod;
  // "spec.containers[0].livenessProbe: unknown field, ignored" and similar; printed by the CLI.
  std::vector<std::string> warnings;
  std::string text;  // the manifest as read (kept in the pod directory by `run`)
};

// `source` names the input in messages (usually the file path). Throws UsageError naming the
// field path and what was expected, e.g. "pod.yaml: spec.containers[1].name: must be a DNS label
// (lower-case letters, digits and '-'), got "Web_1"".
ParseOutput parse_manifest(const std::string& text, const std::string& source);
ParseOutput parse_manifest_file(const std::string& path);

}  // namespace minipod::spec
