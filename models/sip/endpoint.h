// A node's SIP stack: the RFC 3261 transaction layer (with RFC 6026) and the
// parts of the UA core that every node needs, under the node's call logic.
//
//   class Carrier : public Endpoint { void OnRequest(const Message&) override; ... };
//   SendRequest(peer, Message::Request(Method::kInvite, call_id, 1));
//
// Each request sent runs in a client transaction machine and each request
// received in a server one (models/sip/*_transaction.h); this class feeds them
// and applies their effects: wire sends, engine timers, calls up to the node.
// The UA core rules live here too, so that every node model gets them alike:
// - a 2xx to an INVITE is retransmitted (T1 doubling, capped at T2, on any
//   transport) until its ACK, for up to 64*T1 (X4); a retransmitted 2xx is
//   answered with the ACK already sent, without the node (X6);
// - CANCEL is answered here (Y4): 481 with no INVITE to match, 200 alone when
//   the INVITE already has its final, 200 and the CANCEL passed to the node
//   (which sends the 487) otherwise; a UAC whose INVITE has no final response
//   64*T1 after its CANCEL gives up on it (Y7);
// - reliable provisionals (RFC 3262): as UAS, a 180/183 goes out reliably when
//   both ends enable 100rel, is retransmitted until its PRACK and gives up
//   with a 5xx; a later 1xx or the 2xx waits for that PRACK (R5, R6). As UAC,
//   every in-order reliable 1xx is PRACKed and a repeat is discarded (R7);
// - session timers (RFC 4028): the UAC of a leg refreshes it with a re-INVITE
//   every SE/2, its UAS expects one before SE - min(32 s, SE/3); a failed
//   refresh or a missing one is reported to the node, which sends the BYE;
// - re-INVITE glare: an in-dialog INVITE that meets our own pending one gets
//   491, and our 491 is retried after the back-off of RFC 3261 14.1 (G1-G4).
#pragma once

#include <array>
#include <deque>
#include <unordered_map>
#include <variant>
#include <vector>

#include "models/sip/client_invite_transaction.h"
#include "models/sip/client_non_invite_transaction.h"
#include "models/sip/message.h"
#include "models/sip/server_invite_transaction.h"
#include "models/sip/server_non_invite_transaction.h"
#include "models/sip/timer_profile.h"
#include "models/sip/transaction.h"
#include "models/sip/transport.h"
#include "sim/engine.h"
#include "sim/flat_table.h"
#include "sim/rng.h"

namespace crankback::sip {

// Expirations per timer name, for reports and tests.
using TimerCounts = std::array<uint64_t, kTimerNameCount>;

// Timers beyond the transaction machines' (TimerName): the UA core's, and
// those of node logic above it. The first six follow Endpoint::CoreTimer.
enum class ExtraTimer : uint8_t {
  kRetransmit2xx,   // UAS core: the 2xx re-sent until its ACK (X4)
  kGiveUp2xx,       // UAS core: no ACK for the 2xx in 64*T1 (X4)
  kForgetAck,       // UAC core: the ACK of a 2xx kept 64*T1 for its retransmissions
  kRetransmit1xx,   // RFC 3262: a reliable 1xx re-sent until its PRACK
  kGiveUp1xx,       // RFC 3262: a reliable 1xx never PRACKed (R3)
  kCancelCleanup,   // Y7: no final for a cancelled INVITE in 64*T1
  kGlareRetry,      // G3: our re-INVITE retried after a 491
  kSessionRefresh,  // RFC 4028: the refresher's SE/2
  kSessionExpiry,   // RFC 4028: no refresh came
  kC,               // proxy: Timer C (RFC 3261 16.8)
  kRouteRetry,      // SBC: a route's route-retry timeout
};
inline constexpr int kExtraTimerCount = 11;
using ExtraTimerCounts = std::array<uint64_t, kExtraTimerCount>;

constexpr const char* ExtraTimerString(ExtraTimer t) {
  switch (t) {
    case ExtraTimer::kRetransmit2xx:
      return "2xx_retransmit";
    case ExtraTimer::kGiveUp2xx:
      return "2xx_give_up";
    case ExtraTimer::kForgetAck:
      return "ack_retention";
    case ExtraTimer::kRetransmit1xx:
      return "100rel_retransmit";
    case ExtraTimer::kGiveUp1xx:
      return "100rel_give_up";
    case ExtraTimer::kCancelCleanup:
      return "cancel_give_up";
    case ExtraTimer::kGlareRetry:
      return "glare_retry";
    case ExtraTimer::kSessionRefresh:
      return "session_refresh";
    case ExtraTimer::kSessionExpiry:
      return "session_expiry";
    case ExtraTimer::kC:
      return "C";
    case ExtraTimer::kRouteRetry:
      return "route_retry";
  }
  return "?";
}

class Endpoint {
 public:
  // `random` draws what the stack itself chooses: RSeq values, glare back-offs.
  Endpoint(SipNetwork& sip, sim::NodeId id, const TimerProfile& timers,
           sim::RngStream random = sim::RngStream(0))
      : sip_(sip), id_(id), timers_(timers), random_(random) {}
  virtual ~Endpoint() = default;
  Endpoint(const Endpoint&) = delete;
  Endpoint& operator=(const Endpoint&) = delete;

