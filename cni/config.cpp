#include "cni/config.h"

#include <algorithm>
#include <cctype>
#include <initializer_list>
#include <string_view>
#include <system_error>

#include "cni/names.h"
#include "cni/version.h"
#include "common/error.h"
#include "common/fs.h"
#include "common/json_parse.h"
#include "common/strings.h"

namespace cni {
namespace {

using nlohmann::json;

[[noreturn]] void bad(const std::string& source, const std::string& field,
                      const std::string& problem) {
  throw minipod::UsageError(source, "field \"" + field + "\": " + problem);
}

// libcni's readBool: a boolean, or the strings "true"/"false" in any case; nullopt otherwise.
std::optional<bool> bool_value(const json& v) {
  if (v.is_boolean()) return v.get<bool>();
  if (!v.is_string()) return std::nullopt;
  std::string s = v.get<std::string>();
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  if (s == "true") return true;
  if (s == "false") return false;
  return std::nullopt;
}

bool read_bool(const json& list, const char* key, const std::string& source) {
  auto it = list.find(key);
  if (it == list.end() || it->is_null()) return false;
  if (auto b = bool_value(*it)) return *b;
  bad(source, key, "expected true or false, got " + it->dump());
}

std::string version_problem(const std::string& v) {
  int parts[3];
  if (!parse_version(v, parts)) return "\"" + v + "\" is not a version (expected X.Y.Z)";
  if (!is_supported_version(v))
    return "\"" + v + "\" is not a CNI version minipod supports " +
           format_versions(supported_versions());
  return {};
}

void parse_versions(NetworkConfigList& list, const json& raw, const std::string& source) {
  std::string version;
  auto it = raw.find("cniVersion");
  bool has_version = it != raw.end() && !it->is_null();
  if (has_version) {
    if (!it->is_string()) bad(source, "cniVersion", "expected a string like \"1.0.0\"");
    version = it->get<std::string>();
  }
  auto vs = raw.find("cniVersions");
  if (vs == raw.end() || vs->is_null()) {
    if (!has_version) {
      list.cni_version = "0.1.0";
      return;
    }
    std::string problem = version_problem(version);
    if (!problem.empty()) bad(source, "cniVersion", problem);
    list.cni_version = version;
    return;
  }
  // cniVersions (1.1.0): versions minipod does not know are skipped, as libcni skips versions
  // newer than itself; malformed ones are errors.
  if (!vs->is_array()) bad(source, "cniVersions", "expected an array of versions");
  std::vector<std::string> candidates;
  for (size_t i = 0; i < vs->size(); ++i) {
    const json& v = (*vs)[i];
    std::string field = "cniVersions[" + std::to_string(i) + "]";
    int parts[3];
    if (!v.is_string()) bad(source, field, "expected a string like \"1.1.0\"");
    if (!parse_version(v.get<std::string>(), parts))
      bad(source, field, "\"" + v.get<std::string>() + "\" is not a version (expected X.Y.Z)");
    if (is_supported_version(v.get<std::string>())) candidates.push_back(v.get<std::string>());
  }
  if (has_version) {
    int parts[3];
    if (!parse_version(version, parts))
      bad(source, "cniVersion", "\"" + version + "\" is not a version (expected X.Y.Z)");
    if (is_supported_version(version)) candidates.push_back(version);
  }
  std::sort(candidates.begin(), candidates.end(),
            [](const std::string& a, const std::string& b) { return compare_versions(a, b) > 0; });
  candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
  if (candidates.empty())
    bad(source, "cniVersions",
        "none of " + vs->dump() + " is a CNI version minipod supports " +
            format_versions(supported_versions()));
  list.cni_versions = candidates;
  list.cni_version = candidates.front();
}

// "plugins[1].type" within a list; "type" at the top of a plugin file (prefix empty).
std::string field_of(const std::string& prefix, const std::string& key) {
  return prefix.empty() ? key : prefix + "." + key;
}

PluginConfig parse_plugin(const json& p, const std::string& field, const std::string& source) {
  if (!p.is_object()) {
    if (field.empty()) throw minipod::UsageError(source, "expected a plugin object");
    bad(source, field, "expected a plugin object");
  }
  auto t = p.find("type");
  if (t == p.end() || t->is_null())
    bad(source, field_of(field, "type"), "missing (expected the plugin's name, e.g. \"bridge\")");
  if (!t->is_string() || t->get<std::string>().empty())
    bad(source, field_of(field, "type"), "expected the plugin's name as a non-empty string");
  std::string type = t->get<std::string>();
  if (type.find('/') != std::string::npos)
    bad(source, field_of(field, "type"),
        "\"" + type + "\" contains '/' (plugins are found by name in CNI_PATH)");
  if (auto caps = p.find("capabilities"); caps != p.end() && !caps->is_null()) {
    if (!caps->is_object())
      bad(source, field_of(field, "capabilities"), "expected an object of booleans");
    for (auto c = caps->begin(); c != caps->end(); ++c)
      if (!c.value().is_boolean())
        bad(source, field_of(field, "capabilities." + c.key()), "expected true or false");
  }
  return PluginConfig{type, p, field.empty() ? source : field + " of " + source};
}

// libcni's ConfFiles: the files of `dir` (not folders) whose extension is one of `exts`, sorted by
// name; a missing folder holds none. `what` names the folder in errors.
std::vector<std::filesystem::path> conf_files(const std::filesystem::path& dir,
                                              std::initializer_list<std::string_view> exts,
                                              const char* what) {
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  std::filesystem::directory_iterator it(dir, ec), end;
  if (ec) {
    if (ec == std::errc::no_such_file_or_directory) return {};
    throw minipod::Error(what, dir.string(), ec.value());
  }
  for (; it != end; it.increment(ec)) {
    if (ec) throw minipod::Error(what, dir.string(), ec.value());
    std::error_code dec;
    if (it->is_directory(dec)) continue;
    std::string ext = it->path().extension().string();
    if (std::find(exts.begin(), exts.end(), ext) != exts.end()) files.push_back(it->path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

// The plugin objects of <confdir>/<network>/*.conf, in file-name order (libcni's
// NetworkPluginConfsFromFiles: only *.conf).
std::vector<PluginConfig> plugin_files(const std::filesystem::path& dir) {
  auto files = conf_files(dir, {".conf"}, "read CNI plugin config directory");
  std::vector<PluginConfig> out;
  for (const auto& f : files) {
    const std::string source = f.string();
    try {
      out.push_back(
          parse_plugin(minipod::parse_json(minipod::fs::read_file(f), source), "", source));
    } catch (const json::exception& e) {
      throw minipod::UsageError(source, minipod::json_message(e));
    }
  }
  return out;
}

// What the folder beside a list gave (see load_network_file); null when it was not read.
struct FolderPlugins {
  std::filesystem::path dir;
  std::vector<PluginConfig> plugins;
};

// The list once parsed (see parse_network_config and load_network_file).
NetworkConfigList parse_network_config_json(json raw, const std::string& bytes,
                                            const std::string& source,
                                            const FolderPlugins* folder = nullptr) {
  if (!raw.is_object()) throw minipod::UsageError(source, "expected a JSON object");

  NetworkConfigList list;
  list.source = source;
  list.bytes = bytes;
  if (!raw.contains("plugins") && raw.contains("type")) {
    // A single-plugin .conf/.json: libcni upgrades it to a list holding that one plugin, with
    // the list's bytes re-serialised (so the cache holds a conflist).
    json upgraded = json::object();
    if (raw.contains("name")) upgraded["name"] = raw["name"];
    if (raw.contains("cniVersion")) upgraded["cniVersion"] = raw["cniVersion"];
    upgraded["plugins"] = json::array({raw});
    raw = std::move(upgraded);
    list.bytes = raw.dump();
  }

  auto name = raw.find("name");
  if (name == raw.end() || name->is_null())
    bad(source, "name", "missing (expected the network name, e.g. \"mynet\")");
  if (!name->is_string()) bad(source, "name", "expected a string");
  list.name = name->get<std::string>();
  if (auto problem = network_name_problem(list.name); !problem.empty())
    bad(source, "name", "\"" + list.name + "\" " + problem);

  parse_versions(list, raw, source);
  list.disable_check = read_bool(raw, "disableCheck", source);
  list.disable_gc = read_bool(raw, "disableGC", source);
  list.load_only_inlined = read_bool(raw, "loadOnlyInlinedPlugins", source);

  auto plugins = raw.find("plugins");
  if (plugins == raw.end()) {
    if (list.load_only_inlined)
      bad(source, "loadOnlyInlinedPlugins",
          "is true, but the list has no \"plugins\" (expected inlined plugins, or false to read "
          "the plugin configs in " +
              (std::filesystem::path(source).parent_path() / list.name).string() + "/*.conf)");
    if (folder == nullptr)
      bad(source, "plugins",
          "missing (expected a conflist with \"plugins\", or a single plugin config with "
          "\"type\")");
    if (folder->plugins.empty())
      bad(source, "plugins",
          "missing, and " + folder->dir.string() +
              " holds no plugin config (expected inlined plugins, or plugin objects in " +
              folder->dir.string() + "/*.conf)");
  } else {
    if (!plugins->is_array()) bad(source, "plugins", "expected an array of plugin objects");
    if (plugins->empty()) bad(source, "plugins", "is empty (expected at least one plugin)");
    for (size_t i = 0; i < plugins->size(); ++i)
      list.plugins.push_back(
          parse_plugin((*plugins)[i], "plugins[" + std::to_string(i) + "]", source));
  }
  if (folder != nullptr && !list.load_only_inlined) {
    list.plugin_dir = folder->dir.string();
    if (!folder->plugins.empty()) {
      json all = json::array();
      for (const auto& p : list.plugins) all.push_back(p.raw);
      for (const auto& p : folder->plugins) {
        all.push_back(p.raw);
        list.plugins.push_back(p);
      }
      raw["plugins"] = std::move(all);
      raw["loadOnlyInlinedPlugins"] = true;
      list.bytes = raw.dump();
    }
  }
  list.raw = std::move(raw);
  return list;
}

// Only a *.conflist that is a list (not an upgraded single plugin), is not
// loadOnlyInlinedPlugins, and has a usable name reads a plugin folder; whatever is wrong with the
// name or the flag is then said by parse_network_config_json.
std::optional<FolderPlugins> folder_of(const std::filesystem::path& file, const json& raw) {
  if (file.extension() != ".conflist" || !raw.is_object()) return std::nullopt;
  if (!raw.contains("plugins") && raw.contains("type")) return std::nullopt;
  auto name = raw.find("name");
  if (name == raw.end() || !name->is_string() ||
      !network_name_problem(name->get<std::string>()).empty())
    return std::nullopt;
  // Not read when true, nor when malformed (the parse says why).
  auto only = raw.find("loadOnlyInlinedPlugins");
  if (only != raw.end() && !only->is_null() && bool_value(*only).value_or(true))
    return std::nullopt;
  FolderPlugins folder;
  folder.dir = file.parent_path() / name->get<std::string>();
  folder.plugins = plugin_files(folder.dir);
  return folder;
}

}  // namespace

NetworkConfigList parse_network_config(const std::string& bytes, const std::string& source) {
  try {
    return parse_network_config_json(minipod::parse_json(bytes, source), bytes, source);
  } catch (const json::exception& e) {
    // The checks above read values only after checking their type; this is the net below them,
    // so that no nlohmann exception leaves without the file's name.
    throw minipod::UsageError(source, minipod::json_message(e));
  }
}

NetworkConfigList load_network_file(const std::filesystem::path& file) {
  const std::string source = file.string();
  const std::string bytes = minipod::fs::read_file(file);
  try {
    json raw = minipod::parse_json(bytes, source);
    auto folder = folder_of(file, raw);
    return parse_network_config_json(std::move(raw), bytes, source, folder ? &*folder : nullptr);
  } catch (const json::exception& e) {
    throw minipod::UsageError(source, minipod::json_message(e));
  }
}

std::vector<std::filesystem::path> config_files(const std::filesystem::path& dir) {
  const char* what = "read CNI config directory";
  auto files = conf_files(dir, {".conflist"}, what);
  auto singles = conf_files(dir, {".conf", ".json"}, what);
  files.insert(files.end(), singles.begin(), singles.end());
  return files;
}

std::optional<NetworkConfigList> load_network(const std::filesystem::path& dir,
                                              const std::string& name) {
  auto files = config_files(dir);
  if (name.empty()) {
    if (files.empty()) return std::nullopt;
    return load_network_file(files.front());
  }
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec))
    throw NetworkNotFound(
        name, "no network \"" + name + "\" in " + dir.string() + " (no such directory)");
  std::vector<std::string> names, broken;
  for (const auto& file : files) {
    std::string bytes;
    try {
      bytes = minipod::fs::read_file(file);
    } catch (const minipod::Error& e) {
      broken.push_back(e.what());
      continue;
    }
    json raw = json::parse(bytes, nullptr, false);
    if (!raw.is_object()) {
      broken.push_back(file.string() + " (malformed JSON)");
      continue;
    }
    auto n = raw.find("name");
    if (n == raw.end() || !n->is_string()) {
      broken.push_back(file.string() + " (no \"name\")");
      continue;
    }
    if (n->get<std::string>() == name) return load_network_file(file);
    names.push_back(n->get<std::string>());
  }
  std::string detail = "no network \"" + name + "\" in " + dir.string() +
                       " (found: " + (names.empty() ? "none" : minipod::join(names, ", "));
  if (!broken.empty()) detail += "; could not read " + minipod::join(broken, ", ");
  throw NetworkNotFound(name, detail + ")");
}

std::vector<NetworkFile> list_network_files(const std::filesystem::path& dir) {
  std::vector<NetworkFile> out;
  for (const auto& file : config_files(dir)) {
    NetworkFile entry{file, std::nullopt, {}};
    try {
      entry.network = load_network_file(file);
    } catch (const minipod::Error& e) {
      entry.error = e.what();
    }
    out.push_back(std::move(entry));
  }
  return out;
}

}  // namespace cni
