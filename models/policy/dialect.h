// A node's response-code dialect: which code it sends for each internal condition.
//
//   const Dialect& d = dialects[carrier.dialect];
//   Rejection r = d.Reject(Condition::kSessionCap);   // e.g. 503, Retry-After 300
//
// Nodes disagree on codes (one carrier answers 503 at its session cap, another
// 486); the dialect is data, with an explicit fallback for conditions it omits.
// The presets model real products, each citing its source in dialect.cc.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace crankback::policy {

// The true causes a node answers in its own code. The order is the schema's
// (pb::Condition value - 1); append only.
enum class Condition : uint8_t {
  kSessionCap,     // all sessions or channels busy
  kUnallocated,    // the number is not served here (or the user is logged out)
  kUserBusy,       // the callee is on another call
  kNoAnswer,       // the callee rang until the no-answer timer
  kDeclined,       // the callee rejected the call
  kCpsLimit,       // call attempts arrive faster than the node admits
  kOverload,       // the node's processing is saturated
  kServerFault,    // an internal failure of the node
  kFraudBlock,     // a fraud scorer (or a carrier's fraud control) blocks the call
  kFraudClear,     // a fraud scorer found nothing: route the call as usual
  kFraudRedirect,  // a fraud scorer sends the call elsewhere (Contact)
  kCodecMismatch,  // no common codec with the offer
};
inline constexpr int kConditionCount = 12;
const char* ConditionName(Condition c);

struct Rejection {
  int code = 500;         // 300..699 (3xx: kFraudRedirect)
  int retry_after_s = 0;  // 0 = no Retry-After header
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
