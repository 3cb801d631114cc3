#include "images/store/image_name.h"

#include "common/error.h"

namespace minipod::images {

void validate_image_name(const std::string& name) {
  constexpr size_t kMaxLength = 128;
  auto fail = [&](const std::string& why) {
    throw UsageError("image name \"" + name + "\"",
                     why +
                         " (allowed: lower-case letters, digits, '.', '-', '_', starting with a "
                         "letter or digit, at most 128 characters)");
  };
  if (name.empty()) fail("must not be empty");
  if (name.size() > kMaxLength) fail("is " + std::to_string(name.size()) + " characters long");
  if (name.find('/') != std::string::npos) fail("must not contain '/'");
  if (name.find("..") != std::string::npos) fail("must not contain \"..\"");
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  // A leading '.' would also collide with the store's hidden staging directories.
  if (!alnum(name.front())) fail("must start with a lower-case letter or a digit");
  for (char c : name) {
    if (!alnum(c) && c != '.' && c != '-' && c != '_')
      fail(std::string("must not contain '") + c + "'");
  }
}

}  // namespace minipod::images
