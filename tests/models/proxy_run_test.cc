// The stateful proxy in whole runs (models::RunSimulation): callers -> proxy
// -> carriers. Parallel forking between two carriers; then every forking mode
// with lossy UDP links, channel caps, busy, declining and unanswered callees,
// callers who give up (CANCEL), session refreshes (re-INVITEs through the
// proxy) and a carrier that drops off the network for a while. Each run must
// end with every call in exactly one outcome and nothing held at any node (the
// end-of-run invariants), and the proxy's counters must add up with the
// callers' outcomes.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "models/simulation.h"
#include "tests/models/outage_fixture.h"
#include "tests/models/scenario_fixture.h"

namespace crankback {
namespace {

using nodes::ProxyForking;

// callers (node 0) -> proxy (node 1) -> carriers (nodes 2..), Poisson calls
// at `cps` with exponential holding times of `holding_s`.
models::ScenarioParams ProxyChain(const nodes::ProxyParams& proxy,
                                  const std::vector<nodes::CarrierParams>& carriers, double cps,
                                  double holding_s) {
  models::ScenarioParams s;
  s.dialects = policy::PresetDialects();
  s.nodes.push_back({"callers", models::UserAgentParams{}});
  s.nodes.push_back({"proxy", proxy});
  s.links.push_back({0, 1, {.latency = sim::Duration::Millis(5)}});
  for (uint32_t i = 0; i < carriers.size(); ++i) {
    s.nodes.push_back({"carrier_" + std::string(1, static_cast<char>('a' + i)), carriers[i]});
    s.links.push_back({1, 2 + i, {.latency = sim::Duration::Millis(20)}});
  }
  nodes::TrafficParams t;
  t.name = "offered";
  t.origin = 0;
  t.via = 1;
  t.calls_per_second = cps;
  t.holding_time = sim::Distribution::Exponential(holding_s);
  t.destinations = {0};
  t.weights = {1.0};
  s.traffic.push_back(t);
  s.destinations = {"*"};
  return s;
}

// P12: parallel forking to two carriers whose callees answer after 2 s and
// 4 s. Every call is answered by A; B's branch is CANCELled every time.
TEST(ProxyChainRun, P12_ParallelForkingBetweenCarriers) {
  nodes::ProxyParams p;
  p.forking = ProxyForking::kParallel;
  p.targets = {{2}, {3}};
  std::vector<nodes::CarrierParams> carriers(2);
  carriers[0].ring_time = sim::Distribution::Deterministic(2);
  carriers[1].ring_time = sim::Distribution::Deterministic(4);
  const models::RunResult run = models::RunSimulation(ProxyChain(p, carriers, 2, 30),
                                                      testing::Policy("p", policy::Action::kStop),
                                                      testing::Spec(5, 0, 100, 0));
  ASSERT_TRUE(run.violations.empty()) << run.violations.front();
  const uint64_t calls = run.metrics.attempts();
  ASSERT_GT(calls, 150u);
  EXPECT_EQ(run.metrics.answered(), calls);
  EXPECT_EQ(run.nodes[1].counters.invites, calls);
  EXPECT_EQ(run.nodes[1].counters.answered, calls);
  EXPECT_EQ(run.nodes[1].counters.rejections, 0u);
  EXPECT_EQ(run.nodes[2].counters.answered, calls);
  EXPECT_EQ(run.nodes[3].counters.seizures, calls);  // rang, CANCELled
  EXPECT_EQ(run.nodes[3].counters.answered, 0u);
}

// Three carriers of 6 channels with busy, declining and unanswered callees, a
// lossy UDP link to A and B, carrier C over TCP and down (RST) from 100 to
// 160 s; callers who hang up after 3-15 s unanswered, and Session-Expires 90 s.
models::ScenarioParams Busy(ProxyForking forking) {
  nodes::ProxyParams p;
  p.forking = forking;
  p.targets = {{2, 1.0}, {3, 1.0}, {4, 0.5}};
  p.retry_after_default = sim::Duration::Seconds(5);
  std::vector<nodes::CarrierParams> carriers(3);
  for (nodes::CarrierParams& c : carriers) {
    c.max_sessions = 6;
    c.ring_time = sim::Distribution::Uniform(1, 6);
    c.busy_probability = 0.15;
    c.decline_probability = 0.05;
    c.answer_probability = 0.9;
    c.no_answer_timeout = sim::Duration::Seconds(20);
  }
  models::ScenarioParams s = ProxyChain(p, carriers, 0.5, 60);
  s.nodes[4].outages = {testing::outage::Down(100, 60, sip::OutageMode::kRefuse, true)};
  for (auto& n : s.nodes) n.timers.session_expires = sim::Duration::Seconds(90);
  s.links[1].params.loss = 0.03;
  s.links[2].params.loss = 0.03;
  s.links[3].params.transport = sim::Transport::kTcp;
  s.traffic[0].patience = sim::Distribution::Uniform(3, 15);
  return s;
}

class ProxyRun : public ::testing::TestWithParam<ProxyForking> {};

TEST_P(ProxyRun, EveryCallEndsOnceAndNothingIsHeld) {
  for (uint64_t seed : {1, 2, 3}) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    const models::RunResult run =
        models::RunSimulation(Busy(GetParam()), testing::Policy("p", policy::Action::kStop),
                              testing::Spec(seed, 0, 600, 0));
    ASSERT_TRUE(run.violations.empty()) << run.violations.front();
    const metrics::RunMetrics& m = run.metrics;
    ASSERT_GT(m.attempts(), 200u);
    EXPECT_EQ(m.answered() + m.failed() + m.abandoned(), m.attempts());
    EXPECT_GT(m.answered(), 0u);
    EXPECT_GT(m.abandoned(), 0u);
    // Every call reached the proxy; each failure the callers saw is one it
    // sent (its 100 keeps their Timer B off); each 2xx it passed up ended as
    // answered or, when the caller had given up meanwhile, abandoned.
    const nodes::NodeCounters& proxy = run.nodes[1].counters;
    EXPECT_EQ(proxy.invites, m.attempts());
    EXPECT_EQ(proxy.rejections, m.failed());
    EXPECT_GE(proxy.answered, m.answered());
    EXPECT_LE(proxy.answered, m.answered() + m.abandoned());
    uint64_t carriers_answered = 0;
    for (size_t i = 2; i < 5; ++i) carriers_answered += run.nodes[i].counters.answered;
    EXPECT_GE(carriers_answered, proxy.answered);
  }
}

INSTANTIATE_TEST_SUITE_P(Modes, ProxyRun,
                         ::testing::Values(ProxyForking::kSerial, ProxyForking::kParallel,
                                           ProxyForking::kQGroups, ProxyForking::kFailover),
                         [](const auto& p) {
                           switch (p.param) {
                             case ProxyForking::kSerial:
                               return "Serial";
                             case ProxyForking::kParallel:
                               return "Parallel";
                             case ProxyForking::kQGroups:
                               return "QGroups";
                             case ProxyForking::kFailover:
                               return "Failover";
                           }
                           return "?";
                         });

// A proxy that crashes (a restart fault) loses every call it held, on both
// sides: the callers' BYEs of those calls get 481 once it is back, calls
// arriving while it is down time out, and the carrier keeps their channels
// (nothing sends it the BYE): one hung channel per call lost answered.
TEST(ProxyChainRun, RestartLosesTheCallsItHeld) {
  nodes::ProxyParams p;
  p.targets = {{2}};
  models::ScenarioParams s = ProxyChain(p, std::vector<nodes::CarrierParams>(1), 2, 30);
  metrics::FaultParams crash;
  crash.name = "crash";
  crash.kind = metrics::FaultKind::kOutage;
  crash.start = sim::SimTime::Zero() + sim::Duration::Seconds(100);
  crash.duration = sim::Duration::Seconds(60);
  crash.a = 1;
  crash.restart = true;  // UDP without ICMP: silence
  s.faults = {crash};
  // A call in setup at the crash had its 100 Trying: no Timer B ends it, the
  // caller's patience does (CANCEL, which the restarted proxy answers 481).
  s.traffic[0].patience = sim::Distribution::Deterministic(60);
  models::RunSpec spec = testing::Spec(5, 0, 250, 0);
  spec.keep_outcomes = true;
  const models::RunResult run =
      models::RunSimulation(s, testing::Policy("p", policy::Action::kStop), spec);
  ASSERT_TRUE(run.violations.empty()) << run.violations.front();
  const metrics::FaultResult& f = run.faults.at(0);
  // From the callers' outcomes: answered calls up at the crash, calls in setup
  // at it (answered 50 ms after they arrive), BYEs of lost calls sent after
  // the window, and calls whose every INVITE transmission (0 to 31.5 s after
  // arrival, T1 doubling) fell in the window: those end with Timer B's 408.
  uint64_t up = 0, setting_up = 0, bye_after = 0, timed_out = 0;
  for (const metrics::CallOutcome& o : run.outcomes) {
    const double arrival = sim::ToSeconds(o.arrival);
    if (arrival >= 100 && arrival + 31.5 < 160) ++timed_out;
    if (arrival > 100) continue;
    if (o.result != metrics::Result::kAnswered) {
      if (arrival > 99.9) ++setting_up;
      continue;
    }
    const double hangup = arrival + o.setup_s + o.answered_s;
    if (arrival + o.setup_s > 100) ++setting_up;
    if (hangup <= 100) continue;
    ++up;
    if (hangup >= 160) ++bye_after;
  }
  ASSERT_GT(up, 20u);
  EXPECT_EQ(f.lost_in_progress, up + setting_up);
  EXPECT_EQ(run.nodes[2].counters.hung_channels, up);
  // Every BYE sent after the window gets 481; so do the retransmissions of
  // BYEs sent during it that reach the proxy after it, and patience CANCELs.
  EXPECT_GE(f.no_dialog, bye_after);
  EXPECT_EQ(run.metrics.failures_by_code().at(408), timed_out);
  ASSERT_TRUE(f.detect_s.has_value());
  EXPECT_NEAR(*f.detect_s, 32, 1);  // silence: the first request to it times out
}

}  // namespace
}  // namespace crankback
