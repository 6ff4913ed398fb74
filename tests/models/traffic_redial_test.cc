// Caller redial: failed attempts are tried again as new calls, up to the
// limit, only for the codes that trigger it and never after the caller gave
// up; every attempt ends in one outcome that counts the redials before it.
#include <gtest/gtest.h>

#include "models/traffic/redial.h"
#include "sim/statistics.h"
#include "tests/models/scenario_fixture.h"

namespace crankback {
namespace {

using policy::Action;

// Callers -> SBC -> one carrier whose callees are busy with probability `busy`
// (486 Busy Here), else answer at once.
models::ScenarioParams BusyCarrier(double busy, double calls_per_second) {
  testing::ChainSpec spec;
  spec.carriers = {{"carrier", 0}};
  spec.calls_per_second = calls_per_second;
  spec.holding = sim::Distribution::Deterministic(2);
  spec.link.latency = sim::Duration::Millis(5);
  models::ScenarioParams s = testing::Chain(spec);
  std::get<nodes::CarrierParams>(s.nodes[2].kind).busy_probability = busy;
  return s;
}

const policy::CauseMap& Stop() {
  static const policy::CauseMap stop = testing::Policy("stop", Action::kStop);
  return stop;
}

TEST(RedialAfter, DrawsOnlyForTriggeringCodesUpToTheLimit) {
  const traffic::RedialParams r{.probability = 1,
                                .delay = sim::Distribution::Deterministic(30),
                                .max_redials = 2,
                                .codes = {486, 503}};
  sim::RngStream s(1);
  const sim::RngStream untouched = s;
  EXPECT_FALSE(traffic::RedialAfter(r, 404, 0, s).has_value());  // not a trigger
  EXPECT_FALSE(traffic::RedialAfter(r, 486, 2, s).has_value());  // at the limit
  EXPECT_EQ(s.NextU64(), sim::RngStream(untouched).NextU64());   // nothing drawn
  sim::RngStream t(1);
  EXPECT_EQ(traffic::RedialAfter(r, 503, 1, t), sim::Duration::Seconds(30));
  const traffic::RedialParams never{.probability = 0};
  EXPECT_FALSE(traffic::RedialAfter(never, 503, 0, t).has_value());
}

// Probability 1 and at most 2 redials against a carrier that always rejects:
// exactly 3 attempts per call, the first ones the same as without redial.
TEST(Redial, AlwaysRejectedCallsMakeExactlyThreeAttempts) {
  const models::ScenarioParams plain = BusyCarrier(1, 2);
  models::ScenarioParams redial = plain;
  redial.traffic[0].redial = traffic::RedialParams{
      .probability = 1, .delay = sim::Distribution::Deterministic(100), .max_redials = 2};
  const auto a = models::RunSimulation(plain, Stop(), testing::Spec(3, 0, 20, 0));
  const auto b = models::RunSimulation(redial, Stop(), testing::Spec(3, 0, 20, 0));
  ASSERT_TRUE(b.violations.empty()) << b.violations.front();
  const uint64_t calls = a.metrics.attempts();
  ASSERT_GT(calls, 20u);
  EXPECT_EQ(b.metrics.attempts(), 3 * calls);
  EXPECT_EQ(b.metrics.recorded(), 3 * calls);
  EXPECT_EQ(b.metrics.failures_by_code().at(486), 3 * calls);

  // First attempts are serials 1..n; redials count down from UINT32_MAX in the
  // order they are made. Arrivals end at 20 s and redials come 100 s after a
  // failure, so call 1's first redial is the first one made, and its second
  // comes after the n first redials.
  const uint32_t first_redial = UINT32_MAX;
  for (const auto& [serial, redials] : std::vector<std::pair<uint32_t, uint32_t>>{
           {1, 0}, {first_redial, 1}, {first_redial - static_cast<uint32_t>(calls), 2}}) {
    models::RunSpec spec = testing::Spec(3, 0, 20, 0);
    spec.explain_call = serial;
    const auto run = models::RunSimulation(redial, Stop(), spec);
    ASSERT_EQ(run.explained.outcomes().size(), 1u) << serial;
    const metrics::CallOutcome& o = run.explained.outcomes()[0].outcome;
    EXPECT_EQ(o.redial, redials) << serial;
    EXPECT_EQ(o.final_code, 486);
    EXPECT_GE(sim::ToSeconds(o.arrival), 100.0 * redials) << serial;
    EXPECT_LT(sim::ToSeconds(o.arrival), 20 + 101.0 * redials) << serial;
  }
  // The first attempts are those of the run without redial, call for call.
  EXPECT_EQ(a.events * 3, b.events);
}

// Each attempt fails with probability b and is redialled with probability p,
// at most m times: a call makes sum_{k=0..m} (b p)^k attempts on average.
TEST(Redial, RedialsAmplifyTheOfferedLoadAsExpected) {
  constexpr double kBusy = 0.5, kRedial = 0.6;
  const models::ScenarioParams plain = BusyCarrier(kBusy, 5);
  models::ScenarioParams redial = plain;
  redial.traffic[0].redial = traffic::RedialParams{
      .probability = kRedial, .delay = sim::Distribution::Exponential(5), .max_redials = 3};
  const double q = kBusy * kRedial;
  const double expected = 1 + q + q * q + q * q * q;
  sim::Welford amplification;
  for (uint32_t r = 0; r < 10; ++r) {
    const auto a = models::RunSimulation(plain, Stop(), testing::Spec(4, r, 200, 0));
    const auto b = models::RunSimulation(redial, Stop(), testing::Spec(4, r, 200, 0));
    ASSERT_TRUE(b.violations.empty()) << b.violations.front();
    amplification.Add(static_cast<double>(b.metrics.attempts()) /
                      static_cast<double>(a.metrics.attempts()));
  }
  const sim::Interval ci = sim::StudentT(amplification, 0.99);
  EXPECT_TRUE(ci.Contains(expected))
      << ci.mean << " +- " << ci.half_width << ", expected " << expected;
  EXPECT_LT(ci.half_width, 0.05);
}

TEST(Redial, OnlyTheListedCodesTriggerARedial) {
  const models::ScenarioParams plain = BusyCarrier(0.5, 4);
  models::ScenarioParams other = plain;
  other.traffic[0].redial = traffic::RedialParams{
      .probability = 1, .delay = sim::Distribution::Deterministic(1), .codes = {503}};
  const auto a = models::RunSimulation(plain, Stop(), testing::Spec(6, 0, 100, 0));
  const auto b = models::RunSimulation(other, Stop(), testing::Spec(6, 0, 100, 0));
  ASSERT_GT(a.metrics.failed(), 0u);
  EXPECT_EQ(b.metrics.attempts(), a.metrics.attempts());
  EXPECT_EQ(b.metrics.trajectory_hash(), a.metrics.trajectory_hash());

  models::ScenarioParams busy = plain;
  busy.traffic[0].redial = traffic::RedialParams{.probability = 1,
                                                 .delay = sim::Distribution::Deterministic(1),
                                                 .max_redials = 1,
                                                 .codes = {486}};
  const auto c = models::RunSimulation(busy, Stop(), testing::Spec(6, 0, 100, 0));
  ASSERT_TRUE(c.violations.empty()) << c.violations.front();
  EXPECT_EQ(c.metrics.attempts(), a.metrics.attempts() + a.metrics.failed());
}

TEST(Redial, AbandonedCallsAreNeverRedialled) {  // Y4: CANCEL -> 487 is the caller's own doing
  models::ScenarioParams plain = BusyCarrier(0, 4);
  std::get<nodes::CarrierParams>(plain.nodes[2].kind).ring_time =
      sim::Distribution::Deterministic(20);
  plain.traffic[0].patience = sim::Distribution::Deterministic(5);
  models::ScenarioParams redial = plain;
  redial.traffic[0].redial = traffic::RedialParams{
      .probability = 1, .delay = sim::Distribution::Deterministic(1), .max_redials = 3};
  const auto a = models::RunSimulation(plain, Stop(), testing::Spec(2, 0, 60, 0));
  const auto b = models::RunSimulation(redial, Stop(), testing::Spec(2, 0, 60, 0));
  ASSERT_TRUE(b.violations.empty()) << b.violations.front();
  ASSERT_GT(a.metrics.abandoned(), 100u);
  EXPECT_EQ(b.metrics.abandoned(), a.metrics.abandoned());
  EXPECT_EQ(b.metrics.attempts(), a.metrics.attempts());
}

}  // namespace
}  // namespace crankback
