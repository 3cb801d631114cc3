// The name and address formats Kubernetes validates, as plain predicates. The parser turns a
// `false` into an error naming the field.
#pragma once

#include <optional>
#include <string>

namespace minipod::spec {

// RFC 1123 label: lower-case letters, digits and '-', starting and ending with a letter or
// digit, 1-63 characters.
bool is_dns_label(const std::string& s);
// RFC 1123 subdomain: dot-separated labels, at most 253 characters.
bool is_dns_subdomain(const std::string& s);
// Kubernetes env var names: [-._a-zA-Z][-._a-zA-Z0-9]*.
bool is_env_var_name(const std::string& s);
// Label and annotation keys: [prefix/]name, prefix a DNS subdomain, name 1-63 characters of
// [A-Za-z0-9-_.] starting and ending alphanumeric.
bool is_qualified_name(const std::string& s);
// Label values: empty, or like the name part of a qualified name.
bool is_label_value(const std::string& s);
// IANA service names (port names): 1-15 of [a-z0-9-], at least one letter, no leading,
// trailing or double '-'.
bool is_port_name(const std::string& s);
// IPv4 or IPv6 address, as inet_pton reads them.
bool is_ip_address(const std::string& s);

// "net_admin", "CAP_NET_ADMIN", "ALL" -> "NET_ADMIN" / "ALL"; nullopt for anything that is not a
// Linux capability.
std::optional<std::string> normalize_capability(const std::string& s);

}  // namespace minipod::spec
