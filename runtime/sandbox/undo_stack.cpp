#include "runtime/sandbox/undo_stack.h"

#include <cstdio>
#include <exception>

#include "common/trace.h"
#include "runtime/state/crash_point.h"

namespace minipod::sandbox {

UndoStack::~UndoStack() {
  for (const auto& line : unwind()) std::fprintf(stderr, "minipod: warning: %s\n", line.c_str());
}

std::vector<std::string> UndoStack::unwind() {
  return unwind_to(0);
}

std::vector<std::string> UndoStack::unwind_to(size_t depth) {
  std::vector<std::string> failures;
  while (steps_.size() > depth) {
    state::crash_point("teardown", ++undone_);
    Step step = std::move(steps_.back());
    steps_.pop_back();
    Tracer::get().step("undo: " + step.what);
    try {
      step.undo();
    } catch (const std::exception& e) {
      failures.push_back("undo " + step.what + ": " + e.what());
    }
  }
  return failures;
}

}  // namespace minipod::sandbox
