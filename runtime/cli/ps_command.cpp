// `minipod ps`: the pods (or, with --containers, their containers), as a table or as JSON of the
// documented schema (runtime/api/pod_json.h, docs/json.md): never the record itself.
#include <cstdio>
#include <ctime>

#include "common/error.h"
#include "common/table.h"
#include "runtime/api/pod_json.h"
#include "runtime/cli/commands.h"
#include "runtime/control/pod_control.h"
#include "runtime/state/pod_store.h"

namespace minipod::cli {
namespace {

// "42s", "5m", "3h", "2d", like kubectl.
std::string age(const std::string& rfc3339) {
  tm t{};
  if (strptime(rfc3339.c_str(), "%Y-%m-%dT%H:%M:%S", &t) == nullptr) return "?";
  long secs = static_cast<long>(std::difftime(std::time(nullptr), timegm(&t)));
  if (secs < 120) return std::to_string(std::max(secs, 0L)) + "s";
  if (secs < 7200) return std::to_string(secs / 60) + "m";
  if (secs < 172800) return std::to_string(secs / 3600) + "h";
  return std::to_string(secs / 86400) + "d";
}

struct PsOptions {
  bool all = false;
  bool containers = false;
  std::string output = "table";
};

void run_ps(const PsOptions& o) {
  state::PodStore store(state::Paths::from_environment());
  nlohmann::json out = nlohmann::json::array();
  std::vector<std::vector<std::string>> rows;
  if (o.containers)
    rows.push_back({"POD", "CONTAINER", "STATUS", "EXIT CODE", "REASON", "RESTARTS", "PID"});
  else
    rows.push_back({"NAME", "ID", "STATUS", "IP", "CONTAINERS", "AGE"});
  for (const auto& pod : store.list()) {
    const auto& r = pod.record;
    bool alive = control::owner_alive(pod);
    std::string status = state::display_status(r, alive);
    bool active = status == "Running" || status == "Creating" || status == "Stopping";
    if (!o.all && !active) continue;
    int ready = 0;
    for (const auto& c : r.containers) ready += c.status == state::ContainerStatus::kRunning;
    std::string ip = r.ips.empty() ? "" : r.ips.front();
    if (o.output == "json") {
      out.push_back(api::pod_summary(r, alive));
      continue;
    }
    if (o.containers) {
      for (const auto& c : r.containers)
        rows.push_back(
            {r.name, c.name, api::container_status(c.status),
             c.status == state::ContainerStatus::kExited ? std::to_string(c.exit_code) : "",
             c.reason, std::to_string(c.restarts),
             c.process.pid ? std::to_string(c.process.pid) : ""});
    } else {
      rows.push_back({r.name, r.id.substr(0, 12), status, ip.empty() ? "-" : ip,
                      std::to_string(ready) + "/" + std::to_string(r.containers.size()),
                      age(r.created)});
    }
  }
  if (o.output == "json")
    std::printf("%s\n", out.dump(2).c_str());
  else
    print_table(rows);
}

}  // namespace

void add_ps_command(CLI::App& app) {
  auto o = std::make_shared<PsOptions>();
  auto* cmd = app.add_subcommand("ps", "List pods (running ones; -a for all)");
  cmd->add_flag("-a,--all", o->all, "Also pods that have ended");
  cmd->add_flag("--containers", o->containers, "One line per container");
  cmd->add_option("-o,--output", o->output, "table or json")
      ->check(CLI::IsMember({"table", "json"}));
  cmd->callback([o] { run_ps(*o); });
}

}  // namespace minipod::cli
