// Carries SIP messages between neighbouring nodes as engine events.
//
//   SipNetwork sip(engine, network);  sip.Attach(node_id, &endpoint);
//   sip.Send(from, to, message);   // arrives at to's Receive() after the link delay, or is lost
//
// Messages in flight wait in a pooled table; the delivery event captures only an
// index, so sending allocates nothing once the pool has grown. An optional
// observer (traces) sees every transmission, lost ones included; without one
// the cost is a null check.
//
// Node outages (sip-semantics N3, N4): while a node is down it sends nothing
// and whatever reaches it is dropped, messages already in flight included; its
// state and timers go on. A sender sees a down peer as the outage says: an
// immediate transport error (TCP RST, or ICMP unreachable over UDP: Send
// returns kRefused and nothing enters the link) or silence (the message enters
// the link and vanishes). Without outages the checks cost one branch per Send.
#pragma once

#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "models/sip/message.h"
#include "sim/engine.h"
#include "sim/network.h"

namespace crankback::sip {

class Endpoint;

struct TransportCounters {
  uint64_t sent = 0;  // every transmission, retransmissions included
  uint64_t retransmissions = 0;
  uint64_t lost = 0;
  // Node outages. Not in `sent`: what a down node tried to send, and sends
  // refused at once (TCP RST, ICMP unreachable). In `sent` but not in `lost`:
  // messages that reached a node that was down by then.
  uint64_t down_unsent = 0;
  uint64_t refused = 0;
  uint64_t down_dropped = 0;
};

// How senders see a node that is down, per transport (pb::Outage).
enum class OutageMode : uint8_t {
  kRefuse,     // TCP RST: connection refused, a transport error at the sender
  kBlackhole,  // SYNs unanswered: messages vanish
};

// One period when a node is cut off from the network: [start, start + duration).
struct Outage {
  sim::SimTime start;
  sim::Duration duration;
  OutageMode tcp_mode = OutageMode::kRefuse;  // TCP and TLS
  bool udp_icmp_unreachable = false;          // UDP: a transport error, else silence

  sim::SimTime end() const { return start + duration; }
};

enum class SendResult : uint8_t {
  kSent,     // handed to the link (it may still be lost or vanish at a down node)
  kRefused,  // a transport error the sender's transaction must see (N3)
};

// One message entering a link, as an observer sees it.
struct WireTransmission {
  sim::SimTime sent;
  sim::SimTime arrival;    // when it reaches `message.to`; meaningless when lost
  bool lost = false;       // lost on the link, or reached a node that was down
  const Message& message;  // `from` and `to` set
};

class TransmissionObserver {
 public:
  virtual ~TransmissionObserver() = default;
  virtual void OnTransmission(const WireTransmission& t) = 0;
};

class SipNetwork {
 public:
  SipNetwork(sim::Engine& engine, sim::Network& network) : engine_(engine), network_(network) {}

  void Attach(sim::NodeId node, Endpoint* endpoint);
  // The periods `node` is down; they must not overlap (a broken invariant).
  // Replaces the node's earlier windows.
  void SetOutages(sim::NodeId node, std::span<const Outage> windows);
  // The window `node` is down in at `t`, or nullptr when it is up.
  const Outage* OutageAt(sim::NodeId node, sim::SimTime t) const;
  bool IsDown(sim::NodeId node, sim::SimTime t) const { return OutageAt(node, t) != nullptr; }
  // Sends `m` from `from` to its neighbour `to`; a missing link is a broken
  // invariant. kRefused when `to` is down and refuses (nothing was sent).
  SendResult Send(sim::NodeId from, sim::NodeId to, Message m);
  bool IsReliable(sim::NodeId from, sim::NodeId to) const;
  // Sees every later Send(); nullptr (the default) for none. Not owned.
  void SetObserver(TransmissionObserver* observer) { observer_ = observer; }

  sim::Engine& engine() { return engine_; }
  const sim::Network& network() const { return network_; }
  const TransportCounters& counters() const { return counters_; }
  // The final responses to dialog-creating INVITEs that `node` put on its
  // links, first transmissions only: {code, count} by ascending code.
  std::vector<std::pair<int, uint64_t>> FinalsSent(sim::NodeId node) const;

 private:
  SendResult SendWithOutages(sim::HopId hop, const Message& m);
  // Puts `m` on the link; with kOutages, drops it when it reaches a down node.
  template <bool kOutages>
  void Enter(sim::HopId hop, const Message& m);
  void Deliver(uint32_t slot);

  sim::Engine& engine_;
  sim::Network& network_;
  std::vector<Endpoint*> endpoints_;
  std::vector<std::vector<Outage>> outages_;  // per node, by start; empty: no node has any
  std::vector<Message> in_flight_;
  std::vector<uint32_t> free_;
  TransportCounters counters_;
  // Per node, kFinalCodes slots: codes 200..699 (FinalsSent).
  static constexpr int kFinalCodes = 500;
  std::vector<uint64_t> finals_sent_;
  TransmissionObserver* observer_ = nullptr;
};

}  // namespace crankback::sip
