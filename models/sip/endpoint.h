// A node's SIP stack: the hop-by-hop reliability of RFC 3261 transactions,
// under the node's call logic.
//
//   class Carrier : public Endpoint { void OnRequest(const Message&) override; ... };
//   SendRequest(peer, Message::Request(Method::kInvite, call_id, 1));
//
// Client side: requests are retransmitted over UDP (INVITE: T1 doubling until a
// response; others: doubling capped at T2); with no final response after 64*T1
// the node hears OnTimeout() (a local 408). A non-2xx final to an INVITE is
// ACKed here; retransmitted finals are re-ACKed and not passed up.
// Server side: a retransmitted request gets the last response again; a final
// response to an INVITE is retransmitted over UDP until the ACK, for up to 64*T1.
// This is the thin transaction layer of the first SIP path; the full RFC 3261 /
// RFC 6026 state machines replace it behind the same interface.
#pragma once

#include <unordered_map>

#include "models/sip/message.h"
#include "models/sip/timer_profile.h"
#include "models/sip/transport.h"
#include "sim/engine.h"

namespace crankback::sip {

class Endpoint {
 public:
  Endpoint(SipNetwork& sip, sim::NodeId id, const TimerProfile& timers)
      : sip_(sip), id_(id), timers_(timers) {}
  virtual ~Endpoint() = default;
  Endpoint(const Endpoint&) = delete;
  Endpoint& operator=(const Endpoint&) = delete;

  // Called by the transport for every message that reaches this node.
  void Receive(const Message& m);

  sim::NodeId id() const { return id_; }
  size_t open_transactions() const { return clients_.size() + servers_.size(); }
  uint64_t stray_messages() const { return stray_; }

 protected:
  // A new request (not a retransmission); for ACK, only the ACK of a 2xx.
  virtual void OnRequest(const Message& request) = 0;
  // A response to one of our requests, once per status per transaction.
  virtual void OnResponse(const Message& response) = 0;
  // Our request got no final response within 64*T1: treat as 408.
  virtual void OnTimeout(const Message& request) = 0;
  // Our 2xx to an INVITE was never ACKed within 64*T1.
  virtual void OnAckTimeout(const Message& response) = 0;

  void SendRequest(sim::NodeId to, const Message& request);
  // ACK for a 2xx (end to end); remembered so that a retransmitted 2xx is re-ACKed.
  void SendAck(sim::NodeId to, const Message& ack);
  // Answers the request this response names (Call-ID, CSeq, method).
  void SendResponse(const Message& response);

  sim::Engine& engine() { return sip_.engine(); }
  const TimerProfile& timers() const { return timers_; }

 private:
  struct Key {
    uint64_t call_id;
    uint32_t cseq;
    Method method;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    size_t operator()(const Key& k) const;
  };
  enum class Timer : uint8_t { kRetransmit, kTimeout };
  struct ClientTx {
    Message request;
    Message ack;  // for INVITE: the ACK sent for its final response
    bool has_ack = false;
    int16_t last_status = 0;
    sim::Duration interval;
    sim::EventId retransmit;
    sim::EventId timeout;  // Timer B/F, then the clean-up timer (D, K, or 2xx absorption)
  };
  struct ServerTx {
    Message request;
    Message response;  // last sent; status 0 = none yet
    bool acked = false;
    sim::Duration interval;
    sim::EventId retransmit;
    sim::EventId timeout;  // Timer H, then I or J
  };

  static Key KeyOf(const Message& m) { return Key{m.call_id, m.cseq, m.method}; }
  void OnClientResponse(const Message& response);
  void OnServerRequest(const Message& request);
  void OnAck(const Message& ack);
  void ArmTimer(bool client, const Key& key, Timer which, sim::Duration delay);
  void OnTimer(bool client, Key key, Timer which);
  void EraseClient(std::unordered_map<Key, ClientTx, KeyHash>::iterator it);
  void EraseServer(std::unordered_map<Key, ServerTx, KeyHash>::iterator it);
  void Transmit(sim::NodeId to, Message m, bool retransmission);
  sim::Duration CleanupDelay(sim::NodeId peer, sim::Duration udp) const;

  SipNetwork& sip_;
  sim::NodeId id_;
  TimerProfile timers_;
  std::unordered_map<Key, ClientTx, KeyHash> clients_;
  std::unordered_map<Key, ServerTx, KeyHash> servers_;
  uint64_t stray_ = 0;
};

}  // namespace crankback::sip
