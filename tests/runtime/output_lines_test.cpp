// A container's output cut into lines for the CRI log: lines split across reads, the last line
// without its newline, endless lines cut into partial records.
#include "runtime/run/output_lines.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace minipod::run {
namespace {

struct Collected {
  std::vector<std::pair<std::string, bool>> lines;
  OutputLines::Emit emit() {
    return
        [this](std::string_view l, bool partial) { lines.emplace_back(std::string(l), partial); };
  }
};

TEST(OutputLines, LinesSplitAcrossReadsComeOutWhole) {
  OutputLines out;
  Collected c;
  out.feed("hel", c.emit());
  EXPECT_TRUE(c.lines.empty());
  out.feed("lo\nwor", c.emit());
  out.feed("ld\n\nlast", c.emit());
  out.finish(c.emit());
  using L = std::pair<std::string, bool>;
  EXPECT_EQ(c.lines,
            (std::vector<L>{{"hello", false}, {"world", false}, {"", false}, {"last", false}}));
  out.finish(c.emit());  // nothing more
  EXPECT_EQ(c.lines.size(), 4u);
}

TEST(OutputLines, AnEndlessLineIsCutIntoPartialRecords) {
  OutputLines out;
  Collected c;
  std::string big(OutputLines::kMaxLine * 2 + 5, 'x');
  out.feed(big, c.emit());
  ASSERT_EQ(c.lines.size(), 2u);
  EXPECT_TRUE(c.lines[0].second);
  EXPECT_EQ(c.lines[0].first.size(), OutputLines::kMaxLine);
  out.feed("y\n", c.emit());
  ASSERT_EQ(c.lines.size(), 3u);
  EXPECT_EQ(c.lines[2].first, "xxxxxy");
  EXPECT_FALSE(c.lines[2].second);
}

}  // namespace
}  // namespace minipod::run
