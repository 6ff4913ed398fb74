// Callee behaviour at the carrier (busy, decline, no answer in the dialect's
// code) and caller patience (CANCEL -> 487, counted as abandoned), with the
// CANCEL rules of RFC 3261 section 9 (sip-semantics Y).
#include <gtest/gtest.h>

#include <map>

#include "sim/statistics.h"
#include "tests/models/scenario_fixture.h"

namespace crankback {
namespace {

using policy::Action;

models::ScenarioParams OneCarrier(double busy, double decline, double answer) {
  testing::ChainSpec spec;
  spec.carriers = {{"carrier", 0}};
  spec.calls_per_second = 5;
  spec.link.latency = sim::Duration::Millis(10);
  models::ScenarioParams s = testing::Chain(spec);
  auto& c = std::get<nodes::CarrierParams>(s.nodes[2].kind);
  c.busy_probability = busy;
  c.decline_probability = decline;
  c.answer_probability = answer;
  c.ring_time = sim::Distribution::Uniform(1, 5);
  c.no_answer_timeout = sim::Duration::Seconds(10);
  return s;
}

TEST(Callee, OutcomesFollowTheProbabilitiesInTheDialectsCodes) {
  const models::ScenarioParams s = OneCarrier(0.3, 0.1, 0.5);
  std::map<int, sim::Welford> share;
  for (uint32_t r = 0; r < 10; ++r) {
    const auto run = models::RunSimulation(s, testing::Policy("stop", Action::kStop),
                                           testing::Spec(2, r, 400, 0));
    ASSERT_TRUE(run.violations.empty()) << run.violations.front();
    const double n = static_cast<double>(run.metrics.attempts());
    const auto& f = run.metrics.failures_by_code();
    for (int code : {486, 603, 480}) share[code].Add(f.count(code) ? f.at(code) / n : 0.0);
    share[200].Add(run.metrics.answered() / n);
    EXPECT_EQ(run.metrics.failed_retryable(), 0u);  // a callee's answer is not local to a route
  }
  // busy 0.3; decline 0.1; of the other 0.6, half answer and half ring out (480).
  const std::map<int, double> expected{{486, 0.3}, {603, 0.1}, {480, 0.3}, {200, 0.3}};
  for (const auto& [code, p] : expected) {
    const sim::Interval ci = sim::StudentT(share[code], 0.99);
    EXPECT_TRUE(ci.Contains(p)) << code << ": " << ci.mean << " +- " << ci.half_width;
  }
}

TEST(Callee, NoAnswerCodeIsTheDialects) {  // D3: a carrier whose no-answer code is 408
  models::ScenarioParams s = OneCarrier(0, 0, 0);
  auto& c = std::get<nodes::CarrierParams>(s.nodes[2].kind);
  for (uint32_t i = 0; i < s.dialects.size(); ++i) {
    if (s.dialects[i].name == "carrier-408-no-answer") c.dialect = i;
  }
  const auto run =
      models::RunSimulation(s, testing::Policy("stop", Action::kStop), testing::Spec(2, 0, 100, 0));
  ASSERT_TRUE(run.violations.empty());
  ASSERT_GT(run.metrics.attempts(), 0u);
  EXPECT_EQ(run.metrics.failures_by_code().at(408), run.metrics.attempts());
}

TEST(Callee, SameCallMeetsTheSameCalleeUnderEveryPolicy) {
  const models::ScenarioParams s = OneCarrier(0.3, 0.1, 0.5);
  const auto a =
      models::RunSimulation(s, testing::Policy("stop", Action::kStop), testing::Spec(8, 0, 300, 0));
  const auto b = models::RunSimulation(s, testing::Policy("advance", Action::kAdvance),
                                       testing::Spec(8, 0, 300, 0));
  EXPECT_EQ(a.metrics.failures_by_code(), b.metrics.failures_by_code());
  EXPECT_EQ(a.metrics.answered(), b.metrics.answered());
}

TEST(Caller, PatienceEndsRingingCallsAsAbandonedNotFailed) {  // Y4, Y5
  models::ScenarioParams s = OneCarrier(0, 0, 1);
  std::get<nodes::CarrierParams>(s.nodes[2].kind).ring_time = sim::Distribution::Deterministic(20);
  s.traffic[0].patience = sim::Distribution::Deterministic(5);
  models::RunSpec spec = testing::Spec(4, 0, 200, 0);
  spec.trace_calls = 1u << 20;
  const auto run = models::RunSimulation(s, testing::Policy("stop", Action::kStop), spec);
  ASSERT_TRUE(run.violations.empty()) << run.violations.front();
  ASSERT_GT(run.metrics.attempts(), 100u);
  EXPECT_EQ(run.metrics.abandoned(), run.metrics.attempts());
  EXPECT_EQ(run.metrics.failed(), 0u);
  EXPECT_EQ(run.metrics.answered(), 0u);
  // Each leg: CANCEL answered 200, INVITE answered 487 (RFC 3261 9.2).
  std::map<std::pair<sip::Method, int>, int> seen;  // (method, status) -> count
  for (const auto& e : run.trace) ++seen[std::pair(e.message.method, int{e.message.status})];
  const auto count = [&](sip::Method m, int status) { return seen[std::pair(m, status)]; };
  const uint64_t legs = 2 * run.metrics.recorded();
  EXPECT_EQ(count(sip::Method::kCancel, 0), static_cast<int>(legs));
  EXPECT_EQ(count(sip::Method::kCancel, 200), static_cast<int>(legs));
  EXPECT_EQ(count(sip::Method::kInvite, 487), static_cast<int>(legs));
}

TEST(Caller, CancelWaitsForAProvisional) {  // Y2: no CANCEL before a 1xx
  models::ScenarioParams s = OneCarrier(0, 0, 1);
  s.traffic[0].patience = sim::Distribution::Deterministic(0.001);  // before any 1xx can arrive
  models::RunSpec spec = testing::Spec(4, 0, 50, 0);
  spec.trace_calls = 1u << 20;
  const auto run = models::RunSimulation(s, testing::Policy("stop", Action::kStop), spec);
  ASSERT_TRUE(run.violations.empty());
  std::map<uint64_t, sim::SimTime> first_provisional;  // leg Call-ID -> arrival at its caller
  int cancels = 0;
  for (const auto& e : run.trace) {
    const auto& m = e.message;
    if (!m.is_request() && m.status < 200 && !first_provisional.count(m.call_id)) {
      first_provisional[m.call_id] = e.arrival;
    }
    if (m.is_request() && m.method == sip::Method::kCancel) {
      ++cancels;
      ASSERT_TRUE(first_provisional.count(m.call_id));
      EXPECT_GE(e.sent, first_provisional[m.call_id]);
    }
  }
  EXPECT_GT(cancels, 0);
  EXPECT_EQ(run.metrics.abandoned(), run.metrics.attempts());
}

TEST(Caller, CancelCrossing200EndsWithAckAndBye) {  // Y6: the CANCEL/200 race
  models::ScenarioParams s = OneCarrier(0, 0, 1);
  s.links[0].params.latency = sim::Duration::Millis(50);
  s.links[1].params.latency = sim::Duration::Millis(50);
  std::get<nodes::CarrierParams>(s.nodes[2].kind).ring_time = sim::Distribution::Deterministic(2.0);
  // The carrier answers at +2.1 s; the CANCEL leaves at +2.05 and reaches the
  // SBC at +2.1, before the 200 does: the SBC answers 487 upstream, and ACKs and
  // BYEs the 200 that crosses its CANCEL downstream.
  s.traffic[0].patience = sim::Distribution::Deterministic(2.05);
  const auto run =
      models::RunSimulation(s, testing::Policy("stop", Action::kStop), testing::Spec(4, 0, 100, 0));
  ASSERT_TRUE(run.violations.empty()) << run.violations.front();
  EXPECT_EQ(run.metrics.abandoned(), run.metrics.attempts());
  EXPECT_EQ(run.nodes[2].counters.answered, run.metrics.recorded());  // the carrier did answer
}

}  // namespace
}  // namespace crankback
