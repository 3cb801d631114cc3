#include "runtime/container/security.h"

namespace minipod::container {

void apply_security(const SecurityPlan& /*plan*/, int /*report_fd*/) {}

}  // namespace minipod::container
