// The JSON of `ps -o json` and `inspect` (apiVersion minipod/v1): built from a record, yet not the
// record. These tests pin every field's name, so a rename or a removal (which minipod/v1 promises
// never to make) fails here, and check that each field is documented in docs/json.md.
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "common/fs.h"
#include "runtime/api/pod_json.h"

namespace minipod {
namespace {

using nlohmann::json;

state::PodRecord running_pod() {
  state::PodRecord r;
  r.id = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
  r.name = "web";
  r.namespace_ = "default";
  r.uid = "5f0c-uid";
  r.status = state::PodStatus::kRunning;
  r.created = "2026-11-26T04:15:16.123456789Z";
  r.manifest = "/srv/web.yaml";
  r.detached = true;
  r.grace_seconds = 5;
  r.monitor = {100, 11};
  r.pause = {101, 12};
  r.netns = "/run/netns/web";
  r.network = "mynet";
  r.network_held = true;
  r.network_intent = {{"config", "secret-ish internals"}};
  r.netns_inode = 4026532000;
  r.cni_cache_dir = "/var/lib/cni/results";
  r.cni_path = {"/usr/lib/cni"};
  r.ifname = "eth0";
  r.ips = {"10.87.0.5", "fd00::5"};
  r.shm_dir = "/run/minipod/pods/0123/shm";
  r.layers_dir = "/var/lib/minipod/pods/0123";
  r.cgroups = {"/sys/fs/cgroup/minipod/0123"};
  state::ContainerRecord init{"setup",
                              state::ContainerRole::kInit,
                              state::ContainerStatus::kExited,
                              {},
                              0,
                              "Completed",
                              0,
                              "/var/lib/minipod/pods/0123/setup",
                              "busybox",
                              "",
                              {"/var/lib/minipod/images/busybox/rootfs"},
                              {}};
  state::ContainerRecord sidecar{"proxy",
                                 state::ContainerRole::kSidecar,
                                 state::ContainerStatus::kRunning,
                                 {102, 13},
                                 0,
                                 "",
                                 2,
                                 "/var/lib/minipod/pods/0123/proxy",
                                 "localhost:5000/proxy:1",
                                 "sha256:" + std::string(64, 'b'),
                                 {"/var/lib/minipod/images/.oci/layers/" + std::string(64, 'c')},
                                 {{"cache", "/var/cache/proxy", "proxy", "HostToContainer", true}}};
  state::ContainerRecord app{"app",
                             state::ContainerRole::kApp,
                             state::ContainerStatus::kWaiting,
                             {},
                             0,
                             "",
                             0,
                             "/var/lib/minipod/pods/0123/app",
                             "busybox",
                             "",
                             {"/var/lib/minipod/images/busybox/rootfs"},
                             {}};
  r.containers = {init, sidecar, app};
  r.volumes_dir = "/var/lib/minipod/volumes/0123";
  r.volumes = {
      {"scratch", "emptyDir", "/var/lib/minipod/volumes/0123/scratch", "Memory", 1 << 20, ""},
      {"cache", "hostPath", "/srv/cache", "", 0, "DirectoryOrCreate"}};
  return r;
}

std::set<std::string> keys(const json& j) {
  std::set<std::string> out;
  for (const auto& [k, v] : j.items()) out.insert(k);
  return out;
}

const std::set<std::string> kPodFields{"apiVersion",   "kind",    "name",
                                       "namespace",    "id",      "uid",
                                       "status",       "reason",  "networkNotReleased",
                                       "networkError", "created", "detached",
                                       "hostNetwork",  "network", "netns",
                                       "ip",           "ips",     "containers"};
const std::set<std::string> kContainerFields{"name",   "role",     "status", "exitCode",
                                             "reason", "restarts", "pid"};
const std::set<std::string> kPodDetailFields{
    "manifest", "spec",   "gracePeriodSeconds", "monitor", "pause", "podDir", "monitorLog",
    "logDir",   "shmDir", "layersDir",          "cgroups", "cni",   "volumes"};
const std::set<std::string> kContainerDetailFields{"logDir", "layerDir",    "cgroups",
                                                   "image",  "imageDigest", "mounts"};
const std::set<std::string> kCniFields{"network",  "ifname",    "pluginPath", "timeoutMs",
                                       "cacheDir", "cacheFile", "result"};

std::set<std::string> with(std::set<std::string> a, const std::set<std::string>& b) {
  a.insert(b.begin(), b.end());
  return a;
}

TEST(PodJson, SummaryHasTheDocumentedFieldsAndNoneOfTheRecordsInternals) {
  json j = api::pod_summary(running_pod(), true);
  EXPECT_EQ(keys(j), kPodFields) << j.dump(2);
  for (const auto& c : j["containers"]) EXPECT_EQ(keys(c), kContainerFields) << c.dump();
  std::string text = j.dump();
  for (const char* internal : {"startTime", "networkIntent", "netnsInode", "cniPath", "layerDir",
                               "displayStatus", "ownerAlive", "networkHeld"})
    EXPECT_EQ(text.find(internal), std::string::npos) << internal << " in " << text;
}

TEST(PodJson, SummaryOfARunningPod) {
  json j = api::pod_summary(running_pod(), true);
  EXPECT_EQ(j["apiVersion"], "minipod/v1");
  EXPECT_EQ(j["kind"], "Pod");
  EXPECT_EQ(j["name"], "web");
  EXPECT_EQ(j["namespace"], "default");
  EXPECT_EQ(j["id"], running_pod().id);
  EXPECT_EQ(j["uid"], "5f0c-uid");
  EXPECT_EQ(j["status"], "Running");
  EXPECT_EQ(j["reason"], "");
  EXPECT_EQ(j["networkNotReleased"], false);  // held, as a running pod's network is
  EXPECT_EQ(j["networkError"], "");
  EXPECT_EQ(j["created"], "2026-11-26T04:15:16.123456789Z");
  EXPECT_EQ(j["detached"], true);
  EXPECT_EQ(j["hostNetwork"], false);
  EXPECT_EQ(j["network"], "mynet");
  EXPECT_EQ(j["netns"], "/run/netns/web");
  EXPECT_EQ(j["ip"], "10.87.0.5");
  EXPECT_EQ(j["ips"], json({"10.87.0.5", "fd00::5"}));
  ASSERT_EQ(j["containers"].size(), 3u);
  EXPECT_EQ(j["containers"][0], json({{"name", "setup"},
                                      {"role", "init"},
                                      {"status", "Exited"},
                                      {"exitCode", 0},
                                      {"reason", "Completed"},
                                      {"restarts", 0},
                                      {"pid", nullptr}}));
  EXPECT_EQ(j["containers"][1], json({{"name", "proxy"},
                                      {"role", "sidecar"},
                                      {"status", "Running"},
                                      {"exitCode", nullptr},
                                      {"reason", ""},
                                      {"restarts", 2},
                                      {"pid", 102}}));
  EXPECT_EQ(j["containers"][2], json({{"name", "app"},
                                      {"role", "app"},
                                      {"status", "Waiting"},
                                      {"exitCode", nullptr},
                                      {"reason", ""},
                                      {"restarts", 0},
                                      {"pid", nullptr}}));
}

TEST(PodJson, StatusIsTheDisplayStatusWithTheHeldNetworkAsItsOwnField) {
  auto r = running_pod();
  EXPECT_EQ(api::pod_summary(r, false)["status"], "Dead");  // its owner is gone
  r.status = state::PodStatus::kCreating;
  EXPECT_EQ(api::pod_summary(r, true)["status"], "Creating");
  r.status = state::PodStatus::kStopping;
  EXPECT_EQ(api::pod_summary(r, true)["status"], "Stopping");

  r.status = state::PodStatus::kStopped;
  r.network_held = true;
  r.network_error = "CNI DEL failed: plugin \"portmap\" (network \"mynet\"): boom";
  json j = api::pod_summary(r, false);
  EXPECT_EQ(j["status"], "Stopped");  // never "Stopped (network not released)"
  EXPECT_EQ(j["networkNotReleased"], true);
  EXPECT_EQ(j["networkError"], r.network_error);

  r.network_held = false;
  r.network_error.clear();
  for (auto [s, name] : {std::pair{state::PodStatus::kSucceeded, "Succeeded"},
                         std::pair{state::PodStatus::kFailed, "Failed"},
                         std::pair{state::PodStatus::kStopped, "Stopped"}}) {
    r.status = s;
    j = api::pod_summary(r, false);
    EXPECT_EQ(j["status"], name);
    EXPECT_EQ(j["networkNotReleased"], false);
  }
}

TEST(PodJson, HostNetworkAndNoNetwork) {
  auto r = running_pod();
  r.netns.clear();
  r.network.clear();
  r.ips.clear();
  json j = api::pod_summary(r, true);
  EXPECT_EQ(j["hostNetwork"], true);
  EXPECT_EQ(j["network"], "");
  EXPECT_EQ(j["netns"], "");
  EXPECT_EQ(j["ip"], "");
  EXPECT_EQ(j["ips"], json::array());

  api::PodFacts facts;
  EXPECT_TRUE(api::pod_details(r, facts)["cni"].is_null());
}

api::PodFacts facts_of_running_pod() {
  api::PodFacts f;
  f.owner_alive = true;
  f.pause_alive = false;
  f.pod_dir = "/run/minipod/pods/0123";
  f.log_dir = "/var/log/minipod/default_web";
  f.cni.plugin_dirs = {"/usr/lib/cni"};
  f.cni.cache_dir = "/var/lib/cni/results";
  f.cni.timeout = std::chrono::milliseconds(1000);
  f.spec = {{"apiVersion", "v1"}, {"kind", "Pod"}};
  f.cni_cache_file = "/var/lib/cni/results/mynet-0123-eth0";
  f.cni_result = {{"cniVersion", "1.0.0"}};
  return f;
}

TEST(PodJson, DetailsAreTheSummaryAndWhereEverythingIs) {
  auto r = running_pod();
  auto f = facts_of_running_pod();
  json j = api::pod_details(r, f);
  EXPECT_EQ(keys(j), with(kPodFields, kPodDetailFields)) << j.dump(2);
  for (const auto& c : j["containers"])
    EXPECT_EQ(keys(c), with(kContainerFields, kContainerDetailFields)) << c.dump();
  EXPECT_EQ(keys(j["cni"]), kCniFields);

  // The summary's fields say the same in both.
  json summary = api::pod_summary(r, true);
  for (const auto& [k, v] : summary.items()) {
    if (k == "containers") continue;
    EXPECT_EQ(j[k], v) << k;
  }
  for (size_t i = 0; i < r.containers.size(); ++i) {
    for (const auto& [k, v] : summary["containers"][i].items())
      EXPECT_EQ(j["containers"][i][k], v) << k;
  }

  EXPECT_EQ(j["manifest"], "/srv/web.yaml");
  EXPECT_EQ(j["spec"], f.spec);
  EXPECT_EQ(j["gracePeriodSeconds"], 5);
  EXPECT_EQ(j["monitor"], json({{"pid", 100}, {"alive", true}}));
  EXPECT_EQ(j["pause"], json({{"pid", 101}, {"alive", false}}));
  EXPECT_EQ(j["podDir"], "/run/minipod/pods/0123");
  EXPECT_EQ(j["monitorLog"], "/run/minipod/pods/0123/monitor.log");
  EXPECT_EQ(j["logDir"], "/var/log/minipod/default_web");
  EXPECT_EQ(j["shmDir"], r.shm_dir);
  EXPECT_EQ(j["layersDir"], r.layers_dir);
  EXPECT_EQ(j["cgroups"], json({"/sys/fs/cgroup/minipod/0123"}));
  EXPECT_EQ(j["containers"][1]["logDir"], "/var/log/minipod/default_web/proxy");
  EXPECT_EQ(j["containers"][1]["layerDir"], "/var/lib/minipod/pods/0123/proxy");
  EXPECT_EQ(j["containers"][1]["image"], "localhost:5000/proxy:1");
  EXPECT_EQ(j["containers"][1]["imageDigest"], "sha256:" + std::string(64, 'b'));
  EXPECT_EQ(j["containers"][1]["cgroups"], json({"/sys/fs/cgroup/minipod/0123/proxy"}));
  EXPECT_EQ(j["containers"][1]["mounts"], json::parse(R"([{"volume": "cache",
      "mountPath": "/var/cache/proxy", "subPath": "proxy", "readOnly": true,
      "mountPropagation": "HostToContainer"}])"));
  EXPECT_EQ(j["containers"][0]["mounts"], json::array());
  EXPECT_EQ(j["volumes"], json::parse(R"([
      {"name": "scratch", "type": "emptyDir", "path": "/var/lib/minipod/volumes/0123/scratch",
       "medium": "Memory", "sizeLimit": 1048576, "hostPathType": ""},
      {"name": "cache", "type": "hostPath", "path": "/srv/cache", "medium": "",
       "sizeLimit": null, "hostPathType": "DirectoryOrCreate"}])"));
  EXPECT_EQ(j["cni"], json({{"network", "mynet"},
                            {"ifname", "eth0"},
                            {"pluginPath", {"/usr/lib/cni"}},
                            {"timeoutMs", 1000},
                            {"cacheDir", "/var/lib/cni/results"},
                            {"cacheFile", "/var/lib/cni/results/mynet-0123-eth0"},
                            {"result", {{"cniVersion", "1.0.0"}}}}));

