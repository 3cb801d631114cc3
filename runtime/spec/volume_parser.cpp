// spec.volumes and containers' volumeMounts, checked as the API server checks them
// (ValidateVolumes, ValidateVolumeMounts), plus the subPathExpr expansion the kubelet does.
#include <set>

#include "runtime/spec/names.h"
#include "runtime/spec/parse_parts.h"
#include "runtime/spec/quantity.h"

namespace minipod::spec::detail {
namespace {

constexpr const char* kSupported = "emptyDir, hostPath";

// Every other VolumeSource of a v1 Pod: valid Kubernetes that minipod does not make.
constexpr const char* kOtherTypes[] = {"configMap",
                                       "secret",
                                       "downwardAPI",
                                       "projected",
                                       "persistentVolumeClaim",
                                       "ephemeral",
                                       "csi",
                                       "image",
                                       "nfs",
                                       "iscsi",
                                       "gitRepo",
                                       "glusterfs",
                                       "rbd",
                                       "cephfs",
                                       "cinder",
                                       "fc",
                                       "flexVolume",
                                       "flocker",
                                       "gcePersistentDisk",
                                       "awsElasticBlockStore",
                                       "azureFile",
                                       "azureDisk",
                                       "vsphereVolume",
                                       "quobyte",
                                       "photonPersistentDisk",
                                       "portworxVolume",
                                       "scaleIO",
                                       "storageos"};

// Kubernetes' validatePathNoBacksteps: no ".." element.
bool has_backstep(const std::string& path) {
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string::npos) end = path.size();
    if (path.compare(start, end - start, "..") == 0 && end - start == 2) return true;
    start = end + 1;
  }
  return false;
}

// "/a//b/" -> "/a/b": two mounts on one path are found however the path is written.
std::string clean(const std::string& path) {
  std::string out;
  for (char c : path)
    if (c != '/' || out.empty() || out.back() != '/') out += c;
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  if (out.size() > 2 && out.compare(out.size() - 2, 2, "/.") == 0) out.resize(out.size() - 2);
  return out;
}

void parse_empty_dir(const Field& field, Volume& v) {
  Object obj(field);
  Field medium = obj["medium"];
  v.medium = medium.str();
  if (v.medium != "" && v.medium != "Memory")
    medium.fail("must be \"\" (the pod's directory on disk) or Memory (a tmpfs), got " +
                in_quotes(v.medium) + " (HugePages media are not supported by minipod)");
  Field size = obj["sizeLimit"];
  if (size.is_set()) {
    if (!size.node().IsScalar())
      size.fail("must be a quantity like 64Mi or 1G, got " + size.describe());
    try {
      v.size_limit = parse_quantity(size.str(), 1);
    } catch (const QuantityError& e) {
      size.fail(e.what());
    }
    if (*v.size_limit <= 0) size.fail("must be greater than 0, got " + size.str());
    // The kubelet evicts a pod whose emptyDir grows past it; minipod measures nothing on disk.
    if (v.medium.empty())
      size.warn(
          "not enforced by minipod on disk (the kubelet would evict the pod past it); with "
          "medium: Memory it is the tmpfs size");
  }
  obj.warn_unknown();
}

void parse_host_path(const Field& field, Volume& v) {
  if (!field.is_map()) field.fail("must be a mapping with path and type, got " + field.describe());
  Object obj(field);
  Field path = obj.required("path", "an absolute path on the host");
  v.path = path.str();
  if (v.path.empty() || v.path.front() != '/')
    path.fail("must be an absolute path on the host, got " + in_quotes(v.path));
  if (has_backstep(v.path)) path.fail("must not contain \"..\", got " + in_quotes(v.path));
  v.host_path_type = obj["type"].one_of({"", "DirectoryOrCreate", "Directory", "FileOrCreate",
                                         "File", "Socket", "CharDevice", "BlockDevice"});
  obj.warn_unknown();
}

// $(VAR) replaced by the container's env value, $$ by $, an unknown $(VAR) left as written:
// Kubernetes' expansion rules (third_party/forked/golang/expansion).
std::string expand(const std::string& text, const std::vector<EnvVar>& env) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '$' || i + 1 >= text.size()) {
      out += text[i];
      continue;
    }
    if (text[i + 1] == '$') {
      out += '$';
      ++i;
      continue;
    }
    size_t close = text[i + 1] == '(' ? text.find(')', i + 2) : std::string::npos;
    if (close == std::string::npos) {
      out += text[i];
      continue;
    }
    std::string name = text.substr(i + 2, close - i - 2);
    const EnvVar* found = nullptr;
    for (const auto& e : env)
      if (e.name == name) found = &e;  // the last definition wins, as in the kubelet
    out += found != nullptr ? found->value : text.substr(i, close - i + 1);
    i = close;
  }
  return out;
}

void check_sub_path(const Field& field, const std::string& sub_path, const std::string& what) {
  if (!sub_path.empty() && sub_path.front() == '/')
    field.fail("must be a relative path inside the volume, got " + what);
  if (has_backstep(sub_path)) field.fail("must not contain \"..\", got " + what);
}

