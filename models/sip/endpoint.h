// A node's SIP stack: the RFC 3261 transaction layer (with RFC 6026) and the
// parts of the UA core that every node needs, under the node's call logic.
//
//   class Carrier : public Endpoint { void OnRequest(const Message&) override; ... };
//   SendRequest(peer, Message::Request(Method::kInvite, call_id, 1));
//
// Each request sent runs in a client transaction machine and each request
// received in a server one (models/sip/*_transaction.h); this class feeds them
// and applies their effects: wire sends, engine timers, calls up to the node.
// The UA core rules live here too: a 2xx to an INVITE is retransmitted (T1
// doubling, capped at T2, on any transport) until its ACK, for up to 64*T1; a
// retransmitted 2xx is answered with the ACK already sent, without the node.
#pragma once

#include <array>
#include <unordered_map>
#include <variant>

#include "models/sip/client_invite_transaction.h"
#include "models/sip/client_non_invite_transaction.h"
#include "models/sip/message.h"
#include "models/sip/server_invite_transaction.h"
#include "models/sip/server_non_invite_transaction.h"
#include "models/sip/timer_profile.h"
#include "models/sip/transaction.h"
#include "models/sip/transport.h"
#include "sim/engine.h"

namespace crankback::sip {

// Expirations per timer name, for reports and tests.
using TimerCounts = std::array<uint64_t, kTimerNameCount>;

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
  // Transactions and UA-core records still open (0 once every call is over).
  size_t open_transactions() const {
    return clients_.size() + servers_.size() + answers_.size() + acks_.size();
  }
  uint64_t stray_messages() const { return stray_; }
  const TimerCounts& timer_expirations() const { return expirations_; }

 protected:
  // A new request; for ACK, only the first ACK of a 2xx.
  virtual void OnRequest(const Message& request) = 0;
  // A response to one of our requests (a retransmitted 2xx is ACKed here instead).
  virtual void OnResponse(const Message& response) = 0;
  // Our request got no final response in time (Timer B/F, fr_timer): a local 408.
  virtual void OnTimeout(const Message& request) = 0;
  // Our 2xx to an INVITE was never ACKed (64*T1), or our final never (Timer H).
  virtual void OnAckTimeout(const Message& response) = 0;

  void SendRequest(sim::NodeId to, const Message& request);
  // ACK for a 2xx (end to end); remembered for 64*T1 to answer 2xx retransmissions.
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
  template <class Machines>
  struct Transaction {
    Machines machine;
    sim::NodeId peer;
    std::array<sim::EventId, kTimerNameCount> timers{};
  };
  using ClientTx = Transaction<std::variant<ClientInviteTransaction, ClientNonInviteTransaction>>;
  using ServerTx = Transaction<std::variant<ServerInviteTransaction, ServerNonInviteTransaction>>;
  struct Answer {  // UAS core: a 2xx retransmitted until its ACK
    Message response;
    sim::NodeId peer;
    sim::Duration interval;
    sim::EventId retransmit;
    sim::EventId give_up;
  };
  struct SentAck {  // UAC core: the ACK of a 2xx, re-sent for its retransmissions
    Message ack;
    sim::NodeId peer;
    sim::EventId expire;
  };
  enum class CoreTimer : uint8_t { kRetransmit2xx, kGiveUp2xx, kForgetAck };

  static Key KeyOf(const Message& m) { return Key{m.call_id, m.cseq, m.method}; }
  static Key InviteKey(const Message& m) { return Key{m.call_id, m.cseq, Method::kInvite}; }
  template <class Tx>
  void Apply(bool client, const Key& key, Tx* tx, const Effects& effects);
  void OnTimer(bool client, Key key, TimerName name);
  void OnCoreTimer(Key key, CoreTimer which);
  void OnAckForAnswer(const Message& ack);
  void OnClientResponse(const Message& response);
  void Transmit(sim::NodeId to, Message m);

  SipNetwork& sip_;
  sim::NodeId id_;
  TimerProfile timers_;
  std::unordered_map<Key, ClientTx, KeyHash> clients_;
  std::unordered_map<Key, ServerTx, KeyHash> servers_;
  std::unordered_map<Key, Answer, KeyHash> answers_;
  std::unordered_map<Key, SentAck, KeyHash> acks_;
  TimerCounts expirations_{};
  uint64_t stray_ = 0;
};

}  // namespace crankback::sip