  // A foreground pod has no monitor log; a pod that never had a pause has no pid.
  r.detached = false;
  r.pause = {};
  j = api::pod_details(r, f);
  EXPECT_EQ(j["monitorLog"], "");
  EXPECT_TRUE(j["pause"]["pid"].is_null());
}

// minipod/v1 is documented: every field the builders emit has its line in docs/json.md.
TEST(PodJson, EveryFieldIsDocumented) {
  std::string doc = fs::read_file(std::string(MINIPOD_SOURCE_DIR) + "/docs/json.md");
  for (const auto* set :
       {&kPodFields, &kContainerFields, &kPodDetailFields, &kContainerDetailFields, &kCniFields})
    for (const auto& field : *set) {
      EXPECT_NE(doc.find("`" + field + "`"), std::string::npos) << field << " not in docs/json.md";
    }
  EXPECT_NE(doc.find("minipod/v1"), std::string::npos);
}

// Volumes and mounts are kept in the record as they were; a record from before volumes has none.
TEST(PodJson, VolumesRoundTripThroughTheRecord) {
  auto r = running_pod();
  auto back = state::PodRecord::from_json(r.to_json());
  EXPECT_EQ(api::pod_details(back, facts_of_running_pod()),
            api::pod_details(r, facts_of_running_pod()));
  EXPECT_EQ(back.volumes_dir, r.volumes_dir);
  EXPECT_TRUE(back.volumes[0].tmpfs());
  json old = r.to_json();
  old.erase("volumes");
  for (auto& c : old["containers"]) c.erase("mounts");
  back = state::PodRecord::from_json(old);
  EXPECT_TRUE(back.volumes.empty());
  EXPECT_TRUE(back.containers[1].mounts.empty());
}

// The role is recorded with each container, and a record from before roles reads as "app".
TEST(PodJson, RoleRoundTripsThroughTheRecord) {
  auto r = running_pod();
  auto back = state::PodRecord::from_json(r.to_json());
  ASSERT_EQ(back.containers.size(), 3u);
  EXPECT_EQ(back.containers[0].role, state::ContainerRole::kInit);
  EXPECT_EQ(back.containers[1].role, state::ContainerRole::kSidecar);
  EXPECT_EQ(back.containers[2].role, state::ContainerRole::kApp);
  json old = r.to_json();
  for (auto& c : old["containers"]) c.erase("role");
  EXPECT_EQ(state::PodRecord::from_json(old).containers[0].role, state::ContainerRole::kApp);
}

}  // namespace
}  // namespace minipod
