#include "runtime/security/rlimits.h"

#include <cerrno>

#include "common/trace.h"

namespace minipod::security {
namespace {

rlim_t hard_limit(int resource) {
  rlimit r{};
  if (::getrlimit(resource, &r) != 0) return RLIM_INFINITY;
  return r.rlim_max;
}

}  // namespace

std::vector<Rlimit> default_rlimits(rlim_t (*current_hard)(int)) {
  if (current_hard == nullptr) current_hard = hard_limit;
  std::vector<Rlimit> out{{RLIMIT_NOFILE, 1024, 1024, "RLIMIT_NOFILE"}};
  for (auto& l : out) {
    rlim_t hard = current_hard(l.resource);
    if (hard != RLIM_INFINITY && l.hard > hard) {
      Tracer::get().step(std::string(l.name) + ": wanted " + std::to_string(l.hard) +
                         ", but minipod's own hard limit is " + std::to_string(hard) +
                         " (raising it needs CAP_SYS_RESOURCE): using " + std::to_string(hard));
      l.hard = hard;
      if (l.soft > hard) l.soft = hard;
    }
  }
  return out;
}

int apply_rlimits(const std::vector<Rlimit>& limits, const char** name) {
  for (const auto& l : limits) {
    rlimit r{l.soft, l.hard};
    if (::setrlimit(l.resource, &r) != 0) {
      *name = l.name;
      return errno;
    }
  }
  return 0;
}

}  // namespace minipod::security
