// Reads YAML text into its documents with yaml-cpp, guarded against yaml-cpp 0.7's endless
// LoadAll loop on input such as "{},\nx" (see yaml_documents.cpp).
#pragma once

#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

namespace minipod::spec {

// Every document of `text`, as YAML::LoadAll gives them. Throws UsageError naming `source`, the
// line and column on invalid YAML, including the input that would make yaml-cpp loop.
std::vector<YAML::Node> load_yaml_documents(const std::string& text, const std::string& source);

}  // namespace minipod::spec
