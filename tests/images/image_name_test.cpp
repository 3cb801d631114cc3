#include "images/store/image_name.h"

#include <gtest/gtest.h>

#include "common/error.h"

namespace minipod::images {
namespace {

class ValidImageName : public ::testing::TestWithParam<std::string> {};
TEST_P(ValidImageName, IsAccepted) {
  EXPECT_NO_THROW(validate_image_name(GetParam()));
}
INSTANTIATE_TEST_SUITE_P(Names, ValidImageName,
                         ::testing::Values("busybox", "alpine-3.19", "my_app", "0day", "a", "x.y.z",
                                           std::string(128, 'a')));

struct BadName {
  std::string name;
  std::string expected;  // part of the message
};
// gtest prints parameters in test listings; without this it dumps the struct's bytes.
void PrintTo(const BadName& b, std::ostream* os) {
  *os << '"' << b.name << '"';
}

class InvalidImageName : public ::testing::TestWithParam<BadName> {};
TEST_P(InvalidImageName, IsRefusedWithAReason) {
  try {
    validate_image_name(GetParam().name);
    FAIL() << "accepted \"" << GetParam().name << "\"";
  } catch (const UsageError& e) {
    EXPECT_EQ(e.kind(), ExitKind::kUsage);
    EXPECT_NE(std::string(e.what()).find(GetParam().expected), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("allowed:"), std::string::npos) << e.what();
  }
}
INSTANTIATE_TEST_SUITE_P(
    Names, InvalidImageName,
    ::testing::Values(
        BadName{"", "must not be empty"}, BadName{std::string(129, 'a'), "129 characters"},
        BadName{"a/b", "must not contain '/'"}, BadName{"../etc", "must not contain '/'"},
        BadName{"..", "must not contain \"..\""}, BadName{"a..b", "must not contain \"..\""},
        BadName{".hidden", "must start with"}, BadName{"-x", "must start with"},
        BadName{"Busybox", "must start with"}, BadName{"busyBox", "must not contain 'B'"},
        BadName{"a b", "must not contain ' '"}, BadName{"a:latest", "must not contain ':'"}));

}  // namespace
}  // namespace minipod::images
