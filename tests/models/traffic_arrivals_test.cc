// Arrival processes: the piecewise-constant rate function (profile x flash
// crowds), its exact inversion, the arrival counts it gives per segment, and a
// source with neither, whose arrivals are those it always had.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "models/traffic/arrival_process.h"
#include "models/traffic/rate_function.h"
#include "sim/statistics.h"
#include "tests/models/scenario_fixture.h"

namespace crankback {
namespace {

using traffic::ArrivalProcess;
using traffic::FlashCrowd;
using traffic::RateFunction;
using traffic::RateProfile;

constexpr double kInf = std::numeric_limits<double>::infinity();

sim::SimTime At(double s) { return sim::SimTime::Zero() + sim::SecondsToDuration(s); }

// 2 calls/s x {1 on [0, 10), 0 on [10, 20), 3 on [20, 30)} every 30 s, and a
// flash crowd doubling it over [25, 35).
RateFunction Example() {
  return RateFunction(2, {.segments = {{0, 1}, {10, 0}, {20, 3}}, .period_s = 30},
                      {{.start_s = 25, .duration_s = 10, .multiplier = 2}});
}

TEST(RateFunction, RateIsBaseTimesProfileTimesFlashCrowds) {
  const RateFunction r = Example();
  EXPECT_DOUBLE_EQ(r.Rate(0), 2);
  EXPECT_DOUBLE_EQ(r.Rate(9.999), 2);
  EXPECT_DOUBLE_EQ(r.Rate(10), 0);  // pieces are closed on the left
  EXPECT_DOUBLE_EQ(r.Rate(22), 6);
  EXPECT_DOUBLE_EQ(r.Rate(26), 12);
  EXPECT_DOUBLE_EQ(r.Rate(31), 4);  // the profile repeats; the flash crowd does not
  EXPECT_DOUBLE_EQ(r.Rate(35), 2);
  EXPECT_DOUBLE_EQ(r.Rate(30 * 1000 + 25), 6);
  EXPECT_FALSE(r.ConstantRate().has_value());
  EXPECT_DOUBLE_EQ(r.PeakBound(), 12);
}

TEST(RateFunction, IntensityIsTheIntegralOfTheRate) {
  const RateFunction r = Example();
  EXPECT_DOUBLE_EQ(r.Intensity(0, 30), 2 * 10 + 6 * 5 + 12 * 5);
  EXPECT_DOUBLE_EQ(r.Intensity(30, 40), 4 * 5 + 2 * 5);
  EXPECT_DOUBLE_EQ(r.Intensity(5, 12), 10);
  // Whole periods after the flash crowd: 80 each.
  EXPECT_NEAR(r.Intensity(60, 60 + 30 * 1000), 80.0 * 1000, 1e-6);
}

TEST(RateFunction, InversionIsExactOnEveryPiece) {
  const RateFunction r = Example();
  EXPECT_DOUBLE_EQ(r.Invert(0, 3, kInf), 1.5);
  // 10 accumulated by 10 s, nothing over the gap, the remaining 2 at rate 6.
  EXPECT_DOUBLE_EQ(r.Invert(5, 12, kInf), 20 + 1.0 / 3);
  EXPECT_DOUBLE_EQ(r.Invert(0, 110, kInf), 30);
  EXPECT_DOUBLE_EQ(r.Invert(0, 130, kInf), 35);
  EXPECT_DOUBLE_EQ(r.Invert(7, 0, kInf), 7);
  // Past the limit: no arrival.
  EXPECT_EQ(r.Invert(5, 12, 20), kInf);
  // Whole periods are skipped at once: 1000 periods of 3600 each, then 100 more.
  const RateFunction hours(1, {.segments = {{0, 1}, {3600, 0}}, .period_s = 7200}, {});
  EXPECT_NEAR(hours.Invert(0, 3600.0 * 1000 + 100, kInf), 7200.0 * 1000 + 100, 1e-6);
  // A profile whose last segment is 0 and that does not repeat runs dry.
  const RateFunction once(1, {.segments = {{0, 1}, {10, 0}}}, {});
  EXPECT_DOUBLE_EQ(once.Invert(5, 4, kInf), 9);
  EXPECT_EQ(once.Invert(5, 6, kInf), kInf);
}

TEST(RateFunction, InversionUndoesTheIntensity) {
  const RateFunction r = Example();
  sim::RngStream s(42);
  for (int i = 0; i < 2000; ++i) {
    const double from = 100 * s.NextOpenUniform();
    const double e = 50 * s.NextOpenUniform();
    const double t = r.Invert(from, e, kInf);
    ASSERT_NEAR(r.Intensity(from, t), e, 1e-9) << "from " << from << " e " << e;
  }
}

// The arrivals of a shaped source are the closed-form inverse of the
// cumulative intensity at the running sum of its Exp(1) draws.
TEST(ArrivalProcess, ArrivalsInvertTheCumulativeIntensityOfTheirDraws) {
  // 2 calls/s x {1 on [0, 10), 0 on [10, 20), 3 on [20, 30)} every 30 s: 80 per period.
  const RateProfile profile{.segments = {{0, 1}, {10, 0}, {20, 3}}, .period_s = 30};
  ArrivalProcess process(2, profile, {}, At(1e6));
  sim::RngStream stream(7);
  sim::RngStream copy = stream;
  double cumulative = 0;
  sim::SimTime now = sim::SimTime::Zero();
  for (int i = 0; i < 5000; ++i) {
    cumulative += -std::log(copy.NextOpenUniform());
    const double periods = std::floor(cumulative / 80);
    const double rest = cumulative - 80 * periods;
    const double expected = 30 * periods + (rest < 20 ? rest / 2 : 20 + (rest - 20) / 6);
    const std::optional<sim::SimTime> at = process.Next(now, stream);
    ASSERT_TRUE(at.has_value());
    ASSERT_NEAR(static_cast<double>(at->nanos()), expected * 1e9, 2) << "arrival " << i;
    const double phase = std::fmod(expected, 30);
    ASSERT_FALSE(phase >= 10 + 1e-9 && phase < 20 - 1e-9) << "an arrival at rate 0";
    now = *at;
  }
}

TEST(ArrivalProcess, ConstantRateDrawsTheExponentialGapsOfAPlainSource) {
  const sim::SimTime end = At(500);
  const sim::Distribution gap = sim::Distribution::Exponential(1.0 / 3);
  // No profile; a profile that is 1 throughout; a flash crowd of multiplier 1.
  for (const auto& [profile, flash] : std::vector<std::pair<RateProfile, std::vector<FlashCrowd>>>{
           {{}, {}},
           {{.segments = {{0, 1}, {100, 1}}, .period_s = 200}, {}},
           {{}, {{.start_s = 10, .duration_s = 20, .multiplier = 1}}}}) {
    ArrivalProcess process(3, profile, flash, end);
    sim::RngStream a(11), b(11);
    sim::SimTime now = sim::SimTime::Zero();
    int n = 0;
    while (true) {
      const sim::SimTime expected = now + gap.SampleDuration(b);
      const std::optional<sim::SimTime> at = process.Next(now, a);
      if (expected >= end) {
        EXPECT_FALSE(at.has_value());
        break;
      }
      ASSERT_TRUE(at.has_value());
      ASSERT_EQ(at->nanos(), expected.nanos());
      now = *at;
      ++n;
    }
    EXPECT_GT(n, 1300);
  }
}

// Counts per profile segment match rate x duration, within the 99% interval of
// the replications' own spread.
TEST(ArrivalProcess, CountsPerSegmentMatchRateTimesDuration) {
  const RateProfile profile{.segments = {{0, 0.5}, {100, 2}, {200, 1}}, .period_s = 300};
  constexpr double kBase = 5;
  const std::vector<double> multipliers = {0.5, 2, 1};
  std::vector<sim::Welford> counts(3);
  for (uint32_t r = 0; r < 30; ++r) {
    ArrivalProcess process(kBase, profile, {}, At(900));
    sim::RngStream stream = sim::RngFactory(3, r).Stream("source", "arrivals");
    std::vector<double> n(3);
    sim::SimTime now = sim::SimTime::Zero();
    while (const std::optional<sim::SimTime> at = process.Next(now, stream)) {
      ++n[static_cast<size_t>(std::fmod(sim::ToSeconds(*at), 300) / 100)];
      now = *at;
    }
    for (size_t k = 0; k < 3; ++k) counts[k].Add(n[k]);
  }
  for (size_t k = 0; k < 3; ++k) {
    const double expected = kBase * multipliers[k] * 100 * 3;  // three periods
    const sim::Interval ci = sim::StudentT(counts[k], 0.99);
    EXPECT_TRUE(ci.Contains(expected)) << "segment " << k << ": " << ci.mean << " +- "
                                       << ci.half_width << ", expected " << expected;
    EXPECT_LT(ci.half_width, 0.1 * expected);  // the check has teeth
  }
}

// A flash crowd of 3 over [100, 200) triples the attempts counted in that
// window (warm-up 100, arrivals end at 200), through the whole network model.
TEST(ArrivalProcess, FlashCrowdTriplesArrivalsInItsWindow) {
  testing::ChainSpec spec;
  spec.carriers = {{"carrier", 0}};
  spec.calls_per_second = 4;
  spec.holding = sim::Distribution::Deterministic(1);
  models::ScenarioParams flat = testing::Chain(spec);
  models::ScenarioParams crowd = flat;
  crowd.traffic[0].flash_crowds = {{.start_s = 100, .duration_s = 100, .multiplier = 3}};
  const policy::CauseMap stop = testing::Policy("stop", policy::Action::kStop);
  sim::Welford ratio, crowd_counts;
  for (uint32_t r = 0; r < 8; ++r) {
    const auto a = models::RunSimulation(flat, stop, testing::Spec(5, r, 200, 100));
    const auto b = models::RunSimulation(crowd, stop, testing::Spec(5, r, 200, 100));
    ASSERT_TRUE(a.violations.empty()) << a.violations.front();
    ASSERT_TRUE(b.violations.empty()) << b.violations.front();
    crowd_counts.Add(static_cast<double>(b.metrics.attempts()));
    ratio.Add(static_cast<double>(b.metrics.attempts()) /
              static_cast<double>(a.metrics.attempts()));
  }
  const sim::Interval count = sim::StudentT(crowd_counts, 0.99);
  EXPECT_TRUE(count.Contains(3 * 4 * 100)) << count.mean << " +- " << count.half_width;
  const sim::Interval r = sim::StudentT(ratio, 0.99);
  EXPECT_TRUE(r.Contains(3)) << r.mean << " +- " << r.half_width;
  EXPECT_LT(r.half_width, 0.3);
}

// A source whose profile, flash crowd and redial change nothing runs exactly
// as a plain source: the same calls, the same outcomes.
TEST(ArrivalProcess, NeutralShapeAndRedialLeaveTheRunUnchanged) {
  testing::ChainSpec spec;
  spec.carriers = {{"a", 3}, {"b", 2}};
  spec.calls_per_second = 6;
  const models::ScenarioParams plain = testing::Chain(spec);
  models::ScenarioParams neutral = plain;
  neutral.traffic[0].profile = {.segments = {{0, 1}, {50, 1}}, .period_s = 100};
  neutral.traffic[0].flash_crowds = {{.start_s = 20, .duration_s = 30, .multiplier = 1}};
  neutral.traffic[0].redial = traffic::RedialParams{.probability = 0};
  const policy::CauseMap advance = testing::Policy("advance", policy::Action::kAdvance);
  const auto a = models::RunSimulation(plain, advance, testing::Spec(9, 0, 200, 0));
  const auto b = models::RunSimulation(neutral, advance, testing::Spec(9, 0, 200, 0));
  ASSERT_TRUE(b.violations.empty()) << b.violations.front();
  EXPECT_GT(a.metrics.failed(), 0u);  // failures that a redial could have followed
  EXPECT_EQ(a.metrics.attempts(), b.metrics.attempts());
  EXPECT_EQ(a.metrics.trajectory_hash(), b.metrics.trajectory_hash());
  EXPECT_EQ(a.events, b.events);
}

}  // namespace
}  // namespace crankback
