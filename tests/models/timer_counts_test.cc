// Timer expirations a node counts beyond its transactions' (sip::ExtraTimer):
// the proxy's Timer C, the UA core's 2xx retransmissions and session timers.
#include <gtest/gtest.h>

#include "tests/models/proxy_fixture.h"
#include "tests/models/scenario_fixture.h"

namespace crankback {
namespace {

using namespace testing::proxy;  // NOLINT: the proxy test helpers
using sip::ExtraTimer;

uint64_t Fired(const sip::Endpoint& e, ExtraTimer t) {
  return e.extra_timer_expirations()[static_cast<size_t>(t)];
}

// P6: a 180 and then nothing: Timer C fires once and the branch is cancelled.
TEST(TimerCounts, P6_TimerCFiresOnceOnAHangingBranch) {
  ProxyParams params;
  params.timer_c = Duration::Seconds(181);
  ProxyWorld w(1, params, {}, Silent());
  w.callee(0).script = {{1000, 180}};
  w.caller.Invite(kProxy);
  w.h.engine.Run();
  EXPECT_EQ(Fired(*w.proxy, ExtraTimer::kC), 1u);
  EXPECT_EQ(Fired(*w.proxy, ExtraTimer::kRouteRetry), 0u);
  EXPECT_EQ(Fired(w.caller, ExtraTimer::kC), 0u);
}

// The string names the report's "timer" scope uses.
TEST(TimerCounts, NamesOfTheExtraTimers) {
  EXPECT_STREQ(sip::ExtraTimerString(ExtraTimer::kC), "C");
  EXPECT_STREQ(sip::ExtraTimerString(ExtraTimer::kRetransmit1xx), "100rel_retransmit");
  EXPECT_STREQ(sip::ExtraTimerString(ExtraTimer::kSessionExpiry), "session_expiry");
  EXPECT_STREQ(sip::ExtraTimerString(ExtraTimer::kRouteRetry), "route_retry");
  for (int i = 0; i < sip::kExtraTimerCount; ++i)
    EXPECT_STRNE(sip::ExtraTimerString(static_cast<ExtraTimer>(i)), "?") << i;
}

// RFC 4028 on every leg: each answered call of 100 s with Session-Expires 90 s
// is refreshed once by each leg's refresher (at 45 s); the UAS side's expiry
// never fires. The run's timer figures say so.
TEST(TimerCounts, SessionRefreshesOfAnsweredCalls) {
  testing::ChainSpec spec;
  spec.carriers = {{"carrier_a", 0}};
  spec.calls_per_second = 0.1;
  spec.holding = sim::Distribution::Deterministic(60);
  models::ScenarioParams s = testing::Chain(spec);
  for (models::NodeParams& n : s.nodes) n.timers.session_expires = Duration::Seconds(90);
  const models::RunResult run = models::RunSimulation(
      s, testing::Policy("p", policy::Action::kStop), testing::Spec(2, 0, 100, 0));
  ASSERT_TRUE(run.violations.empty()) << run.violations.front();
  const uint64_t answered = run.metrics.answered();
  ASSERT_GT(answered, 3u);
  // Two legs per call (caller -> sbc, sbc -> carrier), one refresh each.
  EXPECT_EQ(run.timer_expirations.at("session_refresh"), 2 * answered);
  EXPECT_EQ(run.timer_expirations.count("session_expiry"), 0u);
}

// X1, X2, B4 and the UA core's kept ACK (X6): every answered call leaves, at
// each of its two legs, an IST in Accepted (Timer L), an ICT in Accepted
// (Timer M), a BYE server in Completed (Timer J), a BYE client in Completed
// (Timer K) and an ACK kept for 64*T1. These lingering timers wait in the
// endpoints' lanes (one FIFO per delay, only its head queued in the engine);
// each must fire exactly once, 24 events a call as when each was queued.
TEST(TimerCounts, LingeringTimersFireOnceEachFromTheLanes) {
  testing::ChainSpec spec;
  spec.carriers = {{"carrier_a", 0}};
  spec.calls_per_second = 5;
  spec.holding = sim::Distribution::Exponential(20);
  const models::RunResult run =
      models::RunSimulation(testing::Chain(spec), testing::Policy("p", policy::Action::kStop),
                            testing::Spec(3, 0, 60, 0));
  ASSERT_TRUE(run.violations.empty()) << run.violations.front();
  const uint64_t attempts = run.metrics.attempts();
  const uint64_t answered = run.metrics.answered();
  ASSERT_GT(answered, 200u);
  ASSERT_EQ(answered, attempts);
  for (const char* timer : {"L", "M", "J", "K", "ack_retention"}) {
    EXPECT_EQ(run.timer_expirations.at(timer), 2 * answered) << timer;
  }
  EXPECT_EQ(run.timer_expirations.count("D"), 0u);
  EXPECT_EQ(run.events, 24 * answered);
}

}  // namespace
}  // namespace crankback
