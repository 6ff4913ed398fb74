// A caller population behind one user agent: Poisson call arrivals (at a
// constant rate, or shaped by a rate profile and flash crowds), each with its
// dialled number and holding time, caller redial after a failure, and the
// outcome of every call attempt.
//
//   UserAgent callers(ctx, id, "callers", {&traffic}, end);
//   callers.Start();   // schedules the first arrival of each traffic source
//
// The caller hangs up (BYE) after the holding time of an answered call. The
// draws come from streams keyed by the source's name, so every policy compared
// in a replication sees the same calls. A source with a fraud mix makes some of
// its calls fraudulent: ground truth that rides on the INVITE (truth.fraud)
// and into the call's outcome, while the network sees only what its fraud
// scorer and policies make of it.
//
// A redial is a new call attempt with a serial (Message::origin_call) of its
// own, counted down from UINT32_MAX, so first attempts are numbered 1, 2, ...
// whatever redials happen, and meet the same per-call draws under every policy.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "models/nodes/node_context.h"
#include "models/traffic/arrival_process.h"
#include "models/traffic/rate_function.h"
#include "models/traffic/redial.h"
#include "sim/distribution.h"
#include "sim/flat_table.h"

namespace crankback::nodes {

// Fraudulent calls mixed into a traffic source. Each call is fraudulent with
// probability `fraction`, drawn from the source's own "fraud" stream, so the
// other calls' draws are those of the same source without a fraud mix. A
// fraudulent call dials one of `destinations` (premium-rate or international
// ranges) and, when answered, holds for `holding_time`: fraud runs long.
struct FraudMix {
  double fraction = 0;                      // 0..1
  std::vector<uint32_t> destinations = {};  // scenario destination indices; empty = the source's
  std::vector<double> weights = {};         // same length, positive
  std::optional<sim::Distribution> holding_time = std::nullopt;  // absent: the source's
};

struct TrafficParams {
  std::string name;
  uint32_t origin = 0;  // node index of the user agent
  uint32_t via = 0;     // node index it sends INVITEs to
  double calls_per_second = 1;
  sim::Distribution holding_time;
  std::vector<uint32_t> destinations;            // scenario destination indices
  std::vector<double> weights;                   // same length, positive
  std::optional<sim::Distribution> patience;     // hang up unanswered calls after this
  std::optional<FraudMix> fraud = std::nullopt;  // absent: no fraudulent calls
  // The rate over time: calls_per_second x the profile's multiplier x the flash
  // crowds' in force. Neither: Poisson at calls_per_second.
  traffic::RateProfile profile = {};
  std::vector<traffic::FlashCrowd> flash_crowds = {};
  // Callers redial failed attempts (not abandoned ones); absent: never.
  std::optional<traffic::RedialParams> redial = std::nullopt;
};

class UserAgent : public sip::Endpoint {
 public:
  UserAgent(const NodeContext& ctx, sim::NodeId id, std::vector<const TrafficParams*> sources,
            sim::SimTime end);

  void Start();
  size_t active_calls() const { return calls_.size(); }
  // Call attempts started, redials included: each ends in one outcome.
  uint64_t calls_started() const { return next_serial_ + redials_started_; }

 protected:
  void OnRequest(const sip::Message& request) override;
  void OnResponse(const sip::Message& response) override;
  void OnTimeout(const sip::Message& request) override;
  void OnAckTimeout(const sip::Message&) override {}
  uint32_t NextCseq(uint64_t call_id) override;
  void OnSessionExpired(uint64_t call_id) override;
  void ExpectAtNode(const sip::Message& m) override { calls_.prefetch_key(m.call_id); }

 private:
  struct Source {
    const TrafficParams* params;
    sim::RngStream arrivals;
    sim::RngStream holding;
    sim::RngStream destination;
    sim::RngStream patience;
    sim::RngStream fraud;                  // drawn only when the source has a fraud mix
    sim::RngStream redial;                 // drawn only when the source redials
    std::vector<double> cumulative;        // normalized weights
    std::vector<double> fraud_cumulative;  // of the fraud mix's destinations
    traffic::ArrivalProcess process = {};  // when the next call arrives
  };
  struct Call {
    uint32_t source = 0;
    sim::SimTime arrival;
    sim::Duration holding;
    uint32_t destination = 0;
    uint32_t cseq = 1;  // our last CSeq in the dialog (the INVITE's is 1)
    bool answered = false;
    bool provisional = false;  // a 1xx arrived: CANCEL is allowed (RFC 3261 9.1)
    bool give_up = false;      // patience ran out
    bool cancelled = false;    // CANCEL sent
    bool fraud = false;        // ground truth: the call is fraudulent
    uint32_t redial = 0;       // 0: a first attempt; n: the n-th redial
    uint32_t origin_call = 0;  // Message::origin_call of its messages
    double pdd_s = -1;         // INVITE to the first 180/183; < 0: none yet
    sim::EventId abandon;
  };

  void Arrival(uint32_t source);
  void ScheduleArrival(uint32_t source);
  void Dial(Call call, std::optional<sim::Duration> patience);
  void MaybeRedial(const Call& failed, int code);
  void Redial(uint64_t key);
  void HangUp(uint64_t call_id);
  void Abandon(uint64_t call_id);
  void SendCancel(uint64_t call_id, Call& call);
  void Finish(const Call& call, metrics::Result result, int code, const sip::GroundTruth& truth);
  // This agent's Call-ID of the attempt with `serial`: the node in the high bits.
  uint64_t CallId(uint64_t serial) const { return (uint64_t{id()} + 1) << 40 | serial; }

  NodeContext ctx_;
  sim::SimTime end_;
  std::vector<Source> sources_;
  sim::FlatTable<uint64_t, Call, sim::Mix64Hash> calls_;  // by Call-ID
  uint64_t next_serial_ = 0;
  sim::FlatTable<uint64_t, Call, sim::Mix64Hash> redials_;  // waiting for their delay, by key
  uint64_t next_redial_ = 0;
  uint64_t redials_started_ = 0;
};

}  // namespace crankback::nodes
