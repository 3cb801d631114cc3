// common/strings: the two ways of splitting (empty fields kept or dropped) and joining, with the
// edge cases their callers rely on (a CNI_PATH with "::", mountinfo's fields, an empty list).
#include "common/strings.h"

#include <gtest/gtest.h>

#include <utility>

namespace minipod {
namespace {

using Fields = std::vector<std::string>;

TEST(Split, KeepsEmptyFields) {
  EXPECT_EQ(split("a,,b", ','), (Fields{"a", "", "b"}));
  EXPECT_EQ(split(",a,", ','), (Fields{"", "a", ""}));
  EXPECT_EQ(split("", ','), (Fields{""}));
  EXPECT_EQ(split("abc", ','), (Fields{"abc"}));
  EXPECT_EQ(split(";", ';'), (Fields{"", ""}));
}

TEST(Split, TakesAnyCharacterIncludingNul) {
  EXPECT_EQ(split("36 35 98:0 / /mnt", ' '), (Fields{"36", "35", "98:0", "/", "/mnt"}));
  EXPECT_EQ(split(std::string_view("A=1\0B=2", 7), '\0'), (Fields{"A=1", "B=2"}));
}

TEST(SplitNonempty, DropsEmptyFields) {
  EXPECT_EQ(split_nonempty("/opt/cni/bin::/usr/lib/cni:", ':'),
            (Fields{"/opt/cni/bin", "/usr/lib/cni"}));
  EXPECT_EQ(split_nonempty(":a", ':'), (Fields{"a"}));
  EXPECT_TRUE(split_nonempty("", ':').empty());
  EXPECT_TRUE(split_nonempty(":::", ':').empty());
  EXPECT_EQ(split_nonempty(std::string_view("A=1\0\0B=2\0", 9), '\0'), (Fields{"A=1", "B=2"}));
}

TEST(Join, PutsTheSeparatorBetweenEveryTwoParts) {
  EXPECT_EQ(join(Fields{"a", "b", "c"}, ", "), "a, b, c");
  EXPECT_EQ(join(Fields{"a"}, ", "), "a");
  EXPECT_EQ(join(Fields{}, ", "), "");
  EXPECT_EQ(join(Fields{"a", "", "b"}, ","), "a,,b");
  EXPECT_EQ(join(Fields{"a", "b"}, ""), "ab");
}

TEST(Join, UndoesSplit) {
  for (const char* s : {"", "a", "a::b", ":a:", "/opt/cni/bin:/usr/lib/cni"})
    EXPECT_EQ(join(split(s, ':'), ":"), s);
}

TEST(Join, OfWhatAFunctionMakesOfEachItem) {
  std::vector<std::pair<std::string, int>> items{{"web", 1}, {"db", 2}};
  EXPECT_EQ(
      join(items, "; ", [](const auto& i) { return i.first + "=" + std::to_string(i.second); }),
      "web=1; db=2");
  EXPECT_EQ(join(std::vector<int>{}, ",", [](int i) { return std::to_string(i); }), "");
  EXPECT_EQ(join(std::vector<unsigned>{0, 10}, ",", [](unsigned g) { return std::to_string(g); }),
            "0,10");
}

}  // namespace
}  // namespace minipod
