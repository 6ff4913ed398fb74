#include "models/policy/dialect.h"

namespace crankback::policy {

const char* ConditionName(Condition c) {
  switch (c) {
    case Condition::kSessionCap:
      return "session_cap";
    case Condition::kUnallocated:
      return "unallocated";
    case Condition::kUserBusy:
      return "user_busy";
    case Condition::kNoAnswer:
      return "no_answer";
    case Condition::kDeclined:
      return "declined";
  }
  return "?";
}

namespace {

// The callee's own answers follow RFC 3398 in every preset unless it says
// otherwise: busy 486 (cause 17), no answer 480 (cause 19, ISUP T9), decline 603
// (cause 21).
Dialect Make(std::string name, Rejection session_cap, Rejection unallocated,
             Rejection no_answer = {480, 0, 19}) {
  Dialect d;
  d.name = std::move(name);
  d.entries[static_cast<size_t>(Condition::kSessionCap)] = session_cap;
  d.entries[static_cast<size_t>(Condition::kUnallocated)] = unallocated;
  d.entries[static_cast<size_t>(Condition::kUserBusy)] = Rejection{486, 0, 17};
  d.entries[static_cast<size_t>(Condition::kNoAnswer)] = no_answer;
  d.entries[static_cast<size_t>(Condition::kDeclined)] = Rejection{603, 0, 21};
  d.fallback = Rejection{500, 0, 0};
  return d;
}

}  // namespace

std::vector<Dialect> PresetDialects() {
  return {
      // RFC 3398 section 7.2.4.1: ISUP cause 34 (no circuit available) -> 503,
      // cause 1 (unallocated number) -> 404.
      Make("rfc3398", {503, 0, 34}, {404, 0, 1}),
      // A PBX at its line or channel limit answering 486 Busy Here (commonly
      // reported; sip-semantics D2), the code that stops most SBC route lists.
      Make("pbx-486", {486, 0, 17}, {404, 0, 1}),
      // A carrier whose no-answer timer answers 408 (RFC 3398: Q.850 cause 18,
      // no user responding -> 408; Kamailio's fr_inv_timer does the same).
      Make("carrier-408-no-answer", {503, 0, 34}, {404, 0, 1}, {408, 0, 18}),
  };
}

std::optional<Dialect> FindPresetDialect(std::string_view name) {
  for (Dialect& d : PresetDialects()) {
    if (d.name == name) return std::move(d);
  }
  return std::nullopt;
}

}  // namespace crankback::policy
