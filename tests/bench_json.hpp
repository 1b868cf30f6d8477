// A small JSON parser and a JSON Schema validator for the subset of draft 2020-12 that
// bench/hk-bench.schema.json uses, written for the tests (independent of hk-bench's own JSON
// writer). The validator rejects any keyword it doesn't implement, so a schema edit can't
// silently weaken the test.
#pragma once

#include <cmath>
#include <cstdlib>
#include <map>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace bench_json {

struct Value {
  enum class Type { null, boolean, number, string, array, object } type = Type::null;
  bool b = false;
  double num = 0;
  bool integer = false;  // the number was written without fraction or exponent
  std::string str;
  std::vector<Value> items;
  std::vector<std::pair<std::string, Value>> members;

  const Value* get(const std::string& key) const {
    for (const auto& [k, v] : members)
      if (k == key) return &v;
    return nullptr;
  }
  const Value& at(const std::string& key) const {
    const Value* v = get(key);
    if (!v) throw std::runtime_error("no member '" + key + "'");
    return *v;
  }
  bool is_null() const { return type == Type::null; }
};

class Parser {
 public:
  explicit Parser(const std::string& text) : s_(text) {}
  Value parse() {
    Value v = value();
    space();
    if (i_ != s_.size()) fail("trailing characters");
    return v;
  }

 private:
  [[noreturn]] void fail(const std::string& what) {
    throw std::runtime_error("JSON parse error at offset " + std::to_string(i_) + ": " + what);
  }
  void space() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\n' || s_[i_] == '\t' || s_[i_] == '\r')) ++i_;
  }
  bool literal(const char* word) {
    size_t n = std::char_traits<char>::length(word);
    if (s_.compare(i_, n, word) != 0) return false;
    i_ += n;
    return true;
  }
  Value value() {
    space();
    if (i_ >= s_.size()) fail("unexpected end");
    Value v;
    char c = s_[i_];
    if (c == '{') {
      v.type = Value::Type::object;
      ++i_;
      space();
      if (s_[i_] == '}') return ++i_, v;
      std::set<std::string> keys;
      for (;;) {
        space();
        if (s_[i_] != '"') fail("expected a key");
        std::string key = string();
        if (!keys.insert(key).second) fail("duplicate key '" + key + "'");
        space();
        if (s_[i_++] != ':') fail("expected ':'");
        v.members.emplace_back(key, value());
        space();
        if (s_[i_] == ',') { ++i_; continue; }
        if (s_[i_] == '}') { ++i_; return v; }
        fail("expected ',' or '}'");
      }
    }
    if (c == '[') {
      v.type = Value::Type::array;
      ++i_;
      space();
      if (s_[i_] == ']') return ++i_, v;
      for (;;) {
        v.items.push_back(value());
        space();
        if (s_[i_] == ',') { ++i_; continue; }
        if (s_[i_] == ']') { ++i_; return v; }
        fail("expected ',' or ']'");
      }
    }
    if (c == '"') {
      v.type = Value::Type::string;
      v.str = string();
      return v;
    }
    if (literal("true")) { v.type = Value::Type::boolean; v.b = true; return v; }
    if (literal("false")) { v.type = Value::Type::boolean; return v; }
    if (literal("null")) return v;
    size_t start = i_;
    if (s_[i_] == '-') ++i_;
    bool digits = false, fraction = false;
    while (i_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i_]))) ++i_, digits = true;
    if (i_ < s_.size() && s_[i_] == '.') {
      fraction = true;
      ++i_;
      while (i_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i_]))) ++i_;
    }
    if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
      fraction = true;
      ++i_;
      if (s_[i_] == '+' || s_[i_] == '-') ++i_;
      while (i_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i_]))) ++i_;
    }
    if (!digits) fail("unexpected character");
    v.type = Value::Type::number;
    v.num = std::strtod(s_.substr(start, i_ - start).c_str(), nullptr);
    v.integer = !fraction;
    return v;
  }
  std::string string() {
    ++i_;  // opening quote
    std::string out;
    while (i_ < s_.size() && s_[i_] != '"') {
      char c = s_[i_++];
      if (static_cast<unsigned char>(c) < 0x20) fail("control character in string");
      if (c != '\\') { out += c; continue; }
      char e = s_[i_++];
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'n': out += '\n'; break;
        case 't': out += '\t'; break;
        case 'r': out += '\r'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'u': {
          unsigned cp = static_cast<unsigned>(std::stoul(s_.substr(i_, 4), nullptr, 16));
          i_ += 4;
          if (cp < 0x80) out += char(cp);
          else if (cp < 0x800) out += char(0xC0 | (cp >> 6)), out += char(0x80 | (cp & 0x3F));
          else out += char(0xE0 | (cp >> 12)), out += char(0x80 | ((cp >> 6) & 0x3F)), out += char(0x80 | (cp & 0x3F));
          break;
        }
        default: fail("bad escape");
      }
    }
    if (i_ >= s_.size()) fail("unterminated string");
    ++i_;
    return out;
  }
  const std::string& s_;
  size_t i_ = 0;
};

inline Value parse(const std::string& text) { return Parser(text).parse(); }

