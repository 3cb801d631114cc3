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
// spec.volumes: emptyDir and hostPath checked; another type kept by its name.
std::vector<Volume> parse_volumes(const Field& field);
// spec.containers[i].volumeMounts, each on its own and unique by mountPath; subPathExpr expanded
// with `env`.
std::vector<VolumeMount> parse_volume_mounts(const Field& field, const std::vector<EnvVar>& env);
// Every volumeMount names a volume of a type minipod makes; Bidirectional only for privileged
// containers; a volume of another type that nobody mounts is a warning. `volumes`: spec.volumes.
void check_volume_mounts(const Field& spec, const Field& volumes, const Pod& pod);

// spec.securityContext.
PodSecurityContext parse_pod_security_context(const Field& field);

}  // namespace minipod::spec::detail
