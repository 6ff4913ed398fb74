#include "models/policy/dialect.h"

namespace crankback::policy {

const char* ConditionName(Condition c) {
  switch (c) {
    case Condition::kSessionCap:
      return "session_cap";
    case Condition::kUnallocated:
      return "unallocated";
  }
  return "?";
}

namespace {

Dialect Make(std::string name, Rejection session_cap, Rejection unallocated) {
  Dialect d;
  d.name = std::move(name);
  d.entries[static_cast<size_t>(Condition::kSessionCap)] = session_cap;
  d.entries[static_cast<size_t>(Condition::kUnallocated)] = unallocated;
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
  };
}

std::optional<Dialect> FindPresetDialect(std::string_view name) {
  for (Dialect& d : PresetDialects()) {
    if (d.name == name) return std::move(d);
  }
  return std::nullopt;
}

}  // namespace crankback::policy
