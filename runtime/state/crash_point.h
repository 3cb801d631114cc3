// Test-only switches for crash-safety and race tests, read at named points of creation and
// teardown:
//   MINIPOD_TEST_CRASH_AT=<phase>:<n>       SIGKILLs the process at the n-th step (from 1) of that
//                                           phase, exactly as if it had been killed there;
//   MINIPOD_TEST_DELAY_AT=<phase>:<n>:<ms>  sleeps there, so that a second process can race it.
// Phases: "reserve" (the pod's directory, name and record), "create", "teardown". Costs two
// getenv per step otherwise.
#pragma once

namespace minipod::state {

void crash_point(const char* phase, int step);

}  // namespace minipod::state
