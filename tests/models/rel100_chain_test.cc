// 100rel end to end (RFC 3262, sip-semantics.md R): callers -> SBC -> carriers
// with every node's stack enabling reliable provisionals. Each leg PRACKs its
// own 180; outcomes are those of the same calls without 100rel.
#include <gtest/gtest.h>

#include <map>

#include "tests/models/scenario_fixture.h"

namespace crankback {
namespace {

models::ScenarioParams Ringing(bool rel100) {
  testing::ChainSpec spec;
  spec.carriers = {{"carrier_a", 3, "rfc3398"}, {"carrier_b", 3, "pbx-486"}};
  spec.calls_per_second = 2;
  spec.holding = sim::Distribution::Exponential(2);
  spec.link.latency = sim::Duration::Millis(10);
  models::ScenarioParams s = testing::Chain(spec);
  for (size_t i = 2; i < s.nodes.size(); ++i) {
    std::get<nodes::CarrierParams>(s.nodes[i].kind).ring_time = sim::Distribution::Deterministic(1);
  }
  if (rel100) {
    for (auto& n : s.nodes) n.timers.rel100 = sip::Rel100::kSupported;
  }
  return s;
}

TEST(Rel100Chain, R5R6EachLegPracksItsOwn180AndOutcomesAreUnchanged) {
  const auto policy = testing::Policy("advance", policy::Action::kAdvance);
  const models::RunSpec run = testing::Spec(11, 0, 200, 0);
  const models::RunResult plain = models::RunSimulation(Ringing(false), policy, run);
  models::RunSpec traced = run;
  traced.trace_calls = 1'000'000;
  const models::RunResult reliable = models::RunSimulation(Ringing(true), policy, traced);
  ASSERT_TRUE(plain.violations.empty());
  ASSERT_TRUE(reliable.violations.empty()) << reliable.violations.front();
  EXPECT_EQ(reliable.metrics.recorded(), plain.metrics.recorded());
  EXPECT_EQ(reliable.metrics.answered(), plain.metrics.answered());
  EXPECT_EQ(reliable.metrics.failed(), plain.metrics.failed());
  ASSERT_GT(plain.metrics.answered(), 50u);

  // Every 180 on either leg is reliable and PRACKed exactly once (no loss),
  // and each 200 to an INVITE leaves only after the PRACK of the leg's 180.
  uint64_t ringing = 0, pracks = 0, prack_ok = 0;
  std::map<uint64_t, sim::SimTime> prack_answered;  // Call-ID -> 200 to its PRACK
  for (const sip::TraceEvent& e : reliable.trace) {
    const sip::Message& m = e.message;
    if (m.method == sip::Method::kInvite && m.status == 180) {
      ++ringing;
      EXPECT_NE(m.rseq, 0u);
    }
    if (m.method == sip::Method::kPrack && m.is_request()) ++pracks;
    if (m.method == sip::Method::kPrack && m.status == 200) {
      ++prack_ok;
      prack_answered[m.call_id] = e.sent;
    }
    if (m.method == sip::Method::kInvite && m.status == 200) {
      ASSERT_EQ(prack_answered.count(m.call_id), 1u);
      EXPECT_GE(e.sent, prack_answered[m.call_id]);
    }
  }
  EXPECT_GT(ringing, 100u);
  EXPECT_EQ(pracks, ringing);
  EXPECT_EQ(prack_ok, ringing);
  EXPECT_EQ(reliable.transport.retransmissions, 0u);
  // Each 180 adds its PRACK and that PRACK's 200; nothing else changes.
  EXPECT_EQ(reliable.transport.sent, plain.transport.sent + 2 * ringing);
}

}  // namespace
}  // namespace crankback
