// A bad-input error: where in which file, and what is wrong.
//
//   LoadError e{"topo.pbtxt", 14, "nodes[\"sbc1\"].sbc.naps[0].max_sessions", "must be >= 0 (got
//   -3)"}; std::cerr << e.ToString();   // topo.pbtxt:14: nodes["sbc1"].sbc.naps[0].max_sessions:
//   must be >= 0 (got -3)
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace crankback::topologies {

struct LoadError {
  std::string file;
  int line = 0;      // 1-based; 0 when unknown (binary input)
  std::string path;  // field path; empty for file-level errors
  std::string message;

  std::string ToString() const {
    std::string s = file;
    if (line > 0) s += ":" + std::to_string(line);
    s += ": ";
    if (!path.empty()) s += path + ": ";
    return s + message;
  }
};

// A value or the first error found.
template <class T>
class Loaded {
 public:
  Loaded(T value) : v_(std::move(value)) {}          // NOLINT: implicit by design
  Loaded(LoadError error) : v_(std::move(error)) {}  // NOLINT
  bool ok() const { return std::holds_alternative<T>(v_); }
  const T& value() const { return std::get<T>(v_); }
  T& value() { return std::get<T>(v_); }
  const LoadError& error() const { return std::get<LoadError>(v_); }

 private:
  std::variant<T, LoadError> v_;
};

}  // namespace crankback::topologies
