// What every node model receives from the simulation it lives in.
//
//   Carrier carrier(ctx, node_id, name, params);   // ctx: engine, network, streams, sinks
//
// Nothing here is global: two simulations (two replications, two policies) can
// run side by side in one process, on different threads.
#pragma once

#include <cstdint>
#include <vector>

#include "models/metrics/call_log.h"
#include "models/metrics/call_outcome.h"
#include "models/policy/cause_map.h"
#include "models/policy/dialect.h"
#include "models/sip/endpoint.h"
#include "models/sip/transport.h"
#include "sim/rng.h"

namespace crankback::nodes {

struct NodeContext {
  sip::SipNetwork& sip;
  const sim::RngFactory& rng;
  metrics::RunMetrics& metrics;
  const std::vector<policy::Dialect>& dialects;
  const policy::CauseMap& policy;
  sip::TimerProfile timers;
  metrics::CallLog* log = nullptr;  // the decision trace of one call; null = not recording
  // Node counters that cover a window (NapCounters) count from `warmup` on and
  // integrate over [warmup, end): RunSpec::warmup and the end of arrivals.
  sim::SimTime warmup = sim::SimTime::Zero();
  sim::SimTime end = sim::SimTime::Max();
};

// Per-node counts, for reports and for tests that look inside the network.
struct NodeCounters {
  uint64_t invites = 0;     // new INVITEs received
  uint64_t seizures = 0;    // calls accepted onto a channel or session
  uint64_t rejections = 0;  // INVITEs answered with a failure code
  uint64_t answered = 0;    // 2xx sent (carrier) or relayed (SBC)
  // Carrier: channels still held by answered calls when the run ended: their
  // BYE was lost (an outage) and no maximum call duration freed them.
  uint64_t hung_channels = 0;
};

// What one SBC NAP (trunk group) saw, counted from the warm-up on (see
// RunSpec::warmup); NodeResult::naps holds one per NAP, in the SBC's order.
struct NapCounters {
  uint64_t inbound = 0;         // INVITEs arriving on this NAP from its peer
  uint64_t offered = 0;         // calls whose route reached this NAP as egress: attempts + skips
  uint64_t attempts = 0;        // outbound INVITEs sent on it
  uint64_t capacity_skips = 0;  // skipped: max_sessions in use
  uint64_t cps_skips = 0;       // skipped: its cps bucket was empty
  // Overflow calls skipped: no more than trunk_reservation sessions were free.
  uint64_t reservation_skips = 0;
  uint64_t seizures = 0;  // sessions taken on it, inbound and outbound
  uint64_t answered = 0;  // outbound legs answered
  // Sessions in use integrated over [warm-up, end of arrivals): divided by that
  // window it is the carried traffic in Erlangs.
  double busy_seconds = 0;
  double answered_seconds = 0;  // talk time of its answered outbound legs
  double cost = 0;              // answered minutes x the route's cost_per_minute
};

// One route of an ingress NAP's list (by its index there), counted from the
// warm-up on; NodeResult::routes holds them per NAP.
struct RouteCounters {
  uint64_t attempts = 0;  // outbound INVITEs sent for this route
  uint64_t answered = 0;  // ... answered
};

}  // namespace crankback::nodes
