// Valid manifests: every supported field read into spec::Pod, the same from YAML and JSON,
// Kubernetes' defaults, and warnings for what minipod ignores.
#include "runtime/spec/manifest.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "common/error.h"
#include "common/fs.h"
#include "runtime/spec/sysctl.h"

namespace minipod::spec {
namespace {

const char* kFullYaml = R"(
apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: demo
  uid: 1234-abcd
  labels:
    app: web
    app.kubernetes.io/name: web-frontend
  annotations:
    example.com/note: "anything: goes here"
spec:
  hostname: frontend
  shareProcessNamespace: true
  hostNetwork: false
  restartPolicy: OnFailure
  terminationGracePeriodSeconds: 5
  dnsConfig:
    nameservers: [10.0.0.10, "fd00::10"]
    searches: [svc.cluster.local, example.com.]
    options:
      - name: ndots
        value: "2"
      - name: edns0
  hostAliases:
    - ip: 10.1.2.3
      hostnames: [db, db.local]
    - ip: "::1"
      hostnames: [six]
  securityContext:
    runAsUser: 1000
    runAsGroup: 3000
    fsGroup: 2000
    supplementalGroups: [4000, 5000]
    runAsNonRoot: true
    sysctls:
      - name: net.ipv4.ip_unprivileged_port_start
        value: "0"
      - name: kernel/shm_rmid_forced
        value: "1"
      - name: net/ipv4/conf/eth0.100/forwarding
        value: "1"
    seccompProfile:
      type: RuntimeDefault
  initContainers:
    - name: setup
      image: busybox
      command: [sh, -c, "echo init"]
    - name: logger
      image: busybox
      restartPolicy: Always
      args: [tail, -f, /dev/null]
  containers:
    - name: app
      image: busybox
      command: ["httpd"]
      args: ["-f", "-p", "8080"]
      workingDir: /www
      env:
        - name: GREETING
          value: hello world
        - name: EMPTY
        - name: my.dotted-name
          value: "1"
      ports:
        - name: http
          containerPort: 8080
          hostPort: 18080
          protocol: TCP
          hostIP: 127.0.0.1
        - containerPort: 53
          protocol: UDP
      securityContext:
        privileged: false
        allowPrivilegeEscalation: false
        readOnlyRootFilesystem: true
        runAsNonRoot: true
        runAsUser: 1001
        runAsGroup: 1002
        capabilities:
          add: [NET_BIND_SERVICE, cap_net_raw, CAP_SYS_TIME]
          drop: [ALL]
        seccompProfile:
          type: Localhost
          localhostProfile: profiles/web.json
      resources:
        limits:
          cpu: "1"
          memory: 128Mi
        requests:
          cpu: 250m
          memory: 64Mi
    - name: sidecar
      image: alpine
      resources:
        limits: {cpu: 0.5, memory: 1G}
)";

const char* kFullJson = R"({
  "apiVersion": "v1",
  "kind": "Pod",
  "metadata": {
    "name": "web", "namespace": "demo", "uid": "1234-abcd",
    "labels": {"app": "web", "app.kubernetes.io/name": "web-frontend"},
    "annotations": {"example.com/note": "anything: goes here"}
  },
  "spec": {
    "hostname": "frontend",
    "shareProcessNamespace": true,
    "hostNetwork": false,
    "restartPolicy": "OnFailure",
    "terminationGracePeriodSeconds": 5,
    "dnsConfig": {
      "nameservers": ["10.0.0.10", "fd00::10"],
      "searches": ["svc.cluster.local", "example.com."],
      "options": [{"name": "ndots", "value": "2"}, {"name": "edns0"}]
    },
    "hostAliases": [
      {"ip": "10.1.2.3", "hostnames": ["db", "db.local"]},
      {"ip": "::1", "hostnames": ["six"]}
    ],
    "securityContext": {
      "runAsUser": 1000, "runAsGroup": 3000, "fsGroup": 2000, "supplementalGroups": [4000, 5000],
      "runAsNonRoot": true,
      "sysctls": [
        {"name": "net.ipv4.ip_unprivileged_port_start", "value": "0"},
        {"name": "kernel/shm_rmid_forced", "value": "1"},
        {"name": "net/ipv4/conf/eth0.100/forwarding", "value": "1"}
      ],
      "seccompProfile": {"type": "RuntimeDefault"}
    },
    "initContainers": [
      {"name": "setup", "image": "busybox", "command": ["sh", "-c", "echo init"]},
      {"name": "logger", "image": "busybox", "restartPolicy": "Always", "args": ["tail", "-f", "/dev/null"]}
    ],
    "containers": [
      {
        "name": "app", "image": "busybox",
        "command": ["httpd"], "args": ["-f", "-p", "8080"], "workingDir": "/www",
        "env": [{"name": "GREETING", "value": "hello world"}, {"name": "EMPTY"},
                {"name": "my.dotted-name", "value": "1"}],
        "ports": [
          {"name": "http", "containerPort": 8080, "hostPort": 18080, "protocol": "TCP", "hostIP": "127.0.0.1"},
          {"containerPort": 53, "protocol": "UDP"}
        ],
        "securityContext": {
          "privileged": false, "allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true,
          "runAsNonRoot": true, "runAsUser": 1001, "runAsGroup": 1002,
          "capabilities": {"add": ["NET_BIND_SERVICE", "cap_net_raw", "CAP_SYS_TIME"], "drop": ["ALL"]},
          "seccompProfile": {"type": "Localhost", "localhostProfile": "profiles/web.json"}
        },
        "resources": {
          "limits": {"cpu": "1", "memory": "128Mi"},
          "requests": {"cpu": "250m", "memory": "64Mi"}
        }
      },
      {"name": "sidecar", "image": "alpine", "resources": {"limits": {"cpu": 0.5, "memory": "1G"}}}
    ]
  }
})";

