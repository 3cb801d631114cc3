// Walking a parsed YAML document with the field path always at hand, so every error and warning
// names the exact field ("spec.containers[1].ports[0].containerPort"). Internal to the parser.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <initializer_list>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace minipod::spec::detail {

// "\"value\"", for "got ..." in messages.
inline std::string in_quotes(const std::string& s) {
  return "\"" + s + "\"";
}

// The manifest being parsed: its name for messages and the warnings collected so far.
class Context {
 public:
  explicit Context(std::string source) : source_(std::move(source)) {}

  // Throws UsageError "<source>: <path>: <what>".
  [[noreturn]] void fail(const std::string& path, const std::string& what) const;
  // `mark` is where the field is in the text, so warnings come out in file order.
  void warn(const std::string& path, const std::string& what, const YAML::Mark& mark);
  // "<path>: <what>", in the order the fields appear in the manifest.
  std::vector<std::string> warnings() const;

 private:
  struct Warning {
    int line, column;
    std::string text;
  };
  std::string source_;
  std::vector<Warning> warnings_;
};

// One node of the document and its path. An absent field and an explicit null are the same
// thing, as in Kubernetes: "not set".
class Field {
 public:
  Field(YAML::Node node, std::string path, Context& ctx);

  const std::string& path() const { return path_; }
  Context& ctx() const { return *ctx_; }
  bool is_set() const;
  bool is_map() const { return is_set() && node_.IsMap(); }
  bool is_list() const { return is_set() && node_.IsSequence(); }

  [[noreturn]] void fail(const std::string& what) const { ctx_->fail(path_, what); }
  void warn(const std::string& what) const { ctx_->warn(path_, what, node_.Mark()); }
  // For "got ..." in messages: "\"abc\"", "the string \"80\"", "a list", "a mapping", "nothing".
  std::string describe() const;

  // Typed reads; each fails with "must be <type>, got <describe()>".
  std::string str() const;  // any scalar, as written
  bool boolean() const;     // true/false (and YAML 1.1's yes/no/on/off), unquoted
  int64_t integer() const;  // unquoted decimal integer
  int64_t integer_in(int64_t min, int64_t max, const std::string& what) const;  // "must be <what>"
  // str(), which must be one of `allowed`: else fails "must be A, B or C, got \"x\"" (an
  // allowed "" is shown as \"\").
  std::string one_of(std::initializer_list<const char*> allowed) const;
  std::vector<std::string> strings() const;               // list of scalars; unset -> empty
  std::vector<Field> items() const;                       // list; unset -> empty; paths "<path>[i]"
  std::map<std::string, std::string> string_map() const;  // mapping of scalars; unset -> empty

  // An entry of a free-form mapping (labels, annotations), for messages: path "<path>[<key>]".
  Field entry(const std::string& key) const;
  // A child field; path "<path>.<key>" (or "<key>" at the top).
  Field child(const std::string& key, YAML::Node node) const;

  const YAML::Node& node() const { return node_; }

 private:
  YAML::Node node_;
  std::string path_;
  Context* ctx_;
};

// Reads the fields of one mapping. Every field not asked for is reported by warn_unknown() as
// "<path>.<key>: unknown field, ignored by minipod". Duplicate keys are errors (Kubernetes'
// strict decoding refuses them too).
class Object {
 public:
  explicit Object(const Field& field);  // fails unless a mapping or unset
  Field operator[](const std::string& key);
  // Fails with "<path>.<key>: required (<expected>)" when unset.
  Field required(const std::string& key, const std::string& expected);
  // Marks a field as known without reading it (kubectl output fields minipod does not need).
  void ignore(const std::string& key) { (*this)[key]; }
  void warn_unknown() const;

 private:
  Field field_;
  std::vector<std::pair<std::string, YAML::Node>> entries_;
  std::vector<bool> used_;
};

}  // namespace minipod::spec::detail
