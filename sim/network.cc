#include "sim/network.h"

#include <algorithm>

namespace crankback::sim {

const char* TransportName(Transport t) {
  switch (t) {
    case Transport::kUdp:
      return "udp";
    case Transport::kTcp:
      return "tcp";
    case Transport::kTls:
      return "tls";
  }
  return "?";
}

NodeId Network::AddNode(std::string name) {
  const NodeId id = static_cast<NodeId>(boost::add_vertex(NodeInfo{std::move(name)}, graph_));
  adjacency_.emplace_back();
  return id;
}

void Network::AddLink(NodeId a, NodeId b, const LinkParams& params) {
  boost::add_edge(a, b, LinkInfo{params}, graph_);
  for (auto [from, to] : {std::pair{a, b}, std::pair{b, a}}) {
    const std::string owner = NodeName(from) + ">" + NodeName(to);
    adjacency_[from].emplace_back(to, static_cast<HopId>(hops_.size()));
    hops_.push_back(HopState{from, to, params, rng_.Stream(owner, "loss"),
                             rng_.Stream(owner, "jitter"), SimTime::Zero()});
  }
}

std::optional<NodeId> Network::FindNode(std::string_view name) const {
  for (NodeId n = 0; n < node_count(); ++n) {
    if (graph_[n].name == name) return n;
  }
  return std::nullopt;
}

std::optional<HopId> Network::FindHop(NodeId from, NodeId to) const {
  for (const auto& [neighbour, hop] : adjacency_[from]) {
    if (neighbour == to) return hop;
  }
  return std::nullopt;
}

Transmission Network::Transmit(HopId h, SimTime now) {
  HopState& hop = hops_[h];
  Duration delay = hop.params.latency;
  if (hop.params.jitter) delay += hop.params.jitter->SampleDuration(hop.jitter_rng);
  if (!IsReliable(hop.params.transport)) {
    if (hop.loss_rng.NextBernoulli(hop.params.loss)) return {true, now};
    return {false, now + delay};
  }
  Duration rto = hop.params.tcp_rto;
  for (int tries = 0; tries < 12 && hop.loss_rng.NextBernoulli(hop.params.loss); ++tries) {
    delay += rto;
    rto = rto * 2;
  }
  hop.last_arrival = std::max(hop.last_arrival, now + delay);
  return {false, hop.last_arrival};
}

}  // namespace crankback::sim