  // Called by the transport for every message that reaches this node.
  void Receive(const Message& m);
  // Called by the transport when `m` enters a link towards this node, a link
  // delay before Receive(m): asks the cache for the index buckets its arrival
  // will read, in the stack's tables and (ExpectAtNode) in the node's.
  [[gnu::always_inline]] void Expect(const Message& m) {
    if (m.is_request()) {
      const Key key = ServerKey(m);
      servers_.prefetch_key(key);
      if (m.method == Method::kInvite) answers_.prefetch_key(key);  // where a 2xx is kept
    } else {
      const Key key = KeyOf(m);
      clients_.prefetch_key(key);
      if (m.method == Method::kInvite && m.status >= 200 && m.status < 300)
        acks_.prefetch_key(key);  // where its ACK is kept
    }
    ExpectAtNode(m);
  }
  // An overloaded node's answer to a new INVITE, from the stack alone (O1, O7):
  // a server transaction absorbs the INVITE's retransmissions and the ACK,
  // and the node never sees the call. A retransmission of an INVITE already
  // in a transaction is received as usual instead.
  void Reject(const Message& invite, const Message& response);

  sim::NodeId id() const { return id_; }
  // Transactions and UA-core records still open (0 once every call is over).
  size_t open_transactions() const {
    return clients_.size() + servers_.size() + answers_.size() + acks_.size() +
           provisionals_.size() + reinvites_.size() + inbound_reinvites_.size() + sessions_.size();
  }
  uint64_t stray_messages() const { return stray_; }
  const TimerCounts& timer_expirations() const { return expirations_; }
  const ExtraTimerCounts& extra_timer_expirations() const { return extra_expirations_; }

 protected:
  // A new request; for ACK, only the first ACK of a 2xx.
  virtual void OnRequest(const Message& request) = 0;
  // A response to one of our requests (a retransmitted 2xx is ACKed here instead).
  virtual void OnResponse(const Message& response) = 0;
  // Our request got no final response in time (Timer B/F, fr_timer): a local 408.
  virtual void OnTimeout(const Message& request) = 0;
  // Our 2xx to an INVITE was never ACKed (64*T1), our final never (Timer H),
  // or our reliable 1xx never PRACKed (the give-up 5xx in `response` is sent).
  virtual void OnAckTimeout(const Message& response) = 0;
  // The next CSeq number of this node's requests in the dialog `call_id`, for
  // requests the stack sends on its own (PRACK, a re-INVITE retried after 491).
  virtual uint32_t NextCseq(uint64_t call_id) = 0;
  // The session timer of the dialog `call_id` ran out, or its refresh failed:
  // the node ends the session (BYE). The timer is already stopped.
  virtual void OnSessionExpired(uint64_t call_id) { (void)call_id; }
  // `m` is on its way to this node (see Expect): a node may ask the cache for
  // the records its arrival will read. Nothing by default.
  virtual void ExpectAtNode(const Message& m) { (void)m; }

  void SendRequest(sim::NodeId to, const Message& request);
  // Asks the cache for the index bucket of the client transaction that a
  // request the node expects to send soon will create (its next INVITE).
  [[gnu::always_inline]] void ExpectToSend(uint64_t call_id, uint32_t cseq, Method method) {
    clients_.prefetch_key(Key{call_id, cseq, method});
  }
  // ACK for a 2xx (end to end); remembered for 64*T1 to answer 2xx retransmissions.
  void SendAck(sim::NodeId to, const Message& ack);
  // Answers the request this response names (Call-ID, CSeq, method).
  void SendResponse(const Message& response);
  // A re-INVITE in an established dialog. False, and nothing sent, while an
  // INVITE transaction of the dialog is in progress in either direction (G1).
  // A 491 is retried by the stack after the G3 back-off with a new CSeq; the
  // node sees the final response of the last attempt, already ACKed if 2xx.
  bool SendReInvite(sim::NodeId to, const Message& reinvite);
  // Starts the session timer of an answered dialog whose INVITE carried
  // Session-Expires (`invite`); nothing when it carried none. `refresher`: we
  // sent that INVITE (RFC 4028 refresher=uac). Stop it when the dialog ends.
  void StartSessionTimer(const Message& invite, sim::NodeId peer, bool refresher);
  void StopSessionTimer(uint64_t call_id);
  // A restart (crash): forgets every transaction, UA-core record and session
  // timer, cancelling their engine events. The node forgets its calls itself.
  void DropState();