void expect_full_pod(const ParseOutput& out) {
  EXPECT_TRUE(out.warnings.empty()) << out.warnings.front();
  const Pod& pod = out.pod;
  EXPECT_EQ(pod.name, "web");
  EXPECT_EQ(pod.namespace_, "demo");
  EXPECT_EQ(pod.uid, "1234-abcd");
  EXPECT_EQ(pod.labels, (std::map<std::string, std::string>{
                            {"app", "web"}, {"app.kubernetes.io/name", "web-frontend"}}));
  EXPECT_EQ(pod.annotations.at("example.com/note"), "anything: goes here");
  EXPECT_EQ(pod.hostname, "frontend");
  EXPECT_EQ(effective_hostname(pod), "frontend");
  EXPECT_TRUE(pod.share_process_namespace);
  EXPECT_FALSE(pod.host_network);
  EXPECT_EQ(pod.restart_policy, "OnFailure");
  EXPECT_EQ(pod.termination_grace_period_seconds, 5);

  ASSERT_TRUE(pod.dns_config);
  EXPECT_EQ(pod.dns_config->nameservers, (std::vector<std::string>{"10.0.0.10", "fd00::10"}));
  EXPECT_EQ(pod.dns_config->searches,
            (std::vector<std::string>{"svc.cluster.local", "example.com."}));
  EXPECT_EQ(pod.dns_config->options,
            (std::vector<std::pair<std::string, std::string>>{{"ndots", "2"}, {"edns0", ""}}));
  ASSERT_EQ(pod.host_aliases.size(), 2u);
  EXPECT_EQ(pod.host_aliases[0].ip, "10.1.2.3");
  EXPECT_EQ(pod.host_aliases[0].hostnames, (std::vector<std::string>{"db", "db.local"}));
  EXPECT_EQ(pod.host_aliases[1].ip, "::1");

  const auto& psc = pod.security_context;
  EXPECT_EQ(psc.run_as_user, 1000);
  EXPECT_EQ(psc.run_as_group, 3000);
  EXPECT_EQ(psc.fs_group, 2000);
  EXPECT_EQ(psc.supplemental_groups, (std::vector<int64_t>{4000, 5000}));
  EXPECT_EQ(psc.run_as_non_root, true);
  ASSERT_EQ(psc.sysctls.size(), 3u);
  EXPECT_EQ(psc.sysctls[0].name, "net.ipv4.ip_unprivileged_port_start");
  EXPECT_EQ(psc.sysctls[0].value, "0");
  EXPECT_EQ(psc.sysctls[1].name, "kernel.shm_rmid_forced");
  EXPECT_EQ(psc.sysctls[2].name, "net.ipv4.conf.eth0/100.forwarding");
  EXPECT_EQ(sysctl_proc_path(psc.sysctls[2].name), "/proc/sys/net/ipv4/conf/eth0.100/forwarding");
  ASSERT_TRUE(psc.seccomp_profile);
  EXPECT_EQ(psc.seccomp_profile->type, "RuntimeDefault");

  ASSERT_EQ(pod.init_containers.size(), 2u);
  EXPECT_EQ(pod.init_containers[0].name, "setup");
  EXPECT_EQ(pod.init_containers[0].command, (std::vector<std::string>{"sh", "-c", "echo init"}));
  EXPECT_EQ(pod.init_containers[0].restart_policy, "");
  EXPECT_EQ(pod.init_containers[1].restart_policy, "Always");
  EXPECT_EQ(pod.init_containers[1].args, (std::vector<std::string>{"tail", "-f", "/dev/null"}));

  ASSERT_EQ(pod.containers.size(), 2u);
  const Container& app = pod.containers[0];
  EXPECT_EQ(app.name, "app");
  EXPECT_EQ(app.image, "busybox");
  EXPECT_EQ(app.command, std::vector<std::string>{"httpd"});
  EXPECT_EQ(app.args, (std::vector<std::string>{"-f", "-p", "8080"}));
  EXPECT_EQ(app.working_dir, "/www");
  ASSERT_EQ(app.env.size(), 3u);
  EXPECT_EQ(app.env[0].name, "GREETING");
  EXPECT_EQ(app.env[0].value, "hello world");
  EXPECT_EQ(app.env[1].name, "EMPTY");
  EXPECT_EQ(app.env[1].value, "");
  EXPECT_EQ(app.env[2].name, "my.dotted-name");
  ASSERT_EQ(app.ports.size(), 2u);
  EXPECT_EQ(app.ports[0].name, "http");
  EXPECT_EQ(app.ports[0].container_port, 8080);
  EXPECT_EQ(app.ports[0].host_port, 18080);
  EXPECT_EQ(app.ports[0].protocol, "TCP");
  EXPECT_EQ(app.ports[0].host_ip, "127.0.0.1");
  EXPECT_EQ(app.ports[1].container_port, 53);
  EXPECT_EQ(app.ports[1].host_port, 0);
  EXPECT_EQ(app.ports[1].protocol, "UDP");

  const auto& sc = app.security_context;
  EXPECT_EQ(sc.privileged, false);
  EXPECT_EQ(sc.allow_privilege_escalation, false);
  EXPECT_EQ(sc.read_only_root_filesystem, true);
  EXPECT_EQ(sc.run_as_non_root, true);
  EXPECT_EQ(sc.run_as_user, 1001);
  EXPECT_EQ(sc.run_as_group, 1002);
  ASSERT_TRUE(sc.capabilities);
  EXPECT_EQ(sc.capabilities->add,
            (std::vector<std::string>{"NET_BIND_SERVICE", "NET_RAW", "SYS_TIME"}));
  EXPECT_EQ(sc.capabilities->drop, std::vector<std::string>{"ALL"});
  ASSERT_TRUE(sc.seccomp_profile);
  EXPECT_EQ(sc.seccomp_profile->type, "Localhost");
  EXPECT_EQ(sc.seccomp_profile->localhost_profile, "profiles/web.json");

  EXPECT_EQ(app.resources.limits.cpu_millis, 1000);
  EXPECT_EQ(app.resources.limits.memory_bytes, 128 * 1024 * 1024);
  EXPECT_EQ(app.resources.requests.cpu_millis, 250);
  EXPECT_EQ(app.resources.requests.memory_bytes, 64 * 1024 * 1024);

  const Container& sidecar = pod.containers[1];
  EXPECT_EQ(sidecar.image, "alpine");
  EXPECT_EQ(sidecar.resources.limits.cpu_millis, 500);
  EXPECT_EQ(sidecar.resources.limits.memory_bytes, 1'000'000'000);
  // Kubernetes defaults requests to limits.
  EXPECT_EQ(sidecar.resources.requests.cpu_millis, 500);
  EXPECT_EQ(sidecar.resources.requests.memory_bytes, 1'000'000'000);
  EXPECT_FALSE(sidecar.security_context.capabilities);
  EXPECT_FALSE(sidecar.security_context.privileged);
}

TEST(Manifest, FullYaml) {
  expect_full_pod(parse_manifest(kFullYaml, "pod.yaml"));
}

TEST(Manifest, FullJsonIsTheSame) {
  expect_full_pod(parse_manifest(kFullJson, "pod.json"));
}

TEST(Manifest, Defaults) {
  auto out = parse_manifest(R"(
apiVersion: v1
kind: Pod
metadata: {name: tiny}
spec:
  containers: [{name: c, image: busybox}]
)",
                            "tiny.yaml");
  EXPECT_TRUE(out.warnings.empty());
  const Pod& pod = out.pod;
  EXPECT_EQ(pod.name, "tiny");
  EXPECT_EQ(pod.namespace_, "default");
  EXPECT_EQ(pod.uid, "");
  EXPECT_EQ(pod.hostname, "");
  EXPECT_EQ(effective_hostname(pod), "tiny");
  EXPECT_EQ(pod.restart_policy, "Always");
  EXPECT_EQ(pod.termination_grace_period_seconds, 30);
  EXPECT_FALSE(pod.share_process_namespace);
  EXPECT_FALSE(pod.host_network);
  EXPECT_FALSE(pod.dns_config);
  EXPECT_TRUE(pod.host_aliases.empty());
  EXPECT_TRUE(pod.init_containers.empty());
  ASSERT_EQ(pod.containers.size(), 1u);
  const Container& c = pod.containers[0];
  EXPECT_TRUE(c.command.empty());
  EXPECT_TRUE(c.args.empty());
  EXPECT_TRUE(c.env.empty());
  EXPECT_EQ(c.working_dir, "");
  EXPECT_FALSE(c.resources.limits.cpu_millis);
  EXPECT_FALSE(c.resources.requests.memory_bytes);
  EXPECT_FALSE(c.security_context.run_as_user);
  EXPECT_FALSE(c.security_context.seccomp_profile);
  EXPECT_FALSE(pod.security_context.run_as_user);
  EXPECT_TRUE(pod.security_context.sysctls.empty());
}

TEST(Manifest, NullsAreUnset) {
  auto out = parse_manifest(R"(
apiVersion: v1
kind: Pod
metadata:
  name: p
  labels:
spec:
  hostname: ~
  initContainers: null
  containers:
    - name: c
      image: busybox
      command:
      env: []
      securityContext: {}
      resources: {limits: null}
)",
                            "p.yaml");
  EXPECT_TRUE(out.warnings.empty());
  EXPECT_EQ(out.pod.hostname, "");
  EXPECT_TRUE(out.pod.containers[0].command.empty());
}

