// The pieces of the manifest parser, one per part of a Pod. Internal to runtime/spec.
#pragma once

#include "runtime/spec/pod_spec.h"
#include "runtime/spec/yaml_field.h"

namespace minipod::spec::detail {

// spec.containers[i] / spec.initContainers[i]; checks each field on its own. Checks across
// containers (unique names, host ports) are the caller's.
Container parse_container(const Field& field, bool init_container);

// resources: limits and requests, cpu in millicores and memory in bytes; requests <= limits.
Resources parse_resources(const Field& field);

// spec.containers[i].securityContext.
SecurityContext parse_security_context(const Field& field);
// spec.securityContext.
PodSecurityContext parse_pod_security_context(const Field& field);

}  // namespace minipod::spec::detail
