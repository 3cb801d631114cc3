#include "cni/names.h"

#include "common/error.h"
#include "common/strings.h"

namespace cni {
namespace {

bool is_alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// libcni's ^[a-zA-Z0-9][a-zA-Z0-9_.\-]*$
std::string name_problem(std::string_view s) {
  if (s.empty()) return "is empty";
  if (!is_alnum(s[0])) return "must start with a letter or digit";
  for (char c : s)
    if (!is_alnum(c) && c != '_' && c != '.' && c != '-')
      return "may only contain letters, digits, '_', '.' and '-'";
  return {};
}

void throw_if(const std::string& problem, std::string_view what, std::string_view value) {
  if (problem.empty()) return;
  throw minipod::UsageError(std::string(what) + " \"" + std::string(value) + "\"", problem);
}

}  // namespace

std::string container_id_problem(std::string_view id) {
  return name_problem(id);
}
std::string network_name_problem(std::string_view name) {
  return name_problem(name);
}

std::string ifname_problem(std::string_view ifname) {
  if (ifname.empty()) return "is empty";
  if (ifname.size() > 15)
    return "is too long (" + std::to_string(ifname.size()) + " bytes, at most 15)";
  if (ifname == "." || ifname == "..") return "must not be . or ..";
  for (char c : ifname)
    if (c == '/' || c == ':' || c == ' ' || (c >= '\t' && c <= '\r'))
      return "must not contain '/', ':' or whitespace";
  return {};
}

void check_container_id(std::string_view id, std::string_view what) {
  throw_if(container_id_problem(id), what, id);
}
void check_network_name(std::string_view name, std::string_view what) {
  throw_if(network_name_problem(name), what, name);
}
void check_ifname(std::string_view ifname, std::string_view what) {
  throw_if(ifname_problem(ifname), what, ifname);
}

std::vector<std::pair<std::string, std::string>> parse_cni_args(std::string_view text,
                                                                std::string_view what) {
  std::vector<std::pair<std::string, std::string>> out;
  if (text.empty()) return out;
  // Empty fields kept: "A=1;;B=2" holds an empty pair, which is an error.
  for (const std::string& pair : minipod::split(text, ';')) {
    size_t eq = pair.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == pair.size() ||
        pair.find('=', eq + 1) != std::string::npos)
      throw minipod::UsageError(
          std::string(what),
          "invalid pair \"" + pair + "\" (expected KEY=VALUE pairs separated by ';')");
    out.emplace_back(pair.substr(0, eq), pair.substr(eq + 1));
  }
  return out;
}

std::string format_cni_args(const std::vector<std::pair<std::string, std::string>>& args) {
  return minipod::join(args, ";", [](const auto& kv) { return kv.first + "=" + kv.second; });
}

}  // namespace cni
