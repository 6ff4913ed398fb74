// The theory column against the simulator: the Erlang validation topology's
// simulated loss figures hold the analytic ones inside their own 95%
// intervals, with exponential and with lognormal holding (Erlang B does not
// depend on the holding distribution), and a model one channel off falls
// outside, so the check can fail.
#include "experiments/theory.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "experiments/runner.h"
#include "models/analytic/erlang.h"
#include "sim/statistics.h"
#include "topologies/loader.h"

namespace crankback {
namespace {

using experiments::TheoryFigures;
using experiments::TheoryLine;
using experiments::TheoryLines;

constexpr double kOfferedErlangs = 25;  // 25 calls/s x 1 s

topologies::Study ValidationStudy(int replications) {
  const auto loaded = topologies::LoadStudyFile(
      std::string(CRANKBACK_SOURCE_DIR) + "/topologies/erlang_validation.pbtxt",
      {.replications = replications});
  EXPECT_TRUE(loaded.ok()) << loaded.error().ToString();
  return loaded.ok() ? loaded.value() : topologies::Study{};
}

double LineValue(const std::vector<TheoryLine>& lines, const std::string& metric) {
  for (const TheoryLine& l : lines) {
    if (l.metric == metric) return l.value;
  }
  ADD_FAILURE() << "no theory line " << metric;
  return -1;
}

// The theory figures of every replication, per metric, with the run's 95%
// interval and a check that the run ended sound.
std::map<std::string, sim::Interval> Simulate(const topologies::Study& study) {
  std::map<std::string, sim::Welford> folded;
  for (int r = 0; r < study.experiment.replications; ++r) {
    const models::RunResult run = models::RunSimulation(study.scenario, study.policies.front(),
                                                        experiments::SpecFor(study.experiment, r));
    EXPECT_TRUE(run.violations.empty()) << run.violations.front();
    for (const experiments::Figure& f : TheoryFigures(study, run)) {
      EXPECT_EQ(f.scope, "theory");
      folded[f.metric].Add(f.value);
    }
  }
  std::map<std::string, sim::Interval> ci;
  for (const auto& [metric, w] : folded) ci[metric] = sim::StudentT(w, 0.95);
  return ci;
}

::testing::AssertionResult Inside(const std::map<std::string, sim::Interval>& ci,
                                  const std::string& metric, double predicted) {
  const auto it = ci.find(metric);
  if (it == ci.end()) return ::testing::AssertionFailure() << "no simulated " << metric;
  const sim::Interval& i = it->second;
  auto result =
      i.Contains(predicted) ? ::testing::AssertionSuccess() : ::testing::AssertionFailure();
  return result << metric << ": simulated " << i.mean << " +- " << i.half_width << ", predicted "
                << predicted;
}

TEST(Theory, LinesOfTheValidationTopology) {
  const topologies::Study study = ValidationStudy(1);
  ASSERT_TRUE(study.theory.has_value());
  EXPECT_DOUBLE_EQ(experiments::TheoryOfferedErlangs(study), kOfferedErlangs);
  const std::vector<TheoryLine> lines = TheoryLines(study);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0].metric, "primary_overflow");
  EXPECT_EQ(lines[0].model, "Erlang B, 20 channels, 25.00 E");
  EXPECT_NEAR(lines[0].value, 0.279890, 1e-6);
  EXPECT_EQ(lines[1].metric, "blocking");
  EXPECT_EQ(lines[1].model, "overflow CTMC, 20 + 10 channels, 25.00 E");
  EXPECT_NEAR(lines[1].value, 0.052603, 1e-6);  // Erlang B(30, 25)
  EXPECT_EQ(lines[2].metric, "primary_erlangs");
  EXPECT_NEAR(lines[2].value, 18.0027, 1e-4);
  EXPECT_EQ(lines[3].metric, "overflow_erlangs");
  EXPECT_EQ(lines[3].model,
            "overflow CTMC, 20 + 10 channels, 25.00 E; overflow offered 7.00 E, peakedness 2.34");
  EXPECT_NEAR(lines[3].value, 5.6822, 1e-4);
}

