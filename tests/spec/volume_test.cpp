// spec.volumes and volumeMounts: what is accepted (with subPathExpr expanded), and each refusal
// naming its field and what was expected.
#include <gtest/gtest.h>

#include <string>

#include <yaml-cpp/yaml.h>

#include "common/error.h"
#include "runtime/spec/manifest.h"

namespace minipod::spec {
namespace {

// A pod with `volumes` and one container with `mounts` (flow-style YAML) and `extra` fields.
std::string pod(const std::string& volumes, const std::string& mounts,
                const std::string& extra = "") {
  return "{apiVersion: v1, kind: Pod, metadata: {name: p}, spec: {volumes: " + volumes +
         ", containers: [{name: c, image: busybox, volumeMounts: " + mounts +
         (extra.empty() ? "" : ", " + extra) + "}]}}";
}

std::string refusal(const std::string& manifest) {
  try {
    parse_manifest(manifest, "pod.yaml");
  } catch (const UsageError& e) {
    return e.what();
  }
  return "accepted";
}

TEST(Volumes, EmptyDirAndHostPathAreParsed) {
  auto out = parse_manifest(R"(
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  volumes:
  - name: scratch
    emptyDir: {}
  - name: mem
    emptyDir: {medium: Memory, sizeLimit: 16Mi}
  - name: logs
    hostPath: {path: /var/log/app, type: DirectoryOrCreate}
  - name: nothing
  containers:
  - name: c
    image: busybox
    env: [{name: POD, value: p1}]
    volumeMounts:
    - {name: scratch, mountPath: /scratch}
    - {name: mem, mountPath: /mem, readOnly: true}
    - {name: logs, mountPath: /logs, subPathExpr: "$(POD)/out", mountPropagation: HostToContainer}
    - {name: nothing, mountPath: /n, subPath: a/b}
)",
                            "p.yaml");
  EXPECT_TRUE(out.warnings.empty());
  const auto& v = out.pod.volumes;
  ASSERT_EQ(v.size(), 4u);
  EXPECT_EQ(v[0].type, "emptyDir");
  EXPECT_EQ(v[0].medium, "");
  EXPECT_FALSE(v[0].size_limit);
  EXPECT_EQ(v[1].medium, "Memory");
  EXPECT_EQ(v[1].size_limit, 16 * 1024 * 1024);
  EXPECT_EQ(v[2].type, "hostPath");
  EXPECT_EQ(v[2].path, "/var/log/app");
  EXPECT_EQ(v[2].host_path_type, "DirectoryOrCreate");
  EXPECT_EQ(v[3].type, "emptyDir");  // the API server's default for a volume with no type
  const auto& m = out.pod.containers[0].volume_mounts;
  ASSERT_EQ(m.size(), 4u);
  EXPECT_EQ(m[0].mount_path, "/scratch");
  EXPECT_FALSE(m[0].read_only);
  EXPECT_EQ(m[0].mount_propagation, "None");
  EXPECT_TRUE(m[1].read_only);
  EXPECT_EQ(m[2].sub_path, "p1/out");
  EXPECT_EQ(m[2].mount_propagation, "HostToContainer");
  EXPECT_EQ(m[3].sub_path, "a/b");
  EXPECT_EQ(m[3].field, "spec.containers[0].volumeMounts[3]");
}

TEST(Volumes, SubPathExprLeavesUnknownVariablesAndEscapes) {
  auto out = parse_manifest(pod("[{name: v, emptyDir: {}}]",
                                "[{name: v, mountPath: /a, subPathExpr: 'x-$(NOPE)-$$(A)-$(A)'}]",
                                "env: [{name: A, value: one}]"),
                            "p.yaml");
  EXPECT_EQ(out.pod.containers[0].volume_mounts[0].sub_path, "x-$(NOPE)-$(A)-one");
}

TEST(Volumes, UnsupportedTypeUnmountedIsAWarning) {
  auto out = parse_manifest(pod("[{name: cfg, configMap: {name: x}}]", "[]"), "p.yaml");
  EXPECT_EQ(out.warnings,
            std::vector<std::string>{
                "spec.volumes[0].configMap: not supported by minipod (supported: emptyDir, "
                "hostPath); ignored, since no container mounts it"});
}

TEST(Volumes, DiskSizeLimitIsAWarning) {
  auto out = parse_manifest(pod("[{name: v, emptyDir: {sizeLimit: 1Gi}}]", "[]"), "p.yaml");
  ASSERT_EQ(out.warnings.size(), 1u);
  EXPECT_EQ(out.warnings[0],
            "spec.volumes[0].emptyDir.sizeLimit: not enforced by minipod on disk (the kubelet "
            "would evict the pod past it); with medium: Memory it is the tmpfs size");
}

// One invalid case of volume_cases.yaml.
struct Case {
  std::string name, manifest, message;
};
void PrintTo(const Case& c, std::ostream* os) {
  *os << c.name;
}

// The cases, each made a whole Pod manifest: its volumes, and its volumeMounts and other fields
// on the pod's one container.
std::vector<Case> invalid_cases() {
  std::vector<Case> cases;
  for (const auto& c : YAML::LoadFile(MINIPOD_VOLUME_CASES)) {
    YAML::Node pod = YAML::Load(
        "{apiVersion: v1, kind: Pod, metadata: {name: p}, spec: {containers: [{name: c, image: "
        "busybox}]}}");
    pod["spec"]["volumes"] = c["volumes"];
    YAML::Node container = pod["spec"]["containers"][0];
    container["volumeMounts"] = c["volumeMounts"];
    for (const auto& field : c["container"]) container[field.first] = field.second;
    cases.push_back({c["name"].as<std::string>(), YAML::Dump(pod), c["message"].as<std::string>()});
  }
  return cases;
}

class InvalidVolume : public ::testing::TestWithParam<Case> {};

TEST_P(InvalidVolume, NamesTheFieldAndWhatWasExpected) {
  EXPECT_EQ(refusal(GetParam().manifest), "pod.yaml: " + GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(Volumes, InvalidVolume, ::testing::ValuesIn(invalid_cases()),
                         [](const auto& p) { return p.param.name; });

}  // namespace
}  // namespace minipod::spec
