// The per-run figures RunMetrics folds from call outcomes: network
// effectiveness (RFC 6076 SEER), fraud caught and lost, redials, and the PDD
// and setup-time quantiles, all from the warm-up on.
#include <gtest/gtest.h>

#include "models/metrics/call_outcome.h"

namespace crankback {
namespace {

using metrics::CallOutcome;
using metrics::Result;
using metrics::RunMetrics;

sim::SimTime At(double s) { return sim::SimTime::Zero() + sim::SecondsToDuration(s); }

CallOutcome Outcome(double arrival_s, Result result, int code) {
  CallOutcome o;
  o.arrival = At(arrival_s);
  o.result = result;
  o.final_code = code;
  return o;
}

TEST(RunMetrics, NerCounts486AsEffectiveAnd503AsNot) {
  RunMetrics m(At(10));
  m.Record(Outcome(11, Result::kAnswered, 200));
  m.Record(Outcome(12, Result::kFailed, 486));  // the user was busy: the network did its job
  m.Record(Outcome(13, Result::kFailed, 503));  // the network failed
  m.Record(Outcome(14, Result::kFailed, 603));
  m.Record(Outcome(15, Result::kFailed, 480));
  m.Record(Outcome(16, Result::kFailed, 600));
  m.Record(Outcome(17, Result::kFailed, 404));
  m.Record(Outcome(18, Result::kFailed, 408));
  EXPECT_EQ(m.ner_effective(), 5u);
  EXPECT_EQ(m.ner_eligible(), 8u);
  EXPECT_EQ(m.attempts(), 8u);
  EXPECT_EQ(m.answered(), 1u);
}

TEST(RunMetrics, NerLeavesOut3xxAbandonedAndWarmUpCalls) {
  RunMetrics m(At(10));
  m.Record(Outcome(5, Result::kAnswered, 200));    // warm-up
  m.Record(Outcome(9.9, Result::kFailed, 486));    // warm-up
  m.Record(Outcome(11, Result::kFailed, 302));     // a 3xx passed to the caller
  m.Record(Outcome(12, Result::kAbandoned, 487));  // the caller gave up
  m.Record(Outcome(13, Result::kAnswered, 200));
  m.Record(Outcome(14, Result::kFailed, 500));
  EXPECT_EQ(m.attempts(), 4u);
  EXPECT_EQ(m.ner_eligible(), 2u);  // 4 attempts - one 3xx - one abandoned
  EXPECT_EQ(m.ner_effective(), 1u);
}

TEST(RunMetrics, FraudBlockedAndCleanBlockedSplitByGroundTruth) {
  RunMetrics m(At(0));
  CallOutcome o = Outcome(1, Result::kFailed, 603);
  o.truth.cause = sip::Cause::kFraudBlock;
  o.fraud = true;
  m.Record(o);
  m.Record(o);
  o.fraud = false;
  m.Record(o);
  CallOutcome busy = Outcome(2, Result::kFailed, 486);
  busy.fraud = true;
  busy.truth.cause = sip::Cause::kUserBusy;
  m.Record(busy);
  EXPECT_EQ(m.fraud_blocked(), 2u);
  EXPECT_EQ(m.clean_blocked(), 1u);
  EXPECT_EQ(m.fraud_attempts(), 3u);
}

TEST(RunMetrics, RedialsCountOutcomesOfRedialledAttempts) {
  RunMetrics m(At(10));
  CallOutcome o = Outcome(11, Result::kFailed, 503);
  m.Record(o);
  o.redial = 1;
  m.Record(o);
  o.redial = 2;
  m.Record(o);
  o.arrival = At(9);  // warm-up
  m.Record(o);
  EXPECT_EQ(m.redials(), 2u);
}

TEST(RunMetrics, PddAndSetupQuantilesOfTheCallsThatHadThem) {
  RunMetrics m(At(10));
  for (int i = 1; i <= 20; ++i) {
    CallOutcome o = Outcome(10 + i, Result::kAnswered, 200);
    o.pdd_s = 0.1 * i;
    o.setup_s = i % 2 == 0 ? 2.0 : -1;  // half were not answered with a 2xx at the origin
    m.Record(o);
  }
  CallOutcome early = Outcome(1, Result::kAnswered, 200);  // warm-up: not sampled
  early.pdd_s = 100;
  early.setup_s = 100;
  m.Record(early);
  CallOutcome no_alerting = Outcome(40, Result::kFailed, 503);  // no 180/183: no PDD
  m.Record(no_alerting);
  EXPECT_EQ(m.pdd().count(), 20u);
  EXPECT_EQ(m.setup().count(), 10u);
  EXPECT_NEAR(m.pdd().Quantile(0.5), 1.0, 1.0 / 128);   // the 10th of 0.1 .. 2.0
  EXPECT_NEAR(m.pdd().Quantile(0.95), 1.9, 1.9 / 128);  // the 19th
  EXPECT_EQ(m.pdd().Quantile(1), 2.0);
  EXPECT_EQ(m.setup().Quantile(0.5), 2.0);
}

TEST(RunMetrics, TrajectoryHashIgnoresTheFieldsAddedForReports) {
  RunMetrics plain(At(0)), annotated(At(0));
  CallOutcome o = Outcome(3, Result::kAnswered, 200);
  o.answered_s = 42;
  plain.Record(o);
  o.origin = 4;
  o.serial = 9;
  o.redial = 1;
  o.pdd_s = 1.5;
  o.setup_s = 3.5;
  annotated.Record(o);
  EXPECT_EQ(plain.trajectory_hash(), annotated.trajectory_hash());
}

}  // namespace
}  // namespace crankback
