// A stateful, record-routing SIP proxy (RFC 3261 section 16; sip-semantics.md
// sections P and F).
//
//   Proxy proxy(ctx, id, {.targets = {{2}, {3}}, .forking = ProxyForking::kParallel});
//   proxy.active_calls();   // response contexts and dialogs held; 0 once all calls ended
//
// Each INVITE gets 100 Trying at once and a response context (16.6, 16.7): one
// branch, with a Call-ID of the proxy's own, per target tried, serially, in
// parallel or in q-value groups, or as RFC 3263 servers of one destination
// (FAILOVER). Provisionals but 100 and every 2xx go upstream at once; the first
// 2xx CANCELs the other branches; a 6xx CANCELs them and stops new ones; once
// every branch has ended, the best final goes up (BestResponse), a 503 as 500
// unless told otherwise. Timer C ends a branch that hangs (16.8), a 3xx naming a
// linked node adds it as a target (16.5), a 503 with Retry-After keeps later
// calls off that target for a while (F4), and a CANCEL from upstream cancels
// every pending branch (16.10). The proxy record-routes: the ACK, BYE and
// re-INVITEs of the dialogs it set up are relayed through it, both ways.
//
// Where the compact message cannot say what real SIP would: there are no To
// tags, so a caller cannot tell a second 2xx (another branch, another dialog)
// from a retransmission of the first. The caller's stack ACKs it as such; the
// proxy relays that ACK to the branch and then ends the extra dialog with a
// BYE, as the caller's UA core would (RFC 3261 13.2.2.4). PRACK is hop by hop
// in this stack, so a branch INVITE offers 100rel as the proxy's own stack
// profile says, like the SBC's.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <tuple>
#include <vector>

#include "models/nodes/node_context.h"
#include "models/nodes/received_invite.h"
#include "sim/flat_table.h"

namespace crankback::nodes {

// RFC 3261 16.6: how the target set is worked through (pb::ProxyForking).
enum class ProxyForking : uint8_t {
  kSerial,    // one target at a time, the next after any final but 2xx and 6xx
  kParallel,  // every target at once
  kQGroups,   // equal q in parallel, groups in decreasing q (Kamailio t_next_contacts)
  kFailover,  // RFC 3263 4.3: the next server only after 503, 408 or a transport error
};

struct ProxyTarget {
  uint32_t node = 0;  // a node linked to the proxy
  double q = 1.0;     // RFC 3261 20.10 q-value, 0..1
};

struct ProxyParams {
  std::vector<ProxyTarget> targets;  // the target set; empty: every INVITE gets 480 (16.5)
  ProxyForking forking = ProxyForking::kSerial;
  sim::Duration timer_c = sim::Duration::Seconds(185);  // > 3 min (16.6 item 11); sofia-sip
  bool rewrite_503_to_500 = true;                       // 16.7 step 6, P10 (not the stack's field)
  bool recurse_on_3xx = true;                           // 16.5, 16.7 step 4
  int transport_error_code = 503;                       // 503 (16.9) or 408 (16.6 step 7)
  sim::Duration retry_after_max = sim::Duration::Seconds(3600);  // F4 window cap; 0: never
  sim::Duration retry_after_default;  // the window of a 503 without Retry-After; 0: none
};

// RFC 3261 16.7 step 6 (P9): the index of the best of the final responses
// `codes` (each 300-699), or -1 when there are none (the proxy then sends 408).
// A 6xx wins; otherwise the lowest class. Within 4xx, 401 and 407 come first
// (their challenges are aggregated, 16.7 step 7), then 415, 420 and 484; within
// 5xx a 503 comes last (16.7 step 6: not forwarded unless nothing else came);
// otherwise the lower code, as Kamailio ranks them (tm t_reply.c get_prio),
// and among equal codes the one received first.
int BestResponse(std::span<const int> codes);

class Proxy : public sip::Endpoint {
 public:
  Proxy(const NodeContext& ctx, sim::NodeId id, const ProxyParams& params);

  size_t active_calls() const { return calls_.size(); }
  // invites: new INVITEs; rejections: INVITEs answered with a failure (not the
  // 487 of a caller's CANCEL); answered: calls whose first 2xx went up.
  const NodeCounters& counters() const { return counters_; }
  // A crash (a restart fault): every call in progress is lost with its
  // branches, Timer C, relays and transactions, and the Retry-After windows
  // are forgotten; later requests of those dialogs get 481. Returns their
  // Message::origin_call, ascending.
  std::vector<uint32_t> Restart();
  // Branches (client INVITE transactions) started, over all calls.
  uint64_t branches_started() const { return branches_started_; }
  // Until when new branches skip `node` after its 503 with Retry-After (F4);
  // in the past when they do not.
  sim::SimTime skipped_until(sim::NodeId node) const { return skip_[node].until; }

 protected:
  void OnRequest(const sip::Message& request) override;
  void OnResponse(const sip::Message& response) override;
  void OnTimeout(const sip::Message& request) override;
  void OnAckTimeout(const sip::Message& response) override;
  uint32_t NextCseq(uint64_t call_id) override;

