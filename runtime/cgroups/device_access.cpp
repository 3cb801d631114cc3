#include "runtime/cgroups/device_access.h"

#include "common/error.h"
#include "common/fs.h"
#include "runtime/cgroups/device_program.h"

namespace minipod::cgroups {

std::vector<FileWrite> v1_device_files(const std::vector<DeviceRule>& rules) {
  std::vector<FileWrite> out{{"devices", "devices.deny", "a"}};
  for (const auto& rule : rules) out.push_back({"devices", "devices.allow", to_string(rule)});
  return out;
}

DeviceEnforcement restrict_devices(const std::string& v1_dir, const std::string& cgroup2_dir) {
  DeviceEnforcement applied;
  applied.requested = true;
  const auto& rules = default_device_rules();
  if (!v1_dir.empty()) {
    for (const auto& w : v1_device_files(rules)) {
      std::string path = v1_dir + "/" + w.file;
      // One write(2) per line: the controller parses one rule per write.
      with_context("write " + w.value + " to " + path, [&] { fs::write_file(path, w.value); });
    }
    applied.v1_dir = v1_dir;
    applied.v1_rules = rules.size();
  }
  if (!cgroup2_dir.empty()) {
    const DeviceProgram& program = default_device_program();
    program.attach(cgroup2_dir);
    applied.bpf_dir = cgroup2_dir;
    applied.bpf_instructions = program.instructions();
  }
  return applied;
}

std::string describe(const DeviceEnforcement& a) {
  if (!a.requested) return "devices: no restriction (privileged)";
  if (a.v1_dir.empty() && a.bpf_dir.empty())
    return "devices: NOT restricted (no v1 devices hierarchy and no cgroup2 directory)";
  std::string out = "devices: ";
  if (!a.v1_dir.empty())
    out += "v1 allow list (" + std::to_string(a.v1_rules) + " rules) in " + a.v1_dir;
  if (!a.bpf_dir.empty())
    out += std::string(a.v1_dir.empty() ? "" : "; ") + "BPF device program (" +
           std::to_string(a.bpf_instructions) + " instructions) attached to " + a.bpf_dir;
  return out;
}

}  // namespace minipod::cgroups
