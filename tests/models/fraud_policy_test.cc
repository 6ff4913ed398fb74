// Fraud-minute leakage end to end: callers -> SBC -> [route 0: a NAP to a
// ClearIP-like scorer, route 1: a NAP to a carrier], the guide's deployment
// (sip-response-codes-guide.txt: "404 ... no fraud detected, route advance";
// "603 ... the SBC must terminate the call rather than advance"; ProSBC's
// default "continue call" on 603). Each case runs the same calls (same seed:
// common random numbers) under two policies and compares them call by call:
//  (c) a 603 block ADVANCES under prosbc-default, so the fraudulent call
//      completes on the carrier and its minutes leak; fraud-integrated stops it;
//  (d) a 404 clear continues under fraud-integrated and the clean call
//      completes; a policy that stops on 4xx (freeswitch-default) loses it;
// and a scorer that redirects flagged calls (302 Contact) to a review trunk.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "models/simulation.h"
#include "tests/models/fraud_fixture.h"

namespace crankback {
namespace {

using namespace testing::fraud;  // NOLINT: the shared fraud scenario

// What the caller saw of one call, from the trace of a run.
struct CallAtCaller {
  bool fraud = false;     // the flag on its INVITE
  int final_status = 0;   // the first final response it received
  sim::SimTime answered;  // that 200's arrival
  sim::SimTime hung_up;   // its BYE
};

std::map<uint32_t, CallAtCaller> Calls(const std::vector<sip::TraceEvent>& trace) {
  std::map<uint32_t, CallAtCaller> calls;
  for (const sip::TraceEvent& e : trace) {
    const sip::Message& m = e.message;
    if (m.retransmission || m.method == sip::Method::kAck) continue;
    CallAtCaller& c = calls[e.call];
    if (m.from == kCallers && m.is_request() && m.method == sip::Method::kInvite && !m.in_dialog)
      c.fraud = m.truth.fraud;
    if (m.to == kCallers && m.method == sip::Method::kInvite && m.is_final() && !m.in_dialog &&
        c.final_status == 0) {
      c.final_status = m.status;
      c.answered = e.arrival;
    }
    if (m.from == kCallers && m.method == sip::Method::kBye && m.is_request()) c.hung_up = e.sent;
  }
  return calls;
}

models::RunResult RunFor(const models::ScenarioParams& s, const policy::CauseMap& policy) {
  models::RunSpec spec = testing::Spec(/*seed=*/21, 0, /*end_s=*/600, 0);
  spec.trace_calls = 1u << 30;  // every call
  models::RunResult r = models::RunSimulation(s, policy, spec);
  EXPECT_TRUE(r.violations.empty()) << r.violations.front();
  return r;
}

uint64_t Failures(const models::RunResult& r, int code) {
  const auto& f = r.metrics.failures_by_code();
  const auto it = f.find(code);
  return it == f.end() ? 0 : it->second;
}

// 30% fraud holding 300 s on average; the scorer detects every fraudulent call
// after 50 ms and flags no clean one.
models::ScenarioParams LeakScenario() {
  return ScorerFirst({.calls_per_second = 1,
                      .holding = sim::Distribution::Exponential(30),
                      .fraction = 0.3,
                      .fraud_holding = sim::Distribution::Exponential(300),
                      .scorer = {.latency = sim::Distribution::Deterministic(0.05)}});
}

// Guide case (c).
TEST(FraudPolicy, GuideCase603AdvancesUnderProsbcDefaultAndLeaksMinutes) {
  const models::ScenarioParams s = LeakScenario();
  const models::RunResult prosbc = RunFor(s, Preset("prosbc-default"));
  const models::RunResult integrated = RunFor(s, Preset("fraud-integrated"));
  const metrics::RunMetrics& p = prosbc.metrics;
  const metrics::RunMetrics& f = integrated.metrics;

  // The same calls under both policies, each one scored.
  ASSERT_GT(p.fraud_attempts(), 50u);
  EXPECT_EQ(p.attempts(), f.attempts());
  EXPECT_EQ(p.fraud_attempts(), f.fraud_attempts());
  EXPECT_EQ(prosbc.nodes[kScorer].counters.invites, p.attempts());
  EXPECT_EQ(integrated.nodes[kScorer].counters.invites, f.attempts());

  // prosbc-default: 603 -> continue call: every fraudulent call completes on
  // the carrier; 404 -> stop: every clean call fails with the scorer's 404.
  EXPECT_EQ(p.fraud_answered(), p.fraud_attempts());
  EXPECT_EQ(p.answered(), p.fraud_attempts());
  EXPECT_EQ(Failures(prosbc, 404), p.attempts() - p.fraud_attempts());
  EXPECT_EQ(prosbc.nodes[kCarrier].counters.invites, p.fraud_attempts());
  EXPECT_GT(p.fraud_seconds(), 0);

  // fraud-integrated: 603 stops dead, 404 continues to the carrier.
  EXPECT_EQ(f.fraud_answered(), 0u);
  EXPECT_EQ(f.fraud_seconds(), 0);
  EXPECT_EQ(Failures(integrated, 603), f.fraud_attempts());
  EXPECT_EQ(f.answered(), f.attempts() - f.fraud_attempts());
  EXPECT_EQ(integrated.nodes[kCarrier].counters.invites, f.attempts() - f.fraud_attempts());
  EXPECT_EQ(f.clean_blocked(), 0u);

  // Call by call: the same flag under both policies, and the leaked seconds
  // are exactly those calls' holding times (BYE sent - 200 received).
  const auto pc = Calls(prosbc.trace), fc = Calls(integrated.trace);
  ASSERT_EQ(pc.size(), p.attempts());
  ASSERT_EQ(fc.size(), f.attempts());
  double leaked = 0;
  for (const auto& [call, c] : pc) {
    const CallAtCaller& other = fc.at(call);
    ASSERT_EQ(c.fraud, other.fraud) << "call " << call;
    EXPECT_EQ(c.final_status, c.fraud ? 200 : 404) << "call " << call;
    EXPECT_EQ(other.final_status, c.fraud ? 603 : 200) << "call " << call;
    if (c.fraud) leaked += sim::ToSeconds(c.hung_up - c.answered);
  }
  EXPECT_NEAR(p.fraud_seconds(), leaked, 1e-6);
}

// Case (c) with the half-done configuration: 404 overridden to continue, 603
// left at ProSBC's default. Clean calls now complete, and the fraud leaks just
// as much as under prosbc-default: the same calls for the same seconds.
TEST(FraudPolicy, Overriding404AloneStillLeaksTheSameMinutes) {
  const models::ScenarioParams s = LeakScenario();
  policy::CauseMap half = Preset("prosbc-default");
  half.name = "prosbc-404-continue";
  half.rules.insert(half.rules.begin(), policy::CauseRule::Code(404, policy::Action::kAdvance));
  const models::RunResult prosbc = RunFor(s, Preset("prosbc-default"));
  const models::RunResult r = RunFor(s, half);
  EXPECT_EQ(r.metrics.answered(), r.metrics.attempts());
  EXPECT_EQ(r.metrics.fraud_answered(), prosbc.metrics.fraud_answered());
  EXPECT_DOUBLE_EQ(r.metrics.fraud_seconds(), prosbc.metrics.fraud_seconds());
}

// Guide case (d): no fraud at all, every call cleared with 404.
TEST(FraudPolicy, GuideCase404ContinuesUnderFraudIntegratedAndStopsUnderFreeswitch) {
  const models::ScenarioParams s =
      ScorerFirst({.fraction = -1, .scorer = {.latency = sim::Distribution::Deterministic(0.02)}});
  const models::RunResult integrated = RunFor(s, Preset("fraud-integrated"));
  const models::RunResult freeswitch = RunFor(s, Preset("freeswitch-default"));
  const metrics::RunMetrics& f = integrated.metrics;
  const metrics::RunMetrics& w = freeswitch.metrics;

  ASSERT_GT(f.attempts(), 1000u);
  EXPECT_EQ(f.attempts(), w.attempts());
  EXPECT_EQ(f.fraud_attempts(), 0u);
  EXPECT_EQ(f.answered(), f.attempts());
  EXPECT_EQ(integrated.nodes[kCarrier].counters.invites, f.attempts());
  EXPECT_EQ(w.answered(), 0u);
  EXPECT_EQ(Failures(freeswitch, 404), w.attempts());
  EXPECT_EQ(freeswitch.nodes[kCarrier].counters.invites, 0u);
  const auto fc = Calls(integrated.trace), wc = Calls(freeswitch.trace);
  ASSERT_EQ(fc.size(), wc.size());
  for (const auto& [call, c] : fc) {
    EXPECT_EQ(c.final_status, 200) << "call " << call;
    EXPECT_EQ(wc.at(call).final_status, 404) << "call " << call;
  }
}

// False positives cost revenue: with 10% of clean calls flagged, fraud-integrated
// blocks them (clean_blocked, within the run's 99% interval of 10%), while
// prosbc-default advances past the same 603s and blocks none.
TEST(FraudPolicy, FalsePositivesAreCleanBlockedUnderFraudIntegrated) {
  models::ScenarioParams s = LeakScenario();
  std::get<nodes::FraudScorerParams>(s.nodes[kScorer].kind).false_positive_rate = 0.1;
  const models::RunResult integrated = RunFor(s, Preset("fraud-integrated"));
  const models::RunResult prosbc = RunFor(s, Preset("prosbc-default"));
  const metrics::RunMetrics& f = integrated.metrics;

  const uint64_t clean = f.attempts() - f.fraud_attempts();
  EXPECT_EQ(Failures(integrated, 603), f.fraud_attempts() + f.clean_blocked());
  EXPECT_EQ(f.answered(), clean - f.clean_blocked());
  const sim::Interval share = Proportion(f.clean_blocked(), clean, 0.99);
  EXPECT_TRUE(share.Contains(0.1)) << share.mean << " +- " << share.half_width;
  EXPECT_EQ(prosbc.metrics.clean_blocked(), 0u);
  EXPECT_EQ(prosbc.metrics.answered(),
            prosbc.metrics.fraud_attempts() + f.clean_blocked());  // 603 advances, 404 stops
}

// on_detect: REDIRECT: the scorer answers a flagged call with 302 Contact:
// review, a trunk group no route list names. fraud-integrated processes the
// redirect and every fraudulent call, and only they, reach the review trunk;
// prosbc-default stops on the 3xx and the caller gets the 302 itself.
TEST(FraudPolicy, RedirectSendsFlaggedCallsToTheContactsTrunk) {
  const models::ScenarioParams s =
      ScorerFirst({.fraction = 0.3,
                   .scorer = {.on_detect = nodes::FraudAction::kRedirect, .redirect_to = kReview},
                   .review_trunk = true});
  const models::RunResult integrated = RunFor(s, Preset("fraud-integrated"));
  const models::RunResult prosbc = RunFor(s, Preset("prosbc-default"));
  const metrics::RunMetrics& f = integrated.metrics;

  ASSERT_GT(f.fraud_attempts(), 100u);
  EXPECT_EQ(f.answered(), f.attempts());
  EXPECT_EQ(integrated.nodes[kReview].counters.invites, f.fraud_attempts());
  EXPECT_EQ(integrated.nodes[kCarrier].counters.invites, f.attempts() - f.fraud_attempts());
  EXPECT_EQ(Failures(prosbc, 302), prosbc.metrics.fraud_attempts());
  EXPECT_EQ(prosbc.nodes[kReview].counters.invites, 0u);
  for (const auto& [call, c] : Calls(prosbc.trace)) {
    EXPECT_EQ(c.final_status, c.fraud ? 302 : 404) << "call " << call;
  }
}

}  // namespace
}  // namespace crankback
