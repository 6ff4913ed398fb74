// A cause-mapping policy: what an SBC does with a failure from one route.
//
//   const CauseMap& policy = ...;   // from the topology file, or
//   FindPresetPolicy("prosbc-default") Decision d = policy.Decide({.sbc = 1, .in_nap = 0, .route =
//   0, .nap = 2}, 503);  // kAdvance
//
// A rule matches an exact code, a class (5 = 5xx), an inclusive range, or the
// Q.850 cause of the response's Reason header, and takes one action. Rules are
// set per route (an entry of the ingress NAP's route list), per egress NAP
// (trunk group) or globally; the most specific scope that has a matching rule
// decides, the first match within a scope wins, and a failure no rule matches
// takes the policy's explicit fallback. The decision names the rule that fired,
// for the per-call decision trace, and says what to send upstream.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace crankback::policy {

enum class Action : uint8_t {
  kAdvance,    // continue: try the next route of the ingress NAP's list
  kStop,       // send the failure upstream as received
  kRedirect,   // process the 3xx: consume its Contact and route the call to it
  kTranslate,  // stop, and send Decision::code upstream instead of the received code
  kAddReason,  // stop, and send the failure upstream with Reason: Q.850 Decision::q850_cause
};
const char* ActionName(Action a);

enum class MatchKind : uint8_t {
  kCode,   // low == high: exactly this code
  kClass,  // low..high = N00..N99
  kRange,  // low..high, inclusive
  kQ850,   // the response's Reason: Q.850 cause == low (== high)
};

struct CauseRule {
  int low = 0;
  int high = 0;
  Action action = Action::kStop;
  MatchKind match = MatchKind::kRange;
  int translate_to = 0;  // kTranslate: the code sent upstream (300..699)
  int q850_cause = 0;    // kAddReason (required), kTranslate (optional): Reason added; 0 = none

  static CauseRule Code(int code, Action a) { return {code, code, a, MatchKind::kCode}; }
  static CauseRule Class(int digit, Action a) {
    return {digit * 100, digit * 100 + 99, a, MatchKind::kClass};
  }
  static CauseRule Range(int low, int high, Action a) { return {low, high, a, MatchKind::kRange}; }
  static CauseRule Q850(int cause, Action a) { return {cause, cause, a, MatchKind::kQ850}; }

  // `code` is the response's status, `reason_q850` its Reason: Q.850 cause (0 = none).
  bool Matches(int code, int reason_q850) const {
    if (match == MatchKind::kQ850) return reason_q850 != 0 && reason_q850 == low;
    return low <= code && code <= high;
  }
};

// Rules for failures from one egress NAP (trunk group) of one SBC.
struct NapRules {
  uint32_t sbc = 0;  // node index of the SBC
  uint32_t nap = 0;  // egress NAP index within it
  std::vector<CauseRule> rules;
};

// Rules for failures of one route: entry `route` of ingress NAP `in_nap`'s list.
struct RouteRules {
  uint32_t sbc = 0;
  uint32_t in_nap = 0;
  uint32_t route = 0;
  std::vector<CauseRule> rules;
};

// The attempt that failed: which SBC, which route of which ingress NAP, and the
// egress NAP that route went out on.
struct Attempt {
  uint32_t sbc = 0;
  uint32_t in_nap = 0;
  uint32_t route = 0;  // index in the ingress NAP's route list
  uint32_t nap = 0;    // egress NAP
};

// What to do with one failure, and which rule said so.
//   kAdvance:   try the next route; nothing goes upstream yet.
//   kRedirect:  route the call to the 3xx's Contact; nothing goes upstream yet.
//   kStop, kTranslate, kAddReason: the call fails upstream with
//               UpstreamCode(received) and Reason: Q.850 UpstreamQ850(received).
struct Decision {
  enum class Source : uint8_t { kRoute, kNap, kGlobal, kFallback };
  Action action = Action::kStop;
  Source source = Source::kFallback;
  int16_t rule = -1;       // index in that scope's rules; -1 for the fallback
  int16_t code = 0;        // kTranslate: the code to send upstream; else 0
  int16_t q850_cause = 0;  // Reason: Q.850 cause to send upstream instead; 0 = as received

  bool FailsUpstream() const {
    return action == Action::kStop || action == Action::kTranslate || action == Action::kAddReason;
  }
  int UpstreamCode(int received) const { return code != 0 ? code : received; }
  int UpstreamQ850(int received) const { return q850_cause != 0 ? q850_cause : received; }
};
const char* SourceName(Decision::Source s);

struct CauseMap {
  std::string name;
  std::vector<CauseRule> rules;     // global
  std::vector<NapRules> naps;       // at most one entry per (sbc, nap)
  std::vector<RouteRules> routes;   // at most one entry per (sbc, in_nap, route)
  Action fallback = Action::kStop;  // kAdvance or kStop

  // `code` is the failure's status, `reason_q850` its Reason: Q.850 cause (0 = none).
  Decision Decide(const Attempt& at, int code, int reason_q850 = 0) const;
  // The rule a decision names; null for the fallback.
  const CauseRule* RuleOf(const Attempt& at, const Decision& d) const;
};

// Built-in policies modelling real products' defaults, each citing its source.
std::vector<CauseMap> PresetPolicies();
std::optional<CauseMap> FindPresetPolicy(std::string_view name);

}  // namespace crankback::policy
