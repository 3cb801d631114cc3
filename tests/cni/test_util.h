// Helpers shared by the CNI tests: temporary directories, the fake plugin, the recording log.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/fs.h"
#include "tests/support/temp_dir.h"

namespace cni::test {

using minipod::testing_support::TempDir;

inline void write(const std::string& path, const std::string& content) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path) << content;
}

inline std::string read(const std::string& path) {
  std::ifstream f(path);
  return std::string((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
}

// Every call the fake plugin recorded, oldest first.
inline std::vector<nlohmann::json> read_log(const std::string& path) {
  std::vector<nlohmann::json> out;
  std::ifstream f(path);
  for (std::string line; std::getline(f, line);)
    if (!line.empty()) out.push_back(nlohmann::json::parse(line));
  return out;
}

// Calls of one command, with their stdin parsed.
inline std::vector<nlohmann::json> calls(const std::vector<nlohmann::json>& log,
                                         const std::string& command) {
  std::vector<nlohmann::json> out;
  for (const auto& c : log)
    if (c["command"] == command) out.push_back(c);
  return out;
}

inline std::string fake_plugin_binary() {
  return FAKE_PLUGIN;
}

// `dir/name` as a symlink to the fake plugin (cheap; argv[0] tells the instances apart).
inline void link_plugin(const std::filesystem::path& dir, const std::string& name,
                        const std::string& versions_json = "") {
  std::filesystem::create_directories(dir);
  std::filesystem::create_symlink(fake_plugin_binary(), dir / name);
  if (!versions_json.empty()) write((dir / (name + ".versions")).string(), versions_json);
}

}  // namespace cni::test
