#include "runtime/state/paths.h"

#include <cstdlib>

#include "common/run_dir.h"

namespace minipod::state {
namespace {

std::filesystem::path env_or(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return (v != nullptr && *v != '\0') ? v : fallback;
}

}  // namespace

Paths Paths::from_environment() {
  Paths p;
  p.run_dir = minipod::run_dir();
  p.data_dir = env_or("MINIPOD_DATA_DIR", "/var/lib/minipod");
  p.log_dir = env_or("MINIPOD_LOG_DIR", "/var/log/minipod");
  return p;
}

}  // namespace minipod::state
