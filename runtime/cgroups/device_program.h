// A device program (device_filter.h) in the kernel: loaded with bpf(2) BPF_PROG_LOAD, attached to
// cgroup2 directories with BPF_PROG_ATTACH (BPF_CGROUP_DEVICE). A cgroup keeps the programs
// attached to it until it is removed, so the program's fd can be closed after attaching; one
// loaded program can be attached to any number of cgroups.
#pragma once

#include <linux/bpf.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "common/fd.h"

namespace minipod::cgroups {

class DeviceProgram {
 public:
  // Loads the program; throws Error with the verifier's log when the kernel refuses it.
  explicit DeviceProgram(const std::vector<bpf_insn>& instructions);

  // Attaches it to the cgroup2 directory `dir`, for the processes there and below. Throws Error
  // naming the directory.
  void attach(const std::string& dir) const;

  size_t instructions() const { return instructions_; }

 private:
  UniqueFd fd_;
  size_t instructions_ = 0;
};

// The program of default_device_rules(), loaded on first use and kept for the life of the process
// (the kernel verifies and compiles it on each load; attaching the same one is cheaper). Safe to
// call from several threads; a failed load throws and is tried again on the next call.
const DeviceProgram& default_device_program();

// The ids of the device programs attached to the cgroup2 directory `dir` itself (not those it
// inherits from its ancestors). Throws Error naming the directory.
std::vector<uint32_t> attached_device_programs(const std::string& dir);

}  // namespace minipod::cgroups
