// Invalid manifests: each is refused with a UsageError (exit code 2) whose message is exactly
// "<source>: <field path>: <what was wrong and what was expected>".
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstring>
#include <string>

#include <gtest/gtest.h>

#include "common/error.h"
#include "runtime/spec/manifest.h"

namespace minipod::spec {
namespace {

struct Case {
  std::string name;      // test name
  std::string manifest;  // YAML (flow style keeps each case on a few lines)
  std::string message;   // the whole error message
};

// gtest prints a parameter in test listings; without this it dumps the struct's bytes.
void PrintTo(const Case& c, std::ostream* os) {
  *os << c.name;
}

// A valid pod with `spec_extra` added to spec and `container_extra` to its one container.
std::string pod(const std::string& container_extra, const std::string& spec_extra = "") {
  return "{apiVersion: v1, kind: Pod, metadata: {name: p}, spec: {" + spec_extra +
         (spec_extra.empty() ? "" : ", ") + "containers: [{name: c, image: busybox" +
         (container_extra.empty() ? "" : ", ") + container_extra + "}]}}";
}

class InvalidManifest : public ::testing::TestWithParam<Case> {};

TEST_P(InvalidManifest, NamesTheFieldAndWhatWasExpected) {
  try {
    auto out = parse_manifest(GetParam().manifest, "pod.yaml");
    FAIL() << "accepted: " << GetParam().manifest;
  } catch (const UsageError& e) {
    EXPECT_EQ(e.kind(), ExitKind::kUsage);
    EXPECT_EQ(std::string(e.what()), "pod.yaml: " + GetParam().message);
  }
}

const Case kCases[] = {
    // --- the document ---
    {"Empty", "", "empty manifest: expected a Kubernetes Pod (apiVersion: v1, kind: Pod)"},
    {"OnlyComments", "# nothing\n",
     "empty manifest: expected a Kubernetes Pod (apiVersion: v1, kind: Pod)"},
    {"NotAMapping", "- a\n- b\n",
     "expected a Kubernetes Pod (a mapping with apiVersion, kind, metadata and spec), got a list"},
    {"TwoDocuments", pod("") + "\n---\n" + pod(""),
     "contains 2 YAML documents; minipod runs one Pod per file"},
    {"SyntaxError", "apiVersion: v1\nkind: Pod\nmetadata: {name: p\nspec: x\n",
     "line 4, column 5: invalid YAML: end of map flow not found"},
    {"BadIndent", "apiVersion: v1\nkind: Pod\n  metadata: x\n",
     "line 3, column 11: invalid YAML: illegal map value"},
    {"DuplicateField", "{apiVersion: v1, kind: Pod, kind: Pod}", "kind: duplicate field"},
    {"MissingApiVersion", "{kind: Pod}", "apiVersion: required (v1)"},
    {"WrongApiVersion", "{apiVersion: apps/v1, kind: Pod}",
     "apiVersion: must be v1 (a core Pod), got \"apps/v1\""},
    {"WrongKind", "{apiVersion: v1, kind: Deployment}",
     "kind: must be Pod (minipod runs single pods), got \"Deployment\""},
    {"MissingKind", "{apiVersion: v1}", "kind: required (Pod)"},

    // --- metadata ---
    {"MissingMetadata", "{apiVersion: v1, kind: Pod, spec: {}}",
     "metadata: required (with at least name: a DNS label: lower-case letters, digits and '-', "
     "starting and ending "
     "with a letter or digit, at most 63 characters, since minipod uses it as the network "
     "namespace name and the "
     "default hostname)"},
    {"MissingName", "{apiVersion: v1, kind: Pod, metadata: {namespace: x}}",
     "metadata.name: required (a DNS label: lower-case letters, digits and '-', starting and "
     "ending with a letter or "
     "digit, at most 63 characters, since minipod uses it as the network namespace name and the "
     "default hostname)"},
    {"UpperCaseName", "{apiVersion: v1, kind: Pod, metadata: {name: Web}}",
     "metadata.name: must be a DNS label: lower-case letters, digits and '-', starting and ending "
     "with a letter or "
     "digit, at most 63 characters, since minipod uses it as the network namespace name and the "
     "default hostname, "
     "got \"Web\""},
    {"LongName", "{apiVersion: v1, kind: Pod, metadata: {name: " + std::string(64, 'a') + "}}",
     "metadata.name: must be a DNS label: lower-case letters, digits and '-', starting and ending "
     "with a letter or "
     "digit, at most 63 characters, since minipod uses it as the network namespace name and the "
     "default hostname, "
     "got \"" +
         std::string(64, 'a') + "\""},
    {"DottedName", "{apiVersion: v1, kind: Pod, metadata: {name: a.b}}",
     "metadata.name: must be a DNS label: lower-case letters, digits and '-', starting and ending "
     "with a letter or "
     "digit, at most 63 characters, since minipod uses it as the network namespace name and the "
     "default hostname, "
     "got \"a.b\""},
    {"BadNamespace", "{apiVersion: v1, kind: Pod, metadata: {name: p, namespace: My_NS}}",
     "metadata.namespace: must be a DNS label: lower-case letters, digits and '-', starting and "
     "ending with a letter "
     "or digit, at most 63 characters, got \"My_NS\""},
    {"BadLabelValue", "{apiVersion: v1, kind: Pod, metadata: {name: p, labels: {app: -x}}}",
     "metadata.labels[app]: must be empty or at most 63 letters, digits, '-', '_', '.', starting "
     "and ending with a "
     "letter or digit, got \"-x\""},
    {"BadLabelKey", "{apiVersion: v1, kind: Pod, metadata: {name: p, labels: {'a/b/c': x}}}",
     "metadata.labels[a/b/c]: label keys must be [prefix/]name: a name of at most 63 letters, "
     "digits, '-', '_', '.', "
     "starting and ending with a letter or digit, and an optional DNS subdomain prefix"},
    {"LabelsNotAMap", "{apiVersion: v1, kind: Pod, metadata: {name: p, labels: [a]}}",
     "metadata.labels: must be a mapping of strings, got a list"},

    // --- spec ---
    {"MissingSpec", "{apiVersion: v1, kind: Pod, metadata: {name: p}}",
     "spec: required (with at least one container)"},
    {"MissingContainers", "{apiVersion: v1, kind: Pod, metadata: {name: p}, spec: {hostname: x}}",
     "spec.containers: required (a list with at least one container)"},
    {"NoContainers", "{apiVersion: v1, kind: Pod, metadata: {name: p}, spec: {containers: []}}",
     "spec.containers: must have at least one container"},
    {"ContainersNotAList",
     "{apiVersion: v1, kind: Pod, metadata: {name: p}, spec: {containers: {name: c}}}",
     "spec.containers: must be a list, got a mapping"},
    {"ContainerNotAMap",
     "{apiVersion: v1, kind: Pod, metadata: {name: p}, spec: {containers: [web]}}",
     "spec.containers[0]: must be a container (a mapping with name and image), got \"web\""},
    {"BadHostname", pod("", "hostname: web_1"),
     "spec.hostname: must be a DNS label: lower-case letters, digits and '-', starting and ending "
     "with a letter or "
     "digit, at most 63 characters, got \"web_1\""},
    {"BadRestartPolicy", pod("", "restartPolicy: Sometimes"),
     "spec.restartPolicy: must be Always, OnFailure or Never, got \"Sometimes\""},
    {"NegativeGrace", pod("", "terminationGracePeriodSeconds: -1"),
     "spec.terminationGracePeriodSeconds: must be a number of seconds >= 0, got -1"},
    {"GraceNotANumber", pod("", "terminationGracePeriodSeconds: soon"),
     "spec.terminationGracePeriodSeconds: must be a number of seconds >= 0, got \"soon\""},
    {"GraceQuoted", pod("", "terminationGracePeriodSeconds: '30'"),
     "spec.terminationGracePeriodSeconds: must be a number of seconds >= 0, got the string \"30\""},
    {"HostNetworkNotBool", pod("", "hostNetwork: maybe"),
     "spec.hostNetwork: must be true or false, got \"maybe\""},
    {"ShareQuotedBool", pod("", "shareProcessNamespace: 'true'"),
     "spec.shareProcessNamespace: must be true or false, got the string \"true\""},

    // --- dnsConfig and hostAliases ---
    {"BadNameserver", pod("", "dnsConfig: {nameservers: [1.1.1.1, dns.google]}"),
     "spec.dnsConfig.nameservers[1]: must be an IPv4 or IPv6 address, got \"dns.google\""},
    {"FourNameservers", pod("", "dnsConfig: {nameservers: [1.1.1.1, 1.0.0.1, 8.8.8.8, 8.8.4.4]}"),
     "spec.dnsConfig.nameservers: at most 3 nameservers (the resolver reads no more), got 4"},
    {"BadSearch", pod("", "dnsConfig: {searches: [Example.COM]}"),
     "spec.dnsConfig.searches[0]: must be a DNS domain (lower-case labels separated by '.'), got "
     "\"Example.COM\""},
    {"TooManySearches",
     pod("",
         "dnsConfig: {searches: "
         "[a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q,r,s,t,u,v,w,x,y,z,aa,bb,cc,dd,ee,ff,gg]}"),
     "spec.dnsConfig.searches: at most 32 search domains, got 33"},
    {"DnsOptionWithoutName", pod("", "dnsConfig: {options: [{value: '1'}]}"),
     "spec.dnsConfig.options[0].name: required (a resolver option such as ndots)"},
    {"HostAliasBadIp", pod("", "hostAliases: [{ip: 10.0.0.300, hostnames: [x]}]"),
     "spec.hostAliases[0].ip: must be an IPv4 or IPv6 address, got \"10.0.0.300\""},
    {"HostAliasMissingIp", pod("", "hostAliases: [{hostnames: [x]}]"),
     "spec.hostAliases[0].ip: required (an IPv4 or IPv6 address)"},
    {"HostAliasBadHostname", pod("", "hostAliases: [{ip: 10.0.0.1, hostnames: [ok, 'not ok']}]"),
     "spec.hostAliases[0].hostnames[1]: must be a DNS name (lower-case labels separated by '.'), "
     "got \"not ok\""},

    // --- containers ---
    {"ContainerMissingName",
     "{apiVersion: v1, kind: Pod, metadata: {name: p}, spec: {containers: [{image: busybox}]}}",
     "spec.containers[0].name: required (a DNS label: lower-case letters, digits and '-', starting "
     "and ending with "
     "a letter or digit, at most 63 characters)"},
    {"ContainerBadName",
     "{apiVersion: v1, kind: Pod, metadata: {name: p}, spec: {containers: [{name: ok, image: b}, "
     "{name: Web_1, image: b}]}}",
     "spec.containers[1].name: must be a DNS label: lower-case letters, digits and '-', starting "
     "and ending with a "
     "letter or digit, at most 63 characters, got \"Web_1\""},
    {"ContainerMissingImage",
     "{apiVersion: v1, kind: Pod, metadata: {name: p}, spec: {containers: [{name: c}]}}",
     "spec.containers[0].image: required (an image reference, e.g. busybox, "
     "docker.io/library/busybox:1.36, localhost:5000/app)"},
    {"ContainerBadImageReference",
     "{apiVersion: v1, kind: Pod, metadata: {name: p}, spec: {containers: [{name: c, image: "
     "Busybox}]}}",
     "spec.containers[0].image: has the path component \"Busybox\" (allowed: lower-case letters "
     "and digits, separated by '.', '_', '__' or '-') (expected "
     "[host[:port]/]path[:tag][@sha256:<64 hex digits>])"},
    {"BadImagePullPolicy", pod("imagePullPolicy: Sometimes"),
     "spec.containers[0].imagePullPolicy: must be Always, IfNotPresent or Never, got "
     "\"Sometimes\""},
    {"ContainerEmptyImage",
     "{apiVersion: v1, kind: Pod, metadata: {name: p}, spec: {containers: [{name: c, image: ''}]}}",
     "spec.containers[0].image: must not be empty"},
    {"DuplicateContainerName",
     "{apiVersion: v1, kind: Pod, metadata: {name: p}, spec: {initContainers: [{name: c, image: "
     "b}], containers: [{name: c, image: b}]}}",
     "spec.containers[0].name: duplicate container name \"c\" (also spec.initContainers[0].name)"},
    {"CommandNotAList", pod("command: echo hi"),
     "spec.containers[0].command: must be a list, got \"echo hi\""},
    {"ArgsWithAMap", pod("args: [a, {b: c}]"),
     "spec.containers[0].args[1]: must be a string, got a mapping"},
    {"RelativeWorkingDir", pod("workingDir: www"),
     "spec.containers[0].workingDir: must be an absolute path, got \"www\""},
    {"AppContainerRestartPolicy", pod("restartPolicy: Always"),
     "spec.containers[0].restartPolicy: only allowed in initContainers (restartPolicy: Always "
     "makes a sidecar); the "
     "pod's spec.restartPolicy applies to containers"},
    {"InitContainerRestartNever",
     "{apiVersion: v1, kind: Pod, metadata: {name: p}, spec: {initContainers: [{name: i, image: b, "
     "restartPolicy: Never}], containers: [{name: c, image: b}]}}",
     "spec.initContainers[0].restartPolicy: must be Always (a sidecar), got \"Never\""},

    // --- env ---
    {"EnvBadName", pod("env: [{name: 1ABC, value: x}]"),
     "spec.containers[0].env[0].name: must be a valid environment variable name (letters, digits, "
     "'_', '-', '.', not "
     "starting with a digit), got \"1ABC\""},
    {"EnvEqualsInName", pod("env: [{name: 'A=B', value: x}]"),
     "spec.containers[0].env[0].name: must be a valid environment variable name (letters, digits, "
     "'_', '-', '.', not "
     "starting with a digit), got \"A=B\""},
    {"EnvMissingName", pod("env: [{value: x}]"),
     "spec.containers[0].env[0].name: required (an environment variable name)"},
    {"EnvValueFrom",
     pod("env: [{name: A, value: x}, {name: B, valueFrom: {fieldRef: {fieldPath: "
         "metadata.name}}}]"),
     "spec.containers[0].env[1].valueFrom: not supported by minipod (only value); set the value "
     "directly"},
    {"EnvFrom", pod("envFrom: [{configMapRef: {name: x}}]"),
     "spec.containers[0].envFrom: not supported by minipod (only env[].value)"},
    {"EnvValueList", pod("env: [{name: A, value: [1]}]"),
     "spec.containers[0].env[0].value: must be a string, got a list"},

    // --- ports ---
    {"PortTooBig",
     "{apiVersion: v1, kind: Pod, metadata: {name: p}, spec: {containers: [{name: a, image: b}, "
     "{name: c, image: b, ports: [{containerPort: 70000}]}]}}",
     "spec.containers[1].ports[0].containerPort: must be a port number 1-65535, got 70000"},
    {"PortZero", pod("ports: [{containerPort: 0}]"),
     "spec.containers[0].ports[0].containerPort: must be a port number 1-65535, got 0"},
    {"PortMissing", pod("ports: [{hostPort: 80}]"),
     "spec.containers[0].ports[0].containerPort: required (a port number 1-65535)"},
    {"PortQuoted", pod("ports: [{containerPort: '80'}]"),
     "spec.containers[0].ports[0].containerPort: must be a port number 1-65535, got the string "
     "\"80\""},
    {"HostPortTooBig", pod("ports: [{containerPort: 80, hostPort: 65536}]"),
     "spec.containers[0].ports[0].hostPort: must be a port number 1-65535 (or 0: not published), "
     "got 65536"},
    {"BadProtocol", pod("ports: [{containerPort: 80, protocol: tcp}]"),
     "spec.containers[0].ports[0].protocol: must be TCP, UDP or SCTP, got \"tcp\""},
    {"BadHostIp", pod("ports: [{containerPort: 80, hostIP: localhost}]"),
     "spec.containers[0].ports[0].hostIP: must be an IPv4 or IPv6 address, got \"localhost\""},
    {"BadPortName", pod("ports: [{containerPort: 80, name: HTTP}]"),
     "spec.containers[0].ports[0].name: must be an IANA service name (at most 15 lower-case "
     "letters, digits and '-', "
     "with at least one letter), got \"HTTP\""},
    {"DuplicateHostPort",
     "{apiVersion: v1, kind: Pod, metadata: {name: p}, spec: {containers: [{name: a, image: b, "
     "ports: [{containerPort: 80, hostPort: 8080}]}, {name: c, image: b, ports: [{containerPort: "
     "81, hostPort: 8080, protocol: TCP}]}]}}",
     "spec.containers[1].ports[0].hostPort: 8080/TCP is already used by "
     "spec.containers[0].ports[0].hostPort"},
    {"HostNetworkPortMismatch",
     pod("ports: [{containerPort: 80, hostPort: 8080}]", "hostNetwork: true"),
     "spec.containers[0].ports[0].hostPort: must equal containerPort (80) when hostNetwork is "
     "true, got 8080"},

    // --- container securityContext ---
    {"PrivilegedNotBool", pod("securityContext: {privileged: 1}"),
     "spec.containers[0].securityContext.privileged: must be true or false, got \"1\""},
    {"NegativeUser", pod("securityContext: {runAsUser: -1}"),
     "spec.containers[0].securityContext.runAsUser: must be an id 0-2147483647, got -1"},
    {"HugeGroup", pod("securityContext: {runAsGroup: 4294967296}"),
     "spec.containers[0].securityContext.runAsGroup: must be an id 0-2147483647, got 4294967296"},
    {"BadCapability", pod("securityContext: {capabilities: {add: [NET_ADMIN, CAP_FLY]}}"),
     "spec.containers[0].securityContext.capabilities.add[1]: must be a Linux capability such as "
     "NET_ADMIN or "
     "CAP_NET_ADMIN, or ALL, got \"CAP_FLY\""},
    {"CapAll", pod("securityContext: {capabilities: {drop: [CAP_ALL]}}"),
     "spec.containers[0].securityContext.capabilities.drop[0]: must be a Linux capability such as "
     "NET_ADMIN or "
     "CAP_NET_ADMIN, or ALL, got \"CAP_ALL\""},
    {"PrivilegedNoEscalation",
     pod("securityContext: {privileged: true, allowPrivilegeEscalation: false}"),
     "spec.containers[0].securityContext.allowPrivilegeEscalation: cannot be false when privileged "
     "is true"},
    {"SysAdminNoEscalation",
     pod("securityContext: {allowPrivilegeEscalation: false, capabilities: {add: [sys_admin]}}"),
     "spec.containers[0].securityContext.allowPrivilegeEscalation: cannot be false when "
     "capabilities.add contains "
     "SYS_ADMIN or ALL"},
    {"NonRootAsRoot", pod("securityContext: {runAsNonRoot: true, runAsUser: 0}"),
     "spec.containers[0].securityContext.runAsUser: must not be 0 when runAsNonRoot is true"},
    {"NonRootInheritedRoot",
     pod("securityContext: {runAsUser: 0}", "securityContext: {runAsNonRoot: true}"),
     "spec.containers[0].securityContext: runAsNonRoot is true but runAsUser is 0"},
    {"SeccompBadType", pod("securityContext: {seccompProfile: {type: Strict}}"),
     "spec.containers[0].securityContext.seccompProfile.type: must be RuntimeDefault, Unconfined "
     "or Localhost, got "
     "\"Strict\""},
    {"SeccompMissingType", pod("securityContext: {seccompProfile: {}}"),
     "spec.containers[0].securityContext.seccompProfile.type: required (RuntimeDefault, Unconfined "
     "or Localhost)"},
    {"SeccompLocalhostWithoutProfile", pod("securityContext: {seccompProfile: {type: Localhost}}"),
     "spec.containers[0].securityContext.seccompProfile.localhostProfile: required when type is "
     "Localhost (a "
     "profile path relative to the seccomp profile directory)"},
    {"SeccompProfileEscapes",
     pod("securityContext: {seccompProfile: {type: Localhost, localhostProfile: ../x.json}}"),
     "spec.containers[0].securityContext.seccompProfile.localhostProfile: must be a relative path "
     "without \"..\", "
     "got \"../x.json\""},
    {"SeccompProfileWithoutLocalhost",
     pod("securityContext: {seccompProfile: {type: RuntimeDefault, localhostProfile: x.json}}"),
     "spec.containers[0].securityContext.seccompProfile.localhostProfile: only allowed when type "
     "is Localhost, got "
     "type RuntimeDefault"},

    // --- pod securityContext ---
    {"HostSysctl", pod("", "securityContext: {sysctls: [{name: kernel.panic, value: '1'}]}"),
     "spec.securityContext.sysctls[0].name: sysctl \"kernel.panic\" is not namespaced (it would "
     "change the whole "
     "host); allowed: net.*, kernel.shm*, kernel.msg*, kernel.sem, fs.mqueue.*"},
    {"VmSysctl", pod("", "securityContext: {sysctls: [{name: vm.swappiness, value: '1'}]}"),
     "spec.securityContext.sysctls[0].name: sysctl \"vm.swappiness\" is not namespaced (it would "
     "change the whole "
     "host); allowed: net.*, kernel.shm*, kernel.msg*, kernel.sem, fs.mqueue.*"},
    {"BadSysctlName", pod("", "securityContext: {sysctls: [{name: 'net..x', value: '1'}]}"),
     "spec.securityContext.sysctls[0].name: must be a sysctl name (lower-case segments separated "
     "by '.' or '/'), "
     "got \"net..x\""},
    {"SysctlWithoutValue", pod("", "securityContext: {sysctls: [{name: kernel.sem}]}"),
     "spec.securityContext.sysctls[0].value: required (the value to write)"},
    {"DuplicateSysctl",
     pod("",
         "securityContext: {sysctls: [{name: net.core.somaxconn, value: '1'}, {name: "
         "net/core/somaxconn, value: '2'}]}"),
     "spec.securityContext.sysctls[1].name: duplicate sysctl \"net/core/somaxconn\""},
    {"NetSysctlOnHostNetwork",
     pod("",
         "hostNetwork: true, securityContext: {sysctls: [{name: net.core.somaxconn, value: '1'}]}"),
     "spec.securityContext.sysctls[0].name: net.* sysctls are not allowed with hostNetwork: true "
     "(they would change "
     "the host)"},
    {"BadSupplementalGroup", pod("", "securityContext: {supplementalGroups: [1, x]}"),
     "spec.securityContext.supplementalGroups[1]: must be an id 0-2147483647, got \"x\""},
    {"PodNonRootAsRoot", pod("", "securityContext: {runAsNonRoot: true, runAsUser: 0}"),
     "spec.securityContext.runAsUser: must not be 0 when runAsNonRoot is true"},

    // --- resources ---
    {"NegativeMemory", pod("resources: {limits: {memory: -1Gi}}"),
     "spec.containers[0].resources.limits.memory: must not be negative, got \"-1Gi\""},
    {"GarbageCpu", pod("resources: {requests: {cpu: abc}}"),
     "spec.containers[0].resources.requests.cpu: not a quantity: \"abc\" (expected a number with "
     "an optional "
     "suffix, like 500m, 0.5, 128Mi, 1G or 1e3)"},
    {"BadSuffix", pod("resources: {limits: {memory: 1GB}}"),
     "spec.containers[0].resources.limits.memory: unknown suffix \"GB\" in \"1GB\" (expected a "
     "number with an "
     "optional suffix, like 500m, 0.5, 128Mi, 1G or 1e3; suffixes: n u m k M G T P E Ki Mi Gi Ti "
     "Pi Ei)"},
    {"CpuList", pod("resources: {limits: {cpu: [1]}}"),
     "spec.containers[0].resources.limits.cpu: must be a quantity like 500m or 2, got a list"},
    {"RequestAboveLimit", pod("resources: {limits: {cpu: 500m}, requests: {cpu: '1'}}"),
     "spec.containers[0].resources.requests.cpu: must be less than or equal to the limit (500m), "
     "got 1"},
    {"MemoryRequestAboveLimit",
     pod("resources: {limits: {memory: 1Gi}, requests: {memory: 1.5Gi}}"),
     "spec.containers[0].resources.requests.memory: must be less than or equal to the limit (1Gi), "
     "got 1.5Gi"},
    {"BadExtendedResource", pod("resources: {limits: {ephemeral-storage: lots}}"),
     "spec.containers[0].resources.limits.ephemeral-storage: not a quantity: \"lots\" (expected a "
     "number with an "
     "optional suffix, like 500m, 0.5, 128Mi, 1G or 1e3)"},
    {"InitContainerResources",
     "{apiVersion: v1, kind: Pod, metadata: {name: p}, spec: {initContainers: [{name: i, image: b, "
     "resources: {limits: {memory: x}}}], containers: [{name: c, image: b}]}}",
     "spec.initContainers[0].resources.limits.memory: not a quantity: \"x\" (expected a number "
     "with an optional "
     "suffix, like 500m, 0.5, 128Mi, 1G or 1e3)"},
};

INSTANTIATE_TEST_SUITE_P(Table, InvalidManifest, ::testing::ValuesIn(kCases),
                         [](const auto& p) { return p.param.name; });

TEST(ManifestJson, ErrorsNameTheSameFieldPath) {
  try {
    parse_manifest(R"({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
      "spec": {"containers": [{"name": "c", "image": "b", "ports": [{"containerPort": 70000}]}]}})",
                   "pod.json");
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_EQ(std::string(e.what()),
              "pod.json: spec.containers[0].ports[0].containerPort: must be a port number 1-65535, "
              "got 70000");
  }
  try {
    parse_manifest(
        "{\"apiVersion\": \"v1\", \"kind\": \"Pod\",\n  \"metadata\": {\"name\": \"p\"}\n  "
        "\"spec\": {}}",
        "pod.json");
    FAIL();
  } catch (const UsageError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("pod.json: line 3, column 3: invalid YAML: ", 0), 0u)
        << e.what();
  }
}

