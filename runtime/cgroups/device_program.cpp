#include "runtime/cgroups/device_program.h"

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/error.h"
#include "runtime/cgroups/device_filter.h"
#include "runtime/cgroups/device_rules.h"

namespace minipod::cgroups {
namespace {

long bpf(int cmd, bpf_attr* attr) {
  // No glibc wrapper for bpf(2).
  return ::syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

uint64_t ptr(const void* p) {
  return reinterpret_cast<uintptr_t>(p);
}

UniqueFd open_dir(const std::string& dir, const std::string& step) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd) throw_errno(step, dir);
  return fd;
}

// One BPF_PROG_LOAD; with a `log` buffer the verifier explains a refusal there.
long load(const std::vector<bpf_insn>& insns, std::string* log) {
  bpf_attr attr{};
  attr.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  attr.insns = ptr(insns.data());
  attr.insn_cnt = static_cast<uint32_t>(insns.size());
  // Not needed by this program type (it calls no GPL-only helper), but what runc and crun give.
  attr.license = ptr("GPL");
  // Shown by `bpftool prog` next to the cgroups it is attached to.
  constexpr char kName[] = "minipod_devices";
  static_assert(sizeof(kName) <= sizeof(attr.prog_name));
  std::memcpy(attr.prog_name, kName, sizeof(kName));
  if (log != nullptr) {
    log->assign(64 * 1024, '\0');
    attr.log_level = 1;
    attr.log_buf = ptr(log->data());
    attr.log_size = static_cast<uint32_t>(log->size());
  }
  return bpf(BPF_PROG_LOAD, &attr);
}

}  // namespace

DeviceProgram::DeviceProgram(const std::vector<bpf_insn>& instructions)
    : instructions_(instructions.size()) {
  // Without a log first: the verifier is faster when it writes none, and the log is only wanted
  // when the kernel refuses the program. The fd comes back close-on-exec.
  long fd = load(instructions, nullptr);
  if (fd < 0) {
    int err = errno;
    std::string log;
    std::string detail = "BPF_PROG_LOAD of a device program (" +
                         std::to_string(instructions.size()) + " instructions)";
    if (err != EPERM && load(instructions, &log) < 0) {
      log.resize(std::strlen(log.c_str()));
      while (!log.empty() && log.back() == '\n') log.pop_back();
      if (!log.empty()) detail += "; verifier log:\n" + log;
    }
    throw Error("load the cgroup2 device program", detail, err);
  }
  fd_.reset(static_cast<int>(fd));
}

void DeviceProgram::attach(const std::string& dir) const {
  UniqueFd cgroup = open_dir(dir, "attach the device program to cgroup");
  bpf_attr attr{};
  attr.target_fd = static_cast<uint32_t>(cgroup.get());
  attr.attach_bpf_fd = static_cast<uint32_t>(fd_.get());
  attr.attach_type = BPF_CGROUP_DEVICE;
  // BPF_F_ALLOW_MULTI, as runc and crun attach theirs. The kernel runs the programs of a cgroup
  // and of its ancestors that allow multi and grants a device only if all of them do, so:
  //  - the programs the host put higher up (systemd's DevicePolicy on a slice) still apply;
  //  - a program attached below this cgroup (by anything inside the container that could) only
  //    adds restrictions. With BPF_F_ALLOW_OVERRIDE it would replace ours instead, and with no
  //    flag nothing could be attached below at all (a nested runtime would fail), while ancestors'
  //    multi programs would run anyway.
  attr.attach_flags = BPF_F_ALLOW_MULTI;
  if (bpf(BPF_PROG_ATTACH, &attr) != 0)
    throw_errno("attach the device program to cgroup", dir + " (BPF_PROG_ATTACH)");
}

const DeviceProgram& default_device_program() {
  // A function-local static: initialised once even with several threads asking (the containers'
  // cgroups are made on a thread of their own), and tried again if the load threw.
  static const DeviceProgram program(device_filter(default_device_rules()));
  return program;
}

std::vector<uint32_t> attached_device_programs(const std::string& dir) {
  UniqueFd cgroup = open_dir(dir, "query the device programs of cgroup");
  std::vector<uint32_t> ids(64);
  bpf_attr attr{};
  attr.query.target_fd = static_cast<uint32_t>(cgroup.get());
  attr.query.attach_type = BPF_CGROUP_DEVICE;
  attr.query.prog_ids = ptr(ids.data());
  attr.query.prog_cnt = static_cast<uint32_t>(ids.size());
  if (bpf(BPF_PROG_QUERY, &attr) != 0)
    throw_errno("query the device programs of cgroup", dir + " (BPF_PROG_QUERY)");
  ids.resize(attr.query.prog_cnt);
  return ids;
}

}  // namespace minipod::cgroups
