#include "runtime/spec/yaml_field.h"

#include <algorithm>
#include <charconv>
#include <set>
#include <tuple>

#include "common/error.h"

namespace minipod::spec::detail {
namespace {

// yaml-cpp tags plain (unquoted) scalars "?" and quoted ones "!": "80" in quotes is a string in
// Kubernetes, not a number, and so it is here.
bool is_plain(const YAML::Node& node) {
  return node.Tag() == "?";
}

}  // namespace

void Context::fail(const std::string& path, const std::string& what) const {
  throw UsageError(source_, path.empty() ? what : path + ": " + what);
}

void Context::warn(const std::string& path, const std::string& what, const YAML::Mark& mark) {
  warnings_.push_back({mark.line, mark.column, path + ": " + what});
}

std::vector<std::string> Context::warnings() const {
  std::vector<Warning> sorted = warnings_;
  std::stable_sort(sorted.begin(), sorted.end(), [](const Warning& a, const Warning& b) {
    return std::tie(a.line, a.column) < std::tie(b.line, b.column);
  });
  std::vector<std::string> out;
  for (auto& w : sorted) out.push_back(std::move(w.text));
  return out;
}

Field::Field(YAML::Node node, std::string path, Context& ctx)
    : node_(std::move(node)), path_(std::move(path)), ctx_(&ctx) {}

bool Field::is_set() const {
  return node_.IsDefined() && !node_.IsNull();
}

std::string Field::describe() const {
  if (!is_set()) return "nothing";
  if (node_.IsSequence()) return "a list";
  if (node_.IsMap()) return "a mapping";
  if (!is_plain(node_)) return "the string \"" + node_.Scalar() + "\"";
  return "\"" + node_.Scalar() + "\"";
}

std::string Field::str() const {
  if (!is_set()) return {};
  if (!node_.IsScalar()) fail("must be a string, got " + describe());
  return node_.Scalar();
}

bool Field::boolean() const {
  if (is_set() && node_.IsScalar() && is_plain(node_)) {
    static const std::set<std::string> kTrue = {"true", "True", "TRUE", "yes", "Yes",
                                                "YES",  "on",   "On",   "ON"};
    static const std::set<std::string> kFalse = {"false", "False", "FALSE", "no", "No",
                                                 "NO",    "off",   "Off",   "OFF"};
    if (kTrue.count(node_.Scalar())) return true;
    if (kFalse.count(node_.Scalar())) return false;
  }
  fail("must be true or false, got " + describe());
}

int64_t Field::integer() const {
  if (is_set() && node_.IsScalar() && is_plain(node_)) {
    const std::string& s = node_.Scalar();
    int64_t value = 0;
    auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
    if (!s.empty() && ec == std::errc() && end == s.data() + s.size()) return value;
  }
  fail("must be an integer, got " + describe());
}

int64_t Field::integer_in(int64_t min, int64_t max, const std::string& what) const {
  if (!(is_set() && node_.IsScalar() && is_plain(node_)))
    fail("must be " + what + ", got " + describe());
  int64_t value = 0;
  const std::string& s = node_.Scalar();
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (s.empty() || end != s.data() + s.size() ||
      (ec != std::errc() && ec != std::errc::result_out_of_range))
    fail("must be " + what + ", got " + describe());
  if (ec == std::errc::result_out_of_range || value < min || value > max)
    fail("must be " + what + ", got " + s);
  return value;
}

std::string Field::one_of(std::initializer_list<const char*> allowed) const {
  std::string value = str();
  std::string words;
  size_t i = 0;
  for (const char* a : allowed) {
    if (value == a) return value;
    if (i > 0) words += i + 1 == allowed.size() ? " or " : ", ";
    words += *a == '\0' ? "\"\"" : a;
    ++i;
  }
  fail("must be " + words + ", got " + in_quotes(value));
}

std::vector<std::string> Field::strings() const {
  std::vector<std::string> out;
  for (const Field& item : items()) {
    if (!item.is_set() || !item.node().IsScalar())
      item.fail("must be a string, got " + item.describe());
    out.push_back(item.node().Scalar());
  }
  return out;
}

std::vector<Field> Field::items() const {
  std::vector<Field> out;
  if (!is_set()) return out;
  if (!node_.IsSequence()) fail("must be a list, got " + describe());
  size_t i = 0;
  for (const auto& item : node_)
    out.emplace_back(item, path_ + "[" + std::to_string(i++) + "]", *ctx_);
  return out;
}

std::map<std::string, std::string> Field::string_map() const {
  std::map<std::string, std::string> out;
  if (!is_set()) return out;
  if (!node_.IsMap()) fail("must be a mapping of strings, got " + describe());
  for (const auto& kv : node_) {
    std::string key = kv.first.IsScalar() ? kv.first.Scalar() : "";
    Field value(kv.second, path_ + "[" + key + "]", *ctx_);
    if (!kv.first.IsScalar()) fail("keys must be strings");
    if (!out.emplace(key, value.is_set() ? value.str() : "").second) value.fail("duplicate key");
  }
  return out;
}

Field Field::entry(const std::string& key) const {
  return Field(YAML::Node(YAML::NodeType::Undefined), path_ + "[" + key + "]", *ctx_);
}

Field Field::child(const std::string& key, YAML::Node node) const {
  return Field(std::move(node), path_.empty() ? key : path_ + "." + key, *ctx_);
}

Object::Object(const Field& field) : field_(field) {
  if (!field.is_set()) return;
  if (!field.node().IsMap()) field.fail("must be a mapping (key: value), got " + field.describe());
  std::set<std::string> seen;
  for (const auto& kv : field.node()) {
    if (!kv.first.IsScalar()) field.fail("field names must be strings");
    const std::string& key = kv.first.Scalar();
    if (!seen.insert(key).second) field.child(key, kv.second).fail("duplicate field");
    entries_.emplace_back(key, kv.second);
  }
  used_.assign(entries_.size(), false);
}

Field Object::operator[](const std::string& key) {
  for (size_t i = 0; i < entries_.size(); ++i) {
    if (entries_[i].first == key) {
      used_[i] = true;
      return field_.child(key, entries_[i].second);
    }
  }
  return field_.child(key, YAML::Node(YAML::NodeType::Undefined));
}

Field Object::required(const std::string& key, const std::string& expected) {
  Field f = (*this)[key];
  if (!f.is_set()) f.fail("required (" + expected + ")");
  return f;
}

void Object::warn_unknown() const {
  for (size_t i = 0; i < entries_.size(); ++i)
    if (!used_[i])
      field_.child(entries_[i].first, entries_[i].second).warn("unknown field, ignored by minipod");
}

}  // namespace minipod::spec::detail
