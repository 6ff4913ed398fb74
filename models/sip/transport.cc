#include "models/sip/transport.h"

#include <algorithm>

#include "models/sip/endpoint.h"

namespace crankback::sip {

void SipNetwork::Attach(sim::NodeId node, Endpoint* endpoint) {
  if (endpoints_.size() <= node) endpoints_.resize(node + 1, nullptr);
  endpoints_[node] = endpoint;
}

void SipNetwork::SetOutages(sim::NodeId node, std::span<const Outage> windows) {
  std::vector<Outage> sorted(windows.begin(), windows.end());
  std::sort(sorted.begin(), sorted.end(),
            [](const Outage& a, const Outage& b) { return a.start < b.start; });
  for (size_t i = 0; i < sorted.size(); ++i) {
    if (sorted[i].duration <= sim::Duration())
      sim::Fatal("SipNetwork::SetOutages: an outage lasts no time");
    if (i > 0 && sorted[i].start < sorted[i - 1].end())
      sim::Fatal("SipNetwork::SetOutages: outages of one node overlap");
  }
  if (sorted.empty() && node >= outages_.size()) return;
  if (outages_.size() <= node) outages_.resize(node + 1);
  outages_[node] = std::move(sorted);
}

const Outage* SipNetwork::OutageAt(sim::NodeId node, sim::SimTime t) const {
  if (node >= outages_.size()) return nullptr;
  const std::vector<Outage>& windows = outages_[node];
  // The last window starting at or before t is the only one that can hold it.
  auto after = std::upper_bound(windows.begin(), windows.end(), t,
                                [](sim::SimTime at, const Outage& w) { return at < w.start; });
  if (after == windows.begin() || t >= std::prev(after)->end()) return nullptr;
  return &*std::prev(after);
}

bool SipNetwork::IsReliable(sim::NodeId from, sim::NodeId to) const {
  const auto hop = network_.FindHop(from, to);
  return hop && sim::IsReliable(network_.HopParams(*hop).transport);
}

SendResult SipNetwork::Send(sim::NodeId from, sim::NodeId to, Message m) {
  const auto hop = network_.FindHop(from, to);
  if (!hop) sim::Fatal("SipNetwork::Send: no link between the two nodes");
  m.from = from;
  m.to = to;
  if (!outages_.empty()) return SendWithOutages(*hop, m);  // the only cost without outages
  Enter<false>(*hop, m);
  return SendResult::kSent;
}

SendResult SipNetwork::SendWithOutages(sim::HopId hop, const Message& m) {
  const sim::SimTime now = engine_.Now();
  if (IsDown(m.from, now)) {  // a down node sends nothing
    ++counters_.down_unsent;
    return SendResult::kSent;
  }
  if (const Outage* down = OutageAt(m.to, now)) {
    const bool refuses = sim::IsReliable(network_.HopParams(hop).transport)
                             ? down->tcp_mode == OutageMode::kRefuse
                             : down->udp_icmp_unreachable;
    if (refuses) {  // N3, N4: RST or ICMP unreachable, before anything enters the link
      ++counters_.refused;
      return SendResult::kRefused;
    }
  }
  Enter<true>(hop, m);
  return SendResult::kSent;
}

template <bool kOutages>
void SipNetwork::Enter(sim::HopId hop, const Message& m) {
  ++counters_.sent;
  if (m.retransmission) ++counters_.retransmissions;
  if (m.status >= 200 && m.status < 200 + kFinalCodes && !m.retransmission &&
      m.method == Method::kInvite && !m.in_dialog) {
    const size_t slot = size_t{m.from} * kFinalCodes + static_cast<size_t>(m.status - 200);
    if (slot >= finals_sent_.size()) finals_sent_.resize((size_t{m.from} + 1) * kFinalCodes);
    ++finals_sent_[slot];
  }
  const sim::Transmission tx = network_.Transmit(hop, engine_.Now());
  // Lost on arrival when the peer is down by then (black hole, silent UDP, or
  // an outage that began while the message was in flight).
  bool vanished = false;
  if constexpr (kOutages) vanished = !tx.lost && IsDown(m.to, tx.arrival);
  if (observer_ != nullptr)
    observer_->OnTransmission({engine_.Now(), tx.arrival, tx.lost || vanished, m});
  if (tx.lost) {
    ++counters_.lost;
    return;
  }
  if (vanished) {
    ++counters_.down_dropped;
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

std::vector<std::pair<int, uint64_t>> SipNetwork::FinalsSent(sim::NodeId node) const {
  std::vector<std::pair<int, uint64_t>> out;
  const size_t first = size_t{node} * kFinalCodes;
  for (size_t i = 0; first + i < finals_sent_.size() && i < kFinalCodes; ++i) {
    const uint64_t n = finals_sent_[first + i];
    if (n != 0) out.emplace_back(200 + static_cast<int>(i), n);
  }
  return out;
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
