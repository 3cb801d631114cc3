#include "runtime/spec/quantity.h"

#include <limits>
#include <string>

#include <gtest/gtest.h>

namespace minipod::spec {
namespace {

struct Good {
  std::string text;
  int64_t millis;  // parse_quantity(text, 1000)
  int64_t units;   // parse_quantity(text, 1), rounded up
};
// gtest prints parameters in test listings; without these it dumps the structs' bytes.
void PrintTo(const Good& g, std::ostream* os) {
  *os << '"' << g.text << '"';
}

class ValidQuantity : public ::testing::TestWithParam<Good> {};

TEST_P(ValidQuantity, ConvertsExactly) {
  const Good& g = GetParam();
  EXPECT_EQ(parse_cpu_millis(g.text), g.millis) << g.text;
  EXPECT_EQ(parse_memory_bytes(g.text), g.units) << g.text;
}

INSTANTIATE_TEST_SUITE_P(
    Table, ValidQuantity,
    ::testing::Values(
        Good{"0", 0, 0}, Good{"1", 1000, 1}, Good{"2", 2000, 2}, Good{"+3", 3000, 3},
        Good{"500m", 500, 1}, Good{"1m", 1, 1}, Good{"1500m", 1500, 2}, Good{"0.5", 500, 1},
        Good{".5", 500, 1}, Good{"5.", 5000, 5}, Good{"0.25", 250, 1}, Good{"1.5", 1500, 2},
        Good{"0.0001", 1, 1},  // rounds up, like Kubernetes
        Good{"100u", 1, 1}, Good{"1000000n", 1, 1}, Good{"1k", 1'000'000, 1000},
        Good{"1M", 1'000'000'000, 1'000'000}, Good{"1G", 1'000'000'000'000, 1'000'000'000},
        Good{"1T", 1'000'000'000'000'000, 1'000'000'000'000},
        Good{"1P", 1'000'000'000'000'000'000, 1'000'000'000'000'000}, Good{"1Ki", 1'024'000, 1024},
        Good{"128Mi", 134'217'728'000, 134'217'728},
        Good{"1.5Gi", 1'610'612'736'000, 1'610'612'736},
        Good{"1Ti", 1'099'511'627'776'000, 1'099'511'627'776}, Good{"1e3", 1'000'000, 1000},
        Good{"1E3", 1'000'000, 1000}, Good{"1e+3", 1'000'000, 1000}, Good{"5e-1", 500, 1},
        Good{"12e-3", 12, 1}, Good{"0.001e3", 1000, 1}, Good{"007", 7000, 7},
        Good{"10.50", 10500, 11}, Good{"0.000Gi", 0, 0}));

TEST(Quantity, LargeBinarySuffixes) {
  EXPECT_EQ(parse_memory_bytes("1Pi"), int64_t{1} << 50);
  EXPECT_EQ(parse_memory_bytes("1Ei"), int64_t{1} << 60);
  EXPECT_EQ(parse_memory_bytes("1E"), 1'000'000'000'000'000'000);
  EXPECT_EQ(parse_memory_bytes("7Ei"), int64_t{7} << 60);
  EXPECT_THROW(parse_memory_bytes("8Ei"), QuantityError);  // 2^63 does not fit
  EXPECT_THROW(parse_cpu_millis("1E"), QuantityError);     // 10^21 millicores
  EXPECT_EQ(parse_memory_bytes("9223372036854775807"), std::numeric_limits<int64_t>::max());
  EXPECT_THROW(parse_memory_bytes("9223372036854775808"), QuantityError);
  EXPECT_THROW(parse_memory_bytes("1e999"), QuantityError);
  EXPECT_EQ(parse_memory_bytes("1e-999"), 1);  // tiny but positive rounds up
}

struct Bad {
  std::string text;
  std::string reason;
};
void PrintTo(const Bad& b, std::ostream* os) {
  *os << '"' << b.text << '"';
}

class InvalidQuantity : public ::testing::TestWithParam<Bad> {};

TEST_P(InvalidQuantity, IsRefusedWithAReason) {
  try {
    parse_memory_bytes(GetParam().text);
    FAIL() << "accepted \"" << GetParam().text << "\"";
  } catch (const QuantityError& e) {
    EXPECT_NE(std::string(e.what()).find(GetParam().reason), std::string::npos) << e.what();
  }
}

INSTANTIATE_TEST_SUITE_P(
    Table, InvalidQuantity,
    ::testing::Values(Bad{"", "empty quantity"}, Bad{"-1Gi", "must not be negative, got \"-1Gi\""},
                      Bad{"-0.5", "must not be negative"}, Bad{"abc", "not a quantity: \"abc\""},
                      Bad{"Gi", "not a quantity"}, Bad{".", "not a quantity"},
                      Bad{"1.2.3", "unknown suffix \".3\""}, Bad{"1 Gi", "unknown suffix \" Gi\""},
                      Bad{"1gi", "unknown suffix \"gi\""}, Bad{"1K", "unknown suffix \"K\""},
                      Bad{"1KiB", "unknown suffix \"KiB\""}, Bad{"1e", "unknown suffix \"e\""},
                      Bad{"1e3.5", "unknown suffix"}, Bad{"0x10", "unknown suffix \"x10\""},
                      Bad{"1e-", "unknown suffix"},
                      Bad{"1234567890123456789012345678901", "too many significant digits"},
                      Bad{"100000000000000000000", "too large"}));

}  // namespace
}  // namespace minipod::spec