  sim::Engine& engine() { return sip_.engine(); }
  // A node-logic timer fired (Timer C, a route-retry timeout): for the counts.
  void CountTimer(ExtraTimer t) { ++extra_expirations_[static_cast<size_t>(t)]; }
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
  // A machine runs at most five distinct timers, and no two of one machine
  // share a slot here: ICT A B D M FinalResponse, NICT E F K FinalResponse,
  // IST G H I L Trying100, NIST J Trying100.
  static constexpr size_t kTimerSlots = 5;
  static constexpr size_t TimerSlot(TimerName t) {
    // In TimerName order: A B D E F G H I J K L M Trying100 FinalResponse.
    constexpr std::array<uint8_t, kTimerNameCount> kSlot = {0, 1, 2, 0, 1, 0, 1,
                                                            2, 2, 2, 3, 3, 4, 4};
    return kSlot[static_cast<size_t>(t)];
  }
  template <class Machines>
  struct Transaction {
    Machines machine;
    sim::NodeId peer;
    std::array<sim::EventId, kTimerSlots> timers{};  // by TimerSlot(name)
    sim::EventId cancel_cleanup{};                   // ICT: Y7, armed by our CANCEL
    uint32_t last_rseq = 0;                          // ICT: RSeq of the last reliable 1xx PRACKed
    uint32_t self = 0;                               // its slot in clients_/servers_
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
  struct Provisional {  // UAS core: the reliable 1xx of one INVITE (RFC 3262)
    Message sent;       // the latest reliable 1xx
    sim::NodeId peer = 0;
    sim::Duration interval;
    sim::EventId retransmit;
    sim::EventId give_up;
    bool awaiting = false;        // `sent` is not PRACKed yet
    bool final_sent = false;      // the INVITE has its final response
    std::vector<Message> queued;  // a 1xx or the 2xx held for the PRACK (R5, R6)
  };
  struct ReInvite {  // UAC core: our re-INVITE in a dialog, retried after 491
    Message request;
    sim::NodeId peer = 0;
    bool backing_off = false;
    sim::EventId retry;
  };
  struct Session {    // RFC 4028: one dialog's session timer
    Message refresh;  // the re-INVITE we send (refresher), or nothing
    sim::NodeId peer = 0;
    sim::Duration interval;  // Session-Expires
    bool refresher = false;
    sim::EventId timer;
  };
  // Lingering timers: Timers D, I, J, K, L and M, and the ACK kept for 2xx
  // retransmissions. They are almost never stopped, and each has one delay per
  // profile and transport, so those of one delay fire in the order they were
  // armed. A lane is the FIFO of one delay, 24 bytes a timer; only its head is
  // in the engine (sim::Engine::SetLaneHead), with the sequence number taken
  // when its timer was armed (sim::Engine::TakeSequence), so events run
  // exactly as they would with every timer queued. The owner's timer id names the lane (kLaneBit
  // set in EventId::slot) and the low 32 bits of that sequence number.
  enum class Owner : uint8_t { kClient, kServer, kAck };
  struct Lingering {
    int64_t due = 0;  // nanoseconds
    uint64_t sequence = 0;
    uint32_t slot = 0;  // of the owner in clients_, servers_ or acks_
    Owner owner = Owner::kClient;
    TimerName name = TimerName::kA;  // the transaction's timer (kClient, kServer)
  };
  struct Lane {
    sim::Duration delay;
    std::deque<Lingering> fifo;
    uint32_t engine_lane = 0;  // holds fifo.front() in the engine
    size_t stopped = 0;        // entries behind the head whose timer was stopped
  };
  static constexpr uint32_t kLaneBit = uint32_t{1} << 31;
  static constexpr size_t kLanePrefetch = 4;  // entries ahead of the head
  static constexpr bool Lingers(TimerName t) {
    return t == TimerName::kD || t == TimerName::kI || t == TimerName::kJ || t == TimerName::kK ||
           t == TimerName::kL || t == TimerName::kM;
  }
  static sim::EventId LaneId(size_t lane, uint64_t sequence) {
    return sim::EventId{kLaneBit | static_cast<uint32_t>(lane), static_cast<uint32_t>(sequence)};
  }
  // Arms a lingering timer in the lane of `delay`. A profile gives few distinct
  // delays (T4, 64*T1, Timer D, 0 on reliable transports), so lanes are few.
  sim::EventId Linger(sim::Duration delay, Owner owner, uint32_t slot, TimerName name);
  // Stops a timer queued in the engine or in a lane, and clears `id`.
  void StopTimer(sim::EventId& id) {
    if (id == sim::EventId{}) return;  // none (a lane id has kLaneBit set)
    StopRunningTimer(id);
  }
  void StopRunningTimer(sim::EventId& id);
  // The owner's id of a lingering timer, or nullptr if the owner is gone.
  sim::EventId* OwnerId(const Lingering& l);
  // Asks the cache for the owner of `l`, or (`bucket`) for its index bucket.
  // Always inlined: GCC drops a call that only prefetches, as pure.
  [[gnu::always_inline]] inline void PrefetchOwner(const Lingering& l, bool bucket) const;
  void ScheduleLaneHead(size_t lane);
  void OnLaneDue(size_t lane);
  static void FireLane(void* endpoint, uint32_t lane) {
    static_cast<Endpoint*>(endpoint)->OnLaneDue(lane);
  }

