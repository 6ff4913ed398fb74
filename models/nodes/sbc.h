// A session border controller (B2BUA) with trunk groups (NAPs) and route lists.
//
//   Sbc sbc(ctx, id, {.naps = {from_callers, to_carrier_a, to_carrier_b}});
//
// Each call has two legs: the inbound leg from the NAP it arrived on, and one
// outbound leg at a time to the NAP of the route being tried, each with its own
// transactions and dialog. A failure on the outbound leg goes to the
// cause-mapping policy: advance to the next route, process a 3xx redirect,
// or stop and send the failure upstream (as received, translated, or with a
// Reason: Q.850 added). A route that has not reached the NAP's minimum call
// state when its route-retry timer runs out is abandoned (CANCEL) for the
// next route, as ProSBC does. NAP session and CPS caps are answered in the
// SBC's own dialect.
#pragma once

#include <string>
#include <vector>

#include "models/nodes/node_context.h"
#include "models/nodes/received_invite.h"
#include "sim/flat_table.h"
#include "sim/time.h"

namespace crankback::nodes {

// How far an outbound leg has got, in ProSBC's order for the minimum call state
// of a route-retry timeout: 100 Trying < 183 Progress < 180 Ringing < 200.
enum class CallState : uint8_t { kNone, kTrying, kProgress, kRinging, kAnswered };
const char* CallStateName(CallState s);

// How a NAP orders its route list for each call.
enum class RouteSelection : uint8_t {
  kPriority,   // in the order listed
  kWeighted,   // a random order per call, each draw in proportion to the weights left
  kLeastCost,  // by cost per minute, cheapest first; ties in the order listed
};

struct RouteParams {
  uint32_t nap = 0;            // the egress NAP
  double weight = 1;           // kWeighted: > 0
  double cost_per_minute = 0;  // kLeastCost
  // Every attempt on this route is an overflow call for the egress NAP's trunk
  // reservation (a transit call another site overflowed through this SBC).
  bool overflow = false;
  // Per scenario destination: whether the route serves that dialled number;
  // empty = every number. A call to a number it does not serve passes it by.
  std::vector<bool> serves = {};
  bool Serves(uint32_t destination) const {
    return serves.empty() || (destination < serves.size() && serves[destination]);
  }
};

struct NapParams {
  std::string name;
  uint32_t peer = 0;          // node index
  uint32_t max_sessions = 0;  // 0 = unlimited
  // Call attempts admitted per second (a token bucket holding `cps_burst`
  // attempts, refilled at `cps`); 0 = unlimited. Inbound attempts over the cap
  // are rejected in the SBC's dialect; outbound ones skip the route.
  double cps = 0;
  double cps_burst = 1;
  // For calls arriving on this NAP: where to send them.
  std::vector<RouteParams> routes = {};
  RouteSelection selection = RouteSelection::kPriority;
  // A route that has not reached `min_call_state` this long after its INVITE
  // is cancelled and the next route tried; zero = no timer.
  sim::Duration route_retry_timeout = {};
  CallState min_call_state = CallState::kRinging;
  // Trunk reservation: an overflow call (not the first route its call tries
  // here, or on a route marked `overflow`) goes out on this NAP only while
  // more than this many of its max_sessions are free. 0 = none.
  uint32_t trunk_reservation = 0;
};

struct SbcParams {
  std::vector<NapParams> naps = {};
  uint32_t dialect = 0;
  uint8_t max_redirects = 3;  // 3xx processed per call, after which a 3xx stops the call
};

class Sbc : public sip::Endpoint {
 public:
  Sbc(const NodeContext& ctx, sim::NodeId id, const SbcParams& params);

  size_t active_calls() const { return calls_.size() + abandoned_.size(); }
  uint32_t nap_sessions(uint32_t nap) const { return naps_[nap].sessions; }
  // Outbound INVITEs sent to each NAP.
  uint64_t nap_attempts(uint32_t nap) const { return naps_[nap].attempts; }
  // A crash (a restart fault): every call in progress is lost with its
  // timers, sessions and transactions, on both legs; later requests of those
  // dialogs get 481, and the far ends' channels stay held until their own
  // timers free them. Returns their Message::origin_call, ascending.
  std::vector<uint32_t> Restart();
  const NodeCounters& counters() const { return counters_; }
  // What NAP `nap` saw from the warm-up on, its busy time integrated up to
  // `now` (the end of the run) within the window.
  NapCounters nap_counters(uint32_t nap, sim::SimTime now) const;
  // The routes of ingress NAP `nap`, by their index in its route list.
  const std::vector<RouteCounters>& route_counters(uint32_t nap) const { return naps_[nap].routes; }

 protected:
  void OnRequest(const sip::Message& request) override;
  void OnResponse(const sip::Message& response) override;
  void OnTimeout(const sip::Message& request) override;
  void OnAckTimeout(const sip::Message& response) override;
  uint32_t NextCseq(uint64_t call_id) override;
  void OnSessionExpired(uint64_t call_id) override;
  // A response, or a request of the outbound leg, reads by_out_; else calls_.
  void ExpectAtNode(const sip::Message& m) override {
    if (!m.is_request() || IsOutbound(m.call_id)) {
      by_out_.prefetch_key(m.call_id);
    } else {
      calls_.prefetch_key(m.call_id);
    }
  }

