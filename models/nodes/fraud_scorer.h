// A fraud-scoring redirect server.
#pragma once

#include "models/nodes/node_context.h"

namespace crankback::nodes {

struct FraudScorerParams {};

class FraudScorer : public sip::Endpoint {
 public:
  FraudScorer(const NodeContext& ctx, sim::NodeId id, const FraudScorerParams& params);

  size_t active_calls() const { return 0; }
  const NodeCounters& counters() const { return counters_; }

 protected:
  void OnRequest(const sip::Message&) override {}
  void OnResponse(const sip::Message&) override {}
  void OnTimeout(const sip::Message&) override {}
  void OnAckTimeout(const sip::Message&) override {}
  uint32_t NextCseq(uint64_t) override { return 1; }

 private:
  NodeCounters counters_;
};

}  // namespace crankback::nodes
