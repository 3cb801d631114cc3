// Kubernetes resource quantities ("500m", "0.5", "128Mi", "1e3", "2G"), converted exactly the way
// the API server does: decimal arithmetic, no floating point, rounded up to the unit asked for.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string_view>

namespace minipod::spec {

// What is wrong with a quantity; the caller adds the field path.
class QuantityError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// The quantity times `scale`, rounded up to an integer (Kubernetes' Value() is scale 1,
// MilliValue() is scale 1000). Accepts an optional '+', digits with at most one '.', and one
// suffix: n u m "" k M G T P E (powers of 10), Ki Mi Gi Ti Pi Ei (powers of 2), or e<int> / E<int>
// (a decimal exponent). Throws QuantityError for anything else, negatives, and values that do
// not fit in int64.
int64_t parse_quantity(std::string_view text, int64_t scale = 1);

// CPU in millicores: "1" -> 1000, "250m" -> 250, "0.5" -> 500.
inline int64_t parse_cpu_millis(std::string_view text) {
  return parse_quantity(text, 1000);
}
// Memory in bytes: "128Mi" -> 134217728, "1G" -> 1000000000.
inline int64_t parse_memory_bytes(std::string_view text) {
  return parse_quantity(text, 1);
}

}  // namespace minipod::spec
