// `minipod inspect POD`: everything known about a pod, as JSON of the documented schema
// (runtime/api/pod_json.h, docs/json.md): its spec, status, network namespace, addresses and CNI
// result, processes, cgroups, directories and logs. This file only gathers what the record does
// not hold (is the owner alive, the manifest, the CNI cache entry).
#include <yaml-cpp/yaml.h>

#include <cstdio>

#include "cni/client.h"
#include "common/fs.h"
#include "runtime/api/pod_json.h"
#include "runtime/cli/commands.h"
#include "runtime/control/pod_control.h"
#include "runtime/sandbox/pod_cleanup.h"
#include "runtime/spec/yaml_documents.h"
#include "runtime/state/pod_store.h"

namespace minipod::cli {
namespace {

// YAML carries no types for scalars; guess them the way a reader of the manifest would.
nlohmann::json to_json(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map: {
      nlohmann::json j = nlohmann::json::object();
      for (const auto& kv : n) j[kv.first.as<std::string>()] = to_json(kv.second);
      return j;
    }
    case YAML::NodeType::Sequence: {
      nlohmann::json j = nlohmann::json::array();
      for (const auto& v : n) j.push_back(to_json(v));
      return j;
    }
    case YAML::NodeType::Scalar: {
      const std::string& s = n.Scalar();
      if (n.Tag() == "!") return s;  // quoted in the source
      if (s == "true" || s == "false") return s == "true";
      char* end = nullptr;
      long long i = std::strtoll(s.c_str(), &end, 10);
      if (!s.empty() && *end == '\0') return i;
      return s;
    }
    default:
      return nullptr;
  }
}

void run_inspect(const std::string& key) {
  auto paths = state::Paths::from_environment();
  state::PodStore store(paths);
  auto pod = store.resolve(key);
  const auto& r = pod.record;
  api::PodFacts facts;
  facts.owner_alive = control::owner_alive(pod);
  facts.pause_alive = sandbox::process_alive(r.pause);
  facts.pod_dir = pod.dir;
  facts.log_dir = sandbox::pod_log_dir(paths, r.namespace_, r.name);
  facts.cni = control::cni_options_of(r);
  if (auto manifest = fs::read_file_if_exists(pod.dir / "pod.yaml")) {
    // The stored manifest passed `run`'s checks; still, it goes through the same guarded
    // loader (yaml-cpp 0.7 can loop on some input), and is shown as text if it does not parse.
    facts.spec = *manifest;
    try {
      for (const auto& doc : spec::load_yaml_documents(*manifest, (pod.dir / "pod.yaml").string()))
        if (doc.IsDefined() && !doc.IsNull()) {
          facts.spec = to_json(doc);
          break;
        }
    } catch (const std::exception&) {
    }
  }
  if (!r.network.empty()) {
    cni::Client client(facts.cni);
    if (auto cached = client.cached(r.network, r.id, r.cni_ifname())) {
      facts.cni_cache_file = cached->file;
      if (cached->result) facts.cni_result = *cached->result;
    }
  }
  std::printf("%s\n", api::pod_details(r, facts).dump(2).c_str());
}

}  // namespace

void add_inspect_command(CLI::App& app) {
  auto key = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand("inspect", "Show a pod as JSON: spec, state, network, processes");
  cmd->add_option("pod", *key, "Pod name or id prefix")->required();
  cmd->callback([key] { run_inspect(*key); });
}

}  // namespace minipod::cli
