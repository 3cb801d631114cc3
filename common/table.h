// Column-aligned tables for the CLI's listings (`ps`, `cni ls`, ...), like kubectl's and podman's.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

namespace minipod {

// Rows of cells; the first row is usually the header. Columns are as wide as their widest cell,
// separated by `gap` spaces.
std::string format_table(const std::vector<std::vector<std::string>>& rows, size_t gap = 3);
void print_table(const std::vector<std::vector<std::string>>& rows, size_t gap = 3,
                 FILE* to = stdout);

}  // namespace minipod
