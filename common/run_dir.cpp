#include "common/run_dir.h"

#include <cstdlib>

namespace minipod {

std::filesystem::path run_dir() {
  const char* v = std::getenv("MINIPOD_RUN_DIR");
  return (v != nullptr && *v != '\0') ? v : "/run/minipod";
}

}  // namespace minipod
