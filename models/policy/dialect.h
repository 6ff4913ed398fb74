// A node's response-code dialect: which code it sends for each internal condition.
//
//   const Dialect& d = dialects[carrier.dialect];
//   Rejection r = d.Reject(Condition::kSessionCap);   // e.g. 503, Retry-After 300
//
// Nodes disagree on codes (one carrier answers 503 at its session cap, another
// 486); the dialect is data, with an explicit fallback for conditions it omits.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace crankback::policy {

enum class Condition : uint8_t { kSessionCap, kUnallocated, kUserBusy, kNoAnswer, kDeclined };
inline constexpr int kConditionCount = 5;
const char* ConditionName(Condition c);

struct Rejection {
  int code = 500;
  int retry_after_s = 0;  // 0 = none
  int q850_cause = 0;     // 0 = no Reason header
};

struct Dialect {
  std::string name;
  std::array<std::optional<Rejection>, kConditionCount> entries;
  Rejection fallback;

  Rejection Reject(Condition c) const {
    const auto& e = entries[static_cast<size_t>(c)];
    return e ? *e : fallback;
  }
};

// Built-in dialects, each citing its source.
std::vector<Dialect> PresetDialects();
std::optional<Dialect> FindPresetDialect(std::string_view name);

}  // namespace crankback::policy
