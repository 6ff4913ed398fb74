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
// the link and vanishes).
//
// Link faults (Experiment.faults): a loss burst adds a loss probability to a
// link over a window, both directions, drawn from the fault's own stream after
// the link's own loss; a partition makes every message entering the link in
// the window vanish, both directions, whatever the transport (over TCP the
// sender sees a black hole: no RST, its transaction times out). A fault
// observer, when set, hears of every message a fault dropped and of every
// failure a node saw (FaultObserver). Without outages and link faults the
// checks cost one branch per Send.
//
// Overload (models/overload, sip-semantics O6-O9): a node may have a NodeAgent
// that queues what reaches it before its stack sees it, stamps RFC 7339 Via
// parameters on the responses it sends, and reads them (and Retry-After) from
// the responses it gets. Without any agent this costs one branch per Send and
// per delivery.
#pragma once

#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "models/sip/message.h"
#include "sim/engine.h"
#include "sim/network.h"
#include "sim/rng.h"

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
  // Link faults: in `sent`, not in `lost`.
  uint64_t burst_lost = 0;   // lost to a loss burst
  uint64_t partitioned = 0;  // vanished in a partition
};

// A scheduled fault's index in the scenario (models::FaultParams), or none.
inline constexpr uint32_t kNoFault = UINT32_MAX;

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
  // The node crashes at `start`: it loses its calls and transactions then and
  // comes back at end() with none (the simulation applies it, not the transport).
  bool restart = false;
  uint32_t fault = kNoFault;  // the scheduled fault it belongs to

  sim::SimTime end() const { return start + duration; }
};

// The RFC 7339 / RFC 7415 overload-control parameters of a response's top Via:
// oc, oc-algo, oc-validity and oc-seq (sip-semantics O6).
struct OverloadFeedback {
  enum class Algorithm : uint8_t { kNone, kLoss, kRate };  // kNone: no oc parameter
  Algorithm algorithm = Algorithm::kNone;
  double oc = 0;           // kLoss: percent of requests to shed, 0-100; kRate: requests per second
  sim::Duration validity;  // oc-validity; 0 = control stopped
  uint64_t seq = 0;        // oc-seq, strictly increasing per server
};

// A node's overload machinery, as the transport sees it (models/overload).
class NodeAgent {
 public:
  virtual ~NodeAgent() = default;
  // `m` reached the node. True when the agent took it (a processing queue that
  // hands it to the node's stack later); false: the stack receives it now.
  // `feedback` is what the response's Via carried (kNone for requests).
  virtual bool Arrive(const Message& m, const OverloadFeedback& feedback) = 0;
  // The Via parameters of a response this node sends to `client`; kNone for none.
  virtual OverloadFeedback FeedbackFor(sim::NodeId client) = 0;
  // Whether this node may send a new dialog-forming request to `server` now
  // (its overload-control throttle and Retry-After windows).
  virtual bool Admit(sim::NodeId server) = 0;
  // Whether its requests carry `oc` in the top Via (an RFC 7339 client).
  virtual bool SupportsControl() const = 0;
};

// Trouble on the link between `a` and `b` over [start, start + duration), both
// directions: a loss burst (`loss` per message, after the link's own) or a
// partition (every message vanishes).
struct LinkFault {
  sim::NodeId a = 0;
  sim::NodeId b = 0;
  sim::SimTime start;
  sim::Duration duration;
  bool partition = false;
  double loss = 0;  // loss burst: probability per message, [0, 1]
  uint32_t fault = kNoFault;
  sim::RngStream draws = sim::RngStream(0);  // loss burst: its own stream

  sim::SimTime end() const { return start + duration; }
};

// A failure a node saw of a request it sent to its neighbour `peer`.
enum class FailureKind : uint8_t {
  kTimeout,         // no final response in time (Timer B, F, fr_timer, Y7)
  kTransportError,  // refused at once (TCP RST, ICMP unreachable)
  kNoDialog,        // answered 481 Call/Transaction Does Not Exist
};

// Hears of what faults do, for the fault report (models/metrics/fault_report.h).
class FaultObserver {
 public:
  virtual ~FaultObserver() = default;
  // Node `at` saw `kind` for `request`, which it sent to `peer`.
  virtual void OnFailure(sim::SimTime now, sim::NodeId at, sim::NodeId peer, FailureKind kind,
                         const Message& request) = 0;
  // Fault `fault` kept a message from its destination (lost, vanished, refused).
  virtual void OnDropped(uint32_t fault) = 0;
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
  // The overload agent of `node`; nullptr for none. Not owned.
  void SetAgent(sim::NodeId node, NodeAgent* agent);
  // Whether `node` may send a new dialog-forming request to `to` now.
  bool Admit(sim::NodeId node, sim::NodeId to) {
    return agents_.empty() || node >= agents_.size() || agents_[node] == nullptr ||
           agents_[node]->Admit(to);
  }
  // Whether `node`'s requests carry RFC 7339 `oc` (it has an agent that says so).
  bool SupportsControl(sim::NodeId node) const {
    return node < agents_.size() && agents_[node] != nullptr && agents_[node]->SupportsControl();
  }
  // The periods `node` is down; they must not overlap (a broken invariant).
  // Replaces the node's earlier windows.
  void SetOutages(sim::NodeId node, std::span<const Outage> windows);
  // The link faults; windows on one link must not overlap. Replaces earlier ones.
  void SetLinkFaults(std::vector<LinkFault> faults);
  // Hears of dropped messages and of failures nodes see; nullptr (the default)
  // for none. Not owned.
  void SetFaultObserver(FaultObserver* observer) { fault_observer_ = observer; }
  FaultObserver* fault_observer() const { return fault_observer_; }
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
  // `slot` (if given) receives the in-flight slot of what entered the link.
  SendResult SendWithOutages(sim::HopId hop, const Message& m, uint32_t* slot = nullptr);
  SendResult SendWithAgents(sim::HopId hop, const Message& m);
  // Puts `m` on the link; with kOutages, drops it when it reaches a down node.
  // The in-flight slot it waits in, or kNoSlot when it was lost.
  template <bool kOutages>
  uint32_t Enter(sim::HopId hop, const Message& m);
  void Deliver(uint32_t slot);
  // The link fault on `hop` in force at `t`, or nullptr.
  LinkFault* LinkFaultAt(sim::HopId hop, sim::SimTime t);
  void Dropped(uint32_t fault) {
    if (fault_observer_ != nullptr && fault != kNoFault) fault_observer_->OnDropped(fault);
  }
  void DeliverToAgent(uint32_t slot);
  static constexpr uint32_t kNoSlot = UINT32_MAX;

  sim::Engine& engine_;
  sim::Network& network_;
  std::vector<Endpoint*> endpoints_;
  // Per node, by start; empty: no node has any and no link has a fault (link
  // faults size it to take the same slow path).
  std::vector<std::vector<Outage>> outages_;
  std::vector<LinkFault> link_faults_;             // by start
  std::vector<std::vector<uint32_t>> hop_faults_;  // per hop: indices into link_faults_
  FaultObserver* fault_observer_ = nullptr;
  std::vector<Message> in_flight_;
  std::vector<NodeAgent*> agents_;          // per node; empty: no node has one
  std::vector<OverloadFeedback> feedback_;  // per in-flight slot, while agents_ is not empty
  std::vector<uint32_t> free_;
  TransportCounters counters_;
  // Per node, kFinalCodes slots: codes 200..699 (FinalsSent).
  static constexpr int kFinalCodes = 500;
  std::vector<uint64_t> finals_sent_;
  TransmissionObserver* observer_ = nullptr;
};

}  // namespace crankback::sip
