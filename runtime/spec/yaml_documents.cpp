#include "runtime/spec/yaml_documents.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/parser.h>

#include <sstream>

#include "common/error.h"

namespace minipod::spec {
namespace {

// yaml-cpp 0.7's scanner turns a ',' outside any [...] or {...} into a FLOW_ENTRY token (it does
// not check the flow level), and no node can start with that token: the document parser
// (SingleDocParser::HandleNode) then reports an empty node *without consuming the token*. Inside a
// collection the caller notices the stray token and throws, but at document level LoadAll just
// asks for the next document, which starts at the same token, forever, keeping a null node each
// time: unbounded memory from 5 bytes ("{},\nx", ",", "[],", "- a\n,", "\"x\",", ...). Upstream
// fixed it after 0.7 (yaml-cpp PR #1319: LoadAll stops at the first empty document).
//
// The guard: walk the documents once with yaml-cpp's own parser and an event handler that only
// watches where each document starts. A document that starts where the previous one started
// consumed nothing: that is this bug, and the token there is the culprit. Only then, knowing the
// stream ends, is LoadAll called to build the nodes (manifests are small; two passes cost
// microseconds).
class ProgressGuard : public YAML::EventHandler {
 public:
  ProgressGuard(const std::string& text, const std::string& source)
      : text_(text), source_(source) {}

  void OnDocumentStart(const YAML::Mark& mark) override {
    if (started_ && mark.pos == last_start_.pos) stuck(mark);
    started_ = true;
    last_start_ = mark;
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}

 private:
  [[noreturn]] void stuck(const YAML::Mark& mark) const {
    std::string what = "unexpected text";
    if (mark.pos >= 0 && static_cast<size_t>(mark.pos) < text_.size()) {
      char c = text_[static_cast<size_t>(mark.pos)];
      what = c == ',' ? "',' outside [...] or {...} (a comma separates entries only inside a flow "
                        "list or mapping; quote the value if the comma is text)"
                      : std::string("unexpected '") + c + "': no YAML value starts with it";
    }
    throw UsageError(source_, "line " + std::to_string(mark.line + 1) + ", column " +
                                  std::to_string(mark.column + 1) + ": invalid YAML: " + what);
  }

  const std::string& text_;
  const std::string& source_;
  bool started_ = false;
  YAML::Mark last_start_ = YAML::Mark::null_mark();
};

[[noreturn]] void invalid(const YAML::Exception& e, const std::string& source) {
  throw UsageError(source, "line " + std::to_string(e.mark.line + 1) + ", column " +
                               std::to_string(e.mark.column + 1) + ": invalid YAML: " + e.msg);
}

}  // namespace

std::vector<YAML::Node> load_yaml_documents(const std::string& text, const std::string& source) {
  try {
    std::istringstream in(text);
    YAML::Parser parser(in);
    ProgressGuard guard(text, source);
    while (parser.HandleNextDocument(guard)) {
    }
    return YAML::LoadAll(text);
  } catch (const YAML::Exception& e) {
    invalid(e, source);
  }
}

}  // namespace minipod::spec
