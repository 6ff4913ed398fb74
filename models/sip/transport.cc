#include "models/sip/transport.h"

#include "models/sip/endpoint.h"

namespace crankback::sip {

void SipNetwork::Attach(sim::NodeId node, Endpoint* endpoint) {
  if (endpoints_.size() <= node) endpoints_.resize(node + 1, nullptr);
  endpoints_[node] = endpoint;
}

bool SipNetwork::IsReliable(sim::NodeId from, sim::NodeId to) const {
  const auto hop = network_.FindHop(from, to);
  return hop && sim::IsReliable(network_.HopParams(*hop).transport);
}

void SipNetwork::Send(sim::NodeId from, sim::NodeId to, Message m) {
  const auto hop = network_.FindHop(from, to);
  if (!hop) sim::Fatal("SipNetwork::Send: no link between the two nodes");
  ++counters_.sent;
  if (m.retransmission) ++counters_.retransmissions;
  const sim::Transmission tx = network_.Transmit(*hop, engine_.Now());
  m.from = from;
  m.to = to;
  if (observer_ != nullptr) observer_->OnTransmission({engine_.Now(), tx.arrival, tx.lost, m});
  if (tx.lost) {
    ++counters_.lost;
    return;
  }
  uint32_t slot;
  if (!free_.empty()) {
    slot = free_.back();
    free_.pop_back();
    in_flight_[slot] = m;
  } else {
    slot = static_cast<uint32_t>(in_flight_.size());
    in_flight_.push_back(m);
  }
  engine_.ScheduleAt(tx.arrival, [this, slot] { Deliver(slot); });
}

void SipNetwork::Deliver(uint32_t slot) {
  const Message m = in_flight_[slot];
  free_.push_back(slot);
  Endpoint* endpoint = m.to < endpoints_.size() ? endpoints_[m.to] : nullptr;
  if (endpoint == nullptr)
    sim::Fatal("SipNetwork: message delivered to a node with no SIP endpoint");
  endpoint->Receive(m);
}

}  // namespace crankback::sip
