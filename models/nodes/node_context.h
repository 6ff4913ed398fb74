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

}  // namespace crankback::nodes