TEST(Manifest, UnknownFieldsAreWarningsWithTheirPath) {
  auto out = parse_manifest(R"(
apiVersion: v1
kind: Pod
metadata:
  name: p
  generateName: p-
  creationTimestamp: null
spec:
  nodeName: node1
  volumes: [{name: v, emptyDir: {}, csiDriver: x}]
  containers:
    - name: c
      image: busybox
      imagePullPolicy: IfNotPresent
      livenessProbe: {exec: {command: [true]}}
      ports: [{containerPort: 80, appProtocol: http}]
      env: [{name: A, value: b, extra: 1}]
      securityContext:
        procMount: Default
        capabilities: {add: [KILL], keep: [CHOWN]}
      resources:
        limits: {ephemeral-storage: 1Gi}
        claims: []
status:
  phase: Running
)",
                            "p.yaml");
  // In the order of the manifest, each with its full path.
  EXPECT_EQ(
      out.warnings,
      (std::vector<std::string>{
          "metadata.generateName: unknown field, ignored by minipod",
          "spec.nodeName: unknown field, ignored by minipod",
          "spec.volumes[0].csiDriver: unknown field, ignored by minipod",
          "spec.containers[0].livenessProbe: unknown field, ignored by minipod",
          "spec.containers[0].ports[0].appProtocol: unknown field, ignored by minipod",
          "spec.containers[0].env[0].extra: unknown field, ignored by minipod",
          "spec.containers[0].securityContext.procMount: unknown field, ignored by minipod",
          "spec.containers[0].securityContext.capabilities.keep: unknown field, ignored by minipod",
          "spec.containers[0].resources.limits.ephemeral-storage: not enforced by minipod, ignored",
          "spec.containers[0].resources.claims: unknown field, ignored by minipod",
      }));
}

