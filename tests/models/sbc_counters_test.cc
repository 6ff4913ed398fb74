// The SBC's per-NAP and per-route counters on a bare harness, with exact
// times: node 0 is the caller, node 1 the SBC, nodes 2 and 3 the far ends of
// NAPs to_a and to_b; every link takes 10 ms one way. The counters start at
// the warm-up (5 s) and the busy time is integrated over [5 s, 20 s).
#include <gtest/gtest.h>

#include <memory>

#include "models/nodes/sbc.h"
#include "tests/models/node_world.h"

namespace crankback {
namespace {

using sip::Message;
using sip::Method;
using sip::testing::Peer;
using sip::testing::Profile;

sim::SimTime At(double s) { return sim::SimTime::Zero() + sim::SecondsToDuration(s); }

struct CounterWorld {
  CounterWorld()
      : w(4, {{0, 1}, {1, 2}, {1, 3}}, 10, 500),
        caller(w.h.AddPeer(0, Profile(500))),
        a(w.h.AddPeer(2, Profile(500))),
        b(w.h.AddPeer(3, Profile(500))) {
    params.naps = {
        {.name = "from_caller",
         .peer = 0,
         .routes = {{.nap = 1, .cost_per_minute = 0.6}, {.nap = 2, .cost_per_minute = 3.0}}},
        {.name = "to_a", .peer = 2, .max_sessions = 1},
        {.name = "to_b", .peer = 3}};
    for (Peer* p : {&caller, &a, &b}) {  // answers INVITEs at once, BYEs with 200
      p->on_request = [p](const Message& m) {
        if (m.method == Method::kBye) p->Respond(m, 200);
        if (m.method == Method::kInvite && !m.in_dialog) p->Respond(m, 200);
      };
    }
    w.ctx.warmup = At(5);
    w.ctx.end = At(20);
    sbc = std::make_unique<nodes::Sbc>(w.ctx, 1, params);
  }
  // A call from the caller: INVITE at `invite_s`, BYE at `bye_s`.
  void CallAt(uint64_t serial, double invite_s, double bye_s) {
    const uint64_t call_id = (uint64_t{1} << 40) | serial;
    w.h.engine.ScheduleAt(At(invite_s), [this, call_id] {
      caller.Request(1, Message::Request(Method::kInvite, call_id, 1, 1));
    });
    w.h.engine.ScheduleAt(At(bye_s), [this, call_id] {
      Message bye = Message::Request(Method::kBye, call_id, 2, 1);
      bye.in_dialog = true;
      caller.Request(1, bye);
    });
  }
  nodes::NapCounters Nap(uint32_t nap) { return sbc->nap_counters(nap, w.h.engine.Now()); }

  testing::NodeWorld w;
  Peer& caller;
  Peer& a;
  Peer& b;
  nodes::SbcParams params;
  std::unique_ptr<nodes::Sbc> sbc;
};

// Call 1 (0 s to 5.5 s) starts in the warm-up, call 2 (6 s to 26 s) outlives
// the window, call 3 (7 s to 8 s) finds to_a (one session) full and goes to to_b.
TEST(SbcCounters, NapCountsAndErlangsOfADeterministicLoad) {
  CounterWorld t;
  t.CallAt(1, 0, 5.5);
  t.CallAt(2, 6, 26);
  t.CallAt(3, 7, 8);
  t.w.h.engine.Run();
  ASSERT_EQ(t.sbc->active_calls(), 0u);

  const nodes::NapCounters in = t.Nap(0);
  EXPECT_EQ(in.inbound, 2u);  // calls 2 and 3: call 1 arrived in the warm-up
  EXPECT_EQ(in.seizures, 2u);
  EXPECT_EQ(in.offered, 0u);
  EXPECT_EQ(in.attempts, 0u);
  // The inbound session: INVITE in (+10 ms) to the caller's BYE in (+10 ms).
  // Call 1: [5, 5.51) = 0.51 s; call 2: [6.01, 20) = 13.99 s; call 3: 1 s.
  EXPECT_NEAR(in.busy_seconds, 15.5, 1e-9);

  const nodes::NapCounters to_a = t.Nap(1);
  EXPECT_EQ(to_a.offered, 2u);  // calls 2 and 3
  EXPECT_EQ(to_a.attempts, 1u);
  EXPECT_EQ(to_a.capacity_skips, 1u);
  EXPECT_EQ(to_a.cps_skips, 0u);
  EXPECT_EQ(to_a.seizures, 1u);
  EXPECT_EQ(to_a.answered, 1u);
  // The outbound session ends with the 200 to our BYE, 20 ms after the BYE came in:
  // call 1 [5, 5.53) = 0.53 s, call 2 [6.01, 20) = 13.99 s.
  EXPECT_NEAR(to_a.busy_seconds, 14.52, 1e-9);
  // Talk time: the 2xx in (6.03) to the caller's BYE in (26.01); call 1 was
  // answered in the warm-up.
  EXPECT_NEAR(to_a.answered_seconds, 19.98, 1e-9);
  EXPECT_NEAR(to_a.cost, 19.98 / 60 * 0.6, 1e-12);

  const nodes::NapCounters to_b = t.Nap(2);
  EXPECT_EQ(to_b.offered, 1u);
  EXPECT_EQ(to_b.attempts, 1u);
  EXPECT_EQ(to_b.answered, 1u);
  EXPECT_NEAR(to_b.busy_seconds, 1.02, 1e-9);  // [7.01, 8.03)
  EXPECT_NEAR(to_b.answered_seconds, 0.98, 1e-9);
  EXPECT_NEAR(to_b.cost, 0.98 / 60 * 3.0, 1e-12);

  const auto& routes = t.sbc->route_counters(0);
  ASSERT_EQ(routes.size(), 2u);
  EXPECT_EQ(routes[0].attempts, 1u);
  EXPECT_EQ(routes[0].answered, 1u);
  EXPECT_EQ(routes[1].attempts, 1u);
  EXPECT_EQ(routes[1].answered, 1u);
  EXPECT_TRUE(t.sbc->route_counters(1).empty());
}

TEST(SbcCounters, WithoutAWindowEverythingCountsAndBusyTimeRunsToNow) {
  CounterWorld t;
  t.w.ctx.warmup = sim::SimTime::Zero();
  t.w.ctx.end = sim::SimTime::Max();
  t.sbc = std::make_unique<nodes::Sbc>(t.w.ctx, 1, t.params);
  t.CallAt(1, 0, 10);
  t.w.h.engine.Run();
  EXPECT_EQ(t.Nap(0).seizures, 1u);
  EXPECT_NEAR(t.Nap(0).busy_seconds, 10.0, 1e-9);   // [0.01, 10.01)
  EXPECT_NEAR(t.Nap(1).busy_seconds, 10.02, 1e-9);  // [0.01, 10.03)
  EXPECT_NEAR(t.Nap(1).answered_seconds, 9.98, 1e-9);
}

}  // namespace
}  // namespace crankback
