#include "runtime/spec/quantity.h"

#include <charconv>
#include <limits>
#include <string>

namespace minipod::spec {
namespace {

__extension__ typedef __int128 Int128;

constexpr const char* kExpected =
    "expected a number with an optional suffix, like 500m, 0.5, 128Mi, 1G or 1e3";

struct Suffix {
  int exp10 = 0;
  int exp2 = 0;
};

Suffix parse_suffix(std::string_view s, std::string_view text) {
  struct Named {
    std::string_view name;
    Suffix value;
  };
  static constexpr Named kNamed[] = {
      {"", {0, 0}},    {"n", {-9, 0}},  {"u", {-6, 0}},  {"m", {-3, 0}},
      {"k", {3, 0}},   {"M", {6, 0}},   {"G", {9, 0}},   {"T", {12, 0}},
      {"P", {15, 0}},  {"E", {18, 0}},  {"Ki", {0, 10}}, {"Mi", {0, 20}},
      {"Gi", {0, 30}}, {"Ti", {0, 40}}, {"Pi", {0, 50}}, {"Ei", {0, 60}},
  };
  for (const auto& n : kNamed)
    if (s == n.name) return n.value;
  // "1e3", "5E-2": a decimal exponent ("E" alone, above, is exa).
  if (s.size() >= 2 && (s[0] == 'e' || s[0] == 'E')) {
    std::string_view digits = s.substr(1);
    bool negative = false;
    if (digits[0] == '+' || digits[0] == '-') {
      negative = digits[0] == '-';
      digits.remove_prefix(1);
    }
    int exp = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), exp);
    if (!digits.empty() && ec == std::errc() && end == digits.data() + digits.size() && exp <= 1000)
      return {negative ? -exp : exp, 0};
  }
  throw QuantityError("unknown suffix \"" + std::string(s) + "\" in \"" + std::string(text) +
                      "\" (" + kExpected + "; suffixes: n u m k M G T P E Ki Mi Gi Ti Pi Ei)");
}

}  // namespace

int64_t parse_quantity(std::string_view text, int64_t scale) {
  // Appended, not "\"" + std::string(text) + "\"": GCC 12 at -O3 (Release) reports a false
  // -Wrestrict in operator+(const char*, std::string&&) there (GCC bug 105329).
  std::string quoted;
  quoted.reserve(text.size() + 2);
  quoted.append(1, '"').append(text).append(1, '"');
  if (text.empty()) throw QuantityError(std::string("empty quantity (") + kExpected + ")");
  std::string_view rest = text;
  if (rest.front() == '-') throw QuantityError("must not be negative, got " + quoted);
  if (rest.front() == '+') rest.remove_prefix(1);

  // Mantissa: all digits of the number, with the position of the decimal point as exp10.
  std::string digits;
  int exp10 = 0;
  bool seen_point = false, seen_digit = false;
  size_t i = 0;
  for (; i < rest.size(); ++i) {
    char c = rest[i];
    if (c >= '0' && c <= '9') {
      seen_digit = true;
      if (digits.empty() && c == '0') {
        if (seen_point) --exp10;  // leading zeros after the point still shift it
        continue;
      }
      digits += c;
      if (seen_point) --exp10;
    } else if (c == '.' && !seen_point) {
      seen_point = true;
    } else {
      break;
    }
  }
  if (!seen_digit) throw QuantityError("not a quantity: " + quoted + " (" + kExpected + ")");
  Suffix suffix = parse_suffix(rest.substr(i), text);
  exp10 += suffix.exp10;
  while (!digits.empty() && digits.back() == '0') {
    digits.pop_back();
    ++exp10;
  }
  if (digits.empty()) return 0;
  if (digits.size() > 30) throw QuantityError("too many significant digits in " + quoted);

  const auto too_large = [&] { return QuantityError(quoted + " is too large"); };
  Int128 value = 0;
  for (char c : digits) value = value * 10 + (c - '0');  // < 10^30, fits
  auto mul = [&](Int128 factor) {
    if (__builtin_mul_overflow(value, factor, &value)) throw too_large();
  };
  mul(scale);
  for (int k = 0; k < suffix.exp2; ++k) mul(2);
  for (; exp10 > 0; --exp10) mul(10);
  if (exp10 < 0) {
    // Round up, as Kubernetes does: 0.1 byte is 1 byte, 0.1m CPU is 1m.
    if (-exp10 > 38) {
      value = 1;  // 10^38 exceeds anything value can hold here, so the quotient is in (0, 1)
    } else {
      Int128 divisor = 1;
      for (int k = 0; k < -exp10; ++k) divisor *= 10;
      value = value / divisor + (value % divisor != 0 ? 1 : 0);
    }
  }
  if (value > std::numeric_limits<int64_t>::max()) throw too_large();
  return static_cast<int64_t>(value);
}

}  // namespace minipod::spec
