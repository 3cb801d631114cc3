#include "common/error.h"

#include <cstring>

namespace minipod {

Error::Error(std::string step, std::string detail, int err, ExitKind kind)
    : step_(std::move(step)), detail_(std::move(detail)), err_(err), kind_(kind) {
  compose();
}

Error& Error::within(std::string_view outer) {
  if (!outer.empty()) step_ = std::string(outer) + ": " + step_;
  compose();
  return *this;
}

Error& Error::with_warnings(std::vector<std::string> warnings) {
  warnings_.insert(warnings_.end(), warnings.begin(), warnings.end());
  return *this;
}

void Error::compose() {
  message_ = step_;
  auto add = [this](std::string_view part) {
    if (part.empty()) return;
    if (!message_.empty()) message_ += ": ";
    message_ += part;
  };
  add(detail_);
  if (err_ != 0) add(std::strerror(err_));
}

void throw_errno(std::string step, std::string detail) {
  int err = errno;
  throw Error(std::move(step), std::move(detail), err);
}

}  // namespace minipod