TEST(Manifest, YamlAcceptsYaml11BooleansAndQuotedStrings) {
  auto out = parse_manifest(R"(
apiVersion: "v1"
kind: 'Pod'
metadata: {name: "p"}
spec:
  hostNetwork: yes
  shareProcessNamespace: False
  containers:
    - name: c
      image: busybox
      env: [{name: PORT, value: 8080}]
)",
                            "p.yaml");
  EXPECT_TRUE(out.pod.host_network);
  EXPECT_FALSE(out.pod.share_process_namespace);
  EXPECT_EQ(out.pod.containers[0].env[0].value, "8080");
}

TEST(Manifest, ReadsFilesAndNamesThemInErrors) {
  char tmpl[] = "/tmp/minipod-spec-XXXXXX";
  ASSERT_NE(::mkdtemp(tmpl), nullptr);
  std::filesystem::path dir = tmpl;
  fs::write_file(dir / "pod.yaml", kFullYaml);
  expect_full_pod(parse_manifest_file((dir / "pod.yaml").string()));

  fs::write_file(dir / "bad.yaml", "apiVersion: v1\nkind: Service\n");
  try {
    parse_manifest_file((dir / "bad.yaml").string());
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_EQ(std::string(e.what()),
              (dir / "bad.yaml").string() +
                  ": kind: must be Pod (minipod runs single pods), got \"Service\"");
  }
  try {
    parse_manifest_file((dir / "missing.yaml").string());
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_EQ(e.kind(), ExitKind::kUsage);
    EXPECT_EQ(std::string(e.what()), (dir / "missing.yaml").string() +
                                         ": cannot read the manifest: No such file or directory");
  }
  fs::remove_tree(dir);
}

TEST(Manifest, ImagePullPolicyDefaultsAsKubernetes) {
  auto policy = [](const std::string& image, const std::string& extra = "") {
    auto out = parse_manifest(
        "{apiVersion: v1, kind: Pod, metadata: {name: p}, spec: "
        "{containers: [{name: c, image: '" +
            image + "'" + extra + "}]}}",
        "p.yaml");
    return out.pod.containers[0].image_pull_policy;
  };
  EXPECT_EQ(policy("busybox"), "Always");
  EXPECT_EQ(policy("busybox:latest"), "Always");
  EXPECT_EQ(policy("busybox:1.36"), "IfNotPresent");
  EXPECT_EQ(policy("localhost:5000/app@sha256:" + std::string(64, 'a')), "IfNotPresent");
  EXPECT_EQ(policy("busybox:1.36", ", imagePullPolicy: Never"), "Never");
  EXPECT_EQ(policy("busybox", ", imagePullPolicy: IfNotPresent"), "IfNotPresent");
}

}  // namespace
}  // namespace minipod::spec
