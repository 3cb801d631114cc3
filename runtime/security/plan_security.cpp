#include "runtime/security/plan_security.h"

#include <functional>
#include <map>
#include <mutex>

#include "common/error.h"
#include "common/fs.h"
#include "common/strings.h"
#include "common/trace.h"
#include "runtime/security/default_profile.h"
#include "runtime/security/identity.h"
#include "runtime/security/seccomp_filter.h"
#include "runtime/spec/field_path.h"

namespace minipod::security {
namespace {

// The profile that applies (container over pod), RuntimeDefault when none is set: a container
// without a seccomp filter is not a container (Docker's default; Kubernetes' SeccompDefault).
struct ChosenProfile {
  spec::SeccompProfile profile;
  std::string field;  // where it was set
};

ChosenProfile choose_profile(const spec::Pod& pod, const spec::Container& c,
                             const std::string& field) {
  if (c.security_context.seccomp_profile)
    return {*c.security_context.seccomp_profile, field + ".securityContext.seccompProfile"};
  if (pod.security_context.seccomp_profile)
    return {*pod.security_context.seccomp_profile, "spec.securityContext.seccompProfile"};
  return {spec::SeccompProfile{"RuntimeDefault", ""}, ""};
}

// Programs compiled by this process, by what they were compiled from. Compiling Docker's profile
// costs libseccomp ~8 ms, and a pod asks for the same program when it is checked, at each
// container start and for pause; a `run -d` monitor inherits what its CLI compiled, and the
// program cache on disk (SecurityOptions::program_cache) keeps them across processes. Reached from
// the thread that prepares containers while the sandbox is made: hence the lock.
class CompiledPrograms {
 public:
  const SeccompProgram& get(const std::string& key,
                            const std::function<SeccompProgram()>& compile) {
    std::lock_guard lock(mutex_);
    auto it = programs_.find(key);
    if (it == programs_.end()) it = programs_.emplace(key, compile()).first;
    return it->second;  // std::map: stays where it is while others are added
  }

