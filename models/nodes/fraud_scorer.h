// A fraud-scoring service that an SBC queries as a redirect server, as ProSBC
// queries ClearIP: the scorer's NAP is the first route of a route list, and
// its answer feeds the SBC's cause-mapping policy like any route failure.
//
//   FraudScorer scorer(ctx, id, {.dialect = clearip, .detection_rate = 0.9});
//   // INVITE -> (latency) -> 404 clear | 603 block | 302 Contact: redirect_to
//
// Every INVITE is answered after `latency` with a code of the scorer's dialect:
// FRAUD_CLEAR when it finds nothing (clearip: 404, which the SBC should take
// as "continue call"), FRAUD_BLOCK when it flags the call (603, "stop call"),
// or FRAUD_REDIRECT (302 whose Contact is `redirect_to`) when flagged calls
// are diverted to another trunk group. Whether a call is flagged depends on
// its ground truth (Message::truth.fraud): a fraudulent call is detected with
// probability `detection_rate`, a clean one flagged with `false_positive_rate`.
// The draw comes from a stream keyed by the scorer and the originating call,
// so every policy compared sees the same verdict for the same call.
#pragma once

#include <cstdint>
#include <string>

#include "models/nodes/node_context.h"
#include "models/nodes/received_invite.h"
#include "sim/distribution.h"
#include "sim/flat_table.h"

namespace crankback::nodes {

// What the scorer answers for a flagged call.
enum class FraudAction : uint8_t {
  kBlock,     // FRAUD_BLOCK (clearip: 603), ground truth Cause::kFraudBlock
  kRedirect,  // FRAUD_REDIRECT (clearip: 302) with Contact: redirect_to
};

struct FraudScorerParams {
  uint32_t dialect = 0;            // index into the scenario's dialects (the loader: "clearip")
  sim::Distribution latency = {};  // INVITE received to verdict sent; default 0
  double detection_rate = 1;       // P(flagged | fraudulent), 0..1
  double false_positive_rate = 0;  // P(flagged | clean), 0..1
  FraudAction on_detect = FraudAction::kBlock;
  int32_t redirect_to = -1;  // kRedirect: the node index the 302's Contact names
};

// Verdicts given, by kind and by the calls' ground truth.
struct FraudScorerCounters {
  uint64_t scored = 0;           // verdicts sent
  uint64_t fraud_scored = 0;     // ... of them for fraudulent calls
  uint64_t flagged = 0;          // verdicts that blocked or redirected the call
  uint64_t fraud_detected = 0;   // flagged, and fraudulent in truth
  uint64_t false_positives = 0;  // flagged, and clean in truth
  uint64_t cancelled = 0;        // queries cancelled before their verdict (487)
};

class FraudScorer : public sip::Endpoint {
 public:
  FraudScorer(const NodeContext& ctx, sim::NodeId id, const FraudScorerParams& params);

  // Queries waiting for their verdict (0 once every call is over).
  size_t active_calls() const { return pending_.size(); }
  // invites: INVITEs scored or cancelled; rejections: verdicts sent (a scorer
  // never answers 2xx, so each verdict, clear included, is a final non-2xx).
  const NodeCounters& counters() const { return counters_; }
  const FraudScorerCounters& scorer_counters() const { return scores_; }

 protected:
  void OnRequest(const sip::Message& request) override;
  void OnResponse(const sip::Message&) override {}  // it sends no requests
  void OnTimeout(const sip::Message&) override {}
  void OnAckTimeout(const sip::Message&) override {}  // no state outlives the verdict
  uint32_t NextCseq(uint64_t) override { return 1; }

 private:
  struct Pending {
    ReceivedInvite invite;
    bool flagged = false;
    sim::EventId verdict;
  };

  void OnInvite(const sip::Message& invite);
  void OnCancel(const sip::Message& cancel);
  void SendVerdict(uint64_t call_id);

  NodeContext ctx_;
  FraudScorerParams params_;
  const policy::Dialect& dialect_;
  std::string name_;
  sim::FlatTable<uint64_t, Pending, sim::Mix64Hash> pending_;  // by Call-ID
  NodeCounters counters_;
  FraudScorerCounters scores_;
};

}  // namespace crankback::nodes
