// Carries SIP messages between neighbouring nodes as engine events.
//
//   SipNetwork sip(engine, network);  sip.Attach(node_id, &endpoint);
//   sip.Send(from, to, message);   // arrives at to's Receive() after the link delay, or is lost
//
// Messages in flight wait in a pooled table; the delivery event captures only an
// index, so sending allocates nothing once the pool has grown. An optional
// observer (traces) sees every transmission, lost ones included; without one
// the cost is a null check.
#pragma once

#include <cstdint>
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
};

// One message entering a link, as an observer sees it.
struct WireTransmission {
  sim::SimTime sent;
  sim::SimTime arrival;  // when it reaches `message.to`; meaningless when lost
  bool lost = false;
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
  // Sends `m` from `from` to its neighbour `to`; a missing link is a broken invariant.
  void Send(sim::NodeId from, sim::NodeId to, Message m);
  bool IsReliable(sim::NodeId from, sim::NodeId to) const;
  // Sees every later Send(); nullptr (the default) for none. Not owned.
  void SetObserver(TransmissionObserver* observer) { observer_ = observer; }

  sim::Engine& engine() { return engine_; }
  const sim::Network& network() const { return network_; }
  const TransportCounters& counters() const { return counters_; }

 private:
  void Deliver(uint32_t slot);

  sim::Engine& engine_;
  sim::Network& network_;
  std::vector<Endpoint*> endpoints_;
  std::vector<Message> in_flight_;
  std::vector<uint32_t> free_;
  TransportCounters counters_;
  TransmissionObserver* observer_ = nullptr;
};

}  // namespace crankback::sip
