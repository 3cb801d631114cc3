#include "runtime/security/seccomp_filter.h"

#include <linux/seccomp.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>

#include "common/digest.h"
#include "common/error.h"
#include "common/fd.h"
#include "common/fs.h"

namespace minipod::security {
namespace {

struct CtxDeleter {
  void operator()(void* ctx) const { seccomp_release(ctx); }
};
using Ctx = std::unique_ptr<void, CtxDeleter>;

[[noreturn]] void fail(const std::string& what, const std::string& why, int rc = 0) {
  throw UsageError(what, why + (rc < 0 ? std::string(": ") + strerror(-rc) : ""));
}

uint32_t action_value(const std::string& action, std::optional<int> err, const std::string& what) {
  if (action == "SCMP_ACT_ALLOW") return SCMP_ACT_ALLOW;
  if (action == "SCMP_ACT_ERRNO") return SCMP_ACT_ERRNO(static_cast<uint16_t>(err.value_or(EPERM)));
  if (action == "SCMP_ACT_KILL" || action == "SCMP_ACT_KILL_THREAD") return SCMP_ACT_KILL_THREAD;
  if (action == "SCMP_ACT_KILL_PROCESS") return SCMP_ACT_KILL_PROCESS;
  if (action == "SCMP_ACT_TRAP") return SCMP_ACT_TRAP;
  if (action == "SCMP_ACT_LOG") return SCMP_ACT_LOG;
  if (action == "SCMP_ACT_TRACE") return SCMP_ACT_TRACE(static_cast<uint16_t>(err.value_or(EPERM)));
  fail(what, "unknown action \"" + action + "\"");
}

scmp_compare compare_op(const std::string& op) {
  static const std::map<std::string, scmp_compare> ops{{"SCMP_CMP_NE", SCMP_CMP_NE},
                                                       {"SCMP_CMP_LT", SCMP_CMP_LT},
                                                       {"SCMP_CMP_LE", SCMP_CMP_LE},
                                                       {"SCMP_CMP_EQ", SCMP_CMP_EQ},
                                                       {"SCMP_CMP_GE", SCMP_CMP_GE},
                                                       {"SCMP_CMP_GT", SCMP_CMP_GT},
                                                       {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ}};
  auto it = ops.find(op);
  return it == ops.end() ? _SCMP_CMP_MIN : it->second;
}

// Docker's names for the architectures ("amd64"), for includes/excludes.arches.
std::vector<std::string> native_arch_names() {
  switch (seccomp_arch_native()) {
    case SCMP_ARCH_X86_64:
      return {"amd64", "x86_64"};
    case SCMP_ARCH_AARCH64:
      return {"arm64", "aarch64"};
    case SCMP_ARCH_X86:
      return {"x86", "386"};
    case SCMP_ARCH_ARM:
      return {"arm"};
    case SCMP_ARCH_PPC64LE:
      return {"ppc64le"};
    case SCMP_ARCH_S390X:
      return {"s390x"};
    case SCMP_ARCH_RISCV64:
      return {"riscv64"};
    default:
      return {};
  }
}

// "6.1.0-13-amd64" >= "4.8"?
bool kernel_at_least(const std::string& min) {
  if (min.empty()) return true;
  utsname u{};
  ::uname(&u);
  int have_major = 0, have_minor = 0, want_major = 0, want_minor = 0;
  std::sscanf(u.release, "%d.%d", &have_major, &have_minor);
  std::sscanf(min.c_str(), "%d.%d", &want_major, &want_minor);
  return have_major > want_major || (have_major == want_major && have_minor >= want_minor);
}

uint32_t arch_token(const std::string& name) {
  static const std::map<std::string, uint32_t> arches{
      {"SCMP_ARCH_X86", SCMP_ARCH_X86},         {"SCMP_ARCH_X86_64", SCMP_ARCH_X86_64},
      {"SCMP_ARCH_X32", SCMP_ARCH_X32},         {"SCMP_ARCH_ARM", SCMP_ARCH_ARM},
      {"SCMP_ARCH_AARCH64", SCMP_ARCH_AARCH64}, {"SCMP_ARCH_PPC64LE", SCMP_ARCH_PPC64LE},
      {"SCMP_ARCH_S390", SCMP_ARCH_S390},       {"SCMP_ARCH_S390X", SCMP_ARCH_S390X},
      {"SCMP_ARCH_RISCV64", SCMP_ARCH_RISCV64}};
  auto it = arches.find(name);
  return it == arches.end() ? 0 : it->second;
}

// The architectures to add besides the native one: a profile's list (Docker: its archMap) only
// matters if it names the native architecture; then every entry that can run here is added
// (x86 and x32 on x86_64, so 32-bit programs are filtered instead of killed).
std::vector<uint32_t> extra_arches(const SeccompProfile& p) {
  uint32_t native = seccomp_arch_native();
  std::vector<std::string> names = p.architectures;
  if (names.empty() && native == SCMP_ARCH_X86_64)
    names = {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"};
  std::vector<uint32_t> out;
  static const std::map<uint32_t, std::vector<uint32_t>> runnable{
      {SCMP_ARCH_X86_64, {SCMP_ARCH_X86, SCMP_ARCH_X32}},
      {SCMP_ARCH_AARCH64, {SCMP_ARCH_ARM}},
      {SCMP_ARCH_S390X, {SCMP_ARCH_S390}}};
  auto it = runnable.find(native);
  if (it == runnable.end()) return out;
  for (const auto& n : names) {
    uint32_t a = arch_token(n);
    if (std::find(it->second.begin(), it->second.end(), a) != it->second.end() &&
        std::find(out.begin(), out.end(), a) == out.end())
      out.push_back(a);
  }
  return out;
}

bool applies(const SeccompRule& r, CapMask caps, const std::vector<std::string>& arch_names,
             const std::string& what) {
  auto has_cap = [&](const std::string& name) {
    std::string n = name.rfind("CAP_", 0) == 0 ? name.substr(4) : name;
    return (caps & cap_bit(capability_number(n, what))) != 0;
  };
  auto arch_listed = [&](const std::vector<std::string>& list) {
    for (const auto& a : list)
      if (std::find(arch_names.begin(), arch_names.end(), a) != arch_names.end()) return true;
    return false;
  };
  for (const auto& c : r.include_caps)
    if (!has_cap(c)) return false;
  for (const auto& c : r.exclude_caps)
    if (has_cap(c)) return false;
  if (!r.include_arches.empty() && !arch_listed(r.include_arches)) return false;
  if (arch_listed(r.exclude_arches)) return false;
  return kernel_at_least(r.min_kernel);
}

}  // namespace

namespace {

// What libseccomp is asked to compile once the profile's conditions (capabilities, architecture,
// kernel version) are resolved for one container on this host. The cache key is derived from it.
struct FilterRequest {
  uint32_t default_action = 0;
  std::vector<uint32_t> arches;
  struct Rule {
    uint32_t action;
    const SeccompRule* source;
  };
  std::vector<Rule> rules;
};

FilterRequest resolve(const SeccompProfile& p, CapMask caps, const std::string& what) {
  FilterRequest req;
  req.default_action = action_value(p.default_action, p.default_errno, what);
  req.arches = extra_arches(p);
  auto arch_names = native_arch_names();
  for (const auto& r : p.syscalls) {
    if (!applies(r, caps, arch_names, what)) continue;
    uint32_t action = action_value(r.action, r.errno_ret, what);
    if (action == req.default_action) continue;  // libseccomp refuses rules that repeat the default
    req.rules.push_back({action, &r});
  }
  return req;
}

// Everything the compiled program depends on: the request, libseccomp's version and the API
// level it detected on this kernel, the native architecture and this file's translation (v1).
std::string cache_key(const FilterRequest& req) {
  const scmp_version* v = seccomp_version();
  std::string text = "minipod seccomp program v1\nlibseccomp " + std::to_string(v->major) + "." +
                     std::to_string(v->minor) + "." + std::to_string(v->micro) + " api " +
                     std::to_string(seccomp_api_get()) + "\nnative " +
                     std::to_string(seccomp_arch_native()) + "\ndefault " +
                     std::to_string(req.default_action) + "\narches";
  // Appended piece by piece: " " + std::to_string(...) makes GCC 12 report a false -Wrestrict at
  // -O3 (see runtime/spec/quantity.cpp).
  for (uint32_t a : req.arches) text.append(" ").append(std::to_string(a));
  for (const auto& rule : req.rules) {
    text += "\nrule " + std::to_string(rule.action) + " names";
    for (const auto& n : rule.source->names) text += " " + n;
    text += " args";
    for (const auto& a : rule.source->args)
      text.append(" ")
          .append(std::to_string(a.index))
          .append(":")
          .append(a.op)
          .append(":")
          .append(std::to_string(a.value))
          .append(":")
          .append(std::to_string(a.value_two));
  }
  return sha256_hex(text);
}

SeccompProgram compile_request(const FilterRequest& req, const std::string& what) {
  SeccompProgram out;
  Ctx ctx(seccomp_init(req.default_action));
  if (!ctx) fail(what, "libseccomp could not create a filter");
  // The filter is exported, not loaded here; the child decides about no_new_privs itself.
  seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_NNP, 0);
  for (uint32_t arch : req.arches) {
    int rc = seccomp_arch_add(ctx.get(), arch);
    if (rc < 0 && rc != -EEXIST) fail(what, "add an architecture to the filter", rc);
  }
  for (const auto& rule : req.rules) {
    const SeccompRule& r = *rule.source;
    std::vector<scmp_arg_cmp> cmps;
    bool same_index = false;
    for (const auto& a : r.args) {
      for (const auto& c : cmps)
        if (c.arg == a.index) same_index = true;
      cmps.push_back({a.index, compare_op(a.op), a.value, a.value_two});
    }
    for (const auto& name : r.names) {
      int nr = seccomp_syscall_resolve_name(name.c_str());
      if (nr == __NR_SCMP_ERROR) {
        ++out.skipped;
        continue;
      }
      // libseccomp cannot test one argument twice in a rule: like runc, one rule per test.
      std::vector<std::vector<scmp_arg_cmp>> sets;
      if (same_index)
        for (const auto& c : cmps) sets.push_back({c});
      else
        sets.push_back(cmps);
      for (const auto& set : sets) {
        int rc =
            seccomp_rule_add_array(ctx.get(), rule.action, nr, static_cast<unsigned>(set.size()),
                                   set.empty() ? nullptr : set.data());
        if (rc == -EEXIST) continue;
        if (rc < 0) fail(what, "add the rule for " + name + " (" + r.action + ")", rc);
        ++out.rules;
      }
    }
  }

