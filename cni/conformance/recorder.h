// Every plugin call the suite makes, recorded with its full evidence (environment, stdin, stdout,
// stderr, exit code, duration), so a verdict can always be traced to what the plugin really did.
// Calls go through the library's plugin exec (cni/invoke.h); the suite never runs a plugin another
// way.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace cni::conformance {

// One call as the suite wants to make it. Unlike a runtime, the suite may leave variables out
// (`unset`) or send stdin that is not a config at all.
struct Invocation {
  std::string verb;  // CNI_COMMAND
  std::string type, path;
  std::string container_id, netns, ifname, args, cni_path;
  std::string stdin_data;
  std::vector<std::string> unset;  // CNI_* variables to leave out of the environment
  std::string scenario;            // what the suite was doing, for the report
  std::string version;             // the spec version of the run ("" for once-only checks)
};

struct CallRecord {
  size_t index = 0;
  std::string scenario, version, verb, type;
  std::vector<std::string> env;  // the CNI_* variables as sent, "K=V"
  std::vector<std::string> unset;
  std::string stdin_data, out, err;
  int exit_code = -1;  // -1 when killed
  int signal = 0;
  bool timed_out = false;
  bool truncated = false;
  double duration_ms = 0;
  // Set when the suite did not make the call: why ("DEL of 1.0.0 already hung in call #12").
  std::string not_run;

  bool ok() const { return !timed_out && signal == 0 && exit_code == 0; }
  // "exit 0", "exit 1, code 4: msg", "timed out after 2.0 s", "killed by signal 11".
  std::string summary() const;
  nlohmann::json to_json() const;
};

class Recorder {
 public:
  explicit Recorder(std::chrono::milliseconds timeout) : timeout_(timeout) {}
  // Runs the call (thread-safe) and returns a copy of its record.
  CallRecord call(const Invocation& inv);
  std::vector<CallRecord> calls() const;
  std::chrono::milliseconds timeout() const { return timeout_; }
  // Why call `index` was not made ("" when it was).
  std::string not_run(size_t index) const;

 private:
  std::chrono::milliseconds timeout_;
  mutable std::mutex mutex_;
  std::deque<CallRecord> calls_;
  // "<version> <verb>" -> index of the call that hung: later calls of that verb in that version
  // are not made (a hanging DEL would otherwise cost a timeout in every scenario).
  std::map<std::string, size_t> hung_;
};

// The error object a failed call printed, if its stdout holds one (leading/trailing text is
// tolerated here; stdout.json-only judges that separately).
struct ErrorObject {
  bool present = false;
  int code = 0;
  bool has_code = false;
  std::string msg, details;
};
ErrorObject error_object(const CallRecord& call);

// The first JSON object on stdout: the whole stdout when it is exactly one object, else the first
// object that starts a line (a plugin that logs on stdout still gets its result judged).
// `exact` tells which. A discarded json when there is none.
nlohmann::json first_json_object(const std::string& out, bool* exact = nullptr);

std::string one_line(const std::string& text, size_t max = 160);

}  // namespace cni::conformance
