#include "runtime/state/crash_point.h"

#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

namespace minipod::state {

void crash_point(const char* phase, int step) {
  const char* at = std::getenv("MINIPOD_TEST_CRASH_AT");
  if (at == nullptr || *at == '\0') return;
  if (std::string(at) == std::string(phase) + ":" + std::to_string(step))
    ::kill(::getpid(), SIGKILL);
}

}  // namespace minipod::state
