#include "models/policy/cause_map.h"

namespace crankback::policy {

const char* ActionName(Action a) {
  switch (a) {
    case Action::kAdvance:
      return "advance";
    case Action::kStop:
      return "stop";
  }
  return "?";
}

namespace {

int FirstMatch(const std::vector<CauseRule>& rules, int code) {
  for (size_t i = 0; i < rules.size(); ++i) {
    if (rules[i].low <= code && code <= rules[i].high) return static_cast<int>(i);
  }
  return -1;
}

}  // namespace

Decision CauseMap::Decide(uint32_t sbc, uint32_t nap, int code) const {
  for (const NapRules& n : naps) {
    if (n.sbc != sbc || n.nap != nap) continue;
    if (const int i = FirstMatch(n.rules, code); i >= 0) {
      return {n.rules[i].action, Decision::Source::kNap, static_cast<int16_t>(i)};
    }
  }
  if (const int i = FirstMatch(rules, code); i >= 0) {
    return {rules[i].action, Decision::Source::kGlobal, static_cast<int16_t>(i)};
  }
  return {fallback, Decision::Source::kFallback, -1};
}

}  // namespace crankback::policy
