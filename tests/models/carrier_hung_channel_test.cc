// Hung channels: an outage of the carrier (sip-semantics N4, TCP black hole)
// swallows the BYE of one answered call. The SBC ends its dialog when its BYE
// times out (S1), but the carrier never hears of it: its channel stays held.
// That is a counted phenomenon of the run (hung_channels), not a broken
// invariant; a maximum call duration frees it with a BYE of the carrier's own
// (which the SBC, with no dialog left, answers 481: S2). A channel held by a
// call that was never answered is still a broken invariant.
#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "tests/models/carrier_fixture.h"
#include "tests/models/scenario_fixture.h"

namespace crankback {
namespace {

constexpr sim::NodeId kCallers = 0, kSbc = 1, kCarrier = 2;

// callers -> sbc -> carrier over TCP, 10 ms per link; calls of 10 s.
models::ScenarioParams Chain(double max_call_duration_s, std::vector<sip::Outage> outages = {}) {
  testing::ChainSpec spec;
  spec.carriers = {{"carrier", 0}};
  spec.calls_per_second = 0.2;
  spec.holding = sim::Distribution::Deterministic(10);
  spec.link.latency = sim::Duration::Millis(10);
  spec.link.transport = sim::Transport::kTcp;
  models::ScenarioParams s = testing::Chain(spec);
  auto& c = std::get<nodes::CarrierParams>(s.nodes[kCarrier].kind);
  c.max_call_duration = sim::SecondsToDuration(max_call_duration_s);
  s.nodes[kCarrier].outages = std::move(outages);
  return s;
}

models::RunResult RunTraced(const models::ScenarioParams& s) {
  models::RunSpec spec = testing::Spec(5, 0, 60, 0);
  spec.trace_calls = 1u << 30;  // every call
  return models::RunSimulation(s, testing::Policy("stop", policy::Action::kStop), spec);
}

const sip::TraceEvent* First(const std::vector<sip::TraceEvent>& trace, uint32_t call,
                             sim::NodeId from, sip::Method method, int status) {
  for (const sip::TraceEvent& e : trace) {
    if (e.call == call && e.message.from == from && e.message.method == method &&
        e.message.status == status)
      return &e;
  }
  return nullptr;
}

// The first call's BYE reaches the carrier at `bye`; an outage of 2 ms around
// it swallows that message and nothing else.
struct Victim {
  bool found = false;
  uint32_t call = 0;
  sim::SimTime bye;       // the SBC's BYE would arrive at the carrier
  sim::SimTime answered;  // the carrier sent its 200
};

Victim FindVictim(const models::RunResult& baseline) {
  Victim v;
  for (const sip::TraceEvent& e : baseline.trace) {
    if (e.message.from == kSbc && e.message.to == kCarrier &&
        e.message.method == sip::Method::kBye && e.message.is_request()) {
      v.found = true;
      v.call = e.call;
      v.bye = e.arrival;
      break;
    }
  }
  const sip::TraceEvent* ok = First(baseline.trace, v.call, kCarrier, sip::Method::kInvite, 200);
  if (ok != nullptr) v.answered = ok->sent;
  return v;
}

sip::Outage Around(sim::SimTime t) {
  sip::Outage o;
  o.start = t - sim::Duration::Millis(1);
  o.duration = sim::Duration::Millis(2);
  o.tcp_mode = sip::OutageMode::kBlackhole;
  return o;
}

TEST(CarrierHungChannel, N4_SwallowedByeLeavesOneHungChannelAndNoViolation) {
  const models::RunResult baseline = RunTraced(Chain(0));
  ASSERT_TRUE(baseline.violations.empty()) << baseline.violations.front();
  ASSERT_GE(baseline.metrics.attempts(), 5u);
  EXPECT_EQ(baseline.nodes[kCarrier].counters.hung_channels, 0u);
  const Victim v = FindVictim(baseline);
  ASSERT_TRUE(v.found);
  // Nothing else reaches or leaves the carrier within the outage.
  for (const sip::TraceEvent& e : baseline.trace) {
    if (e.call == v.call && e.message.method == sip::Method::kBye) continue;
    const bool near =
        (e.arrival > v.bye - sim::Duration::Millis(5) &&
         e.arrival < v.bye + sim::Duration::Millis(5)) ||
        (e.sent > v.bye - sim::Duration::Millis(5) && e.sent < v.bye + sim::Duration::Millis(5));
    ASSERT_FALSE(near && (e.message.to == kCarrier || e.message.from == kCarrier));
  }

  const models::RunResult run = RunTraced(Chain(0, {Around(v.bye)}));
  EXPECT_TRUE(run.violations.empty()) << run.violations.front();
  EXPECT_EQ(run.metrics.attempts(), baseline.metrics.attempts());
  EXPECT_EQ(run.metrics.answered(), baseline.metrics.answered());
  EXPECT_EQ(run.nodes[kCarrier].counters.hung_channels, 1u);
  EXPECT_EQ(run.transport.down_dropped, 1u);  // the BYE, once (TCP: no retransmission)
  // The SBC gave up on its BYE at Timer F (64*T1 = 32 s) and ended its leg.
  const sip::TraceEvent* sbc_bye = First(run.trace, v.call, kSbc, sip::Method::kBye, 0);
  ASSERT_NE(sbc_bye, nullptr);
  EXPECT_TRUE(sbc_bye->lost);
  EXPECT_EQ(First(run.trace, v.call, kCarrier, sip::Method::kBye, 200), nullptr);
}

// With max_call_duration_s = 60 the carrier ends the hung call itself: its BYE
// leaves exactly 60 s after its 200 OK, the SBC answers 481 (no dialog left),
// and no channel is left; the other calls (10 s) never meet the limit.
TEST(CarrierHungChannel, S2_MaxCallDurationFreesTheChannelAtTheExpectedTime) {
  const Victim v = FindVictim(RunTraced(Chain(0)));
  ASSERT_TRUE(v.found);
  const models::RunResult run = RunTraced(Chain(60, {Around(v.bye)}));
  EXPECT_TRUE(run.violations.empty()) << run.violations.front();
  EXPECT_EQ(run.nodes[kCarrier].counters.hung_channels, 0u);
  std::vector<const sip::TraceEvent*> carrier_byes;
  for (const sip::TraceEvent& e : run.trace) {
    if (e.message.from == kCarrier && e.message.method == sip::Method::kBye &&
        e.message.is_request())
      carrier_byes.push_back(&e);
  }
  ASSERT_EQ(carrier_byes.size(), 1u);
  EXPECT_EQ(carrier_byes[0]->call, v.call);
  EXPECT_EQ(carrier_byes[0]->sent, v.answered + sim::Duration::Seconds(60));
  const sip::TraceEvent* no_dialog = First(run.trace, v.call, kSbc, sip::Method::kBye, 481);
  ASSERT_NE(no_dialog, nullptr);
  EXPECT_EQ(no_dialog->sent, carrier_byes[0]->arrival);
}

// The channel is held until exactly the limit and free from then on; the BYE
// goes to the peer the INVITE came from, and the caller's own BYE later gets
// 481 (S2).
TEST(CarrierHungChannel, MaxCallDurationEndsAnAnsweredCallOnTheDot) {
  using namespace testing::carrier;  // NOLINT: the carrier rig
  nodes::CarrierParams p;
  p.max_call_duration = sim::Duration::Seconds(7200);
  CarrierRig rig(1, p);
  const Message invite = rig.Invite(0);
  rig.ByeAt(0, 8000, invite.call_id);
  rig.h.engine.RunUntil(At(7200) - sim::Duration::Nanos(1));
  EXPECT_EQ(rig.carrier->busy_channels(), 1u);
  EXPECT_EQ(rig.carrier->answered_channels(), 1u);
  rig.h.engine.RunUntil(At(7200));
  EXPECT_EQ(rig.carrier->busy_channels(), 0u);
  EXPECT_EQ(rig.carrier->answered_channels(), 0u);
  EXPECT_EQ(rig.h.wire.Sent(rig.carrier_id(), Method::kBye, 0), std::vector<int64_t>{7'200'000});
  rig.h.engine.Run();
  EXPECT_EQ(rig.h.wire.Sent(rig.carrier_id(), Method::kBye, 481), std::vector<int64_t>{8'000'000});
  EXPECT_EQ(rig.carrier->carrier_counters().max_duration_releases, 1u);
  EXPECT_EQ(rig.carrier->open_transactions(), 0u);
}

// A channel held by a call that was never answered is still a broken
// invariant: a silent carrier without a no-answer timer and callers that never
// give up leave channels that no BYE could free.
TEST(CarrierHungChannel, UnansweredCallHoldingAChannelIsStillAViolation) {
  testing::ChainSpec spec;
  spec.carriers = {{"carrier", 0}};
  spec.calls_per_second = 1;
  models::ScenarioParams s = testing::Chain(spec);
  auto& c = std::get<nodes::CarrierParams>(s.nodes[kCarrier].kind);
  c.kind = nodes::CalleeBehaviour::Kind::kSilent;
  c.no_answer_timeout = sim::Duration();
  const models::RunResult run = models::RunSimulation(
      s, testing::Policy("stop", policy::Action::kStop), testing::Spec(1, 0, 10, 0));
  EXPECT_TRUE(std::count(run.violations.begin(), run.violations.end(),
                         "carrier: channels of unanswered calls still busy at the end") == 1)
      << ::testing::PrintToString(run.violations);
  EXPECT_EQ(run.nodes[kCarrier].counters.hung_channels, 0u);
}

}  // namespace
}  // namespace crankback
