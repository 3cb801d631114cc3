// The explicit undo list of pod creation (docs/design.md): every step pushes its undo before the
// next step runs; unwinding runs them in reverse, goes on past failures and returns each one, for
// the caller to print after the error that made it unwind.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace minipod::sandbox {

class UndoStack {
 public:
  UndoStack() = default;
  UndoStack(const UndoStack&) = delete;
  UndoStack& operator=(const UndoStack&) = delete;
  // Unwinds whatever is left, so an exception between steps never leaks a resource. Nobody is
  // left to report what failed then, so it is printed here.
  ~UndoStack();

  void push(std::string what, std::function<void()> undo) {
    steps_.push_back({std::move(what), std::move(undo)});
  }

  // Runs every undo in reverse order; the remaining undos still run past a failure. Returns the
  // failures, one line each naming the step, without printing them: the caller says first what
  // failed, then these.
  std::vector<std::string> unwind();

  // Unwinds down to `depth` entries; the older ones stay.
  std::vector<std::string> unwind_to(size_t depth);
  // Forgets the remaining entries without running them.
  void dismiss() { steps_.clear(); }

  bool empty() const { return steps_.empty(); }
  size_t size() const { return steps_.size(); }

 private:
  struct Step {
    std::string what;
    std::function<void()> undo;
  };
  std::vector<Step> steps_;
  int undone_ = 0;  // steps run so far, over every unwind: the crash test's step numbers
};

}  // namespace minipod::sandbox
