#include "runtime/spec/manifest.h"

#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <iterator>
#include <set>

#include "common/error.h"
#include "common/fs.h"
#include "runtime/spec/field_path.h"
#include "runtime/spec/names.h"
#include "runtime/spec/parse_parts.h"
#include "runtime/spec/sysctl.h"
#include "runtime/spec/yaml_documents.h"
#include "runtime/spec/yaml_field.h"

namespace minipod::spec {
namespace {

using detail::Context;
using detail::Field;
using detail::in_quotes;
using detail::Object;

constexpr const char* kPodName =
    "a DNS label: lower-case letters, digits and '-', starting and ending with a letter or digit, "
    "at most 63 "
    "characters, since minipod uses it as the network namespace name and the default hostname";
constexpr const char* kDnsLabel =
    "a DNS label: lower-case letters, digits and '-', starting and ending with a letter or digit, "
    "at most 63 "
    "characters";

void parse_metadata(const Field& field, Pod& pod) {
  if (!field.is_set()) field.fail(std::string("required (with at least name: ") + kPodName + ")");
  Object obj(field);
  Field name = obj.required("name", kPodName);
  pod.name = name.str();
  if (!is_dns_label(pod.name))
    name.fail(std::string("must be ") + kPodName + ", got " + in_quotes(pod.name));
  Field ns = obj["namespace"];
  if (ns.is_set()) {
    pod.namespace_ = ns.str();
    if (!is_dns_label(pod.namespace_))
      ns.fail(std::string("must be ") + kDnsLabel + ", got " + in_quotes(pod.namespace_));
  }
  pod.uid = obj["uid"].str();

  Field labels = obj["labels"];
  pod.labels = labels.string_map();
  for (const auto& [key, value] : pod.labels) {
    Field label = labels.entry(key);
    if (!is_qualified_name(key))
      label.fail(
          "label keys must be [prefix/]name: a name of at most 63 letters, digits, '-', '_', '.', "
          "starting and ending with a letter or digit, and an optional DNS subdomain prefix");
    if (!is_label_value(value))
      label.fail(
          "must be empty or at most 63 letters, digits, '-', '_', '.', starting and ending with a "
          "letter or "
          "digit, got " +
          in_quotes(value));
  }
  Field annotations = obj["annotations"];
  pod.annotations = annotations.string_map();
  for (const auto& [key, value] : pod.annotations) {
    if (!is_qualified_name(key))
      annotations.entry(key).fail(
          "annotation keys must be [prefix/]name: a name of at most 63 letters, digits, '-', '_', "
          "'.', "
          "starting and ending with a letter or digit, and an optional DNS subdomain prefix");
  }
  // Set by the API server, found in `kubectl get -o yaml` output; meaningless here.
  for (const char* key :
       {"creationTimestamp", "resourceVersion", "generation", "managedFields", "selfLink"})
    obj.ignore(key);
  obj.warn_unknown();
}

DNSConfig parse_dns_config(const Field& field) {
  Object obj(field);
  DNSConfig dns;
  Field nameservers = obj["nameservers"];
  dns.nameservers = nameservers.strings();
  if (dns.nameservers.size() > 3)
    nameservers.fail("at most 3 nameservers (the resolver reads no more), got " +
                     std::to_string(dns.nameservers.size()));
  auto ns_items = nameservers.items();
  for (size_t i = 0; i < dns.nameservers.size(); ++i)
    if (!is_ip_address(dns.nameservers[i]))
      ns_items[i].fail("must be an IPv4 or IPv6 address, got " + in_quotes(dns.nameservers[i]));

  Field searches = obj["searches"];
  dns.searches = searches.strings();
  if (dns.searches.size() > 32)
    searches.fail("at most 32 search domains, got " + std::to_string(dns.searches.size()));
  auto search_items = searches.items();
  size_t total = 0;
  for (size_t i = 0; i < dns.searches.size(); ++i) {
    std::string domain = dns.searches[i];
    if (!domain.empty() && domain.back() == '.') domain.pop_back();
    if (!is_dns_subdomain(domain))
      search_items[i].fail("must be a DNS domain (lower-case labels separated by '.'), got " +
                           in_quotes(dns.searches[i]));
    total += dns.searches[i].size() + 1;
  }
  if (total > 2048)
    searches.fail("must be at most 2048 characters in total, got " + std::to_string(total));

  for (const Field& item : obj["options"].items()) {
    if (!item.is_set()) item.fail("must be a mapping with name and optional value, got nothing");
    Object opt(item);
    Field name = opt.required("name", "a resolver option such as ndots");
    std::string n = name.str();
    if (n.empty() || n.find_first_of(" \t\n:") != std::string::npos)
      name.fail("must be a resolver option name without spaces or ':', got " + in_quotes(n));
    dns.options.emplace_back(n, opt["value"].str());
    opt.warn_unknown();
  }
  obj.warn_unknown();
  return dns;
}

std::vector<HostAlias> parse_host_aliases(const Field& field) {
  std::vector<HostAlias> out;
  for (const Field& item : field.items()) {
    if (!item.is_set()) item.fail("must be a mapping with ip and hostnames, got nothing");
    Object obj(item);
    HostAlias alias;
    Field ip = obj.required("ip", "an IPv4 or IPv6 address");
    alias.ip = ip.str();
    if (!is_ip_address(alias.ip))
      ip.fail("must be an IPv4 or IPv6 address, got " + in_quotes(alias.ip));
    Field hostnames = obj["hostnames"];
    alias.hostnames = hostnames.strings();
    auto items = hostnames.items();
    for (size_t i = 0; i < alias.hostnames.size(); ++i)
      if (!is_dns_subdomain(alias.hostnames[i]))
        items[i].fail("must be a DNS name (lower-case labels separated by '.'), got " +
                      in_quotes(alias.hostnames[i]));
    obj.warn_unknown();
    out.push_back(std::move(alias));
  }
  return out;
}

// Rules that span containers: unique names, unique host ports, host network constraints.
void check_across_containers(const Field& spec, Pod& pod) {
  std::map<std::string, std::string> names;                       // name -> path
  std::map<std::pair<int, std::string>, std::string> host_ports;  // port/protocol -> path
  auto check = [&](const std::vector<Container>& list, std::string (*field)(size_t)) {
    for (size_t i = 0; i < list.size(); ++i) {
      const Container& c = list[i];
      std::string path = field(i);
      auto [it, fresh] = names.emplace(c.name, path + ".name");
      if (!fresh)
        spec.ctx().fail(path + ".name", "duplicate container name " + in_quotes(c.name) +
                                            " (also " + it->second + ")");
      for (size_t p = 0; p < c.ports.size(); ++p) {
        const ContainerPort& port = c.ports[p];
        std::string port_path = path + ".ports[" + std::to_string(p) + "].hostPort";
        if (pod.host_network && port.host_port != 0 && port.host_port != port.container_port)
          spec.ctx().fail(port_path,
                          "must equal containerPort (" + std::to_string(port.container_port) +
                              ") when hostNetwork is true, got " + std::to_string(port.host_port));
        if (port.host_port == 0) continue;
        auto [hp, unused] =
            host_ports.emplace(std::make_pair(port.host_port, port.protocol), port_path);
        if (!unused)
          spec.ctx().fail(port_path, std::to_string(port.host_port) + "/" + port.protocol +
                                         " is already used by " + hp->second);
      }
    }
  };
  check(pod.init_containers, init_container_field);
  check(pod.containers, container_field);

  if (pod.host_network) {
    for (size_t i = 0; i < pod.security_context.sysctls.size(); ++i)
      if (sysctl_namespace(pod.security_context.sysctls[i].name) == "net")
        spec.ctx().fail(
            "spec.securityContext.sysctls[" + std::to_string(i) + "].name",
            "net.* sysctls are not allowed with hostNetwork: true (they would change the host)");
  }
  // A container inherits the pod's runAsNonRoot/runAsUser; the combination must still hold.
  auto check_non_root = [&](const std::vector<Container>& list, std::string (*field)(size_t)) {
    for (size_t i = 0; i < list.size(); ++i) {
      const auto& sc = list[i].security_context;
      bool non_root =
          sc.run_as_non_root.value_or(pod.security_context.run_as_non_root.value_or(false));
      auto user = sc.run_as_user ? sc.run_as_user : pod.security_context.run_as_user;
      if (non_root && user == 0)
        spec.ctx().fail(field(i) + ".securityContext", "runAsNonRoot is true but runAsUser is 0");
    }
  };
  check_non_root(pod.init_containers, init_container_field);
  check_non_root(pod.containers, container_field);
}

void parse_pod_spec(const Field& field, Pod& pod) {
  if (!field.is_set()) field.fail("required (with at least one container)");
  Object obj(field);

  for (const Field& f : obj["initContainers"].items())
    pod.init_containers.push_back(detail::parse_container(f, true));
  Field containers = obj.required("containers", "a list with at least one container");
  for (const Field& f : containers.items())
    pod.containers.push_back(detail::parse_container(f, false));
  if (pod.containers.empty()) containers.fail("must have at least one container");

  Field hostname = obj["hostname"];
  pod.hostname = hostname.str();
  if (hostname.is_set() && !is_dns_label(pod.hostname))
    hostname.fail(std::string("must be ") + kDnsLabel + ", got " + in_quotes(pod.hostname));
  Field share_pid = obj["shareProcessNamespace"];
  if (share_pid.is_set()) pod.share_process_namespace = share_pid.boolean();
  Field host_network = obj["hostNetwork"];
  if (host_network.is_set()) pod.host_network = host_network.boolean();
  Field dns_config = obj["dnsConfig"];
  if (dns_config.is_set()) pod.dns_config = parse_dns_config(dns_config);
  pod.host_aliases = parse_host_aliases(obj["hostAliases"]);

  Field restart = obj["restartPolicy"];
  if (restart.is_set()) {
    pod.restart_policy = restart.str();
    if (pod.restart_policy != "Always" && pod.restart_policy != "OnFailure" &&
        pod.restart_policy != "Never")
      restart.fail("must be Always, OnFailure or Never, got " + in_quotes(pod.restart_policy));
  }
  Field grace = obj["terminationGracePeriodSeconds"];
  if (grace.is_set())
    pod.termination_grace_period_seconds =
        grace.integer_in(0, INT64_MAX, "a number of seconds >= 0");
  pod.security_context = detail::parse_pod_security_context(obj["securityContext"]);
  Field volumes = obj["volumes"];
  pod.volumes = detail::parse_volumes(volumes);
  obj.warn_unknown();
  check_across_containers(field, pod);
  detail::check_volume_mounts(field, volumes, pod);
}

ParseOutput parse_document(const YAML::Node& doc, Context& ctx) {
  Field root(doc, "", ctx);
  if (!root.is_map())
    ctx.fail(
        "", "expected a Kubernetes Pod (a mapping with apiVersion, kind, metadata and spec), got " +
                root.describe());
  Object top(root);
  Field api_version = top.required("apiVersion", "v1");
  if (api_version.str() != "v1")
    api_version.fail("must be v1 (a core Pod), got " + in_quotes(api_version.str()));
  Field kind = top.required("kind", "Pod");
  if (kind.str() != "Pod")
    kind.fail("must be Pod (minipod runs single pods), got " + in_quotes(kind.str()));

  ParseOutput out;
  parse_metadata(top["metadata"], out.pod);
  parse_pod_spec(top["spec"], out.pod);
  top.ignore("status");  // present in `kubectl get -o yaml` output
  top.warn_unknown();
  return out;
}

}  // namespace

ParseOutput parse_manifest(const std::string& text, const std::string& source) {
  Context ctx(source);
  std::vector<YAML::Node> docs;
  for (auto& doc : load_yaml_documents(text, source))
    if (doc.IsDefined() && !doc.IsNull()) docs.push_back(doc);
  if (docs.empty())
    ctx.fail("", "empty manifest: expected a Kubernetes Pod (apiVersion: v1, kind: Pod)");
  if (docs.size() > 1)
    ctx.fail("", "contains " + std::to_string(docs.size()) +
                     " YAML documents; minipod runs one Pod per file");
  try {
    ParseOutput out = parse_document(docs.front(), ctx);
    out.warnings = ctx.warnings();
    return out;
  } catch (const YAML::Exception& e) {
    // yaml-cpp may still throw while walking (e.g. an alias it cannot resolve).
    throw UsageError(source, "line " + std::to_string(e.mark.line + 1) + ", column " +
                                 std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
}

ParseOutput parse_manifest_file(const std::string& path) {
  std::string text;
  if (path == "-") {
    text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    auto out = parse_manifest(text, "<stdin>");
    out.text = std::move(text);
    return out;
  }
  try {
    text = fs::read_file(path);
  } catch (const Error& e) {
    // A manifest that cannot be read is the user's to fix: exit code 2, like an invalid one.
    throw UsageError(path, std::string("cannot read the manifest: ") +
                               std::strerror(e.err() != 0 ? e.err() : EIO));
  }
  auto out = parse_manifest(text, path);
  out.text = std::move(text);
  return out;
}

}  // namespace minipod::spec
