// A test-only switch for crash-safety tests: MINIPOD_TEST_CRASH_AT=<phase>:<n> makes the process
// SIGKILL itself when it reaches the n-th step (from 1) of that phase ("create" or "teardown"),
// exactly as if it had been killed there. Costs one getenv per step otherwise.
#pragma once

namespace minipod::state {

void crash_point(const char* phase, int step);

}  // namespace minipod::state