// Runs parse_manifest in a forked child whose memory and time are bounded, so that a regression
// of the yaml-cpp loop below (it allocates without end) fails the test in seconds instead of
// eating the machine. Returns the child's error message, or how the child ended.
std::string parse_in_bounded_child(const std::string& manifest) {
  int fds[2];
  if (pipe(fds) != 0) return std::string("pipe: ") + std::strerror(errno);
  pid_t pid = fork();
  if (pid < 0) return std::string("fork: ") + std::strerror(errno);
  if (pid == 0) {
    close(fds[0]);
#if !defined(__SANITIZE_ADDRESS__)  // AddressSanitizer reserves terabytes of shadow memory
    rlimit as{512UL << 20, 512UL << 20};
    setrlimit(RLIMIT_AS, &as);
#endif
    alarm(5);
    std::string msg;
    try {
      parse_manifest(manifest, "pod.yaml");
      msg = "accepted";
    } catch (const UsageError& e) {
      msg = e.what();
    } catch (const std::exception& e) {
      msg = std::string("not a UsageError: ") + e.what();
    }
    ssize_t unused = write(fds[1], msg.data(), msg.size());
    (void)unused;
    _exit(0);
  }
  close(fds[1]);
  std::string out;
  char buf[512];
  for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) out.append(buf, static_cast<size_t>(n));
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFSIGNALED(status))
    return std::string("parser child killed by ") + strsignal(WTERMSIG(status)) +
           " (SIGALRM: it ran for more than 5 s)";
  return out;
}