  enum class CoreTimer : uint8_t {
    kRetransmit2xx,
    kGiveUp2xx,
    kForgetAck,
    kRetransmit1xx,
    kGiveUp1xx,
    kCancelCleanup,
  };

  static Key KeyOf(const Message& m) { return Key{m.call_id, m.cseq, m.method}; }
  static Key InviteKey(const Message& m) { return Key{m.call_id, m.cseq, Method::kInvite}; }
  // The server transaction a request belongs to: an ACK's is its INVITE's.
  static Key ServerKey(const Message& m) {
    return m.method == Method::kAck ? InviteKey(m) : KeyOf(m);
  }
  template <class Tx>
  void Apply(bool client, const Key& key, Tx* tx, const Effects& effects);
  void OnTimer(bool client, Key key, uint32_t slot, TimerName name);
  // A lane timer of the transaction at `slot` fired (endpoint_lanes.cc).
  void OnLaneTimer(bool client, uint32_t slot, TimerName name);
  // Feeds the firing of `name` to the transaction's machine and applies the effects.
  template <class Tx>
  void RunTimer(bool client, const Key& key, Tx& tx, TimerName name);
  void OnCoreTimer(Key key, CoreTimer which);
  void OnAckForAnswer(const Message& ack);
  void OnClientResponse(const Message& response);
  SendResult Transmit(sim::NodeId to, Message m);
  // Tells the fault observer, if any, of a failure of `request` sent to `peer`.
  void NoteFailure(FailureKind kind, sim::NodeId peer, const Message& request);
  void PassRequestUp(const Message& request);
  void PassResponseUp(ClientTx& tx, const Message& response);
  bool AcceptReliable(ClientTx& tx, const Message& provisional);
  void OnCancelRequest(const Message& cancel);
  void OnPrack(const Message& prack);
  void SendReliable(const Key& key, ServerTx& tx, const Message& provisional);
  void SendOnTransaction(const Key& key, ServerTx& tx, const Message& response);
  bool OnReInviteFinal(const Message& response);
  bool AcceptInDialogInvite(const Message& request);
  void OnGlareRetry(uint64_t call_id);
  bool ForgetReInvite(const Message& m);
  void CancelCleanup(const Key& invite_key);
  void OnProvisionalTimer(Key key, CoreTimer which);
  void ArmSession(uint64_t call_id, Session& session);
  void OnSessionTimer(uint64_t call_id);
  void SessionRefreshed(const Message& response);

  SipNetwork& sip_;
  sim::NodeId id_;
  TimerProfile timers_;
  sim::FlatTable<Key, ClientTx, KeyHash> clients_;
  sim::FlatTable<Key, ServerTx, KeyHash> servers_;
  sim::FlatTable<Key, Answer, KeyHash> answers_;
  sim::FlatTable<Key, SentAck, KeyHash> acks_;
  std::unordered_map<Key, Provisional, KeyHash> provisionals_;  // by INVITE key
  std::unordered_map<uint64_t, ReInvite> reinvites_;            // by Call-ID
  std::unordered_map<uint64_t, uint32_t> inbound_reinvites_;    // Call-ID -> unanswered CSeq
  std::unordered_map<uint64_t, Session> sessions_;              // by Call-ID
  std::vector<Lane> lanes_;
  sim::RngStream random_;
  TimerCounts expirations_{};
  ExtraTimerCounts extra_expirations_{};
  uint64_t stray_ = 0;
};

}  // namespace crankback::sip
