#include "common/json_parse.h"

#include <vector>

namespace minipod {
namespace {

using nlohmann::json;

// Follows the parser's position through nlohmann's parse callback, so that an error raised
// while a value is read (a number overflow carries no position) can name the field.
class PathTracker {
 public:
  bool on_event(int /*depth*/, json::parse_event_t event, const json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start:
        frames_.push_back({false, 0, {}});
        break;
      case json::parse_event_t::array_start:
        frames_.push_back({true, 0, {}});
        break;
      case json::parse_event_t::key:
        if (!frames_.empty() && parsed.is_string()) frames_.back().key = parsed.get<std::string>();
        break;
      case json::parse_event_t::object_end:
      case json::parse_event_t::array_end:
        if (!frames_.empty()) frames_.pop_back();
        element_done();
        break;
      case json::parse_event_t::value:
        element_done();
        break;
    }
    return true;  // keep everything: this callback only watches
  }

  // "plugins[0].mtu", or "" at the top level.
  std::string path() const {
    std::string out;
    for (const Frame& f : frames_) {
      if (f.array)
        out += "[" + std::to_string(f.index) + "]";
      else if (!f.key.empty())
        out += (out.empty() ? "" : ".") + f.key;
    }
    return out;
  }

 private:
  struct Frame {
    bool array;
    size_t index;
    std::string key;
  };
  void element_done() {
    if (!frames_.empty() && frames_.back().array) ++frames_.back().index;
  }
  std::vector<Frame> frames_;
};

// UsageError (a class of its own, which callers catch) for the user's files, Error for minipod's.
[[noreturn]] void fail(const std::string& source, std::string detail, ExitKind kind) {
  if (kind == ExitKind::kUsage) throw UsageError(source, std::move(detail));
  throw Error(source, std::move(detail));
}

}  // namespace

std::string json_message(const json::exception& e) {
  std::string m = e.what();
  if (m.starts_with("[json.exception")) {
    auto end = m.find("] ");
    if (end != std::string::npos) m = m.substr(end + 2);
  }
  return m;
}

json parse_json(const std::string& text, const std::string& source, ExitKind kind) {
  PathTracker tracker;
  try {
    return json::parse(text, [&tracker](int depth, json::parse_event_t event, json& parsed) {
      return tracker.on_event(depth, event, parsed);
    });
  } catch (const json::parse_error& e) {
    // Its message already says where: "parse error at line L, column C: ...".
    fail(source, "malformed JSON: " + json_message(e), kind);
  } catch (const json::exception& e) {
    // out_of_range (a number beyond a double) and the others: name the value being read.
    std::string field = tracker.path();
    fail(source, (field.empty() ? "" : "field \"" + field + "\": ") + json_message(e), kind);
  }
}

}  // namespace minipod
