#include "images/registry/registries_conf.h"

#include <cstdlib>

#include <toml++/toml.h>

#include "common/error.h"
#include "common/fs.h"

namespace minipod::registry {
namespace {

constexpr const char* kMinipodPath = "/etc/minipod/registries.conf";
constexpr const char* kContainersPath = "/etc/containers/registries.conf";

// Whether `prefix` names `name` or a parent of it: at a component boundary, so that prefix
// "example.com/foo" matches "example.com/foo/bar" but not "example.com/foobar". A "*.domain"
// prefix matches every host under domain.
bool prefix_matches(const std::string& prefix, const std::string& name) {
  if (prefix.rfind("*.", 0) == 0) {
    std::string host = name.substr(0, name.find('/'));
    std::string domain = prefix.substr(1);  // ".domain"
    return host.size() > domain.size() &&
           host.compare(host.size() - domain.size(), domain.size(), domain) == 0;
  }
  if (name.compare(0, prefix.size(), prefix) != 0) return false;
  return name.size() == prefix.size() || name[prefix.size()] == '/';
}

Endpoint split_location(const std::string& location, bool insecure, bool mirror) {
  auto slash = location.find('/');
  Endpoint e;
  e.host = location.substr(0, slash);
  e.repository = slash == std::string::npos ? "" : location.substr(slash + 1);
  e.insecure = insecure;
  e.mirror = mirror;
  return e;
}

// `location` + what follows the matched prefix in `name`: "mirror:5000/lib" and the rest "/app"
// make "mirror:5000/lib/app".
Endpoint rewrite(const std::string& location, const std::string& prefix, const std::string& name,
                 bool insecure, bool mirror) {
  std::string rest =
      prefix.rfind("*.", 0) == 0 ? name.substr(name.find('/')) : name.substr(prefix.size());
  return split_location(location + rest, insecure, mirror);
}

std::string string_field(const toml::table& table, const char* key, const std::string& where) {
  const toml::node* node = table.get(key);
  if (node == nullptr) return "";
  if (!node->is_string()) throw UsageError(where, std::string("\"") + key + "\" must be a string");
  return std::string(*node->value<std::string>());
}

bool bool_field(const toml::table& table, const char* key, const std::string& where) {
  const toml::node* node = table.get(key);
  if (node == nullptr) return false;
  if (!node->is_boolean())
    throw UsageError(where, std::string("\"") + key + "\" must be true or false");
  return *node->value<bool>();
}

}  // namespace

std::vector<Endpoint> RegistriesConf::endpoints(const RegistryRef& ref) const {
  const std::string name = ref.host + "/" + ref.repository;
  const RegistryEntry* best = nullptr;
  for (const auto& entry : registries)
    if (prefix_matches(entry.prefix, name) &&
        (best == nullptr || entry.prefix.size() > best->prefix.size()))
      best = &entry;
  if (best == nullptr) return {split_location(name, false, false)};
  if (best->blocked)
    throw Error("pull " + ref.to_string(), "registry \"" + best->prefix + "\" is blocked in " +
                                               (path.empty() ? "registries.conf" : path.string()));
  std::vector<Endpoint> out;
  for (const auto& m : best->mirrors)
    out.push_back(rewrite(m.location, best->prefix, name, m.insecure, true));
  out.push_back(rewrite(best->location, best->prefix, name, best->insecure, false));
  return out;
}

bool RegistriesConf::insecure_host(const std::string& host) const {
  const RegistryEntry* best = nullptr;
  for (const auto& entry : registries)
    if (prefix_matches(entry.prefix, host) &&
        (best == nullptr || entry.prefix.size() > best->prefix.size()))
      best = &entry;
  if (best != nullptr) return best->insecure;
  for (const auto& entry : registries)
    if (entry.location == host) return entry.insecure;
  return false;
}

std::filesystem::path registries_conf_path(const std::string& explicit_path) {
  if (!explicit_path.empty()) return explicit_path;
  if (const char* env = std::getenv("MINIPOD_REGISTRIES_CONF"); env != nullptr && *env != '\0')
    return env;
  for (const char* candidate : {kMinipodPath, kContainersPath})
    if (std::filesystem::exists(candidate)) return candidate;
  return {};
}

RegistriesConf load_registries_conf(const std::string& explicit_path) {
  std::filesystem::path path = registries_conf_path(explicit_path);
  if (path.empty()) return {};
  return parse_registries_conf(fs::read_file(path), path);
}

RegistriesConf parse_registries_conf(const std::string& text, const std::filesystem::path& path) {
  const std::string step = "read registries configuration " + path.string();
  toml::table root;
  try {
    root = toml::parse(text, path.string());
  } catch (const toml::parse_error& e) {
    throw UsageError(step, std::string(e.description()) + " at line " +
                               std::to_string(e.source().begin.line) +
                               " (expected registries.conf version 2 TOML)");
  }
  RegistriesConf conf;
  conf.path = path;
  if (const toml::node* search = root.get("unqualified-search-registries")) {
    const toml::array* list = search->as_array();
    if (list == nullptr)
      throw UsageError(step, "\"unqualified-search-registries\" must be a list of strings");
    for (const auto& item : *list) {
      if (!item.is_string())
        throw UsageError(step, "\"unqualified-search-registries\" must be a list of strings");
      conf.unqualified_search_registries.push_back(std::string(*item.value<std::string>()));
    }
  }
  if (root.get("registries") != nullptr && root.get("registry") == nullptr)
    throw UsageError(step,
                     "this is a version 1 file ([registries.search] tables); minipod reads "
                     "version 2: [[registry]] tables with prefix and location");
  const toml::node* registry = root.get("registry");
  if (registry == nullptr) return conf;
  const toml::array* entries = registry->as_array();
  if (entries == nullptr) throw UsageError(step, "\"registry\" must be [[registry]] tables");
  size_t number = 0;
  for (const auto& node : *entries) {
    ++number;
    const std::string where = step + " ([[registry]] number " + std::to_string(number) + ")";
    const toml::table* table = node.as_table();
    if (table == nullptr) throw UsageError(where, "must be a table");
    RegistryEntry entry;
    entry.location = string_field(*table, "location", where);
    entry.prefix = string_field(*table, "prefix", where);
    entry.insecure = bool_field(*table, "insecure", where);
    entry.blocked = bool_field(*table, "blocked", where);
    if (entry.prefix.empty()) entry.prefix = entry.location;
    if (entry.prefix.empty()) throw UsageError(where, "needs a \"location\" or a \"prefix\"");
    if (entry.location.empty()) entry.location = entry.prefix;
    if (const toml::node* mirrors = table->get("mirror")) {
      const toml::array* list = mirrors->as_array();
      if (list == nullptr) throw UsageError(where, "\"mirror\" must be [[registry.mirror]] tables");
      for (const auto& m : *list) {
        const toml::table* mt = m.as_table();
        if (mt == nullptr) throw UsageError(where, "a [[registry.mirror]] must be a table");
        Mirror mirror{string_field(*mt, "location", where), bool_field(*mt, "insecure", where)};
        if (mirror.location.empty())
          throw UsageError(where, "a [[registry.mirror]] needs a \"location\"");
        entry.mirrors.push_back(std::move(mirror));
      }
    }
    conf.registries.push_back(std::move(entry));
  }
  return conf;
}

}  // namespace minipod::registry
