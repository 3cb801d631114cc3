#include "runtime/cgroups/device_filter.h"

#include <cstddef>

namespace minipod::cgroups {
namespace {

// Registers: r1 holds the context on entry (then scratch), r0 the return value.
constexpr uint8_t kR0 = 0, kR1 = 1, kType = 2, kAccess = 3, kMajor = 4, kMinor = 5;

bpf_insn insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm) {
  bpf_insn i{};
  i.code = code;
  i.dst_reg = dst & 0xf;
  i.src_reg = src & 0xf;
  i.off = off;
  i.imm = imm;
  return i;
}

// dst = *(u32*)(src + off): 32-bit loads zero the upper half, so 64-bit compares work below.
bpf_insn load_u32(uint8_t dst, uint8_t src, int16_t off) {
  return insn(BPF_LDX | BPF_MEM | BPF_W, dst, src, off, 0);
}
bpf_insn alu32_imm(uint8_t op, uint8_t dst, int32_t imm) {
  return insn(BPF_ALU | op | BPF_K, dst, 0, 0, imm);
}
bpf_insn mov64_imm(uint8_t dst, int32_t imm) {
  return insn(BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, imm);
}
bpf_insn mov64_reg(uint8_t dst, uint8_t src) {
  return insn(BPF_ALU64 | BPF_MOV | BPF_X, dst, src, 0, 0);
}
// if dst != imm: skip `off` instructions.
bpf_insn jne_imm(uint8_t dst, int32_t imm, int16_t off) {
  return insn(BPF_JMP | BPF_JNE | BPF_K, dst, 0, off, imm);
}
bpf_insn jne_reg(uint8_t dst, uint8_t src, int16_t off) {
  return insn(BPF_JMP | BPF_JNE | BPF_X, dst, src, off, 0);
}
bpf_insn exit_insn() {
  return insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
}

// The program's access bits (BPF_DEVCG_ACC_*) for a rule's r/w/m.
int32_t bpf_access(unsigned access) {
  int32_t out = 0;
  if (access & kDeviceRead) out |= BPF_DEVCG_ACC_READ;
  if (access & kDeviceWrite) out |= BPF_DEVCG_ACC_WRITE;
  if (access & kDeviceMknod) out |= BPF_DEVCG_ACC_MKNOD;
  return out;
}

// One rule: its checks, each jumping past the block when the request does not match, then
// "return 1".
void emit_rule(const DeviceRule& rule, std::vector<bpf_insn>& out) {
  // The jump offsets are known once the block is complete: checks are collected first, with
  // their offset fixed up to the block's end below.
  std::vector<bpf_insn> block;
  std::vector<size_t> jumps;
  auto check = [&](bpf_insn jump) {
    jumps.push_back(block.size());
    block.push_back(jump);
  };
  if (rule.type != DeviceType::kAll)
    check(jne_imm(kType, rule.type == DeviceType::kBlock ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR,
                  0));
  if ((rule.access & kDeviceAllAccess) != kDeviceAllAccess) {
    // Every access asked for (an open for reading and writing asks for both) must be allowed:
    // (requested & allowed) == requested.
    block.push_back(mov64_reg(kR1, kAccess));
    block.push_back(alu32_imm(BPF_AND, kR1, bpf_access(rule.access)));
    check(jne_reg(kR1, kAccess, 0));
  }
  if (rule.major) check(jne_imm(kMajor, static_cast<int32_t>(*rule.major), 0));
  if (rule.minor) check(jne_imm(kMinor, static_cast<int32_t>(*rule.minor), 0));
  block.push_back(mov64_imm(kR0, 1));
  block.push_back(exit_insn());
  for (size_t j : jumps) block[j].off = static_cast<int16_t>(block.size() - j - 1);
  out.insert(out.end(), block.begin(), block.end());
}

}  // namespace

std::vector<bpf_insn> device_filter(const std::vector<DeviceRule>& rules) {
  std::vector<bpf_insn> out;
  // The request, once: type and access from access_type, then major and minor.
  out.push_back(load_u32(kType, kR1, offsetof(bpf_cgroup_dev_ctx, access_type)));
  out.push_back(alu32_imm(BPF_AND, kType, 0xffff));
  out.push_back(load_u32(kAccess, kR1, offsetof(bpf_cgroup_dev_ctx, access_type)));
  out.push_back(alu32_imm(BPF_RSH, kAccess, 16));
  out.push_back(load_u32(kMajor, kR1, offsetof(bpf_cgroup_dev_ctx, major)));
  out.push_back(load_u32(kMinor, kR1, offsetof(bpf_cgroup_dev_ctx, minor)));
  for (const auto& rule : rules) emit_rule(rule, out);
  // Nothing matched: deny.
  out.push_back(mov64_imm(kR0, 0));
  out.push_back(exit_insn());
  return out;
}

}  // namespace minipod::cgroups