 private:
  std::mutex mutex_;
  std::map<std::string, SeccompProgram> programs_;
};

const SeccompProgram& compiled_program(const std::string& key,
                                       const std::function<SeccompProgram()>& compile) {
  static CompiledPrograms programs;
  return programs.get(key, compile);
}

std::string describe_program(const SeccompProgram& p) {
  return std::to_string(p.rules) + " rules, " + std::to_string(p.instructions.size()) +
         " BPF instructions, " +
         (p.cache_file.empty() ? "compiled" : "compiled earlier: " + p.cache_file);
}

}  // namespace

SecurityPlan plan_pause_security(const SecurityOptions& o) {
  SecurityPlan plan;
  plan.configured = true;
  plan.last_cap = last_capability();
  plan.uid = kPauseUser;
  plan.gid = kPauseUser;
  plan.caps = capability_sets(0, 0, false);  // nothing, in every set
  plan.no_new_privs = true;
  // Docker's profile as for a container without capabilities (the same key as such a container's).
  const SeccompProgram& program = compiled_program("R\n0", [&] {
    return compile_profile(runtime_default_profile(), 0, "pause's seccomp profile",
                           o.program_cache);
  });
  plan.seccomp = program.instructions;
  plan.seccomp_what = "RuntimeDefault (Docker's default profile), " + describe_program(program);
  return plan;
}

std::string describe(const SecurityPlan& plan) {
  std::string groups = join(plan.groups, ",", [](gid_t g) { return std::to_string(g); });
  return "user " + std::to_string(plan.uid) + ":" + std::to_string(plan.gid) + " groups [" +
         groups + "]" + (plan.privileged ? ", privileged" : "") + "; capabilities: bounding " +
         capability_names(plan.caps.bounding) + ", effective " +
         capability_names(plan.caps.effective) + ", ambient " +
         capability_names(plan.caps.ambient) + "; no_new_privs " + (plan.no_new_privs ? "1" : "0") +
         "; seccomp " + plan.seccomp_what +
         (plan.rlimits.empty() ? ""
                               : "; RLIMIT_NOFILE " + std::to_string(plan.rlimits.front().soft)) +
         (plan.read_only_root ? "; read-only root filesystem" : "");
}

std::filesystem::path seccomp_profile_dir(const std::filesystem::path& data_dir) {
  return data_dir / "seccomp";
}

std::filesystem::path seccomp_cache_dir(const std::filesystem::path& run_dir) {
  return run_dir / "seccomp-cache";
}

SecurityOptions start_options(const std::filesystem::path& data_dir,
                              const std::filesystem::path& run_dir) {
  SecurityOptions o;
  o.seccomp_dir = seccomp_profile_dir(data_dir);
  o.program_cache = seccomp_cache_dir(run_dir);
  return o;
}

SecurityPlan plan_container_security(const spec::Pod& pod, const spec::Container& c,
                                     const std::string& field, const SecurityOptions& o) {
  const auto& sc = c.security_context;
  const std::string prefix = o.field_prefix;
  SecurityPlan plan;
  plan.configured = true;
  plan.privileged = sc.privileged.value_or(false);
  plan.read_only_root = sc.read_only_root_filesystem.value_or(false);
  plan.rlimits = default_rlimits();
  plan.last_cap = last_capability();

  Identity id = resolve_identity(pod, c, field, prefix);
  plan.uid = id.uid;
  plan.gid = id.gid;
  plan.groups = id.groups;

  std::string sc_field = prefix + field + ".securityContext";
  const spec::Capabilities* caps = sc.capabilities ? &*sc.capabilities : nullptr;
  CapMask granted = granted_capabilities(caps, plan.privileged, sc_field);
  CapMask added = plan.privileged ? granted : added_capabilities(caps, sc_field);
  plan.caps = capability_sets(granted, added, plan.uid == 0);
  // Kubernetes: allowPrivilegeEscalation unset means true; false sets no_new_privs.
  plan.no_new_privs = sc.allow_privilege_escalation == false;

  auto chosen = choose_profile(pod, c, field);
  std::string seccomp_what = "unconfined";
  if (!plan.privileged && chosen.profile.type != "Unconfined") {
    SeccompProfile profile;
    std::string what = prefix + chosen.field;
    if (chosen.profile.type == "Localhost") {
      what += ".localhostProfile";
      auto path = o.seccomp_dir / chosen.profile.localhost_profile;
      auto text = fs::read_file_if_exists(path);
      if (!text)
        throw UsageError(what, "no seccomp profile " + path.string() +
                                   " (Localhost profiles are read from " + o.seccomp_dir.string() +
                                   ")");
      profile = parse_profile(*text, what + " (" + path.string() + ")");
      seccomp_what = "Localhost profile " + path.string();
    } else {
      profile = runtime_default_profile();
      seccomp_what = "RuntimeDefault (Docker's default profile)";
    }
    if (chosen.profile.type != "Localhost" && o.saved_default_program) {
      plan.seccomp = *o.saved_default_program;
      plan.seccomp_what = seccomp_what + ", " + std::to_string(plan.seccomp.size()) +
                          " BPF instructions, as saved when the container started";
      Tracer::get().detail("security of \"" + c.name + "\"", describe(plan));
      return plan;
    }
    if (chosen.profile.type != "Localhost" && !o.compile_default_profile) return plan;
    std::string key = (chosen.profile.type == "Localhost" ? "L" + seccomp_what : std::string("R")) +
                      "\n" + std::to_string(granted);
    const SeccompProgram& program = compiled_program(key, [&] {
      return compile_profile(profile, granted, what.empty() ? "seccomp" : what, o.program_cache);
    });
    plan.seccomp = program.instructions;
    seccomp_what += ", " + describe_program(program);
  }

  plan.seccomp_what = seccomp_what;
  Tracer::get().detail("security of \"" + c.name + "\"", describe(plan));
  return plan;
}

void check_pod(const spec::Pod& pod, const SecurityOptions& given) {
  SecurityOptions options = given;
  options.compile_default_profile = false;
  for (size_t i = 0; i < pod.init_containers.size(); ++i)
    plan_container_security(pod, pod.init_containers[i], spec::init_container_field(i), options);
  for (size_t i = 0; i < pod.containers.size(); ++i)
    plan_container_security(pod, pod.containers[i], spec::container_field(i), options);
}

}  // namespace minipod::security
