// Retransmission on a lossy UDP hop against its expectation (RFC 3261 17.1.2):
// a BYE is resent every T1 (doubling, capped at T2) until a 200 gets back; the
// server answers each copy it receives with its 200. With zero delay each
// transmission is a trial that succeeds when both the BYE and its 200 cross,
// q = (1 - p)^2, so the retransmissions per BYE are geometric: (1 - q) / q.
#include <gtest/gtest.h>

#include "sim/statistics.h"
#include "tests/models/scenario_fixture.h"

namespace crankback {
namespace {

TEST(UdpLoss, ByeRetransmissionsMatchTheGeometricExpectation) {
  constexpr double kLoss = 0.1;
  models::ScenarioParams s;
  s.dialects = policy::PresetDialects();
  s.nodes.push_back({"callers", models::UserAgentParams{}, sip::Rfc3261Profile()});
  s.nodes.push_back({"carrier", nodes::CarrierParams{}, sip::Rfc3261Profile()});
  sim::LinkParams link;
  link.loss = kLoss;
  s.links.push_back({0, 1, link});
  nodes::TrafficParams t;
  t.name = "offered";
  t.origin = 0;
  t.via = 1;
  t.calls_per_second = 5;
  t.holding_time = sim::Distribution::Exponential(2);
  t.destinations = {0};
  t.weights = {1};
  s.traffic.push_back(t);
  s.destinations = {"*"};

  sim::Welford per_bye;
  for (uint32_t r = 0; r < 10; ++r) {
    models::RunSpec spec = testing::Spec(21, r, 400, 0);
    spec.trace_calls = 1u << 30;
    const auto run = models::RunSimulation(s, testing::Policy("p", policy::Action::kStop), spec);
    ASSERT_TRUE(run.violations.empty()) << run.violations.front();
    EXPECT_GT(run.metrics.answered(),
              run.metrics.attempts() * 9 / 10);  // completed by retransmission
    uint64_t byes = 0, retransmitted = 0;
    for (const auto& e : run.trace) {
      if (!e.message.is_request() || e.message.method != sip::Method::kBye) continue;
      (e.message.retransmission ? retransmitted : byes) += 1;
    }
    ASSERT_GT(byes, 1000u);
    per_bye.Add(static_cast<double>(retransmitted) / static_cast<double>(byes));
  }
  const double q = (1 - kLoss) * (1 - kLoss);
  const sim::Interval ci = sim::StudentT(per_bye, 0.99);
  EXPECT_TRUE(ci.Contains((1 - q) / q))
      << ci.mean << " +- " << ci.half_width << ", expected " << (1 - q) / q;
  EXPECT_LT(ci.half_width, 0.02);
}

}  // namespace
}  // namespace crankback