inline bool equal(const Value& a, const Value& b) {
  if (a.type != b.type) return false;
  switch (a.type) {
    case Value::Type::null: return true;
    case Value::Type::boolean: return a.b == b.b;
    case Value::Type::number: return a.num == b.num;
    case Value::Type::string: return a.str == b.str;
    case Value::Type::array:
      if (a.items.size() != b.items.size()) return false;
      for (size_t i = 0; i < a.items.size(); ++i)
        if (!equal(a.items[i], b.items[i])) return false;
      return true;
    case Value::Type::object:
      if (a.members.size() != b.members.size()) return false;
      for (const auto& [k, v] : a.members)
        if (!b.get(k) || !equal(v, *b.get(k))) return false;
      return true;
  }
  return false;
}

// Validates `v` against `schema` (root = the whole schema document, for $ref). Appends one
// message per violation, with the JSON path, to `errors`.
class Validator {
 public:
  explicit Validator(const Value& root) : root_(root) {}

  void validate(const Value& v, const Value& schema, const std::string& path, std::vector<std::string>& errors) const {
    if (schema.type == Value::Type::boolean) {
      if (!schema.b) errors.push_back(path + ": not allowed here");
      return;
    }
    static const std::set<std::string> annotations = {"$schema", "$id", "title", "description", "$defs"};
    for (const auto& [key, sub] : schema.members) {
      if (annotations.count(key)) continue;
      if (key == "type") check_type(v, sub, path, errors);
      else if (key == "enum") {
        bool any = false;
        for (const Value& e : sub.items) any |= equal(v, e);
        if (!any) errors.push_back(path + ": value not in enum");
      } else if (key == "const") {
        if (!equal(v, sub)) errors.push_back(path + ": value differs from const");
      } else if (key == "minimum") {
        if (v.type == Value::Type::number && v.num < sub.num) errors.push_back(path + ": below minimum");
      } else if (key == "exclusiveMinimum") {
        if (v.type == Value::Type::number && v.num <= sub.num) errors.push_back(path + ": not above exclusiveMinimum");
      } else if (key == "minItems") {
        if (v.type == Value::Type::array && double(v.items.size()) < sub.num) errors.push_back(path + ": too few items");
      } else if (key == "maxItems") {
        if (v.type == Value::Type::array && double(v.items.size()) > sub.num) errors.push_back(path + ": too many items");
      } else if (key == "items") {
        if (v.type == Value::Type::array)
          for (size_t i = 0; i < v.items.size(); ++i) validate(v.items[i], sub, path + "[" + std::to_string(i) + "]", errors);
      } else if (key == "required") {
        if (v.type == Value::Type::object)
          for (const Value& name : sub.items)
            if (!v.get(name.str)) errors.push_back(path + ": missing required '" + name.str + "'");
      } else if (key == "properties") {
        if (v.type == Value::Type::object)
          for (const auto& [name, s] : sub.members)
            if (const Value* m = v.get(name)) validate(*m, s, path + "." + name, errors);
      } else if (key == "additionalProperties") {
        if (v.type != Value::Type::object) continue;
        const Value* props = schema.get("properties");
        for (const auto& [name, m] : v.members)
          if (!props || !props->get(name)) validate(m, sub, path + "." + name, errors);
      } else if (key == "$ref") {
        validate(v, resolve(sub.str), path, errors);
      } else if (key == "allOf") {
        for (const Value& s : sub.items) validate(v, s, path, errors);
      } else if (key == "oneOf") {
        int matches = 0;
        for (const Value& s : sub.items) {
          std::vector<std::string> e;
          validate(v, s, path, e);
          matches += e.empty();
        }
        if (matches != 1) errors.push_back(path + ": matches " + std::to_string(matches) + " oneOf branches, not 1");
      } else if (key == "if") {
        std::vector<std::string> e;
        validate(v, sub, path, e);
        const Value* branch = schema.get(e.empty() ? "then" : "else");
        if (branch) validate(v, *branch, path, errors);
      } else if (key == "then" || key == "else") {
        continue;  // handled with "if"
      } else {
        errors.push_back(path + ": the test's validator doesn't implement keyword '" + key + "'");
      }
    }
  }

 private:
  const Value& resolve(const std::string& ref) const {
    const std::string prefix = "#/$defs/";
    if (ref.rfind(prefix, 0) != 0) throw std::runtime_error("unsupported $ref " + ref);
    return root_.at("$defs").at(ref.substr(prefix.size()));
  }
  static bool has_type(const Value& v, const std::string& t) {
    switch (v.type) {
      case Value::Type::null: return t == "null";
      case Value::Type::boolean: return t == "boolean";
      case Value::Type::number: return t == "number" || (t == "integer" && v.integer);
      case Value::Type::string: return t == "string";
      case Value::Type::array: return t == "array";
      case Value::Type::object: return t == "object";
    }
    return false;
  }
  static void check_type(const Value& v, const Value& t, const std::string& path, std::vector<std::string>& errors) {
    bool ok = false;
    if (t.type == Value::Type::string) ok = has_type(v, t.str);
    for (const Value& one : t.items) ok |= has_type(v, one.str);
    if (!ok) errors.push_back(path + ": wrong type");
  }
  const Value& root_;
};

inline std::vector<std::string> validate(const Value& document, const Value& schema) {
  std::vector<std::string> errors;
  Validator(schema).validate(document, schema, "$", errors);
  return errors;
}

}  // namespace bench_json
