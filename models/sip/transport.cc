#include "models/sip/transport.h"

#include <algorithm>

#include "models/sip/endpoint.h"

namespace crankback::sip {

void SipNetwork::Attach(sim::NodeId node, Endpoint* endpoint) {
  if (endpoints_.size() <= node) endpoints_.resize(node + 1, nullptr);
  endpoints_[node] = endpoint;
}

void SipNetwork::SetAgent(sim::NodeId node, NodeAgent* agent) {
  if (agents_.size() <= node) agents_.resize(node + 1, nullptr);
  agents_[node] = agent;
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

void SipNetwork::SetLinkFaults(std::vector<LinkFault> faults) {
  std::sort(faults.begin(), faults.end(),
            [](const LinkFault& x, const LinkFault& y) { return x.start < y.start; });
  hop_faults_.clear();
  for (uint32_t i = 0; i < faults.size(); ++i) {
    const LinkFault& f = faults[i];
    if (f.duration <= sim::Duration())
      sim::Fatal("SipNetwork::SetLinkFaults: a fault lasts no time");
    for (const auto& [from, to] : {std::pair{f.a, f.b}, std::pair{f.b, f.a}}) {
      const auto hop = network_.FindHop(from, to);
      if (!hop) sim::Fatal("SipNetwork::SetLinkFaults: no link between the two nodes");
      if (hop_faults_.size() <= *hop) hop_faults_.resize(*hop + 1);
      for (uint32_t j : hop_faults_[*hop]) {
        if (f.start < faults[j].end())
          sim::Fatal("SipNetwork::SetLinkFaults: faults of one link overlap");
      }
      hop_faults_[*hop].push_back(i);
    }
  }
  link_faults_ = std::move(faults);
  // Outages and link faults share the slow path of Send.
  for (const LinkFault& f : link_faults_) {
    if (outages_.size() <= std::max(f.a, f.b)) outages_.resize(std::max(f.a, f.b) + 1);
  }
}

LinkFault* SipNetwork::LinkFaultAt(sim::HopId hop, sim::SimTime t) {
  if (hop >= hop_faults_.size()) return nullptr;
  for (uint32_t i : hop_faults_[hop]) {
    LinkFault& f = link_faults_[i];
    if (f.start <= t && t < f.end()) return &f;
  }
  return nullptr;
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
  if (!agents_.empty()) return SendWithAgents(*hop, m);
  if (!outages_.empty()) return SendWithOutages(*hop, m);  // the only cost without outages
  Enter<false>(*hop, m);
  return SendResult::kSent;
}

SendResult SipNetwork::SendWithAgents(sim::HopId hop, const Message& m) {
  OverloadFeedback feedback;
  if (!m.is_request() && m.from < agents_.size() && agents_[m.from] != nullptr)
    feedback = agents_[m.from]->FeedbackFor(m.to);
  uint32_t slot = kNoSlot;
  SendResult result = SendResult::kSent;
  if (outages_.empty()) {
    slot = Enter<false>(hop, m);
  } else {
    result = SendWithOutages(hop, m, &slot);
  }
  if (slot != kNoSlot) {
    if (feedback_.size() <= slot) feedback_.resize(in_flight_.size());
    feedback_[slot] = feedback;
  }
  return result;
}

SendResult SipNetwork::SendWithOutages(sim::HopId hop, const Message& m, uint32_t* slot) {
  const sim::SimTime now = engine_.Now();
  if (const Outage* self = OutageAt(m.from, now)) {  // a down node sends nothing
    ++counters_.down_unsent;
    Dropped(self->fault);
    return SendResult::kSent;
  }
  if (const Outage* down = OutageAt(m.to, now)) {
    const bool refuses = sim::IsReliable(network_.HopParams(hop).transport)
                             ? down->tcp_mode == OutageMode::kRefuse
                             : down->udp_icmp_unreachable;
    if (refuses) {  // N3, N4: RST or ICMP unreachable, before anything enters the link
      ++counters_.refused;
      Dropped(down->fault);
      return SendResult::kRefused;
    }
  }
  const uint32_t entered = Enter<true>(hop, m);
  if (slot != nullptr) *slot = entered;
  return SendResult::kSent;
}

template <bool kOutages>
uint32_t SipNetwork::Enter(sim::HopId hop, const Message& m) {
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
  // an outage that began while the message was in flight), or taken by a link
  // fault in force as it enters the link.
  const Outage* down = nullptr;
  LinkFault* link = nullptr;
  if constexpr (kOutages) {
    if (!tx.lost) down = OutageAt(m.to, tx.arrival);
    if (!tx.lost && down == nullptr) link = LinkFaultAt(hop, engine_.Now());
    if (link != nullptr && !link->partition && !(link->draws.NextOpenUniform() < link->loss))
      link = nullptr;  // a loss burst let it through
  }
  const bool vanished = down != nullptr || link != nullptr;
  if (observer_ != nullptr)
    observer_->OnTransmission({engine_.Now(), tx.arrival, tx.lost || vanished, m});
  if (tx.lost) {
    ++counters_.lost;
    return kNoSlot;
  }
  if (down != nullptr) {
    ++counters_.down_dropped;
    Dropped(down->fault);
    return kNoSlot;
  }
  if (link != nullptr) {
    ++(link->partition ? counters_.partitioned : counters_.burst_lost);
    Dropped(link->fault);
    return kNoSlot;
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
  if (m.to < endpoints_.size() && endpoints_[m.to] != nullptr) endpoints_[m.to]->Expect(m);
  if (agents_.empty()) {
    engine_.ScheduleAt(tx.arrival, [this, slot] { Deliver(slot); });
  } else {
    engine_.ScheduleAt(tx.arrival, [this, slot] { DeliverToAgent(slot); });
  }
  return slot;
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

void SipNetwork::DeliverToAgent(uint32_t slot) {
  const Message m = in_flight_[slot];
  const OverloadFeedback feedback = feedback_[slot];
  free_.push_back(slot);
  NodeAgent* agent = m.to < agents_.size() ? agents_[m.to] : nullptr;
  if (agent != nullptr && agent->Arrive(m, feedback)) return;
  Endpoint* endpoint = m.to < endpoints_.size() ? endpoints_[m.to] : nullptr;
  if (endpoint == nullptr)
    sim::Fatal("SipNetwork: message delivered to a node with no SIP endpoint");
  endpoint->Receive(m);
}

}  // namespace crankback::sip
