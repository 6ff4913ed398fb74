// The per-run metrics of whole simulations on callers -> sbc -> carrier
// chains: post-dial delay and setup time at the caller, network
// effectiveness, the SBC's NAP counters in RunResult, the code histogram of
// each node and the timer expirations of the run.
#include <gtest/gtest.h>

#include <map>

#include "tests/models/scenario_fixture.h"

namespace crankback {
namespace {

using policy::Action;
using sip::Message;
using sip::Method;
using testing::Chain;
using testing::ChainSpec;
using testing::Spec;

nodes::CarrierParams& CarrierOf(models::ScenarioParams& s, uint32_t node) {
  return std::get<nodes::CarrierParams>(s.nodes[node].kind);
}

std::map<int, uint64_t> Codes(const models::NodeResult& n) {
  return {n.codes_sent.begin(), n.codes_sent.end()};
}

uint64_t Timer(const models::RunResult& r, const std::string& name) {
  const auto it = r.timer_expirations.find(name);
  return it == r.timer_expirations.end() ? 0 : it->second;
}

// RFC 6076: PDD is INVITE to the first 180/183 at the caller, setup time
// INVITE to the 2xx. A carrier that decides after 0.5 s, sends 180 at once and
// answers 2 s later, two links of 10 ms each way: PDD 0.5 s + 4 x 10 ms.
TEST(CallMetrics, PddAndSetupTimeOfACarrierThatRingsTwoSeconds) {
  ChainSpec spec;
  spec.carriers = {{"carrier_a", 0}};  // unlimited channels: every call answers
  spec.calls_per_second = 0.5;
  spec.holding = sim::Distribution::Deterministic(5);
  spec.link.latency = sim::Duration::Millis(10);
  models::ScenarioParams s = Chain(spec);
  CarrierOf(s, 2).processing_delay = sim::Distribution::Deterministic(0.5);
  CarrierOf(s, 2).ring_time = sim::Distribution::Deterministic(2);
  const models::RunResult run =
      models::RunSimulation(s, testing::Policy("p", Action::kStop), Spec(3, 0, 60, 10));
  ASSERT_TRUE(run.violations.empty()) << run.violations.front();
  const metrics::RunMetrics& m = run.metrics;
  ASSERT_GT(m.answered(), 5u);
  EXPECT_EQ(m.answered(), m.attempts());
  EXPECT_EQ(m.pdd().count(), m.attempts());
  EXPECT_EQ(m.setup().count(), m.answered());
  // Every call has the same delays, so every quantile is exact.
  EXPECT_DOUBLE_EQ(m.pdd().Quantile(0.5), 0.54);
  EXPECT_DOUBLE_EQ(m.pdd().Quantile(0.95), 0.54);
  EXPECT_DOUBLE_EQ(m.setup().Quantile(0.5), 2.54);
  EXPECT_DOUBLE_EQ(m.setup().Quantile(0.95), 2.54);
  EXPECT_EQ(m.ner_effective(), m.ner_eligible());
}

// A 100 Trying is not alerting: a carrier that answers at once (no 180)
// gives setup times and no PDD.
TEST(CallMetrics, NoPddWithoutA180Or183) {
  ChainSpec spec;
  spec.carriers = {{"carrier_a", 0}};
  spec.calls_per_second = 1;
  spec.link.latency = sim::Duration::Millis(10);
  const models::RunResult run =
      models::RunSimulation(Chain(spec), testing::Policy("p", Action::kStop), Spec(4, 0, 30, 0));
  ASSERT_GT(run.metrics.answered(), 5u);
  EXPECT_EQ(run.metrics.pdd().count(), 0u);
  EXPECT_EQ(run.metrics.setup().count(), run.metrics.answered());
  EXPECT_DOUBLE_EQ(run.metrics.setup().Quantile(0.5), 0.04);
}

// RFC 6076 SEER: a busy callee (486) is the network doing its job.
TEST(CallMetrics, NerCountsABusyCalleeAsEffective) {
  ChainSpec spec;
  spec.carriers = {{"carrier_a", 0}};
  spec.calls_per_second = 2;
  models::ScenarioParams s = Chain(spec);
  CarrierOf(s, 2).busy_probability = 1;
  const models::RunResult run =
      models::RunSimulation(s, testing::Policy("p", Action::kStop), Spec(5, 0, 30, 5));
  const metrics::RunMetrics& m = run.metrics;
  ASSERT_GT(m.attempts(), 10u);
  EXPECT_EQ(m.answered(), 0u);
  EXPECT_EQ(m.failures_by_code().at(486), m.attempts());
  EXPECT_EQ(m.ner_eligible(), m.attempts());
  EXPECT_EQ(m.ner_effective(), m.attempts());
}

// A carrier of one channel answering 503 when it is taken: the 503s are not
// effective, so NER equals the answer rate. Its code histogram counts each
// 503 once, though lossy links make it retransmit some.
TEST(CallMetrics, A503IsNotEffectiveAndIsCountedOncePerCall) {
  ChainSpec spec;
  spec.carriers = {{"carrier_a", 1}};
  spec.calls_per_second = 2;
  spec.holding = sim::Distribution::Deterministic(3);
  spec.link.latency = sim::Duration::Millis(10);
  spec.link.loss = 0.2;
  models::RunSpec run_spec = Spec(6, 0, 60, 0);
  run_spec.trace_calls = 1u << 30;  // every message, to count the retransmitted 503s
  const models::RunResult run =
      models::RunSimulation(Chain(spec), testing::Policy("p", Action::kStop), run_spec);
  ASSERT_TRUE(run.violations.empty()) << run.violations.front();
  const metrics::RunMetrics& m = run.metrics;
  const uint64_t rejected = m.failures_by_code().at(503);
  ASSERT_GT(rejected, 20u);
  EXPECT_EQ(m.ner_eligible(), m.attempts());
  EXPECT_EQ(m.ner_effective(), m.answered());

  const std::map<int, uint64_t> carrier = Codes(run.nodes[2]);
  EXPECT_EQ(carrier.at(503), run.nodes[2].counters.rejections);
  EXPECT_EQ(carrier.at(200), run.nodes[2].counters.answered);
  uint64_t wire_503 = 0;
  for (const sip::TraceEvent& e : run.trace) {
    if (e.message.from == 2 && e.message.status == 503) ++wire_503;
  }
  EXPECT_GT(wire_503, carrier.at(503));  // the retransmissions are not in the histogram
  // The SBC relays each 503 upstream once; the callers send no final responses to INVITEs.
  const std::map<int, uint64_t> sbc = Codes(run.nodes[1]);
  EXPECT_EQ(sbc.at(503), carrier.at(503));
  EXPECT_EQ(rejected, carrier.at(503));
  EXPECT_TRUE(run.nodes[0].codes_sent.empty());
  EXPECT_EQ(sbc.count(100), 0u);  // provisional: not in the histogram
}

// A1: a silent peer (its UDP packets vanish) makes each INVITE client
// transaction retransmit six times (Timer A) and give up on Timer B at 32 s.
TEST(CallMetrics, TimerBExpiresOncePerCallOnASilentPeer) {
  ChainSpec spec;
  spec.carriers = {{"carrier_a", 0}};
  spec.calls_per_second = 0.2;
  spec.link.latency = sim::Duration::Millis(10);
  models::ScenarioParams s = Chain(spec);
  sip::Outage down;
  down.start = sim::SimTime::Zero();
  down.duration = sim::Duration::Seconds(1000);
  s.nodes[2].outages = {down};  // UDP without ICMP: silence
  const models::RunResult run =
      models::RunSimulation(s, testing::Policy("p", Action::kStop), Spec(7, 0, 60, 0));
  ASSERT_TRUE(run.violations.empty()) << run.violations.front();
  const uint64_t calls = run.metrics.recorded();
  ASSERT_GT(calls, 3u);
  EXPECT_EQ(run.metrics.failures_by_code().at(408), calls);
  EXPECT_EQ(Timer(run, "B"), calls);      // the SBC's, toward the carrier
  EXPECT_EQ(Timer(run, "A"), 6 * calls);  // 0.5, 1.5, 3.5, 7.5, 15.5, 31.5 s
  // A4: the callers had a 100 from the SBC, so their Timer B never fired;
  // after the SBC's 408 their transactions linger for Timer D.
  EXPECT_EQ(Timer(run, "D"), calls);
  EXPECT_EQ(Codes(run.nodes[1]).at(408), calls);
  EXPECT_TRUE(run.nodes[2].codes_sent.empty());
}

// Codes and timers count events from the warm-up on, like the NAP counters:
// a 503 sent at 39.9 s is out, one sent at 40 s in; a Timer B fires 32 s
// after its INVITE, so it counts for the INVITEs sent from 8 s on.
TEST(CallMetrics, CodesAndTimersCountFromTheWarmUp) {
  ChainSpec spec;
  spec.carriers = {{"carrier_a", 1}, {"carrier_b", 0}};
  spec.calls_per_second = 2;
  spec.holding = sim::Distribution::Deterministic(3);
  spec.link.latency = sim::Duration::Millis(10);
  models::ScenarioParams s = Chain(spec);
  sip::Outage down;
  down.start = sim::SimTime::Zero();
  down.duration = sim::Duration::Seconds(1000);
  s.nodes[3].outages = {down};  // carrier_b is silent: each call sent there ends on Timer B
  models::RunSpec run_spec = Spec(9, 0, 60, 40);
  run_spec.trace_calls = 1u << 30;
  const models::RunResult run =
      models::RunSimulation(s, testing::Policy("p", Action::kAdvance), run_spec);
  ASSERT_TRUE(run.violations.empty()) << run.violations.front();
  const sim::SimTime warmup = sim::SimTime::Zero() + sim::Duration::Seconds(40);
  const sim::SimTime b_from = sim::SimTime::Zero() + sim::Duration::Seconds(40 - 32);
  uint64_t carrier_503 = 0, carrier_503_before = 0, invites_to_b = 0;
  for (const sip::TraceEvent& e : run.trace) {
    const Message& m = e.message;
    if (m.from == 2 && m.status == 503 && !m.retransmission)
      ++(e.sent >= warmup ? carrier_503 : carrier_503_before);
    if (m.from == 1 && m.to == 3 && m.is_request() && m.method == Method::kInvite &&
        !m.retransmission && e.sent >= b_from)
      ++invites_to_b;
  }
  ASSERT_GT(carrier_503, 10u);
  ASSERT_GT(carrier_503_before, 10u);
  EXPECT_EQ(Codes(run.nodes[2]).at(503), carrier_503);
  EXPECT_EQ(Timer(run, "B"), invites_to_b);
  EXPECT_GT(invites_to_b, 10u);
}

// The SBC caps NAP to_carrier_a at two sessions; calls over it skip to carrier_b.
TEST(CallMetrics, RunResultHoldsEachSbcNapAndRoute) {
  ChainSpec spec;
  spec.carriers = {{"carrier_a", 0}, {"carrier_b", 0}};
  spec.calls_per_second = 2;
  spec.holding = sim::Distribution::Deterministic(4);
  models::ScenarioParams s = Chain(spec);
  std::get<nodes::SbcParams>(s.nodes[1].kind).naps[1].max_sessions = 2;
  const models::RunResult run =
      models::RunSimulation(s, testing::Policy("p", Action::kAdvance), Spec(8, 0, 60, 10));
  ASSERT_TRUE(run.violations.empty()) << run.violations.front();
  const models::NodeResult& sbc = run.nodes[1];
  ASSERT_EQ(sbc.naps.size(), 3u);
  ASSERT_EQ(sbc.routes.size(), 3u);
  ASSERT_EQ(sbc.routes[0].size(), 2u);
  EXPECT_TRUE(sbc.routes[1].empty());
  EXPECT_TRUE(run.nodes[0].naps.empty());
  const nodes::NapCounters& in = sbc.naps[0];
  const nodes::NapCounters& a = sbc.naps[1];
  const nodes::NapCounters& b = sbc.naps[2];
  // Every call after the warm-up arrives on from_callers and is answered on a or b.
  EXPECT_EQ(in.inbound, run.metrics.attempts());
  EXPECT_EQ(a.answered + b.answered, run.metrics.answered());
  EXPECT_EQ(run.metrics.answered(), run.metrics.attempts());
  EXPECT_EQ(a.offered, in.inbound);
  EXPECT_GT(a.capacity_skips, 0u);  // two sessions at 8 Erlangs offered: it overflows
  EXPECT_EQ(a.offered, a.attempts + a.capacity_skips);
  EXPECT_EQ(b.offered, a.capacity_skips);
  EXPECT_EQ(b.attempts, b.offered);
  EXPECT_EQ(in.seizures, in.inbound);
  EXPECT_EQ(sbc.routes[0][0].attempts, a.attempts);
  EXPECT_EQ(sbc.routes[0][1].answered, b.answered);
  // Carried traffic over the 50 s window: at most 2 Erlangs on a.
  EXPECT_LE(a.busy_seconds / 50, 2.0 + 1e-9);
  EXPECT_GT(a.busy_seconds / 50, 1.5);
  EXPECT_NEAR(in.busy_seconds, a.busy_seconds + b.busy_seconds, 1e-6);  // zero latency
}

}  // namespace
}  // namespace crankback
