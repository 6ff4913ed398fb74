// The decision trace of chosen calls: what each SBC did at each route, and
// how the call ended at its origin.
//
//   CallLog log(/*call=*/17);                  // the 17th call of each user agent
//   NodeContext ctx{..., .log = &log};
//   ... run ...
//   for (const RouteStep& s : log.steps()) ...   // in the order they happened
//
// Recording is off unless a run asks for it (RunSpec::explain_call), so the
// common run pays one pointer test per decision.
#pragma once

#include <cstdint>
#include <vector>

#include "models/metrics/call_outcome.h"
#include "models/policy/cause_map.h"
#include "sim/time.h"

namespace crankback::metrics {

// One thing an SBC did with one attempt of a call.
struct RouteStep {
  enum class Event : uint8_t {
    kFailure,          // the route answered `code` (or timed out: 408); `decision` says what next
    kCapacitySkip,     // the egress NAP was at its session cap: skipped without an attempt
    kCpsSkip,          // the egress NAP was at its CPS cap: skipped without an attempt
    kReservationSkip,  // an overflow call met the egress NAP's trunk reservation: skipped
    kRetryTimeout,     // the route-retry timer ran out before the minimum call state: next route
    kRedirect,         // the policy processed a 3xx: the call goes to the NAP of its Contact
    kRedirectUnroutable,  // ... but no NAP reaches the Contact (or too many redirects): stop
    kAnswered,            // the route answered: the call is connected through it
  };
  sim::SimTime at;
  uint32_t sbc = 0;     // node index
  uint32_t in_nap = 0;  // the ingress NAP
  int32_t route = -1;   // entry of the ingress NAP's route list; -1 = none
  uint32_t nap = 0;     // the egress NAP of the attempt
  Event event = Event::kFailure;
  int16_t code = 0;           // the status received (kFailure, kRedirect, kAnswered)
  int16_t reason_q850 = 0;    // its Reason: Q.850 cause
  policy::Decision decision;  // kFailure, kRedirect, kRedirectUnroutable
};
const char* EventName(RouteStep::Event e);

class CallLog {
 public:
  // Records the calls whose Message::origin_call is `call` (the call-th call
  // of each user agent).
  explicit CallLog(uint32_t call) : call_(call) {}

  bool Wants(uint32_t origin_call) const { return origin_call == call_; }
  void Add(const RouteStep& s) { steps_.push_back(s); }
  void AddOutcome(uint32_t agent, const CallOutcome& o) { outcomes_.push_back({agent, o}); }

  struct AgentOutcome {
    uint32_t agent = 0;  // node index of the user agent
    CallOutcome outcome;
  };
  uint32_t call() const { return call_; }
  const std::vector<RouteStep>& steps() const { return steps_; }
  const std::vector<AgentOutcome>& outcomes() const { return outcomes_; }

 private:
  uint32_t call_;
  std::vector<RouteStep> steps_;
  std::vector<AgentOutcome> outcomes_;
};

}  // namespace crankback::metrics
