// Splitting a string at a separator and joining a list with one: the one definition of each, so
// that every list minipod reads (CNI_PATH, --checks, mountinfo fields) or prints (container names
// in an error, plugin types in a table) follows the same rules.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace minipod {

// Every field between the separators, empty ones included: "a,,b" is {"a", "", "b"} and "" is
// {""}. For formats where an empty field means something (mountinfo, KEY=VALUE;... lists whose
// empty pair is an error, a PATH whose empty entry is the working directory).
std::vector<std::string> split(std::string_view s, char sep);

// The non-empty fields: "a::b:" is {"a", "b"} and "" is {}. For lists a person types
// (CNI_PATH, --checks), where a doubled or trailing separator means nothing.
std::vector<std::string> split_nonempty(std::string_view s, char sep);

// The parts with `sep` between each two: {"a", "b"} is "a, b" with ", "; {} is "".
std::string join(const std::vector<std::string>& parts, std::string_view sep);

// The same, of what `to_string` makes of each item: the names of a list of records, say.
template <class Items, class ToString>
std::string join(const Items& items, std::string_view sep, ToString to_string) {
  std::string out;
  bool first = true;
  for (const auto& item : items) {
    if (!first) out.append(sep);
    out.append(to_string(item));
    first = false;
  }
  return out;
}

// "1.9 MiB", "512 B": a size a person compares at a glance (image sizes, download progress).
std::string human_size(uint64_t bytes);

}  // namespace minipod
