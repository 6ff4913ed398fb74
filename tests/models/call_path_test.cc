// The caller -> SBC -> carrier path: every call ends in exactly one outcome, on
// lossy UDP (retransmissions) and on TCP, and runs are reproducible.
#include <gtest/gtest.h>

#include "tests/models/scenario_fixture.h"

namespace crankback {
namespace {

using policy::Action;
using testing::Chain;
using testing::ChainSpec;
using testing::Spec;

models::RunResult RunChain(const ChainSpec& spec, uint64_t seed,
                           Action fallback = Action::kAdvance) {
  return models::RunSimulation(Chain(spec), testing::Policy("p", fallback), Spec(seed, 0, 300, 0));
}

ChainSpec TwoCarriers() {
  ChainSpec spec;
  spec.carriers = {{"carrier_a", 5}, {"carrier_b", 5}};
  spec.calls_per_second = 6;
  spec.link.latency = sim::Duration::Millis(10);
  return spec;
}

TEST(CallPath, AnsweredCallCrossesEveryHopOnce) {
  ChainSpec spec;
  spec.carriers = {{"carrier_a", 0}};
  spec.calls_per_second = 0.1;
  const models::RunResult run = RunChain(spec, 3);
  ASSERT_TRUE(run.violations.empty());
  const uint64_t calls = run.metrics.recorded();
  ASSERT_GT(calls, 0u);
  EXPECT_EQ(run.metrics.answered(), calls);
  // INVITE, 100, 200, ACK, BYE, 200 on each of the two legs; no retransmission.
  EXPECT_EQ(run.transport.sent, 12 * calls);
  EXPECT_EQ(run.transport.retransmissions, 0u);
}

TEST(CallPath, LossyUdpStillEndsEveryCallExactlyOnce) {
  ChainSpec spec = TwoCarriers();
  spec.link.loss = 0.1;
  const models::RunResult run = RunChain(spec, 5);
  EXPECT_TRUE(run.violations.empty()) << run.violations.front();
  EXPECT_GT(run.transport.lost, 100u);
  EXPECT_GT(run.transport.retransmissions, run.transport.lost / 2);
  const auto& m = run.metrics;
  EXPECT_EQ(m.attempts(), m.answered() + m.failed() + m.abandoned());
  EXPECT_GT(m.answered(), m.attempts() / 2);
}

TEST(CallPath, TcpNeverRetransmitsAtTheSipLayer) {
  ChainSpec spec = TwoCarriers();
  spec.link.transport = sim::Transport::kTcp;
  const models::RunResult run = RunChain(spec, 5);
  EXPECT_TRUE(run.violations.empty());
  EXPECT_EQ(run.transport.retransmissions, 0u);
}

TEST(CallPath, TcpLossShowsAsDelayNotAsLostMessages) {
  ChainSpec spec = TwoCarriers();
  spec.link.transport = sim::Transport::kTcp;
  spec.link.loss = 0.1;  // TCP resends below SIP after its RTO (head-of-line blocking)
  models::RunSpec run_spec = Spec(5, 0, 300, 0);
  run_spec.trace_calls = 1u << 30;  // every call
  const models::RunResult run =
      models::RunSimulation(Chain(spec), testing::Policy("p", Action::kAdvance), run_spec);
  EXPECT_TRUE(run.violations.empty());
  EXPECT_EQ(run.transport.lost, 0u);
  // The transactions never retransmit over TCP. Only the UA cores do: the UAS
  // a 2xx whose ACK the delay held past T1 (X4: independent of the transport),
  // and the UAC the ACK for each such 2xx (X6).
  uint64_t retransmitted = 0;
  for (const sip::TraceEvent& e : run.trace) {
    if (!e.message.retransmission) continue;
    ++retransmitted;
    const bool is_2xx = e.message.method == sip::Method::kInvite && e.message.status >= 200 &&
                        e.message.status < 300;
    const bool is_ack = e.message.method == sip::Method::kAck;
    EXPECT_TRUE(is_2xx || is_ack) << sip::MethodName(e.message.method) << " " << e.message.status;
  }
  EXPECT_EQ(retransmitted, run.transport.retransmissions);
  EXPECT_GT(retransmitted, 0u);
}

TEST(CallPath, SameSeedSameTrajectoryOtherSeedOther) {
  const ChainSpec spec = TwoCarriers();
  const auto a = RunChain(spec, 9), b = RunChain(spec, 9), c = RunChain(spec, 10);
  EXPECT_EQ(a.metrics.trajectory_hash(), b.metrics.trajectory_hash());
  EXPECT_EQ(a.events, b.events);
  EXPECT_NE(a.metrics.trajectory_hash(), c.metrics.trajectory_hash());
}

TEST(CallPath, PoliciesSeeTheSameCalls) {
  const ChainSpec spec = TwoCarriers();
  const auto advance = RunChain(spec, 4, Action::kAdvance);
  const auto stop = RunChain(spec, 4, Action::kStop);
  EXPECT_EQ(advance.metrics.attempts(), stop.metrics.attempts());
  EXPECT_GT(advance.metrics.answered(), stop.metrics.answered());
}

TEST(CallPath, UnservedNumberIsRejectedWithTheDialectCode) {
  ChainSpec spec;
  spec.carriers = {{"carrier_a", 0}};
  spec.calls_per_second = 1;
  models::ScenarioParams s = Chain(spec);
  std::get<nodes::CarrierParams>(s.nodes[2].kind).serves = {false};
  const auto run =
      models::RunSimulation(s, testing::Policy("p", Action::kAdvance), Spec(1, 0, 100, 0));
  EXPECT_TRUE(run.violations.empty());
  EXPECT_EQ(run.metrics.answered(), 0u);
  EXPECT_EQ(run.metrics.failures_by_code().at(404), run.metrics.attempts());
  EXPECT_EQ(run.metrics.failed_retryable(), 0u);  // unallocated is not local to a route
}

}  // namespace
}  // namespace crankback
