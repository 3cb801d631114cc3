// The device allow list as typed rules, its v1 lines, and the cgroup2 BPF program built from it:
// its shape, and what it decides, by running it in a small interpreter of the instructions it
// uses. Loading it into the kernel is the integration test's (tests/integration/device_test.cpp).
#include <gtest/gtest.h>

#include <cstring>
#include <stdexcept>
#include <tuple>

#include "common/error.h"
#include "runtime/cgroups/device_access.h"
#include "runtime/cgroups/device_filter.h"
#include "runtime/cgroups/device_rules.h"

namespace minipod::cgroups {
namespace {

// The lines minipod has always written to the v1 devices controller (runc's list).
const std::vector<std::string> kV1Lines{"c *:* m",   "b *:* m",     "c 1:3 rwm",   "c 1:5 rwm",
                                        "c 1:7 rwm", "c 1:8 rwm",   "c 1:9 rwm",   "c 5:0 rwm",
                                        "c 5:2 rwm", "c 136:* rwm", "c 10:200 rwm"};

TEST(DeviceRules, ParsesTheV1Syntax) {
  EXPECT_EQ(parse_device_rule("c 1:3 rwm"),
            (DeviceRule{DeviceType::kChar, 1u, 3u, kDeviceRead | kDeviceWrite | kDeviceMknod}));
  EXPECT_EQ(parse_device_rule("b *:* m"),
            (DeviceRule{DeviceType::kBlock, std::nullopt, std::nullopt, kDeviceMknod}));
  EXPECT_EQ(parse_device_rule("c 136:* rw"),
            (DeviceRule{DeviceType::kChar, 136u, std::nullopt, kDeviceRead | kDeviceWrite}));
  EXPECT_EQ(parse_device_rule("a"), DeviceRule{});
  EXPECT_EQ(parse_device_rule("a *:* rwm"), DeviceRule{});
  EXPECT_EQ(to_string(parse_device_rule("a")), "a *:* rwm");
  EXPECT_EQ(to_string(parse_device_rule("c 10:200 mwr")), "c 10:200 rwm");  // canonical order
  for (const char* bad : {"", "x 1:3 rwm", "c 1 rwm", "c 1:3", "c 1:3 rwx", "c 1:3 rr", "c a:3 r",
                          "c 1:-3 r", "c 1:3  ", "cc 1:3 r", "c 99999999999:1 r"})
    EXPECT_THROW(parse_device_rule(bad), Error) << bad;
}

TEST(DeviceRules, TheV1LinesAreUnchanged) {
  const auto& rules = default_device_rules();
  ASSERT_EQ(rules.size(), kV1Lines.size());
  for (size_t i = 0; i < rules.size(); ++i) EXPECT_EQ(to_string(rules[i]), kV1Lines[i]);
  auto files = v1_device_files(rules);
  ASSERT_EQ(files.size(), 1 + kV1Lines.size());
  EXPECT_EQ(files[0].file, "devices.deny");
  EXPECT_EQ(files[0].value, "a");  // everything denied first, then the list allowed
  for (size_t i = 0; i < kV1Lines.size(); ++i) {
    EXPECT_EQ(files[i + 1].controller, "devices");
    EXPECT_EQ(files[i + 1].file, "devices.allow");
    EXPECT_EQ(files[i + 1].value, kV1Lines[i]);
  }
}

TEST(DeviceRules, TheTraceSaysWhatWasApplied) {
  EXPECT_EQ(describe(DeviceEnforcement{}), "devices: no restriction (privileged)");
  DeviceEnforcement a;
  a.requested = true;
  EXPECT_EQ(describe(a),
            "devices: NOT restricted (no v1 devices hierarchy and no cgroup2 directory)");
  a.v1_dir = "/sys/fs/cgroup/devices/minipod/p/c";
  a.v1_rules = 11;
  EXPECT_EQ(describe(a), "devices: v1 allow list (11 rules) in /sys/fs/cgroup/devices/minipod/p/c");
  a.bpf_dir = "/sys/fs/cgroup/unified/minipod/p/c";
  a.bpf_instructions = 64;
  EXPECT_EQ(describe(a),
            "devices: v1 allow list (11 rules) in /sys/fs/cgroup/devices/minipod/p/c; BPF device "
            "program (64 instructions) attached to /sys/fs/cgroup/unified/minipod/p/c");
  a.v1_dir.clear();
  EXPECT_EQ(describe(a),
            "devices: BPF device program (64 instructions) attached to "
            "/sys/fs/cgroup/unified/minipod/p/c");
}

// Runs a device program on one request, with the instructions device_filter emits (anything
// else fails the test): the kernel's verdict, 1 allow or 0 deny.
int run(const std::vector<bpf_insn>& prog, int type, int access, uint32_t major, uint32_t minor) {
  bpf_cgroup_dev_ctx ctx{static_cast<uint32_t>(access << 16 | type), major, minor};
  uint64_t r[11] = {};
  size_t pc = 0;
  for (size_t steps = 0; steps < 10'000; ++steps) {
    if (pc >= prog.size()) throw std::runtime_error("ran off the end at " + std::to_string(pc));
    const bpf_insn& i = prog[pc++];
    auto imm = static_cast<uint64_t>(static_cast<int64_t>(i.imm));
    switch (i.code) {
      case BPF_LDX | BPF_MEM | BPF_W: {
        if (i.src_reg != 1 || i.off < 0 || i.off + 4 > static_cast<int>(sizeof(ctx)) || i.off % 4)
          throw std::runtime_error("bad context load at " + std::to_string(pc - 1));
        uint32_t v;
        std::memcpy(&v, reinterpret_cast<const char*>(&ctx) + i.off, 4);
        r[i.dst_reg] = v;
        break;
      }
      case BPF_ALU | BPF_AND | BPF_K:
        r[i.dst_reg] = static_cast<uint32_t>(r[i.dst_reg] & imm);
        break;
      case BPF_ALU | BPF_RSH | BPF_K:
        r[i.dst_reg] = static_cast<uint32_t>(r[i.dst_reg]) >> i.imm;
        break;
      case BPF_ALU64 | BPF_MOV | BPF_K:
        r[i.dst_reg] = imm;
        break;
      case BPF_ALU64 | BPF_MOV | BPF_X:
        r[i.dst_reg] = r[i.src_reg];
        break;
      case BPF_JMP | BPF_JNE | BPF_K:
        if (r[i.dst_reg] != imm) pc += i.off;
        break;
      case BPF_JMP | BPF_JNE | BPF_X:
        if (r[i.dst_reg] != r[i.src_reg]) pc += i.off;
        break;
      case BPF_JMP | BPF_EXIT:
        return static_cast<int>(r[0]);
      default:
        throw std::runtime_error("unexpected opcode " + std::to_string(i.code));
    }
  }
  throw std::runtime_error("no exit");
}

constexpr int kChar = BPF_DEVCG_DEV_CHAR, kBlock = BPF_DEVCG_DEV_BLOCK;
constexpr int kR = BPF_DEVCG_ACC_READ, kW = BPF_DEVCG_ACC_WRITE, kM = BPF_DEVCG_ACC_MKNOD;

TEST(DeviceFilter, OneBlockPerRuleThenDeny) {
  auto prog = device_filter(default_device_rules());
  // 6 to load the request; per rule: its checks (type 1, access 3 unless rwm, major 1, minor 1
  // when not '*') and "return 1" (2); "return 0" (2).
  EXPECT_EQ(prog.size(), 6u + 2 * 6 + 7 * 5 + 4 + 5 + 2);
  size_t returns_one = 0;
  for (size_t i = 0; i + 1 < prog.size(); ++i)
    if (prog[i].code == (BPF_ALU64 | BPF_MOV | BPF_K) && prog[i].dst_reg == 0 &&
        prog[i + 1].code == (BPF_JMP | BPF_EXIT)) {
      EXPECT_EQ(prog[i].imm, i + 2 == prog.size() ? 0 : 1) << i;
      returns_one += prog[i].imm == 1;
    }
  EXPECT_EQ(returns_one, default_device_rules().size());
  // Ends with the default: deny.
  ASSERT_GE(prog.size(), 2u);
  EXPECT_EQ(prog[prog.size() - 2].code, BPF_ALU64 | BPF_MOV | BPF_K);
  EXPECT_EQ(prog[prog.size() - 2].imm, 0);
  EXPECT_EQ(prog.back().code, BPF_JMP | BPF_EXIT);
  // Every jump lands inside the program, forwards (the verifier refuses loops).
  for (size_t i = 0; i < prog.size(); ++i)
    if (BPF_CLASS(prog[i].code) == BPF_JMP && BPF_OP(prog[i].code) == BPF_JNE) {
      EXPECT_GT(prog[i].off, 0) << i;
      EXPECT_LT(i + 1 + prog[i].off, prog.size()) << i;
    }

  // With no rule, it denies everything.
  auto none = device_filter({});
  EXPECT_EQ(none.size(), 8u);
  EXPECT_EQ(run(none, kChar, kR, 1, 3), 0);
}

TEST(DeviceFilter, AllowsWhatTheListAllowsAndNothingElse) {
  auto prog = device_filter(default_device_rules());
  // Read/write of the standard nodes, alone or together.
  for (auto [major, minor] : {std::pair{1u, 3u},
                              {1u, 5u},
                              {1u, 7u},
                              {1u, 8u},
                              {1u, 9u},
                              {5u, 0u},
                              {5u, 2u},
                              {136u, 0u},
                              {136u, 42u},
                              {10u, 200u}}) {
    for (int access : {kR, kW, kR | kW, kM, kR | kW | kM})
      EXPECT_EQ(run(prog, kChar, access, major, minor), 1)
          << major << ":" << minor << " " << access;
    // The same numbers as a block device: only mknod.
    EXPECT_EQ(run(prog, kBlock, kR, major, minor), 0) << major << ":" << minor;
  }
  // mknod of anything, char or block (what Docker allows: the node is useless without read).
  EXPECT_EQ(run(prog, kBlock, kM, 254, 0), 1);
  EXPECT_EQ(run(prog, kChar, kM, 4, 1), 1);
  // The host's disk, a tty, /dev/mem, /dev/kmsg, the tun neighbours: neither read nor write.
  for (auto [type, major, minor] : {std::tuple{kBlock, 254u, 0u},
                                    {kBlock, 8u, 0u},
                                    {kBlock, 1u, 3u},
                                    {kChar, 4u, 1u},
                                    {kChar, 1u, 1u},
                                    {kChar, 1u, 11u},
                                    {kChar, 10u, 201u},
                                    {kChar, 5u, 1u},
                                    {kChar, 137u, 0u}})
    for (int access : {kR, kW, kR | kW, kR | kM})
      EXPECT_EQ(run(prog, type, access, major, minor), 0)
          << type << " " << major << ":" << minor << " " << access;

  // A rule for every char device of major 4, read only.
  auto tty = device_filter({parse_device_rule("c 4:* r")});
  EXPECT_EQ(run(tty, kChar, kR, 4, 7), 1);
  EXPECT_EQ(run(tty, kChar, kR | kW, 4, 7), 0);
  EXPECT_EQ(run(tty, kBlock, kR, 4, 7), 0);
  // "a": everything.
  auto all = device_filter({parse_device_rule("a")});
  EXPECT_EQ(run(all, kBlock, kR | kW | kM, 254, 0), 1);
}

}  // namespace
}  // namespace minipod::cgroups
