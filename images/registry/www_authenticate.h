// The WWW-Authenticate challenge of a registry's 401 (RFC 7235): the scheme (Bearer, Basic) and
// its parameters (realm, service, scope).
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace minipod::registry {

struct Challenge {
  std::string scheme;                         // lowercase: "bearer", "basic"
  std::map<std::string, std::string> params;  // lowercase names

  std::string param(const std::string& name) const {
    auto it = params.find(name);
    return it == params.end() ? "" : it->second;
  }
};

// The first challenge of the header value. Quoted values may contain commas and \" escapes.
Challenge parse_challenge(std::string_view header);

}  // namespace minipod::registry