  UniqueFd mem(::memfd_create("minipod-seccomp", MFD_CLOEXEC));
  if (!mem) throw_errno("memfd_create", "seccomp filter");
  int rc = seccomp_export_bpf(ctx.get(), mem.get());
  if (rc < 0) fail(what, "export the seccomp filter", rc);
  off_t size = ::lseek(mem.get(), 0, SEEK_END);
  if (size <= 0 || size % static_cast<off_t>(sizeof(sock_filter)) != 0)
    fail(what, "libseccomp exported an empty or truncated filter");
  out.instructions.resize(static_cast<size_t>(size) / sizeof(sock_filter));
  if (::pread(mem.get(), out.instructions.data(), static_cast<size_t>(size), 0) != size)
    throw_errno("read the seccomp filter back");
  if (out.instructions.size() > BPF_MAXINSNS)
    fail(what, "the filter has " + std::to_string(out.instructions.size()) +
                   " instructions, more than the kernel's limit of " +
                   std::to_string(BPF_MAXINSNS));
  return out;
}

// A cache entry: one header line with the counts, then the instructions. The count guards against
// a file cut short (a program missing its tail would be a different filter, not an error).
constexpr std::string_view kCacheMagic = "minipod-seccomp-program v1";

std::optional<SeccompProgram> read_cached(const std::filesystem::path& path) {
  auto bytes = fs::read_file_if_exists(path);
  if (!bytes) return std::nullopt;
  size_t nl = bytes->find('\n');
  if (nl == std::string::npos) return std::nullopt;
  SeccompProgram p;
  size_t count = 0;
  char magic[64] = {};
  std::string header = bytes->substr(0, nl);
  if (std::sscanf(header.c_str(), "%63s v1 rules=%zu skipped=%zu instructions=%zu", magic, &p.rules,
                  &p.skipped, &count) != 4 ||
      header.rfind(kCacheMagic, 0) != 0 || count == 0 || count > BPF_MAXINSNS ||
      bytes->size() - nl - 1 != count * sizeof(sock_filter))
    return std::nullopt;
  p.instructions.resize(count);
  std::memcpy(p.instructions.data(), bytes->data() + nl + 1, count * sizeof(sock_filter));
  p.cache_file = path.string();
  return p;
}

void write_cached(const std::filesystem::path& path, const SeccompProgram& p) {
  std::string data = std::string(kCacheMagic) + " rules=" + std::to_string(p.rules) +
                     " skipped=" + std::to_string(p.skipped) +
                     " instructions=" + std::to_string(p.instructions.size()) + "\n";
  data.append(reinterpret_cast<const char*>(p.instructions.data()),
              p.instructions.size() * sizeof(sock_filter));
  fs::make_dirs(path.parent_path(), 0700);
  // Atomic: concurrent starts of pods with the same profile each write whole entries. Not
  // fsync'd: the cache lives under the run directory, which a reboot empties.
  fs::write_file_atomic(path, data, 0600, fs::Durability::kProcessCrash);
}

}  // namespace

SeccompProgram compile_profile(const SeccompProfile& p, CapMask caps, const std::string& what,
                               const std::filesystem::path& cache_dir) {
  FilterRequest req = resolve(p, caps, what);
  if (cache_dir.empty()) return compile_request(req, what);
  auto path = cache_dir / (cache_key(req) + ".bpf");
  if (auto cached = read_cached(path)) return std::move(*cached);
  SeccompProgram out = compile_request(req, what);
  try {
    write_cached(path, out);
  } catch (const Error&) {
    // Only an optimisation: the next start compiles again.
  }
  return out;
}

int load_program(const std::vector<sock_filter>& program) {
  sock_fprog prog{static_cast<unsigned short>(program.size()),
                  const_cast<sock_filter*>(program.data())};
  if (::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) != 0) return errno;
  return 0;
}

void save_program(const std::filesystem::path& path, const std::vector<sock_filter>& program) {
  fs::write_file(path,
                 std::string_view(reinterpret_cast<const char*>(program.data()),
                                  program.size() * sizeof(sock_filter)),
                 0600);
}

std::optional<std::vector<sock_filter>> read_program(const std::filesystem::path& path) {
  auto bytes = fs::read_file_if_exists(path);
  if (!bytes || bytes->empty() || bytes->size() % sizeof(sock_filter) != 0) return std::nullopt;
  std::vector<sock_filter> program(bytes->size() / sizeof(sock_filter));
  std::memcpy(program.data(), bytes->data(), bytes->size());
  return program;
}

}  // namespace minipod::security
