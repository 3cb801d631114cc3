#include <set>

#include "common/error.h"
#include "images/oci/image_ref.h"
#include "runtime/spec/names.h"
#include "runtime/spec/parse_parts.h"
#include "runtime/spec/quantity.h"

namespace minipod::spec::detail {
namespace {

constexpr const char* kDnsLabel =
    "a DNS label: lower-case letters, digits and '-', starting and ending with a letter or digit, "
    "at most 63 characters";

std::vector<EnvVar> parse_env(const Field& field) {
  std::vector<EnvVar> env;
  for (const Field& item : field.items()) {
    if (!item.is_set()) item.fail("must be a mapping with name and value, got nothing");
    Object var(item);
    EnvVar e;
    Field name = var.required("name", "an environment variable name");
    e.name = name.str();
    if (!is_env_var_name(e.name))
      name.fail(
          "must be a valid environment variable name (letters, digits, '_', '-', '.', not starting "
          "with a "
          "digit), got " +
          in_quotes(e.name));
    Field value_from = var["valueFrom"];
    if (value_from.is_set())
      value_from.fail("not supported by minipod (only value); set the value directly");
    e.value = var["value"].str();
    var.warn_unknown();
    env.push_back(std::move(e));
  }
  return env;
}

std::vector<ContainerPort> parse_ports(const Field& field) {
  std::vector<ContainerPort> ports;
  std::set<std::pair<int, std::string>> container_ports;
  std::set<std::string> names;
  for (const Field& item : field.items()) {
    if (!item.is_set()) item.fail("must be a mapping with containerPort, got nothing");
    Object port(item);
    ContainerPort p;
    Field name = port["name"];
    if (name.is_set()) {
      p.name = name.str();
      if (!is_port_name(p.name))
        name.fail(
            "must be an IANA service name (at most 15 lower-case letters, digits and '-', with at "
            "least one "
            "letter), got " +
            in_quotes(p.name));
      if (!names.insert(p.name).second) name.fail("duplicate port name " + in_quotes(p.name));
    }
    Field container_port = port.required("containerPort", "a port number 1-65535");
    p.container_port =
        static_cast<int>(container_port.integer_in(1, 65535, "a port number 1-65535"));
    Field host_port = port["hostPort"];
    if (host_port.is_set())
      p.host_port = static_cast<int>(
          host_port.integer_in(0, 65535, "a port number 1-65535 (or 0: not published)"));
    Field protocol = port["protocol"];
    if (protocol.is_set()) {
      p.protocol = protocol.str();
      if (p.protocol != "TCP" && p.protocol != "UDP" && p.protocol != "SCTP")
        protocol.fail("must be TCP, UDP or SCTP, got " + in_quotes(p.protocol));
    }
    Field host_ip = port["hostIP"];
    if (host_ip.is_set()) {
      p.host_ip = host_ip.str();
      if (!is_ip_address(p.host_ip))
        host_ip.fail("must be an IPv4 or IPv6 address, got " + in_quotes(p.host_ip));
    }
    // Kubernetes only warns about this one.
    if (!container_ports.emplace(p.container_port, p.protocol).second)
      container_port.warn("duplicate port " + std::to_string(p.container_port) + "/" + p.protocol);
    port.warn_unknown();
    ports.push_back(std::move(p));
  }
  return ports;
}

ResourceList parse_resource_list(const Field& field) {
  ResourceList list;
  Object resources(field);
  auto quantity = [](const Field& f, int64_t scale, const char* example) -> int64_t {
    if (!f.node().IsScalar())
      f.fail(std::string("must be a quantity like ") + example + ", got " + f.describe());
    try {
      return parse_quantity(f.str(), scale);
    } catch (const QuantityError& e) {
      f.fail(e.what());
    }
  };
  Field cpu = resources["cpu"];
  if (cpu.is_set()) list.cpu_millis = quantity(cpu, 1000, "500m or 2");
  Field memory = resources["memory"];
  if (memory.is_set()) list.memory_bytes = quantity(memory, 1, "128Mi or 1G");
  if (field.is_map()) {
    // Other resources (ephemeral-storage, hugepages-2Mi, extended resources) are valid
    // Kubernetes, so they must still be well-formed, but minipod does not enforce them.
    for (const auto& kv : field.node()) {
      std::string key = kv.first.Scalar();
      if (key == "cpu" || key == "memory") continue;
      Field other = resources[key];
      quantity(other, 1, "1Gi or 2");
      other.warn("not enforced by minipod, ignored");
    }
  }
  return list;
}

void check_not_above(const std::optional<int64_t>& request, const std::optional<int64_t>& limit,
                     const Field& field, const std::string& unit_text) {
  if (request && limit && *request > *limit)
    field.fail("must be less than or equal to the limit (" + unit_text + "), got " + field.str());
}

}  // namespace

Resources parse_resources(const Field& field) {
  Resources r;
  Object resources(field);
  Field limits = resources["limits"];
  Field requests = resources["requests"];
  r.limits = parse_resource_list(limits);
  r.requests = parse_resource_list(requests);
  Object request_fields(requests);
  Object limit_fields(limits);
  check_not_above(r.requests.cpu_millis, r.limits.cpu_millis, request_fields["cpu"],
                  limit_fields["cpu"].str());
  check_not_above(r.requests.memory_bytes, r.limits.memory_bytes, request_fields["memory"],
                  limit_fields["memory"].str());
  // Kubernetes defaults an unset request to its limit.
  if (!r.requests.cpu_millis) r.requests.cpu_millis = r.limits.cpu_millis;
  if (!r.requests.memory_bytes) r.requests.memory_bytes = r.limits.memory_bytes;
  resources.warn_unknown();
  return r;
}

Container parse_container(const Field& field, bool init_container) {
  if (!field.is_map())
    field.fail("must be a container (a mapping with name and image), got " + field.describe());
  Object obj(field);
  Container c;

  Field name = obj.required("name", kDnsLabel);
  c.name = name.str();
  if (!is_dns_label(c.name))
    name.fail(std::string("must be ") + kDnsLabel + ", got " + in_quotes(c.name));

  Field image = obj.required(
      "image",
      "an image reference, e.g. busybox, docker.io/library/busybox:1.36, localhost:5000/app");
  c.image = image.str();
  if (c.image.empty()) image.fail("must not be empty");
  if (c.image.find_first_of(" \t\n\r") != std::string::npos)
    image.fail("must not contain whitespace, got " + in_quotes(c.image));
  std::optional<images::ImageRef> ref;
  try {
    ref = images::parse_image_ref(c.image);
  } catch (const minipod::Error& e) {
    image.fail(e.detail());
  }

  // Kubernetes defaults it at admission: Always for :latest or no tag (and no digest), else
  // IfNotPresent.
  Field pull_policy = obj["imagePullPolicy"];
  if (pull_policy.is_set()) {
    c.image_pull_policy = pull_policy.one_of({"Always", "IfNotPresent", "Never"});
  } else {
    c.image_pull_policy = ref->digest.empty() && ref->tag == "latest" ? "Always" : "IfNotPresent";
  }

  c.command = obj["command"].strings();
  c.args = obj["args"].strings();
  c.env = parse_env(obj["env"]);
  Field env_from = obj["envFrom"];
  if (env_from.is_set()) env_from.fail("not supported by minipod (only env[].value)");

  Field working_dir = obj["workingDir"];
  c.working_dir = working_dir.str();
  if (!c.working_dir.empty() && c.working_dir.front() != '/')
    working_dir.fail("must be an absolute path, got " + in_quotes(c.working_dir));

  c.ports = parse_ports(obj["ports"]);
  c.volume_mounts = parse_volume_mounts(obj["volumeMounts"], c.env);
  c.security_context = parse_security_context(obj["securityContext"]);
  c.resources = parse_resources(obj["resources"]);

  Field restart = obj["restartPolicy"];
  if (restart.is_set()) {
    c.restart_policy = restart.str();
    if (!init_container)
      restart.fail(
          "only allowed in initContainers (restartPolicy: Always makes a sidecar); the pod's "
          "spec.restartPolicy applies to containers");
    if (c.restart_policy != "Always")
      restart.fail("must be Always (a sidecar), got " + in_quotes(c.restart_policy));
  }
  obj.warn_unknown();
  return c;
}

}  // namespace minipod::spec::detail
