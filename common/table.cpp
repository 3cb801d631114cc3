#include "common/table.h"

#include <algorithm>

namespace minipod {

std::string format_table(const std::vector<std::vector<std::string>>& rows, size_t gap) {
  std::vector<size_t> width;
  for (const auto& r : rows)
    for (size_t i = 0; i < r.size(); ++i) {
      if (width.size() <= i) width.push_back(0);
      width[i] = std::max(width[i], r[i].size());
    }
  std::string out;
  for (const auto& r : rows) {
    std::string line;
    for (size_t i = 0; i < r.size(); ++i) {
      line += r[i];
      if (i + 1 < r.size()) line += std::string(width[i] - r[i].size() + gap, ' ');
    }
    out += line + "\n";
  }
  return out;
}

void print_table(const std::vector<std::vector<std::string>>& rows, size_t gap, FILE* to) {
  std::fputs(format_table(rows, gap).c_str(), to);
}

}  // namespace minipod
