#include "cni/cli/reports.h"

#include "cni/version.h"
#include "common/strings.h"

namespace cni::cli {
namespace {

using nlohmann::json;

std::string join(const std::vector<std::string>& v, std::string_view sep = ", ") {
  return minipod::join(v, sep);
}

std::string attachments(const std::vector<Attachment>& v) {
  std::vector<std::string> out;
  for (const auto& [id, ifname] : v) out.push_back(id + "/" + ifname);
  return join(out);
}

json attachments_json(const std::vector<Attachment>& v) {
  json out = json::array();
  for (const auto& [id, ifname] : v) out.push_back({{"containerID", id}, {"ifname", ifname}});
  return out;
}

}  // namespace

std::string validation_text(const NetworkValidation& v) {
  std::string out = "network \"" + v.network + "\" (" + v.source + ")";
  out += v.version.empty() ? "\n" : ": CNI " + v.version + "\n";
  for (size_t i = 0; i < v.plugins.size(); ++i) {
    const auto& p = v.plugins[i];
    std::string line = "  plugin " + std::to_string(i + 1) + "/" +
                       std::to_string(v.plugins.size()) + " \"" + p.type + "\" (" + p.origin + ")";
    if (!p.path.empty()) line += ": " + p.path;
    if (!p.supported.empty()) line += ", supports " + format_versions(p.supported);
    if (!p.capabilities.empty()) line += ", capabilities " + join(p.capabilities);
    if (p.problems.empty())
      line += ": ok";
    else
      line += ": " + join(p.problems, "; ");
    out += line + "\n";
  }
  for (const auto& problem : v.problems) out += "  " + problem + "\n";
  size_t count = v.problems.size();
  for (const auto& p : v.plugins) count += p.problems.size();
  if (count == 0)
    out += "network \"" + v.network + "\" is valid\n";
  else
    out += "network \"" + v.network + "\" is not valid: " + std::to_string(count) + " problem" +
           (count == 1 ? "" : "s") + "\n";
  return out;
}

json validation_json(const NetworkValidation& v) {
  json plugins = json::array();
  for (const auto& p : v.plugins)
    plugins.push_back({{"type", p.type},
                       {"origin", p.origin},
                       {"path", p.path.empty() ? json() : json(p.path)},
                       {"supportedVersions", p.supported},
                       {"capabilities", p.capabilities},
                       {"problems", p.problems}});
  return {{"network", v.network},
          {"source", v.source},
          {"cniVersion", v.version.empty() ? json() : json(v.version)},
          {"valid", v.ok()},
          {"plugins", std::move(plugins)},
          {"problems", v.problems}};
}

NetworkGc single_gc(const NetworkConfigList& list, GcReport report) {
  NetworkGc entry;
  entry.network = list.name;
  entry.source = list.source;
  entry.report = std::move(report);
  return entry;
}

std::string gc_text(const std::vector<NetworkGc>& networks) {
  std::string out;
  for (const auto& n : networks) {
    std::string head =
        n.network.empty() ? n.source : "network \"" + n.network + "\" (" + n.source + ")";
    if (!n.note.empty()) {
      out += head + ": skipped: " + n.note + "\n";
      continue;
    }
    std::vector<std::string> did;
    if (n.report) {
      if (!n.report->deleted.empty())
        did.push_back("deleted stale attachments " + attachments(n.report->deleted));
      if (!n.report->collected.empty()) did.push_back("GC sent to " + join(n.report->collected));
      if (!n.report->skipped.empty()) did.push_back("no GC verb: " + n.report->skipped);
    }
    if (!n.error.empty()) did.push_back("failed: " + n.error);
    out += head + ": " + (did.empty() ? std::string("nothing to do") : join(did, "; ")) + "\n";
  }
  if (networks.empty()) out += "no networks, and nothing in the CNI cache\n";
  return out;
}

json gc_json(const std::vector<NetworkGc>& networks) {
  json out = json::array();
  for (const auto& n : networks) {
    json o{{"network", n.network.empty() ? json() : json(n.network)}, {"source", n.source}};
    if (n.report) {
      o["deleted"] = attachments_json(n.report->deleted);
      o["collected"] = n.report->collected;
      if (!n.report->skipped.empty()) o["skipped"] = n.report->skipped;
    }
    if (!n.note.empty()) o["note"] = n.note;
    if (!n.error.empty()) o["error"] = n.error;
    out.push_back(std::move(o));
  }
  return out;
}

}  // namespace cni::cli
