// A carrier switch: terminates calls on trunk groups of channels, in front of
// number ranges whose callees are busy, decline, answer, ring on or stay silent.
//
//   CarrierParams p;  p.max_sessions = 10;  p.trunk_groups = {{"sbc_tg", {sbc}, 30, 5.0}};
//   Carrier carrier(ctx, id, "carrier_a", p);
//
// An INVITE arrives on the trunk group of the peer that sent it (or on the
// carrier-level default group) and passes its call admission control: a call
// attempt rate (CallRateLimiter), then, after the processing delay, the number
// lookup (ranges, prefixes) and the group's channel cap. An admitted call seizes
// a channel until its BYE, its CANCEL, its callee's rejection or the maximum
// call duration. Every rejection is worded by the carrier's dialect, with the
// ground-truth cause behind it.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "models/nodes/node_context.h"
#include "models/nodes/received_invite.h"
#include "sim/distribution.h"
#include "sim/flat_table.h"

namespace crankback::nodes {

// How the callees behind a number answer: the carrier-level default, or one
// number range's. Drawn per call from a stream keyed by the call, so every
// policy sees the same callee for the same call.
struct CalleeBehaviour {
  enum class Kind : uint8_t {
    kCallees,      // busy at once, or ringing and then declining, answering or ringing on
    kUnallocated,  // no subscriber: the UNALLOCATED condition at once
    kSilent,       // 100 Trying, then nothing until the no-answer timer (if any) or a CANCEL
  };
  Kind kind = Kind::kCallees;
  sim::Distribution ring_time;  // INVITE to 200 OK (or to the decline)
  double busy_probability = 0;
  double decline_probability = 0;
  double answer_probability = 1;  // of the calls neither busy nor declined
  sim::Duration no_answer_timeout = sim::Duration::Seconds(60);  // 0: ring on
};

// Numbers starting with `prefix` and their callees.
struct NumberRangeParams {
  std::string prefix;
  CalleeBehaviour callees;
};

// A trunk group: the peers whose INVITEs arrive on it and its admission caps.
struct TrunkGroupParams {
  std::string name;
  std::vector<sim::NodeId> peers;
  uint32_t max_sessions = 0;  // channels; 0 = unlimited
  double cps = 0;             // call attempts admitted per second; 0 = unlimited
  double cps_burst = 0;       // token bucket depth, >= 1; 0 = max(1, cps)
};

// The carrier-level callee fields (the CalleeBehaviour base) are the
// behaviour of the numbers no range holds.
struct CarrierParams : CalleeBehaviour {
  // The default trunk group: INVITEs from peers no trunk group names.
  uint32_t max_sessions = 0;  // 0 = unlimited
  double cps = 0;             // 0 = unlimited
  double cps_burst = 0;       // 0 = max(1, cps)
  uint32_t dialect = 0;       // index into the scenario's dialects
  std::vector<TrunkGroupParams> trunk_groups;
  // Per scenario destination: served by the default behaviour (empty = all).
  // A number in a range is served whatever this says.
  std::vector<bool> serves;
  std::vector<NumberRangeParams> ranges;
  // Per scenario destination: its longest matching range, or kNoRange (empty = none).
  std::vector<int32_t> destination_range;
  static constexpr int32_t kNoRange = -1;
  // INVITE arrival to the carrier's decision on it; nullopt = at once.
  std::optional<sim::Distribution> processing_delay;
  // An answered call is ended with a BYE after this long; 0 = never.
  sim::Duration max_call_duration;
};

// Call admission by attempt rate: a token bucket of `burst` tokens refilled at
// `cps` per second, full at the start; an attempt that finds no token is
// rejected and takes none. This is AudioCodes' SBC call admission control
// ("Rate" tokens per second, "Maximum Burst" tokens in the bucket: a full
// bucket of 100 admits 100 of 101 simultaneous dialogs and rejects the last;
// rejected requests are not counted in the bucket; Mediant user's manuals,
// "Configuring Call Admission Control"). Ribbon SBC Core's trunk group CAC has
// the same pair of knobs ("Call Rate Max", sustained calls per second, and
// "Call Burst Max"; "SIP Trunk Group - CAC - Ingress" on publicdoc.rbbn.com).
// It runs as the generic cell rate algorithm (ITU-T I.371,
// the leaky bucket of RFC 7415 section 3.2, sip-semantics O9) on integer
// nanoseconds, so admission is exact: no rounding of fractional tokens.
class CallRateLimiter {
 public:
  CallRateLimiter() = default;  // unlimited
  CallRateLimiter(double cps, double burst);

