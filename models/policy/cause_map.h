// A cause-mapping policy: what an SBC does with a failure from one route.
//
//   CauseMap policy = ...;                       // from the topology file
//   Decision d = policy.Decide(sbc, nap, 503);   // d.action == Action::kAdvance
//
// Rules match an exact code, a class (5 = 5xx) or an inclusive range. Rules set
// on an egress NAP are tried before the policy's global rules; the first match
// wins, and a code no rule matches takes the policy's explicit fallback. The
// decision names the rule that fired, for the per-call decision trace.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace crankback::policy {

enum class Action : uint8_t { kAdvance, kStop };
const char* ActionName(Action a);

struct CauseRule {
  int low = 0;  // matches codes in [low, high]
  int high = 0;
  Action action = Action::kStop;
};

struct NapRules {
  uint32_t sbc = 0;  // node index of the SBC
  uint32_t nap = 0;  // NAP index within it
  std::vector<CauseRule> rules;
};

// Which rule decided: kNap (index into the NAP's rules), kGlobal, or kFallback.
struct Decision {
  enum class Source : uint8_t { kNap, kGlobal, kFallback };
  Action action = Action::kStop;
  Source source = Source::kFallback;
  int16_t rule = -1;
};

struct CauseMap {
  std::string name;
  std::vector<CauseRule> rules;
  std::vector<NapRules> naps;
  Action fallback = Action::kStop;

  Decision Decide(uint32_t sbc, uint32_t nap, int code) const;
};

}  // namespace crankback::policy