 private:
  struct Nap {
    const NapParams* params;
    uint32_t sessions = 0;
    uint64_t attempts = 0;
    std::vector<uint8_t> order = {};  // LEAST_COST: routes cheapest first, for every call
    double tokens = 0;                // CPS token bucket
    sim::SimTime refilled = sim::SimTime::Zero();
    NapCounters counters = {};
    std::vector<RouteCounters> routes = {};          // of its route list
    sim::SimTime busy_since = sim::SimTime::Zero();  // `sessions` unchanged since
    bool AdmitAttempt(sim::SimTime now);
    // The session-seconds of [busy_since, now) that fall in [from, to).
    double BusySeconds(sim::SimTime now, sim::SimTime from, sim::SimTime to) const;
  };
  // The last failure of a call's outbound legs (or the SBC's own reason for
  // not trying one): the fields of it that FailUpstream sends on.
  struct Failure {
    int16_t status = 0;  // 0: none
    int16_t reason_q850 = 0;
    int32_t retry_after_s = 0;
    int32_t contact = -1;
    sip::GroundTruth truth = {};
  };
  static Failure FailureOf(const sip::Message& m) {
    return {m.status, m.reason_q850, m.retry_after_s, m.contact, m.truth};
  }
  struct Call {
    ReceivedInvite invite;     // as received on the inbound leg
    uint64_t out_call_id = 0;  // 0: no outbound leg
    uint32_t in_nap = 0;
    uint32_t out_nap = 0;
    int32_t out_route = -1;  // the route (list index) the outbound leg serves
    uint32_t out_cseq = 1;   // our last CSeq on the outbound leg (its INVITE: 1)
    uint32_t in_cseq = 0;    // our last CSeq on the inbound leg (we sent none yet)
    uint8_t next = 0;        // position in the route order (`order` or the NAP's)
    uint8_t tried = 0;
    uint8_t redirects = 0;
    CallState out_state = CallState::kNone;
    bool answered = false;
    bool talk_counted = false;  // its answered leg's talk time is in its NAP's counters
    bool inbound_open = true;
    bool out_provisional = false;  // the outbound leg had a 1xx: CANCEL may go
    bool cancel_pending = false;   // the caller cancelled before that 1xx
    int16_t upstream_code = 0;     // the policy's translation of `failure`; 0 = as received
    int16_t upstream_q850 = 0;     // the policy's Reason cause for it; 0 = as received
    // WEIGHTED NAPs: route list indices in the order this call tries them.
    std::vector<uint8_t> order;
    sim::SimTime answered_at;
    sim::EventId retry_timer;
    Failure failure;  // the last failure, sent upstream if the policy stops
  };
  // The call an outbound leg belongs to: its inbound Call-ID and its slot in calls_.
  struct OutLeg {
    uint64_t key = 0;
    uint32_t slot = 0;
  };
  // An outbound leg given up by its route-retry timer while the call moved on:
  // cancelled (or ended, if it answers after all) on its own.
  struct Abandoned {
    uint32_t nap = 0;
    uint32_t origin_call = 0;
    uint32_t destination = 0;
    uint32_t cseq = 1;
    bool provisional = false;
    bool cancelled = false;
    bool ended = false;  // final or BYE sent: waiting for its transaction to end
  };

  void OnInvite(const sip::Message& invite);
  void OnBye(const sip::Message& bye);
  void OnCancel(const sip::Message& cancel);
  void CancelOutbound(Call& call);
  void OnCalleeBye(const sip::Message& bye, uint64_t key);
  void ByeOutbound(Call& call);
  void ByeUpstream(Call& call);
  void TryNextRoute(uint64_t key);
  bool SendOutbound(uint64_t key, uint32_t egress, int32_t route);
  void OnRetryTimeout(uint64_t key);
  void OnOutboundFailure(uint64_t key, const sip::Message& failure);
  void FailUpstream(uint64_t key);
  void CloseOutbound(Call& call);
  void CloseInbound(Call& call);
  void MaybeErase(uint64_t key);
  void OnAbandonedResponse(uint64_t out_call_id, const sip::Message& response);
  void ReleaseAbandoned(uint64_t out_call_id);
  void Log(const Call& call, metrics::RouteStep step);
  // Counters: events at or after the warm-up count; sessions are integrated.
  bool Counting() { return engine().Now() >= ctx_.warmup; }
  void TakeSession(uint32_t nap);
  void ReleaseSession(uint32_t nap);
  void EndTalk(Call& call);
  sip::Message LocalRejection(const sip::Message& invite, policy::Condition condition,
                              sip::Cause cause) const;
  Failure LocalFailure(const Call& call, policy::Condition condition, sip::Cause cause) const {
    return FailureOf(LocalRejection(call.invite.ToMessage(), condition, cause));
  }
  // The call of outbound leg `out` (in by_out_).
  Call& CallOf(const OutLeg& out) { return calls_.find_at(out.slot, out.key)->second; }
  // The Call-IDs of our outbound legs carry our node id above a 40-bit serial;
  // no other Call-ID can be in by_out_ or abandoned_.
  uint64_t OutboundCallId(uint64_t serial) const { return (uint64_t{id()} + 1) << 40 | serial; }
  bool IsOutbound(uint64_t call_id) const { return call_id >> 40 == uint64_t{id()} + 1; }

  NodeContext ctx_;
  const SbcParams& params_;
  const policy::Dialect& dialect_;
  std::vector<Nap> naps_;
  std::vector<int32_t> peer_nap_;  // per node index: first NAP whose peer it is, or -1
  sim::FlatTable<uint64_t, Call, sim::Mix64Hash> calls_;           // keyed by inbound Call-ID
  sim::FlatTable<uint64_t, OutLeg, sim::Mix64Hash> by_out_;        // by outbound Call-ID
  sim::FlatTable<uint64_t, Abandoned, sim::Mix64Hash> abandoned_;  // by outbound Call-ID
  uint64_t next_serial_ = 0;
  NodeCounters counters_;
};

}  // namespace crankback::nodes
