// Image names double as directory names in the store, so they are checked before any path is
// built from them.
#pragma once

#include <string>

namespace minipod::images {

// Lower-case letters, digits, '.', '-', '_'; starts with a letter or digit; at most 128
// characters. Throws UsageError saying what is allowed.
void validate_image_name(const std::string& name);

}  // namespace minipod::images
