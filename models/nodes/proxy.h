// A stateful SIP proxy (RFC 3261 section 16).
#pragma once

#include "models/nodes/node_context.h"

namespace crankback::nodes {

struct ProxyParams {};

class Proxy : public sip::Endpoint {
 public:
  Proxy(const NodeContext& ctx, sim::NodeId id, const ProxyParams& params);

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
