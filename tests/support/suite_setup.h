// A test suite's shared setup (SetUpTestSuite) whose failure fails its tests. gtest skips every
// test of a suite whose SetUpTestSuite failed, and ctest reports skipped tests without failing the
// run: a broken setup (a missing binary, a registry that did not start) would leave CI green.
// So the setup runs through run(), which keeps what it threw, and each test's SetUp calls
// check(), which fails the test with it.
#pragma once

#include <gtest/gtest.h>

#include <exception>
#include <string>

namespace minipod::testing {

class SuiteSetup {
 public:
  template <class Body>
  void run(Body&& body) {
    error_.clear();
    try {
      body();
    } catch (const std::exception& e) {
      error_ = e.what();
    }
  }
  bool failed() const { return !error_.empty(); }
  // In SetUp(): a fatal failure naming what the suite's setup could not do.
  void check() const {
    if (failed()) GTEST_FAIL() << "the suite's setup failed: " << error_;
  }

 private:
  std::string error_;
};

// A setup step's condition: throws (for SuiteSetup::run) instead of a gtest assertion, which in
// SetUpTestSuite would skip the suite.
inline void require(bool ok, const std::string& what) {
  if (!ok) throw std::runtime_error(what);
}

}  // namespace minipod::testing
