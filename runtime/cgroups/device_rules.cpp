#include "runtime/cgroups/device_rules.h"

#include <charconv>

#include "common/error.h"

namespace minipod::cgroups {
namespace {

// Kept as text: the list reads as the devices.allow lines people know from runc and the kernel's
// documentation; parsed once into the typed rules everything else uses.
constexpr std::string_view kDefaultRules[] = {
    "c *:* m",   "b *:* m",   "c 1:3 rwm", "c 1:5 rwm",   "c 1:7 rwm",   "c 1:8 rwm",
    "c 1:9 rwm", "c 5:0 rwm", "c 5:2 rwm", "c 136:* rwm", "c 10:200 rwm"};

// A device number, or none for '*'; *ok says whether `s` was one.
std::optional<uint32_t> parse_number(std::string_view s, bool* ok) {
  if (s == "*") return std::nullopt;
  uint32_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  *ok = !s.empty() && ec == std::errc() && end == s.data() + s.size();
  return v;
}

}  // namespace

DeviceRule parse_device_rule(std::string_view text) {
  auto bad = [&](const std::string& why) {
    return Error("parse device rule \"" + std::string(text) + "\"", why);
  };
  if (text == "a") return DeviceRule{};
  // "<type> <major>:<minor> <access>"
  size_t sp1 = text.find(' '), sp2 = text.rfind(' ');
  if (sp1 != 1 || sp2 == sp1) throw bad("expected \"<a|b|c> <major>:<minor> <rwm>\"");
  DeviceRule r;
  switch (text[0]) {
    case 'a':
      r.type = DeviceType::kAll;
      break;
    case 'b':
      r.type = DeviceType::kBlock;
      break;
    case 'c':
      r.type = DeviceType::kChar;
      break;
    default:
      throw bad("the type must be a, b or c");
  }
  std::string_view numbers = text.substr(sp1 + 1, sp2 - sp1 - 1);
  size_t colon = numbers.find(':');
  if (colon == std::string_view::npos) throw bad("expected <major>:<minor>");
  bool ok = true;
  r.major = parse_number(numbers.substr(0, colon), &ok);
  if (!ok) throw bad("the major number must be a number or *");
  r.minor = parse_number(numbers.substr(colon + 1), &ok);
  if (!ok) throw bad("the minor number must be a number or *");
  std::string_view access = text.substr(sp2 + 1);
  r.access = 0;
  for (char c : access) {
    unsigned bit = 0;
    if (c == 'r') bit = kDeviceRead;
    if (c == 'w') bit = kDeviceWrite;
    if (c == 'm') bit = kDeviceMknod;
    if (bit == 0 || (r.access & bit) != 0)
      throw bad("the access must be letters of rwm, once each");
    r.access |= bit;
  }
  if (r.access == 0) throw bad("no access given (r, w, m)");
  return r;
}

std::string to_string(const DeviceRule& r) {
  auto number = [](const std::optional<uint32_t>& n) {
    return n ? std::to_string(*n) : std::string("*");
  };
  std::string out(1, static_cast<char>(r.type));
  out += " " + number(r.major) + ":" + number(r.minor) + " ";
  if (r.access & kDeviceRead) out += 'r';
  if (r.access & kDeviceWrite) out += 'w';
  if (r.access & kDeviceMknod) out += 'm';
  return out;
}

const std::vector<DeviceRule>& default_device_rules() {
  static const std::vector<DeviceRule> rules = [] {
    std::vector<DeviceRule> out;
    for (auto text : kDefaultRules) out.push_back(parse_device_rule(text));
    return out;
  }();
  return rules;
}

}  // namespace minipod::cgroups
