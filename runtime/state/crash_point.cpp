#include "runtime/state/crash_point.h"

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>

namespace minipod::state {

void crash_point(const char* phase, int step) {
  const std::string here = std::string(phase) + ":" + std::to_string(step);
  if (const char* at = std::getenv("MINIPOD_TEST_CRASH_AT"); at != nullptr && here == at)
    ::kill(::getpid(), SIGKILL);
  if (const char* at = std::getenv("MINIPOD_TEST_DELAY_AT"); at != nullptr) {
    std::string spec = at;
    if (spec.rfind(here + ":", 0) == 0)
      std::this_thread::sleep_for(
          std::chrono::milliseconds(std::atol(spec.c_str() + here.size() + 1)));
  }
}

}  // namespace minipod::state