// One volumeMount on its own (uniqueness is the caller's).
VolumeMount parse_volume_mount(const Field& item, const std::vector<EnvVar>& env) {
  Object obj(item);
  VolumeMount m;
  m.name = obj.required("name", "the name of one of spec.volumes").str();
  m.field = item.path();
  Field mount_path = obj.required("mountPath", "an absolute path inside the container");
  m.mount_path = mount_path.str();
  if (m.mount_path.empty() || m.mount_path.front() != '/')
    mount_path.fail("must be an absolute path inside the container, got " +
                    in_quotes(m.mount_path));
  if (has_backstep(m.mount_path))
    mount_path.fail("must not contain \"..\", got " + in_quotes(m.mount_path));
  if (clean(m.mount_path) == "/")
    mount_path.fail("must not be \"/\" (the container's root is its image)");
  Field read_only = obj["readOnly"];
  if (read_only.is_set()) m.read_only = read_only.boolean();

  Field sub_path = obj["subPath"];
  Field sub_path_expr = obj["subPathExpr"];
  if (sub_path.is_set() && sub_path_expr.is_set())
    sub_path_expr.fail("subPath and subPathExpr are mutually exclusive");
  if (sub_path.is_set()) {
    m.sub_path = sub_path.str();
    check_sub_path(sub_path, m.sub_path, in_quotes(m.sub_path));
  } else if (sub_path_expr.is_set()) {
    std::string written = sub_path_expr.str();
    check_sub_path(sub_path_expr, written, in_quotes(written));
    m.sub_path = expand(written, env);
    check_sub_path(sub_path_expr, m.sub_path,
                   in_quotes(m.sub_path) + " (expanded from " + in_quotes(written) + ")");
  }
  Field propagation = obj["mountPropagation"];
  if (propagation.is_set())
    m.mount_propagation = propagation.one_of({"None", "HostToContainer", "Bidirectional"});
  obj.warn_unknown();
  return m;
}

}  // namespace

std::vector<Volume> parse_volumes(const Field& field) {
  std::vector<Volume> volumes;
  std::set<std::string> names;
  for (const Field& item : field.items()) {
    if (!item.is_map())
      item.fail("must be a volume (a mapping with name and a volume type), got " + item.describe());
    Object obj(item);
    Volume v;
    v.field = item.path();
    Field name = obj.required("name", "a DNS label naming the volume for volumeMounts");
    v.name = name.str();
    if (!is_dns_label(v.name))
      name.fail(
          "must be a DNS label: lower-case letters, digits and '-', starting and ending with a "
          "letter or digit, at most 63 characters, got " +
          in_quotes(v.name));
    if (!names.insert(v.name).second) name.fail("duplicate volume name " + in_quotes(v.name));

    std::vector<std::string> types;
    Field empty_dir = obj["emptyDir"];
    if (empty_dir.node().IsDefined()) types.push_back("emptyDir");
    Field host_path = obj["hostPath"];
    if (host_path.node().IsDefined()) types.push_back("hostPath");
    for (const char* other : kOtherTypes)
      if (obj[other].node().IsDefined()) types.push_back(other);
    if (types.size() > 1)
      item.fail("may not specify more than 1 volume type, got " + types[0] + " and " + types[1]);
    // The API server's default for a volume that names no type.
    v.type = types.empty() ? "emptyDir" : types.front();
    if (v.type == "emptyDir")
      parse_empty_dir(empty_dir, v);
    else if (v.type == "hostPath")
      parse_host_path(host_path, v);
    obj.warn_unknown();
    volumes.push_back(std::move(v));
  }
  return volumes;
}

std::vector<VolumeMount> parse_volume_mounts(const Field& field, const std::vector<EnvVar>& env) {
  std::vector<VolumeMount> mounts;
  std::map<std::string, std::string> paths;  // cleaned mountPath -> its field
  for (const Field& item : field.items()) {
    VolumeMount m = parse_volume_mount(item, env);
    auto [at, fresh] = paths.emplace(clean(m.mount_path), m.field + ".mountPath");
    if (!fresh)
      field.ctx().fail(m.field + ".mountPath", "must be unique: " + in_quotes(m.mount_path) +
                                                   " is already mounted by " + at->second);
    mounts.push_back(std::move(m));
  }
  return mounts;
}

void check_volume_mounts(const Field& spec, const Field& volumes, const Pod& pod) {
  std::set<std::string> mounted;
  std::string names;
  for (const auto& v : pod.volumes) names += (names.empty() ? "" : ", ") + v.name;
  for (const auto* list : {&pod.init_containers, &pod.containers}) {
    for (const auto& c : *list) {
      for (const auto& m : c.volume_mounts) {
        const Volume* volume = nullptr;
        for (const auto& v : pod.volumes)
          if (v.name == m.name) volume = &v;
        if (volume == nullptr)
          spec.ctx().fail(m.field + ".name",
                          "no volume " + in_quotes(m.name) + " in spec.volumes (" +
                              (names.empty() ? std::string("there is none") : "found: " + names) +
                              ")");
        if (volume->type != "emptyDir" && volume->type != "hostPath")
          spec.ctx().fail(volume->field + "." + volume->type,
                          "not supported by minipod (supported: " + std::string(kSupported) +
                              "), and mounted by " + m.field);
        if (m.mount_propagation == "Bidirectional" &&
            !c.security_context.privileged.value_or(false))
          spec.ctx().fail(m.field + ".mountPropagation",
                          "Bidirectional mount propagation is available only to privileged "
                          "containers (securityContext.privileged: true)");
        mounted.insert(m.name);
      }
    }
  }
  auto items = volumes.items();
  for (size_t i = 0; i < pod.volumes.size() && i < items.size(); ++i) {
    const Volume& v = pod.volumes[i];
    if (v.type == "emptyDir" || v.type == "hostPath" || mounted.count(v.name) != 0) continue;
    Object(items[i])[v.type].warn(
        "not supported by minipod (supported: " + std::string(kSupported) +
        "); ignored, since no container mounts it");
  }
}

}  // namespace minipod::spec::detail
