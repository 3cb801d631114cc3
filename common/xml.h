// Text for XML documents minipod writes (JUnit reports, SVG drawings).
#pragma once

#include <string>
#include <string_view>

namespace minipod {

// `s` with &, <, > and " escaped, usable in text and in double-quoted attributes. Control
// characters other than tab and newline, which XML 1.0 cannot carry even escaped, become spaces.
std::string xml_escape(std::string_view s);

}  // namespace minipod
