// The figures of one run (RunFigures): every per-run number of the report,
// named by scope and metric, with the values the models measured.
#include "experiments/figures.h"

#include <gtest/gtest.h>

#include <optional>
#include <set>
#include <string>
#include <utility>

#include "tests/models/scenario_fixture.h"

namespace crankback {
namespace {

using experiments::Figure;
using experiments::RunFigures;
using policy::Action;
using testing::Chain;
using testing::ChainSpec;

constexpr double kDuration = 60;
constexpr double kWarmup = 10;

topologies::Study StudyOf(models::ScenarioParams scenario, Action fallback = Action::kAdvance) {
  topologies::Study study;
  study.scenario = std::move(scenario);
  study.policies = {testing::Policy("p", fallback)};
  study.experiment.duration_s = kDuration;
  study.experiment.warmup_s = kWarmup;
  study.experiment.replications = 1;
  study.experiment.seed = 11;
  return study;
}

models::RunResult RunBaseline(const topologies::Study& study) {
  return models::RunSimulation(study.scenario, study.policies[0],
                               testing::Spec(study.experiment.seed, 0, kDuration, kWarmup));
}

const Figure* Find(const std::vector<Figure>& figures, const std::string& scope,
                   const std::string& metric) {
  for (const Figure& f : figures) {
    if (f.scope == scope && f.metric == metric) return &f;
  }
  return nullptr;
}

double Value(const std::vector<Figure>& figures, const std::string& scope,
             const std::string& metric) {
  const Figure* f = Find(figures, scope, metric);
  EXPECT_NE(f, nullptr) << "[" << scope << "] " << metric;
  return f == nullptr ? -1 : f->value;
}

// carrier_a: 3 channels, decides after 0.2 s and rings 1 s (180, then 200);
// carrier_b takes what a rejects (503) and answers at once.
models::ScenarioParams TwoCarriers() {
  ChainSpec spec;
  spec.carriers = {{"carrier_a", 3}, {"carrier_b", 0}};
  spec.calls_per_second = 2;
  spec.holding = sim::Distribution::Deterministic(3);
  spec.link.latency = sim::Duration::Millis(5);
  models::ScenarioParams s = Chain(spec);
  auto& a = std::get<nodes::CarrierParams>(s.nodes[2].kind);
  a.processing_delay = sim::Distribution::Deterministic(0.2);
  a.ring_time = sim::Distribution::Deterministic(1);
  return s;
}

TEST(RunFigures, WholeRunFiguresAreTheRunMetrics) {
  const topologies::Study study = StudyOf(TwoCarriers());
  const models::RunResult run = RunBaseline(study);
  ASSERT_TRUE(run.violations.empty()) << run.violations.front();
  const std::vector<Figure> f = RunFigures(study, run);
  const metrics::RunMetrics& m = run.metrics;
  ASSERT_GT(m.attempts(), 50u);
  EXPECT_EQ(Value(f, "", "attempts"), m.attempts());
  EXPECT_EQ(Value(f, "", "answered"), m.answered());
  EXPECT_DOUBLE_EQ(Value(f, "", "completion"), double(m.answered()) / m.attempts());
  EXPECT_DOUBLE_EQ(Value(f, "", "ner"), double(m.ner_effective()) / m.ner_eligible());
  EXPECT_EQ(Value(f, "", "abandoned"), 0);
  EXPECT_EQ(Value(f, "", "failed"), m.failed());
  EXPECT_EQ(Value(f, "", "failed_retryable"), m.failed_retryable());
  EXPECT_EQ(Value(f, "", "retryable_rate"), 0);
  EXPECT_EQ(Value(f, "", "redials"), 0);
  // Calls answered by carrier_a alert after 0.2 s + 4 x 5 ms; carrier_b's never do.
  EXPECT_DOUBLE_EQ(Value(f, "", "pdd_p50_s"), 0.22);
  EXPECT_DOUBLE_EQ(Value(f, "", "pdd_p95_s"), 0.22);
  EXPECT_NEAR(Value(f, "", "setup_p95_s"), 1.22, 1.22 / 128);
  EXPECT_DOUBLE_EQ(Value(f, "", "messages_per_call"), double(run.transport.sent) / m.recorded());
  EXPECT_EQ(Value(f, "", "retransmissions_per_call"), 0);
  for (const char* ratio : {"completion", "ner", "retryable_rate", "pdd_p50_s", "pdd_p95_s",
                            "setup_p50_s", "setup_p95_s", "messages_per_call"}) {
    EXPECT_FALSE(Find(f, "", ratio)->zero_if_absent) << ratio;
  }
  EXPECT_TRUE(Find(f, "", "attempts")->zero_if_absent);
  // No fraud mix and no fraud scorer: no fraud figures.
  for (const char* fraud :
       {"fraud_attempts", "fraud_answered", "fraud_minutes", "fraud_blocked", "clean_blocked"}) {
    EXPECT_EQ(Find(f, "", fraud), nullptr) << fraud;
  }
  // Each figure once.
  std::set<std::pair<std::string, std::string>> names;
  for (const Figure& x : f) EXPECT_TRUE(names.emplace(x.scope, x.metric).second) << x.metric;
}

TEST(RunFigures, NapRouteNodeAndTimerScopes) {
  const topologies::Study study = StudyOf(TwoCarriers());
  const models::RunResult run = RunBaseline(study);
  const std::vector<Figure> f = RunFigures(study, run);
  const models::NodeResult& sbc = run.nodes[1];
  const nodes::NapCounters& a = sbc.naps[1];
  EXPECT_EQ(Value(f, "nap sbc/to_carrier_a", "offered"), a.offered);
  EXPECT_EQ(Value(f, "nap sbc/to_carrier_a", "attempts"), a.attempts);
  EXPECT_EQ(Value(f, "nap sbc/to_carrier_a", "answered"), a.answered);
  EXPECT_EQ(Value(f, "nap sbc/to_carrier_a", "seizures"), a.seizures);
  EXPECT_EQ(Value(f, "nap sbc/to_carrier_a", "capacity_skips"), 0);
  EXPECT_EQ(Value(f, "nap sbc/to_carrier_a", "cps_skips"), 0);
  EXPECT_EQ(Value(f, "nap sbc/to_carrier_a", "cost"), 0);
  EXPECT_DOUBLE_EQ(Value(f, "nap sbc/to_carrier_a", "erlangs"),
                   a.busy_seconds / (kDuration - kWarmup));
  EXPECT_GT(Value(f, "nap sbc/to_carrier_a", "erlangs"), 1);
  EXPECT_EQ(Value(f, "nap sbc/from_callers", "inbound"), run.metrics.attempts());
  EXPECT_EQ(Value(f, "route sbc/from_callers[0]", "attempts"), sbc.routes[0][0].attempts);
  EXPECT_EQ(Value(f, "route sbc/from_callers[1]", "answered"), sbc.routes[0][1].answered);
  EXPECT_EQ(Find(f, "route sbc/to_carrier_a[0]", "attempts"), nullptr);  // no route list

  // carrier_a answers 200 or rejects 503 at its channel cap; it never hangs a channel here.
  const auto& codes = run.nodes[2].codes_sent;
  ASSERT_FALSE(codes.empty());
  for (const auto& [code, n] : codes)
    EXPECT_EQ(Value(f, "node carrier_a", "sent_" + std::to_string(code)), n);
  EXPECT_GT(Value(f, "node carrier_a", "sent_503"), 0);
  EXPECT_EQ(Value(f, "node carrier_a", "hung_channels"), 0);
  EXPECT_EQ(Find(f, "node sbc", "hung_channels"), nullptr);
  EXPECT_EQ(Find(f, "node carrier_a", "sent_100"), nullptr);  // final responses only

  for (const auto& [timer, n] : run.timer_expirations) EXPECT_EQ(Value(f, "timer", timer), n);
  EXPECT_GT(Value(f, "timer", "I"), 0);  // every non-2xx final over UDP lingers in Timer I
}

TEST(RunFigures, FailuresByCodeAndNoPddWithoutAlerting) {
  ChainSpec spec;
  spec.carriers = {{"carrier_a", 0}};
  spec.calls_per_second = 1;
  models::ScenarioParams s = Chain(spec);
  std::get<nodes::CarrierParams>(s.nodes[2].kind).busy_probability = 0.5;
  const topologies::Study study = StudyOf(std::move(s), Action::kStop);
  const models::RunResult run = RunBaseline(study);
  const std::vector<Figure> f = RunFigures(study, run);
  EXPECT_EQ(Value(f, "", "failed_486"), run.metrics.failures_by_code().at(486));
  EXPECT_DOUBLE_EQ(Value(f, "", "ner"), 1.0);  // busy callees are the network working
  EXPECT_LT(Value(f, "", "completion"), 0.8);
  EXPECT_EQ(Find(f, "", "pdd_p50_s"), nullptr);  // answers and busies come without a 180
  EXPECT_EQ(Value(f, "", "setup_p50_s"), 0);     // zero latency: answered at once
}

TEST(RunFigures, FraudFiguresWithAFraudMix) {
  ChainSpec spec;
  spec.carriers = {{"carrier_a", 0}};
  spec.calls_per_second = 1;
  models::ScenarioParams s = Chain(spec);
  s.traffic[0].fraud = nodes::FraudMix{.fraction = 0.5};
  const topologies::Study study = StudyOf(std::move(s));
  const models::RunResult run = RunBaseline(study);
  const std::vector<Figure> f = RunFigures(study, run);
  EXPECT_EQ(Value(f, "", "fraud_attempts"), run.metrics.fraud_attempts());
  EXPECT_GT(Value(f, "", "fraud_attempts"), 0);
  EXPECT_EQ(Value(f, "", "fraud_answered"), run.metrics.fraud_answered());
  EXPECT_DOUBLE_EQ(Value(f, "", "fraud_minutes"), run.metrics.fraud_seconds() / 60);
  EXPECT_EQ(Value(f, "", "fraud_blocked"), 0);  // no scorer blocks anything
  EXPECT_EQ(Value(f, "", "clean_blocked"), 0);
}

}  // namespace
}  // namespace crankback
