// The traffic's fraud mix, through callers -> SBC -> one carrier with
// unlimited channels that answers at once: the share of fraudulent calls lies
// in the run's own interval, fraudulent calls dial the fraud destinations and
// hold for the fraud holding time, and the mix leaves the other calls' draws
// as they were (its own random stream).
#include <gtest/gtest.h>

#include <variant>

#include "models/simulation.h"
#include "tests/models/fraud_fixture.h"
#include "tests/models/scenario_fixture.h"

namespace crankback {
namespace {

// callers -> sbc -> carrier, `calls_per_second` for 300 s, holding `holding`.
models::ScenarioParams OneCarrier(double calls_per_second, sim::Distribution holding) {
  testing::ChainSpec spec;
  spec.carriers = {{"carrier", 0}};
  spec.calls_per_second = calls_per_second;
  spec.holding = holding;
  return testing::Chain(spec);
}

models::RunResult RunFor(const models::ScenarioParams& s,
                         policy::Action fallback = policy::Action::kAdvance) {
  models::RunResult r =
      models::RunSimulation(s, testing::Policy("p", fallback), testing::Spec(5, 0, 300, 0));
  EXPECT_TRUE(r.violations.empty()) << r.violations.front();
  return r;
}

TEST(FraudMix, FractionWithinTheRunsInterval) {
  models::ScenarioParams s = OneCarrier(20, sim::Distribution::Deterministic(5));
  s.traffic[0].fraud = nodes::FraudMix{.fraction = 0.2};
  const models::RunResult r = RunFor(s);
  ASSERT_GT(r.metrics.attempts(), 5000u);
  const sim::Interval share =
      testing::fraud::Proportion(r.metrics.fraud_attempts(), r.metrics.attempts(), 0.99);
  EXPECT_TRUE(share.Contains(0.2)) << share.mean << " +- " << share.half_width;
  // Nothing screens them here: every fraudulent call is answered.
  EXPECT_EQ(r.metrics.fraud_answered(), r.metrics.fraud_attempts());
  EXPECT_EQ(r.metrics.answered(), r.metrics.attempts());
  EXPECT_EQ(r.metrics.clean_blocked(), 0u);
}

// Fraud runs long: 600 s against the source's 60 s, both exact, so the
// answered seconds split exactly by the calls' ground truth.
TEST(FraudMix, FraudHoldingTimeIsUsed) {
  models::ScenarioParams s = OneCarrier(2, sim::Distribution::Deterministic(60));
  s.traffic[0].fraud =
      nodes::FraudMix{.fraction = 0.25, .holding_time = sim::Distribution::Deterministic(600)};
  const models::RunResult r = RunFor(s);
  const auto& m = r.metrics;
  ASSERT_GT(m.fraud_answered(), 50u);
  ASSERT_LT(m.fraud_answered(), m.answered());
  EXPECT_DOUBLE_EQ(m.fraud_seconds(), 600.0 * static_cast<double>(m.fraud_answered()));
  EXPECT_DOUBLE_EQ(m.answered_seconds() - m.fraud_seconds(),
                   60.0 * static_cast<double>(m.answered() - m.fraud_answered()));
}

// Fraudulent calls dial the fraud destinations: a carrier serving only the
// premium-rate range "1900" answers exactly them, and rejects every clean call
// to "44" as unallocated (404).
TEST(FraudMix, FraudCallsDialTheFraudDestinations) {
  models::ScenarioParams s = OneCarrier(5, sim::Distribution::Deterministic(10));
  s.destinations = {"44", "1900"};
  s.traffic[0].fraud = nodes::FraudMix{.fraction = 0.3, .destinations = {1}, .weights = {1.0}};
  std::get<nodes::CarrierParams>(s.nodes[2].kind).serves = {false, true};
  const models::RunResult r = RunFor(s, policy::Action::kStop);
  const auto& m = r.metrics;
  ASSERT_GT(m.fraud_attempts(), 100u);
  EXPECT_EQ(m.answered(), m.fraud_attempts());
  EXPECT_EQ(m.fraud_answered(), m.fraud_attempts());
  EXPECT_EQ(m.failures_by_code().at(404), m.attempts() - m.fraud_attempts());
}

// The mix draws from its own stream: with fraction 0 the run is the run
// without a mix, outcome for outcome; with fraction 0.3 (and the source's own
// holding times and numbers) the same calls arrive and hold just as long.
TEST(FraudMix, OtherCallsKeepTheirDraws) {
  const models::ScenarioParams plain = OneCarrier(5, sim::Distribution::Exponential(20));
  models::ScenarioParams none = plain;
  none.traffic[0].fraud = nodes::FraudMix{.fraction = 0};
  models::ScenarioParams mixed = plain;
  mixed.traffic[0].fraud = nodes::FraudMix{.fraction = 0.3};

  const models::RunResult a = RunFor(plain), b = RunFor(none), c = RunFor(mixed);
  EXPECT_EQ(a.metrics.trajectory_hash(), b.metrics.trajectory_hash());
  EXPECT_EQ(b.metrics.fraud_attempts(), 0u);
  EXPECT_EQ(c.metrics.attempts(), a.metrics.attempts());
  EXPECT_EQ(c.metrics.answered(), a.metrics.answered());
  EXPECT_DOUBLE_EQ(c.metrics.answered_seconds(), a.metrics.answered_seconds());
  EXPECT_GT(c.metrics.fraud_attempts(), 0u);
  EXPECT_NE(c.metrics.trajectory_hash(), a.metrics.trajectory_hash());  // the flags differ
}

}  // namespace
}  // namespace crankback
