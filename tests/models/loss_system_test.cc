// The first SIP path checked against loss-system theory (Erlang B): Poisson
// calls, exponential holding, immediate answer, zero network delay, so a
// carrier's channels form an M/M/c/c system and route advance pools them.
#include <gtest/gtest.h>

#include "models/analytic/erlang.h"
#include "sim/statistics.h"
#include "tests/models/scenario_fixture.h"

namespace crankback {
namespace {

using policy::Action;
using testing::Chain;
using testing::ChainSpec;
using testing::Spec;

struct Blocking {
  sim::Welford ratio;
  uint64_t failed = 0;
  uint64_t failed_retryable = 0;
  uint64_t backup_invites = 0;
};

Blocking Measure(const ChainSpec& spec, const policy::CauseMap& policy, int replications) {
  const models::ScenarioParams scenario = Chain(spec);
  Blocking b;
  for (int r = 0; r < replications; ++r) {
    const models::RunResult run = models::RunSimulation(scenario, policy, Spec(11, r, 2000, 100));
    EXPECT_TRUE(run.violations.empty()) << run.violations.front();
    const auto& m = run.metrics;
    EXPECT_GT(m.attempts(), 10000u);
    EXPECT_EQ(m.attempts(), m.answered() + m.failed() + m.abandoned());
    b.ratio.Add(static_cast<double>(m.failed()) / static_cast<double>(m.attempts()));
    b.failed += m.failed();
    b.failed_retryable += m.failed_retryable();
    if (run.nodes.size() > 3) b.backup_invites += run.nodes[3].counters.invites;
  }
  return b;
}

TEST(ErlangB, RecurrenceMatchesPublishedValues) {
  EXPECT_NEAR(analytic::ErlangB(10, 8.0), 0.12166, 5e-6);
  EXPECT_NEAR(analytic::ErlangB(20, 12.0), 0.009796, 5e-7);
  EXPECT_NEAR(analytic::ErlangB(10, 12.0), 0.30193, 5e-6);
  EXPECT_DOUBLE_EQ(analytic::ErlangB(0, 3.0), 1.0);
}

TEST(LossSystem, OneCarrierBlocksAsErlangB) {
  ChainSpec spec;
  spec.carriers = {{"carrier_a", 10}};
  spec.calls_per_second = 8;  // x 1 s mean holding = 8 Erlangs
  const Blocking b = Measure(spec, testing::Policy("stop", Action::kStop), 20);
  const sim::Interval ci = sim::StudentT(b.ratio, 0.99);
  EXPECT_TRUE(ci.Contains(analytic::ErlangB(10, 8.0)))
      << "blocking " << ci.mean << " +- " << ci.half_width << ", theory 0.12166";
  EXPECT_LT(ci.half_width, 0.01);     // the interval is tight enough to mean something
  EXPECT_EQ(b.failed_retryable, 0u);  // no second route: nothing was retryable
}

TEST(LossSystem, AdvanceOnTheCapCodePoolsTwoCarriers) {
  ChainSpec spec;
  spec.carriers = {{"carrier_a", 10}, {"carrier_b", 10}};
  spec.calls_per_second = 12;
  const auto advance =
      testing::Policy("advance-on-503", Action::kStop, {{503, 503, Action::kAdvance}});
  const Blocking b = Measure(spec, advance, 20);
  const sim::Interval ci = sim::StudentT(b.ratio, 0.99);
  EXPECT_TRUE(ci.Contains(analytic::ErlangB(20, 12.0)))
      << "blocking " << ci.mean << " +- " << ci.half_width << ", theory 0.009796";
  EXPECT_LT(ci.half_width, 0.003);
  EXPECT_GT(b.backup_invites, 0u);
}

TEST(LossSystem, StoppingOnTheCapCodeStrandsCallsCarrierBCouldCarry) {
  ChainSpec spec;
  spec.carriers = {{"carrier_a", 10}, {"carrier_b", 10}};
  spec.calls_per_second = 12;
  const Blocking b = Measure(spec, testing::Policy("stop", Action::kStop), 20);
  const sim::Interval ci = sim::StudentT(b.ratio, 0.99);
  EXPECT_TRUE(ci.Contains(analytic::ErlangB(10, 12.0)))
      << "blocking " << ci.mean << " +- " << ci.half_width << ", theory 0.30193";
  // Carrier B never saw a call, so all its 10 channels were free at every one of
  // these failures: each one is failed-but-retryable.
  EXPECT_EQ(b.backup_invites, 0u);
  EXPECT_GT(b.failed, 0u);
  EXPECT_EQ(b.failed_retryable, b.failed);
}

TEST(LossSystem, ACapAnswered486StopsWhereA503Advances) {
  ChainSpec spec;
  spec.carriers = {{"carrier_a", 10, "pbx-486"}, {"carrier_b", 10}};
  spec.calls_per_second = 12;
  const auto advance_5xx =
      testing::Policy("advance-on-5xx", Action::kStop, {{500, 599, Action::kAdvance}});
  const Blocking b = Measure(spec, advance_5xx, 10);
  EXPECT_TRUE(sim::StudentT(b.ratio, 0.99).Contains(analytic::ErlangB(10, 12.0)));
  EXPECT_EQ(b.failed_retryable, b.failed);
}

}  // namespace
}  // namespace crankback
