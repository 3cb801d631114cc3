#include <algorithm>
#include <set>

#include "runtime/spec/names.h"
#include "runtime/spec/parse_parts.h"
#include "runtime/spec/sysctl.h"

namespace minipod::spec::detail {
namespace {

constexpr int64_t kMaxId = 2147483647;  // Kubernetes' limit for uids and gids
constexpr const char* kId = "an id 0-2147483647";

std::optional<int64_t> optional_id(const Field& f) {
  if (!f.is_set()) return std::nullopt;
  return f.integer_in(0, kMaxId, kId);
}

std::optional<bool> optional_bool(const Field& f) {
  if (!f.is_set()) return std::nullopt;
  return f.boolean();
}

std::vector<std::string> capability_list(const Field& field) {
  std::vector<std::string> out;
  auto items = field.items();
  for (const Field& item : items) {
    std::string raw = item.str();
    auto cap = normalize_capability(raw);
    if (!cap)
      item.fail("must be a Linux capability such as NET_ADMIN or CAP_NET_ADMIN, or ALL, got " +
                in_quotes(raw));
    if (std::find(out.begin(), out.end(), *cap) == out.end()) out.push_back(*cap);
  }
  return out;
}

std::optional<Capabilities> parse_capabilities(const Field& field) {
  if (!field.is_set()) return std::nullopt;
  Object obj(field);
  Capabilities caps;
  caps.add = capability_list(obj["add"]);
  caps.drop = capability_list(obj["drop"]);
  obj.warn_unknown();
  return caps;
}

std::optional<SeccompProfile> parse_seccomp(const Field& field) {
  if (!field.is_set()) return std::nullopt;
  Object obj(field);
  SeccompProfile p;
  Field type = obj.required("type", "RuntimeDefault, Unconfined or Localhost");
  p.type = type.str();
  if (p.type != "RuntimeDefault" && p.type != "Unconfined" && p.type != "Localhost")
    type.fail("must be RuntimeDefault, Unconfined or Localhost, got " + in_quotes(p.type));
  Field profile = obj["localhostProfile"];
  p.localhost_profile = profile.str();
  if (p.type == "Localhost") {
    if (p.localhost_profile.empty())
      profile.fail(
          "required when type is Localhost (a profile path relative to the seccomp profile "
          "directory)");
    std::string padded = "/" + p.localhost_profile + "/";
    if (p.localhost_profile.front() == '/' || padded.find("/../") != std::string::npos)
      profile.fail("must be a relative path without \"..\", got " + in_quotes(p.localhost_profile));
  } else if (profile.is_set()) {
    profile.fail("only allowed when type is Localhost, got type " + p.type);
  }
  obj.warn_unknown();
  return p;
}

std::vector<Sysctl> parse_sysctls(const Field& field) {
  std::vector<Sysctl> out;
  std::set<std::string> seen;
  for (const Field& item : field.items()) {
    if (!item.is_set()) item.fail("must be a mapping with name and value, got nothing");
    Object obj(item);
    Field name = obj.required("name", "a sysctl name such as net.ipv4.ip_unprivileged_port_start");
    Sysctl s;
    s.name = normalize_sysctl_name(name.str());
    if (!is_sysctl_name(s.name))
      name.fail("must be a sysctl name (lower-case segments separated by '.' or '/'), got " +
                in_quotes(name.str()));
    if (sysctl_namespace(s.name).empty())
      name.fail("sysctl " + in_quotes(name.str()) +
                " is not namespaced (it would change the whole host); allowed: net.*, kernel.shm*, "
                "kernel.msg*, "
                "kernel.sem, fs.mqueue.*");
    if (!seen.insert(s.name).second) name.fail("duplicate sysctl " + in_quotes(name.str()));
    Field value = obj["value"];
    if (!value.is_set()) value.fail("required (the value to write)");
    s.value = value.str();
    obj.warn_unknown();
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace

SecurityContext parse_security_context(const Field& field) {
  SecurityContext sc;
  Object obj(field);
  sc.privileged = optional_bool(obj["privileged"]);
  Field allow_escalation = obj["allowPrivilegeEscalation"];
  sc.allow_privilege_escalation = optional_bool(allow_escalation);
  sc.read_only_root_filesystem = optional_bool(obj["readOnlyRootFilesystem"]);
  sc.run_as_non_root = optional_bool(obj["runAsNonRoot"]);
  Field run_as_user = obj["runAsUser"];
  sc.run_as_user = optional_id(run_as_user);
  sc.run_as_group = optional_id(obj["runAsGroup"]);
  sc.capabilities = parse_capabilities(obj["capabilities"]);
  sc.seccomp_profile = parse_seccomp(obj["seccompProfile"]);
  obj.warn_unknown();

  // Kubernetes refuses these combinations: a privileged container or one that may add
  // CAP_SYS_ADMIN can always escalate.
  if (sc.allow_privilege_escalation == false) {
    if (sc.privileged == true) allow_escalation.fail("cannot be false when privileged is true");
    if (sc.capabilities) {
      const auto& add = sc.capabilities->add;
      if (std::find(add.begin(), add.end(), "SYS_ADMIN") != add.end() ||
          std::find(add.begin(), add.end(), "ALL") != add.end())
        allow_escalation.fail("cannot be false when capabilities.add contains SYS_ADMIN or ALL");
    }
  }
  if (sc.run_as_non_root == true && sc.run_as_user == 0)
    run_as_user.fail("must not be 0 when runAsNonRoot is true");
  return sc;
}

PodSecurityContext parse_pod_security_context(const Field& field) {
  PodSecurityContext sc;
  Object obj(field);
  sc.run_as_non_root = optional_bool(obj["runAsNonRoot"]);
  Field run_as_user = obj["runAsUser"];
  sc.run_as_user = optional_id(run_as_user);
  sc.run_as_group = optional_id(obj["runAsGroup"]);
  sc.fs_group = optional_id(obj["fsGroup"]);
  for (const Field& gid : obj["supplementalGroups"].items())
    sc.supplemental_groups.push_back(gid.integer_in(0, kMaxId, kId));
  sc.sysctls = parse_sysctls(obj["sysctls"]);
  sc.seccomp_profile = parse_seccomp(obj["seccompProfile"]);
  obj.warn_unknown();
  if (sc.run_as_non_root == true && sc.run_as_user == 0)
    run_as_user.fail("must not be 0 when runAsNonRoot is true");
  return sc;
}

}  // namespace minipod::spec::detail