TEST(Theory, TheLoadScaleAndTheGroupsSetTheModel) {
  topologies::Study study = ValidationStudy(1);
  for (auto& t : study.scenario.traffic) t.calls_per_second *= 2;  // as experiment.load_scale: 2
  std::get<nodes::SbcParams>(study.scenario.nodes[study.theory->sbc].kind)
      .naps[study.theory->primary_nap]
      .max_sessions = 40;
  const std::vector<TheoryLine> lines = TheoryLines(study);
  EXPECT_EQ(lines[0].model, "Erlang B, 40 channels, 50.00 E");
  EXPECT_DOUBLE_EQ(LineValue(lines, "primary_overflow"), analytic::ErlangB(40, 50));
  EXPECT_NEAR(LineValue(lines, "blocking"), analytic::ErlangB(50, 50), 1e-12);

  study.theory->overflow_nap.reset();  // the primary alone: Erlang B throughout
  const std::vector<TheoryLine> alone = TheoryLines(study);
  ASSERT_EQ(alone.size(), 3u);
  EXPECT_EQ(alone[1].model, "Erlang B, 40 channels, 50.00 E");
  EXPECT_DOUBLE_EQ(LineValue(alone, "blocking"), analytic::ErlangB(40, 50));
}

TEST(Theory, FiguresAreTheNapCountersRatios) {
  const topologies::Study study = ValidationStudy(1);
  models::RunResult run;
  run.nodes.resize(study.scenario.nodes.size());
  std::vector<nodes::NapCounters>& naps = run.nodes[study.theory->sbc].naps;
  naps.resize(3);
  naps[1].offered = 1000;
  naps[1].capacity_skips = 250;
  naps[1].busy_seconds = 7200;
  naps[2].offered = 250;
  naps[2].capacity_skips = 40;
  naps[2].busy_seconds = 2000;
  std::map<std::string, double> f;
  for (const experiments::Figure& x : TheoryFigures(study, run)) f[x.metric] = x.value;
  const double window = 420 - 20;
  EXPECT_EQ(f, (std::map<std::string, double>{{"primary_overflow", 0.25},
                                              {"blocking", 0.04},
                                              {"primary_erlangs", 7200 / window},
                                              {"overflow_erlangs", 2000 / window}}));
}

TEST(Theory, AStudyWithoutTheoryHasNeither) {
  const auto loaded =
      topologies::LoadStudyFile(std::string(CRANKBACK_SOURCE_DIR) + "/topologies/default.pbtxt");
  ASSERT_TRUE(loaded.ok());
  EXPECT_TRUE(TheoryLines(loaded.value()).empty());
  EXPECT_TRUE(TheoryFigures(loaded.value(), models::RunResult{}).empty());
}

TEST(Theory, SimulationHoldsTheTheoryInsideItsInterval) {
  topologies::Study study = ValidationStudy(8);
  const std::vector<TheoryLine> lines = TheoryLines(study);
  const std::map<std::string, sim::Interval> ci = Simulate(study);
  for (const char* metric : {"primary_overflow", "blocking", "primary_erlangs", "overflow_erlangs"})
    EXPECT_TRUE(Inside(ci, metric, LineValue(lines, metric)));
  // The intervals are tight enough to tell a model one channel off.
  EXPECT_FALSE(Inside(ci, "primary_overflow", analytic::ErlangB(21, kOfferedErlangs)));
  EXPECT_FALSE(Inside(ci, "blocking", analytic::ErlangB(31, kOfferedErlangs)));
  EXPECT_FALSE(Inside(ci, "blocking", analytic::ErlangB(29, kOfferedErlangs)));
}

TEST(Theory, ErlangBHoldsForLognormalHolding) {
  topologies::Study study = ValidationStudy(8);
  study.scenario.traffic.front().holding_time = sim::Distribution::Lognormal(1, 2);
  const std::vector<TheoryLine> lines = TheoryLines(study);
  const std::map<std::string, sim::Interval> ci = Simulate(study);
  EXPECT_TRUE(Inside(ci, "primary_overflow", LineValue(lines, "primary_overflow")));
  EXPECT_TRUE(Inside(ci, "blocking", LineValue(lines, "blocking")));
  EXPECT_FALSE(Inside(ci, "primary_overflow", analytic::ErlangB(21, kOfferedErlangs)));
  EXPECT_FALSE(Inside(ci, "blocking", analytic::ErlangB(31, kOfferedErlangs)));
}

}  // namespace
}  // namespace crankback
