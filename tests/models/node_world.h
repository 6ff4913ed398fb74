// Node models on a bare harness: scripted peers (sip::testing::Peer) around
// the node under test, with the context a simulation would give it.
//
//   NodeWorld w(3, {{0, 1}, {1, 2}}, /*latency_ms=*/10, /*t1_ms=*/500);
//   Peer& caller = w.h.AddPeer(0, Profile(500));
//   nodes::Sbc sbc(w.ctx, 1, params);
#pragma once

#include <utility>
#include <vector>

#include "models/nodes/node_context.h"
#include "tests/models/sip/endpoint_harness.h"

namespace crankback::testing {

struct NodeWorld {
  explicit NodeWorld(size_t nodes, std::vector<std::pair<sim::NodeId, sim::NodeId>> links,
                     int64_t latency_ms, int64_t t1_ms)
      : h(nodes, std::move(links), {.latency = sim::Duration::Millis(latency_ms)}),
        metrics(sim::SimTime::Zero()),
        dialects(policy::PresetDialects()),
        ctx{h.sip, h.rng, metrics, dialects, policy, sip::testing::Profile(t1_ms)} {
    policy.fallback = policy::Action::kStop;
  }
  sip::testing::Harness h;
  metrics::RunMetrics metrics;
  std::vector<policy::Dialect> dialects;
  policy::CauseMap policy;
  nodes::NodeContext ctx;
};

}  // namespace crankback::testing