 private:
  struct Branch {
    uint64_t call_id = 0;  // the branch's own Call-ID
    sim::NodeId peer = 0;
    bool server = false;         // FAILOVER: one of the servers (not a 3xx Contact)
    bool provisional = false;    // a 1xx arrived: it may be CANCELled (RFC 3261 9.1)
    bool cancel_wanted = false;  // CANCEL it at its first 1xx (Y8)
    bool cancel_sent = false;
    bool done = false;         // its outcome is in the response context
    bool open = true;          // its INVITE transaction has not reported a final or a timeout
    bool dialog_open = false;  // it answered; no BYE has ended that dialog yet
    uint32_t cseq = 0;         // our last CSeq on this leg
    sim::EventId timer_c;
    sip::Message answer;  // its 2xx, while it waits to go upstream
  };
  // One INVITE from upstream: the response context (16.7) and then the dialogs.
  struct Call {
    ReceivedInvite invite;  // as received
    std::vector<Branch> branches;
    std::vector<sip::Message> finals;          // stored final responses (16.7 step 4)
    std::optional<sip::Message> server_final;  // FAILOVER: the last server's response
    std::vector<sim::NodeId> recursed;         // 3xx Contacts added to the target set
    size_t next_group = 0;
    int busy = 0;                  // a handler is at work on the call (see Hold())
    bool no_new_branches = false;  // a 2xx, a 6xx or the caller's CANCEL
    bool final_sent = false;
    bool answered = false;
    bool cancelled = false;
    bool skipped = false;   // a target was passed over in its Retry-After window
    int primary = -1;       // the branch whose 2xx went up first: the caller's dialog
    int awaiting_ack = -1;  // the branch whose 2xx went up last, until the caller's ACK
    std::vector<int> late;  // later 2xx waiting to go up, in arrival order
    sim::SimTime answered_at;
    uint32_t relays = 0;  // in-dialog requests being relayed, and our own BYEs
  };
  // An in-dialog request on its way, keyed by the request we sent.
  struct Relay {
    sip::Message request;  // as received; answered when ours is (ours: the BYE we sent)
    uint64_t call = 0;
    int own_bye = -1;  // a BYE of our own ending this branch's dialog
  };
  using RelayKey = std::tuple<uint64_t, uint32_t, sip::Method>;
  struct BranchRef {
    uint64_t call = 0;
    uint32_t index = 0;
  };
  struct Skip {  // F4: a target's Retry-After window and the 503 that opened it
    sim::SimTime until;
    sip::GroundTruth truth;
  };

  void OnInvite(const sip::Message& invite);
  void OnCancel(const sip::Message& cancel);
  void OnAck(const sip::Message& ack);
  void RelayInDialog(const sip::Message& request);
  void StartNextGroup(uint64_t key);
  void StartBranch(uint64_t key, sim::NodeId peer, bool server);
  void OnBranchResponse(const sip::Message& response);
  void OnProvisional(uint64_t key, uint32_t index, const sip::Message& response);
  void OnBranchAnswer(uint64_t key, uint32_t index, const sip::Message& response);
  void OnBranchFailure(uint64_t key, uint32_t index, sip::Message response, bool refused);
  bool Recurse(uint64_t key, const sip::Message& redirect);
  void OnTimerC(uint64_t branch_call_id);
  void CancelPending(uint64_t key);
  void SendCancel(uint64_t key, uint32_t index);
  void ForwardAnswer(Call& call, uint32_t index);
  void NextLateAnswer(uint64_t key);
  void AckAndBye(uint64_t key, uint32_t index);
  void ByeBranch(uint64_t key, uint32_t index);
  void OnRelayDone(const Relay& relay, const sip::Message& response);
  void SendBest(Call& call);
  void MarkRetryAfter(sim::NodeId peer, const sip::Message& unavailable);
  bool Skipping(sim::NodeId peer) const { return skip_[peer].until > engine_now(); }
  bool InTargetSet(const Call& call, sim::NodeId node) const;
  // Holds `key` while a handler works on it, and settles it afterwards: a
  // request sent meanwhile may be refused at once and come back through
  // OnResponse (N3), which must neither finish nor erase the call under the
  // handler; Settle() then advances it from wherever it stands.
  Call& Hold(uint64_t key);
  void Settle(uint64_t key);
  void Advance(uint64_t key);
  sim::SimTime engine_now() const { return sip_net_.engine().Now(); }

  sip::SipNetwork& sip_net_;
  ProxyParams params_;
  std::vector<std::vector<sim::NodeId>> groups_;          // the target list, in the order tried
  sim::FlatTable<uint64_t, Call, sim::Mix64Hash> calls_;  // by the upstream Call-ID
  sim::FlatTable<uint64_t, BranchRef, sim::Mix64Hash> by_branch_;  // by the branch's Call-ID
  std::map<RelayKey, Relay> relays_;
  std::vector<Skip> skip_;  // per node
  uint64_t next_serial_ = 0;
  uint64_t branches_started_ = 0;
  NodeCounters counters_;
};

}  // namespace crankback::nodes