// yaml-cpp 0.7 turns a ',' outside any [...] or {...} into a token no node starts with, returns
// an empty document without consuming it, and LoadAll then loops on it forever, keeping a null
// node each time (see runtime/spec/yaml_documents.cpp). Found by a fuzzer; each must end at once.
TEST(ManifestYamlLoop, StrayCommaAtDocumentLevelIsAnErrorNotAnEndlessLoop) {
  const std::string comma =
      "invalid YAML: ',' outside [...] or {...} (a comma separates entries only inside a flow "
      "list or mapping; quote the value if the comma is text)";
  const std::pair<std::string, std::string> cases[] = {
      {"{},\nx", "line 1, column 3"},
      {",", "line 1, column 1"},
      {"[],", "line 1, column 3"},
      {"{}\n,", "line 2, column 1"},
      {"- a\n,", "line 2, column 1"},
      {"\"x\",", "line 1, column 4"},
      {"--- ,", "line 1, column 5"},
      {"x\n...\n,", "line 3, column 1"},
      {"{a: 1}, {b: 2}", "line 1, column 7"},
      {pod("") + ",\n", "line 1, column " + std::to_string(pod("").size() + 1)},
  };
  for (const auto& [manifest, where] : cases)
    EXPECT_EQ(parse_in_bounded_child(manifest), "pod.yaml: " + where + ": " + comma) << manifest;
}

}  // namespace
}  // namespace minipod::spec
