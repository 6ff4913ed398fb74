// The fraud scorer on its own, queried by a scripted SBC over a 10 ms link:
// ClearIP's verdicts (404 clear, 603 block, 302 redirect with its Contact)
// after the configured latency, the detection and false-positive rates within
// the run's own binomial intervals, the same verdict for the same call (common
// random numbers), and a CANCEL during the latency (sip-semantics Y4: 200 to
// the CANCEL, 487 to the INVITE) that leaves no state behind.
#include "models/nodes/fraud_scorer.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <vector>

#include "tests/models/fraud_fixture.h"
#include "tests/models/sip/endpoint_harness.h"

namespace crankback {
namespace {

using sip::Message;
using sip::Method;
using sip::testing::Harness;
using sip::testing::Peer;

constexpr sim::NodeId kSbc = 0, kScorer = 1;

sim::SimTime At(int64_t ms) { return sim::SimTime::Zero() + sim::Duration::Millis(ms); }

// A scripted SBC (node 0) and the scorer under test (node 1).
struct ScorerBench {
  explicit ScorerBench(nodes::FraudScorerParams params) : h(2, {{kSbc, kScorer}}) {
    params.dialect = testing::fraud::DialectIndex(dialects, "clearip");
    sbc = &h.AddPeer(kSbc, sip::testing::Profile(500));
    const nodes::NodeContext ctx{h.sip, h.rng, metrics, dialects, policy, sip::Rfc3261Profile()};
    scorer = std::make_unique<nodes::FraudScorer>(ctx, kScorer, params);
  }

  // An INVITE of originating call `origin` (its scoring key), fraudulent or not.
  Message Invite(uint64_t call_id, uint32_t origin, bool fraud) {
    Message m = Message::Request(Method::kInvite, call_id, 1, origin);
    m.truth.fraud = fraud;
    sbc->Request(kScorer, m);
    return m;
  }
  // The scorer's final responses to INVITEs, by Call-ID.
  std::map<uint64_t, sip::testing::WireEvent> Verdicts() const {
    std::map<uint64_t, sip::testing::WireEvent> out;
    for (const auto& e : h.wire.events) {
      if (e.message.from == kScorer && e.message.method == Method::kInvite &&
          e.message.is_final() && !e.message.retransmission)
        out.emplace(e.message.call_id, e);
    }
    return out;
  }