  bool Admit(sim::SimTime now);
  bool limited() const { return interval_ > sim::Duration(); }

 private:
  sim::Duration interval_;   // 1 / cps
  sim::Duration tolerance_;  // (burst - 1) / cps
  sim::SimTime theoretical_arrival_;
};

// A trunk group's counts (the default group's too).
struct TrunkGroupCounters {
  uint64_t invites = 0;
  uint64_t seizures = 0;
  uint64_t cps_rejections = 0;  // over the call attempt rate
  uint64_t cap_rejections = 0;  // every channel busy
};

// The carrier's own counts, beyond NodeCounters.
struct CarrierCounters {
  std::array<uint64_t, policy::kConditionCount> rejections{};  // by condition
  uint64_t cancelled = 0;              // 487 to a CANCEL (processing or ringing)
  uint64_t max_duration_releases = 0;  // answered calls ended by max_call_duration

  uint64_t rejected(policy::Condition c) const { return rejections[static_cast<size_t>(c)]; }
};

class Carrier : public sip::Endpoint {
 public:
  Carrier(const NodeContext& ctx, sim::NodeId id, const std::string& name,
          const CarrierParams& params);

  uint32_t busy_channels() const { return busy_; }
  // Channels held by answered calls; at the end of a run these are hung: the
  // caller's BYE never arrived and nothing else would free them.
  uint32_t answered_channels() const { return answered_; }
  // INVITEs waiting out the processing delay.
  size_t processing() const { return calls_.size() - busy_; }
  const NodeCounters& counters() const { return counters_; }
  const CarrierCounters& carrier_counters() const { return carrier_counters_; }
  // A crash (a restart fault): every call in progress (processing, ringing or
  // answered) is lost with its timers, channels and transactions; later
  // requests of those dialogs get 481. Returns their Message::origin_call.
  std::vector<uint32_t> Restart();
  // Trunk group `g` in CarrierParams::trunk_groups order; the default group
  // (peers no trunk group names) is trunk_groups.size().
  uint32_t group_busy(uint32_t g) const { return groups_.at(g).busy; }
  const TrunkGroupCounters& group_counters(uint32_t g) const { return groups_.at(g).counters; }

 protected:
  void OnRequest(const sip::Message& request) override;
  void OnResponse(const sip::Message&) override {}
  void OnTimeout(const sip::Message&) override {}
  void OnAckTimeout(const sip::Message& response) override;
  // The callee sends one request per dialog at most (its BYE): CSeq 1.
  uint32_t NextCseq(uint64_t) override { return 1; }
  void OnSessionExpired(uint64_t call_id) override;
  void ExpectAtNode(const sip::Message& m) override {
    if (m.is_request()) calls_.prefetch_key(m.call_id);
  }

 private:
  enum class State : uint8_t { kProcessing, kRinging, kAnswered };
  struct Call {
    ReceivedInvite invite;
    uint32_t group = 0;
    State state = State::kProcessing;
    sim::SimTime arrival;
    sim::EventId timer;  // its one pending event: decision, ring, no-answer or max duration
  };
  struct Group {
    uint32_t max_sessions = 0;
    CallRateLimiter limiter;
    uint32_t busy = 0;
    TrunkGroupCounters counters;
  };

  void OnInvite(const sip::Message& invite);
  void Decide(const sip::Message& invite, uint32_t group, sim::SimTime arrival);
  void OnDecisionDue(uint64_t call_id);
  const CalleeBehaviour* BehaviourOf(uint32_t destination) const;
  Call& Seize(const sip::Message& invite, uint32_t group, sim::SimTime arrival);
  void SendTrying(const Call& call);
  void Reject(const sip::Message& invite, policy::Condition condition, sip::Cause cause);
  void Answer(uint64_t call_id);
  void Decline(uint64_t call_id, policy::Condition condition, sip::Cause cause);
  void OnCancel(const sip::Message& cancel);
  void EndSession(uint64_t call_id);
  void Release(uint64_t call_id);

  NodeContext ctx_;
  CarrierParams params_;
  const policy::Dialect& dialect_;
  std::string name_;
  std::vector<Group> groups_;                           // trunk groups, then the default group
  std::unordered_map<sim::NodeId, uint32_t> group_of_;  // peer -> trunk group
  uint32_t busy_ = 0;
  uint32_t answered_ = 0;
  sim::FlatTable<uint64_t, Call, sim::Mix64Hash> calls_;  // by Call-ID: processing or seized
  NodeCounters counters_;
  CarrierCounters carrier_counters_;
};

}  // namespace crankback::nodes
