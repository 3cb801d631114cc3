// The validator of the integer options that must not be negative (see commands.h).
#include <cerrno>
#include <cstdlib>

#include "runtime/cli/commands.h"

namespace minipod::cli {

CLI::Validator non_negative(const std::string& expected) {
  return CLI::Validator(
      [expected](std::string& value) -> std::string {
        errno = 0;
        char* end = nullptr;
        long long n = std::strtoll(value.c_str(), &end, 10);
        if (value.empty() || *end != '\0' || errno != 0 || n < 0)
          return "must be " + expected + ", got \"" + value + "\"";
        return {};
      },
      expected);
}

}  // namespace minipod::cli