  std::vector<policy::Dialect> dialects = policy::PresetDialects();
  policy::CauseMap policy;
  metrics::RunMetrics metrics{sim::SimTime::Zero()};
  Harness h;
  Peer* sbc = nullptr;
  std::unique_ptr<nodes::FraudScorer> scorer;
};

// The clearip dialect: 603 for a detected fraud call (ground truth fraud
// block), 404 for a clean one, each sent exactly `latency` after the INVITE
// arrives (10 ms + 250 ms); the stack's 100 Trying goes at 200 ms meanwhile.
TEST(FraudScorer, ClearIpVerdictsAfterTheLatency) {
  ScorerBench b({.latency = sim::Distribution::Deterministic(0.25)});
  b.Invite(101, 1, /*fraud=*/true);
  b.Invite(102, 2, /*fraud=*/false);
  b.h.engine.Run();

  const auto verdicts = b.Verdicts();
  ASSERT_EQ(verdicts.size(), 2u);
  const Message& block = verdicts.at(101).message;
  EXPECT_EQ(block.status, 603);
  EXPECT_EQ(block.truth.cause, sip::Cause::kFraudBlock);
  EXPECT_TRUE(block.truth.fraud);
  EXPECT_EQ(block.contact, -1);
  EXPECT_EQ(verdicts.at(101).sent_ms, 260);
  const Message& clear = verdicts.at(102).message;
  EXPECT_EQ(clear.status, 404);
  EXPECT_EQ(clear.truth.cause, sip::Cause::kNone);
  EXPECT_EQ(verdicts.at(102).sent_ms, 260);
  EXPECT_EQ(b.h.wire.Sent(kScorer, Method::kInvite, 100), (std::vector<int64_t>{210, 210}));
  ASSERT_EQ(b.sbc->responses.size(), 4u);  // 100 and the verdict, twice

  EXPECT_EQ(b.scorer->counters().invites, 2u);
  EXPECT_EQ(b.scorer->counters().rejections, 2u);
  const nodes::FraudScorerCounters& c = b.scorer->scorer_counters();
  EXPECT_EQ(c.scored, 2u);
  EXPECT_EQ(c.fraud_scored, 1u);
  EXPECT_EQ(c.flagged, 1u);
  EXPECT_EQ(c.fraud_detected, 1u);
  EXPECT_EQ(c.false_positives, 0u);
  EXPECT_EQ(b.scorer->active_calls(), 0u);
  EXPECT_EQ(b.scorer->open_transactions(), 0u);
}

// on_detect: REDIRECT: a flagged call gets 302 whose Contact is the
// configured node (the SBC routes to its NAP facing that node); a clear one
// still gets 404 without a Contact. A redirect is no block: no fraud-block truth.
TEST(FraudScorer, RedirectCarriesTheContact) {
  ScorerBench b(
      {.false_positive_rate = 1, .on_detect = nodes::FraudAction::kRedirect, .redirect_to = 7});
  b.Invite(201, 1, /*fraud=*/true);
  b.h.engine.Run();
  ScorerBench clean({.on_detect = nodes::FraudAction::kRedirect, .redirect_to = 7});
  clean.Invite(202, 2, /*fraud=*/false);
  clean.h.engine.Run();

  const Message redirect = b.Verdicts().at(201).message;
  EXPECT_EQ(redirect.status, 302);
  EXPECT_EQ(redirect.contact, 7);
  EXPECT_EQ(redirect.truth.cause, sip::Cause::kNone);
  EXPECT_EQ(b.Verdicts().at(201).sent_ms, 10);  // no latency configured: at once
  const Message clear = clean.Verdicts().at(202).message;
  EXPECT_EQ(clear.status, 404);
  EXPECT_EQ(clear.contact, -1);
  EXPECT_EQ(b.scorer->scorer_counters().flagged, 1u);
  EXPECT_EQ(clean.scorer->scorer_counters().flagged, 0u);
}

// Y4: a CANCEL that reaches the scorer while it is still scoring gets 200 and
// the INVITE 487 at once; no verdict follows, and nothing is left pending.
TEST(FraudScorer, Y4CancelDuringTheLatencyGets487AndLeavesNoState) {
  ScorerBench b({.latency = sim::Distribution::Deterministic(1)});
  const Message invite = b.Invite(301, 1, /*fraud=*/true);
  b.h.engine.ScheduleAt(At(300), [&] {
    b.sbc->Request(kScorer, Message::Request(Method::kCancel, invite.call_id, invite.cseq, 1));
  });
  b.h.engine.RunUntil(At(305));
  EXPECT_EQ(b.scorer->active_calls(), 1u);
  b.h.engine.Run();

  EXPECT_EQ(b.h.wire.Sent(kScorer, Method::kCancel, 200), std::vector<int64_t>{310});
  EXPECT_EQ(b.h.wire.Sent(kScorer, Method::kInvite, 487), std::vector<int64_t>{310});
  EXPECT_TRUE(b.h.wire.Sent(kScorer, Method::kInvite, 603).empty());
  ASSERT_FALSE(b.sbc->responses.empty());
  EXPECT_EQ(b.sbc->responses.back().status, 487);
  EXPECT_EQ(b.scorer->scorer_counters().cancelled, 1u);
  EXPECT_EQ(b.scorer->scorer_counters().scored, 0u);
  EXPECT_EQ(b.scorer->counters().rejections, 0u);
  EXPECT_EQ(b.scorer->active_calls(), 0u);
  EXPECT_EQ(b.scorer->open_transactions(), 0u);
}

// A BYE finds no dialog at a scorer: 481 (RFC 3261 15.1.2).
TEST(FraudScorer, ByeGets481) {
  ScorerBench b({});
  Message bye = Message::Request(Method::kBye, 401, 2, 1);
  bye.in_dialog = true;
  b.sbc->Request(kScorer, bye);
  b.h.engine.Run();
  EXPECT_EQ(b.h.wire.Sent(kScorer, Method::kBye, 481), std::vector<int64_t>{10});
}

// 3000 fraudulent and 3000 clean calls: the share of 603s among each lies in
// the run's own 99% interval around detection_rate and false_positive_rate,
// and the scorer's counts agree with the wire.
TEST(FraudScorer, DetectionAndFalsePositiveRatesWithinTheirIntervals) {
  constexpr double kDetection = 0.85, kFalsePositive = 0.04;
  constexpr uint32_t kEach = 3000;
  ScorerBench b({.detection_rate = kDetection, .false_positive_rate = kFalsePositive});
  for (uint32_t i = 0; i < 2 * kEach; ++i) {
    b.h.engine.ScheduleAt(At(i), [&b, i] { b.Invite(1000 + i, i + 1, /*fraud=*/i % 2 == 0); });
  }
  b.h.engine.Run();

  uint64_t detected = 0, false_positives = 0;
  const auto verdicts = b.Verdicts();
  ASSERT_EQ(verdicts.size(), 2 * kEach);
  for (const auto& [call_id, e] : verdicts) {
    const bool fraud = (call_id - 1000) % 2 == 0;
    ASSERT_TRUE(e.message.status == 603 || e.message.status == 404) << e.message.status;
    if (e.message.status == 603) ++(fraud ? detected : false_positives);
  }
  const sim::Interval detection = testing::fraud::Proportion(detected, kEach, 0.99);
  const sim::Interval fp = testing::fraud::Proportion(false_positives, kEach, 0.99);
  EXPECT_TRUE(detection.Contains(kDetection)) << detection.mean << " +- " << detection.half_width;
  EXPECT_TRUE(fp.Contains(kFalsePositive)) << fp.mean << " +- " << fp.half_width;
  const nodes::FraudScorerCounters& c = b.scorer->scorer_counters();
  EXPECT_EQ(c.fraud_detected, detected);
  EXPECT_EQ(c.false_positives, false_positives);
  EXPECT_EQ(c.flagged, detected + false_positives);
  EXPECT_EQ(c.scored, 2u * kEach);
  EXPECT_EQ(c.fraud_scored, kEach);
  EXPECT_EQ(b.scorer->open_transactions(), 0u);
}

// The verdict and the latency are keyed by (scorer, originating call): the
// same call scored again, on another leg 10 s later, meets the same verdict
// after the same latency, as it does under every policy of a comparison.
TEST(FraudScorer, SameCallSameVerdictAndLatency) {
  ScorerBench b({.latency = sim::Distribution::Uniform(0.1, 0.5), .detection_rate = 0.5});
  constexpr uint32_t kCalls = 200;
  for (uint32_t i = 0; i < kCalls; ++i) {
    b.Invite(5000 + i, i + 1, /*fraud=*/true);
    b.h.engine.ScheduleAt(At(10'000), [&b, i] { b.Invite(9000 + i, i + 1, /*fraud=*/true); });
  }
  b.h.engine.Run();

  const auto verdicts = b.Verdicts();
  ASSERT_EQ(verdicts.size(), 2 * kCalls);
  uint32_t blocked = 0;
  int64_t shortest = 1'000'000, longest = 0;
  for (uint32_t i = 0; i < kCalls; ++i) {
    const auto& first = verdicts.at(5000 + i);
    const auto& again = verdicts.at(9000 + i);
    EXPECT_EQ(first.message.status, again.message.status) << "call " << i + 1;
    const int64_t latency = first.sent_ms - 10;
    EXPECT_EQ(again.sent_ms - 10'010, latency) << "call " << i + 1;
    shortest = std::min(shortest, latency);
    longest = std::max(longest, latency);
    blocked += first.message.status == 603 ? 1 : 0;
  }
  EXPECT_GE(shortest, 100);
  EXPECT_LE(longest, 500);
  EXPECT_LT(shortest, longest);  // drawn per call, not one value for all
  EXPECT_GT(blocked, 0u);
  EXPECT_LT(blocked, kCalls);
}

}  // namespace
}  // namespace crankback
