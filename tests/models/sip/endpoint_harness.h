// Test helpers for the UA core in models/sip/endpoint: scripted peers on a
// small network, and a log of every message on the wire with its time.
//
//   Harness h({{0, 1}});                          // one link between nodes 0 and 1
//   Peer& a = h.AddPeer(profile);  Peer& b = h.AddPeer(profile);
//   a.Invite(b.id(), Rel100::kSupported);  h.engine.Run();
//   h.wire.Sent(1, Method::kInvite, 180)     // send times of b's 180s, in ms
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "models/sip/endpoint.h"
#include "models/sip/transport.h"
#include "sim/engine.h"
#include "sim/network.h"
#include "sim/rng.h"

namespace crankback::sip::testing {

struct WireEvent {
  int64_t sent_ms;
  int64_t arrival_ms;
  Message message;
};

class WireLog : public TransmissionObserver {
 public:
  void OnTransmission(const WireTransmission& t) override {
    events.push_back({t.sent.nanos() / 1'000'000, t.arrival.nanos() / 1'000'000, t.message});
  }
  // Send times (ms) of the messages from `from` with this method and status (0: requests).
  std::vector<int64_t> Sent(sim::NodeId from, Method method, int status) const {
    std::vector<int64_t> out;
    for (const WireEvent& e : events) {
      if (e.message.from == from && e.message.method == method && e.message.status == status)
        out.push_back(e.sent_ms);
    }
    return out;
  }
  std::vector<WireEvent> Of(sim::NodeId from, Method method, int status) const {
    std::vector<WireEvent> out;
    for (const WireEvent& e : events) {
      if (e.message.from == from && e.message.method == method && e.message.status == status)
        out.push_back(e);
    }
    return out;
  }
  // Only first transmissions (no retransmission flag).
  std::vector<int64_t> FirstSent(sim::NodeId from, Method method, int status) const {
    std::vector<int64_t> out;
    for (const WireEvent& e : events) {
      if (e.message.from == from && e.message.method == method && e.message.status == status &&
          !e.message.retransmission)
        out.push_back(e.sent_ms);
    }
    return out;
  }
  std::vector<WireEvent> events;
};

// An endpoint whose call logic is the test's: it records what reaches it and
// calls the hooks the test sets. By default it ACKs every 2xx to an INVITE.
class Peer : public Endpoint {
 public:
  Peer(SipNetwork& sip, sim::NodeId id, const TimerProfile& timers, sim::RngStream random)
      : Endpoint(sip, id, timers, random) {
    sip.Attach(id, this);
  }

  // A new call: INVITE with a Call-ID of our own making (we own it, G3).
  Message Invite(sim::NodeId to, Rel100 rel100 = Rel100::kNone) {
    Message m = Message::Request(Method::kInvite, (uint64_t{id()} + 1) << 40 | serial_++, 1);
    m.rel100 = rel100;
    SendRequest(to, m);
    return m;
  }
  void Respond(const Message& request, int status) {
    SendResponse(Message::ResponseTo(request, status));
  }
  // A response built by the test (a 3xx with a Contact, a 503 with Retry-After).
  void Reply(const Message& response) { SendResponse(response); }
  void Request(sim::NodeId to, const Message& m) { SendRequest(to, m); }
  bool ReInvite(sim::NodeId to, uint64_t call_id) {
    Message m = Message::Request(Method::kInvite, call_id, NextCseq(call_id));
    return SendReInvite(to, m);
  }
  using Endpoint::engine;

  std::vector<Message> requests, responses, timeouts, ack_timeouts;
  std::function<void(const Message&)> on_request, on_response;
  bool ack_2xx = true;

 protected:
  void OnRequest(const Message& request) override {
    requests.push_back(request);
    if (on_request) on_request(request);
  }
  void OnResponse(const Message& response) override {
    responses.push_back(response);
    if (ack_2xx && response.method == Method::kInvite && response.status >= 200 &&
        response.status < 300 && !response.in_dialog) {
      Message ack = Message::Request(Method::kAck, response.call_id, response.cseq);
      ack.in_dialog = true;
      SendAck(response.from, ack);
    }
    if (on_response) on_response(response);
  }
  void OnTimeout(const Message& request) override { timeouts.push_back(request); }
  void OnAckTimeout(const Message& response) override { ack_timeouts.push_back(response); }
  uint32_t NextCseq(uint64_t) override { return ++cseq_; }

 private:
  uint64_t serial_ = 0;
  uint32_t cseq_ = 1;  // the INVITE took 1
};

// Nodes 0..n-1 joined by the given links (same parameters for each).
struct Harness {
  explicit Harness(size_t nodes, std::vector<std::pair<sim::NodeId, sim::NodeId>> links,
                   sim::LinkParams link = {.latency = sim::Duration::Millis(10)}, uint64_t seed = 1)
      : rng(seed, 0), net(rng), sip(engine, net) {
    for (size_t i = 0; i < nodes; ++i) net.AddNode("n" + std::to_string(i));
    for (auto [a, b] : links) net.AddLink(a, b, link);
    sip.SetObserver(&wire);
  }
  Peer& AddPeer(sim::NodeId id, const TimerProfile& timers) {
    peers.push_back(
        std::make_unique<Peer>(sip, id, timers, rng.Stream(net.NodeName(id), "sip_stack")));
    return *peers.back();
  }

  sim::RngFactory rng;
  sim::Engine engine;
  sim::Network net;
  SipNetwork sip;
  WireLog wire;
  std::vector<std::unique_ptr<Peer>> peers;
};

inline TimerProfile Profile(int64_t t1_ms, Rel100 rel100 = Rel100::kNone) {
  TimerProfile p;
  p.t1 = sim::Duration::Millis(t1_ms);
  p.rel100 = rel100;
  return p;
}

}  // namespace crankback::sip::testing
