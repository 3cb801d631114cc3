// A recording stand-in for the delegate of the plugin under test (its IPAM plugin): a shell
// script named like the delegate, in a directory of the run that goes first in the plugin's
// CNI_PATH. Every call leaves its environment and stdin behind, writes a marker to stderr (the
// plugin should pass it on), then runs the real delegate found in the rest of CNI_PATH with the
// same stdin, stdout, stderr and exit code. A script the suite writes itself, so it works from an
// installed minipod as well as from the tests.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "cni/conformance/sandbox.h"

namespace cni::conformance {

class DelegateShim {
 public:
  // `type`: the delegate's name (the plugin's ipam type); `real`: the binary it stands for.
  DelegateShim(const std::string& type, const std::string& real);

  const std::string& dir() const { return bin_; }
  const std::string& marker() const { return marker_; }
  // While set, the shim fails every ADD itself (code 100) without running the real delegate.
  void fail_add(bool on);

  struct Call {
    std::map<std::string, std::string> env;  // the whole environment it was given
    std::string stdin_data;
    std::string command() const;
  };
  // The calls made since the last take(), oldest first.
  std::vector<Call> take();

 private:
  TempDir tmp_;
  std::string bin_, calls_, marker_;
  size_t seen_ = 0;
};

}  // namespace cni::conformance
