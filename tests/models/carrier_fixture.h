// A carrier under test and scripted peers that send it INVITEs, for the
// carrier_*_test.cc files: exact times on zero-latency links by default.
//
//   CarrierRig rig(2, params);                     // peers 0 and 1, the carrier is node 2
//   rig.InviteAt(0, 0.0, /*destination=*/0);  rig.h.engine.Run();
//   rig.Finals(0)                                  // the peer's final responses, in order
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "models/nodes/carrier.h"
#include "models/policy/dialect.h"
#include "tests/models/sip/endpoint_harness.h"

namespace crankback::testing::carrier {

using sip::Message;
using sip::Method;
using sip::testing::Harness;
using sip::testing::Peer;

inline sim::SimTime At(double s) { return sim::SimTime::Zero() + sim::SecondsToDuration(s); }
inline int64_t Ms(double s) { return sim::SecondsToDuration(s).nanos() / 1'000'000; }

// The preset dialects, then `extra`.
inline std::vector<policy::Dialect> Dialects(std::vector<policy::Dialect> extra = {}) {
  std::vector<policy::Dialect> d = policy::PresetDialects();
  for (auto& e : extra) d.push_back(std::move(e));
  return d;
}

inline uint32_t DialectIndex(const std::vector<policy::Dialect>& dialects,
                             const std::string& name) {
  for (uint32_t i = 0; i < dialects.size(); ++i) {
    if (dialects[i].name == name) return i;
  }
  ADD_FAILURE() << "no dialect " << name;
  return 0;
}

// `peers` scripted peers (nodes 0..peers-1), each linked to the carrier (node
// `peers`). Peers answer a BYE with 200 and ACK every 2xx.
struct CarrierRig {
  CarrierRig(size_t peers, const nodes::CarrierParams& params,
             std::vector<policy::Dialect> dialect_table = Dialects(),
             sip::TimerProfile carrier_stack = sip::Rfc3261Profile(),
             sim::LinkParams link = {.latency = sim::Duration()})
      : h(peers + 1, Star(peers), link),
        metrics(sim::SimTime::Zero()),
        dialects(std::move(dialect_table)),
        ctx{h.sip, h.rng, metrics, dialects, policy, carrier_stack} {
    policy.fallback = policy::Action::kStop;
    for (size_t i = 0; i < peers; ++i) {
      Peer& p = h.AddPeer(static_cast<sim::NodeId>(i), sip::Rfc3261Profile());
      p.on_request = [&p](const Message& m) {
        if (m.method == Method::kBye) p.Respond(m, 200);
      };
    }
    carrier =
        std::make_unique<nodes::Carrier>(ctx, static_cast<sim::NodeId>(peers), "carrier", params);
  }

  static std::vector<std::pair<sim::NodeId, sim::NodeId>> Star(size_t peers) {
    std::vector<std::pair<sim::NodeId, sim::NodeId>> links;
    for (size_t i = 0; i < peers; ++i)
      links.emplace_back(static_cast<sim::NodeId>(i), static_cast<sim::NodeId>(peers));
    return links;
  }

  sim::NodeId carrier_id() const { return carrier->id(); }
  Peer& peer(size_t i) { return *h.peers.at(i); }

  // An INVITE from peer `from` at `t` seconds, for the number `destination`,
  // as the originating call `origin_call` (it keys the callee's draws).
  Message Invite(size_t from, uint32_t destination = 0, uint32_t origin_call = 0) {
    Message m = Message::Request(Method::kInvite, NextCallId(from), 1, origin_call);
    m.destination = destination;
    peer(from).Request(carrier_id(), m);
    return m;
  }
  void InviteAt(size_t from, double t, uint32_t destination = 0, uint32_t origin_call = 0) {
    h.engine.ScheduleAt(
        At(t), [this, from, destination, origin_call] { Invite(from, destination, origin_call); });
  }
  void CancelAt(size_t from, double t, const Message& invite) {
    const uint64_t call_id = invite.call_id;
    h.engine.ScheduleAt(At(t), [this, from, call_id] {
      peer(from).Request(carrier_id(), Message::Request(Method::kCancel, call_id, 1));
    });
  }
  void ByeAt(size_t from, double t, uint64_t call_id) {
    h.engine.ScheduleAt(At(t), [this, from, call_id] {
      Message bye = Message::Request(Method::kBye, call_id, 2);
      bye.in_dialog = true;
      peer(from).Request(carrier_id(), bye);
    });
  }

  // The final responses to INVITEs that peer `i` received, in arrival order.
  std::vector<Message> Finals(size_t i) {
    std::vector<Message> out;
    for (const Message& m : peer(i).responses) {
      if (m.method == Method::kInvite && m.is_final()) out.push_back(m);
    }
    return out;
  }
  // The carrier's INVITE responses with `status` on the wire: send times in ms.
  std::vector<int64_t> Sent(int status) const {
    return h.wire.Sent(carrier->id(), Method::kInvite, status);
  }
  // ... without the retransmissions (C2: a provisional re-sent for a retransmitted INVITE).
  std::vector<int64_t> FirstSent(int status) const {
    return h.wire.FirstSent(carrier->id(), Method::kInvite, status);
  }

  uint64_t NextCallId(size_t from) { return (uint64_t{from} + 1) << 40 | ++serial_; }

  Harness h;
  metrics::RunMetrics metrics;
  std::vector<policy::Dialect> dialects;
  policy::CauseMap policy;
  nodes::NodeContext ctx;
  std::unique_ptr<nodes::Carrier> carrier;

 private:
  uint64_t serial_ = 0;
};

}  // namespace crankback::testing::carrier
