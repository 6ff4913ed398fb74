// Trunk reservation (Nap.trunk_reservation) and routes by dialled number
// (Route.numbers) on a bare harness. Node 0 is the caller, node 1 the SBC,
// nodes 2 and 3 the far ends of its NAPs to_a and to_b; both answer every
// INVITE at once and nobody hangs up, so every answered call keeps its NAP
// sessions. Every link: 10 ms one way.
#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "models/nodes/sbc.h"
#include "tests/models/node_world.h"

namespace crankback {
namespace {

using metrics::RouteStep;
using sip::Message;
using sip::Method;
using sip::testing::Peer;
using sip::testing::Profile;

struct ReservationWorld {
  ReservationWorld()
      : w(4, {{0, 1}, {1, 2}, {1, 3}}, 10, 500),
        caller(w.h.AddPeer(0, Profile(500))),
        a(w.h.AddPeer(2, Profile(500))),
        b(w.h.AddPeer(3, Profile(500))) {
    params.naps = {{.name = "from_caller", .peer = 0, .routes = {{.nap = 1}, {.nap = 2}}},
                   {.name = "to_a", .peer = 2, .max_sessions = 1},
                   {.name = "to_b", .peer = 3, .max_sessions = 3, .trunk_reservation = 2}};
    for (Peer* p : {&a, &b}) {
      p->on_request = [p](const Message& m) {
        if (m.method == Method::kInvite && !m.in_dialog) p->Respond(m, 200);
      };
    }
    w.ctx.log = &log;
  }
  // Calls 0..n-1 one second apart, to dialled number `destination`; the
  // decision log records call 1 (the second).
  void Calls(int n, uint32_t destination = 0) {
    sbc = std::make_unique<nodes::Sbc>(w.ctx, 1, params);
    for (int i = 0; i < n; ++i) {
      w.h.engine.ScheduleIn(sim::Duration::Seconds(i), [this, i, destination] {
        Message invite = Message::Request(Method::kInvite, (uint64_t{1} << 40) | i, 1, i);
        invite.destination = destination;
        caller.Request(1, invite);
      });
    }
    w.h.engine.RunUntil(sim::SimTime::Zero() + sim::Duration::Seconds(n + 1));
  }
  int Final(int i) const {
    for (const Message& r : caller.responses) {
      if (r.method == Method::kInvite && r.is_final() && r.call_id == ((uint64_t{1} << 40) | i))
        return r.status;
    }
    return 0;
  }
  std::vector<int> Finals(int n) const {
    std::vector<int> out;
    for (int i = 0; i < n; ++i) out.push_back(Final(i));
    return out;
  }
  nodes::NapCounters Nap(uint32_t nap) const { return sbc->nap_counters(nap, w.h.engine.Now()); }
  std::vector<RouteStep::Event> Events() const {
    std::vector<RouteStep::Event> out;
    for (const RouteStep& s : log.steps()) out.push_back(s.event);
    return out;
  }

  testing::NodeWorld w;
  Peer& caller;
  Peer& a;
  Peer& b;
  metrics::CallLog log{1};
  nodes::SbcParams params;
  std::unique_ptr<nodes::Sbc> sbc;
};

// to_a (1 session) takes call 0; calls 1 and 2 overflow to to_b (3 sessions,
// 2 reserved): call 1 finds 3 free (> 2) and is carried, call 2 finds 2 free
// and is skipped like a full group; with no route left it fails with the
// SBC's SESSION_CAP answer (rfc3398: 503).
TEST(SbcTrunkReservation, OverflowCallNeedsMoreThanRFreeSessions) {
  ReservationWorld s;
  s.Calls(3);
  EXPECT_EQ(s.Finals(3), (std::vector<int>{200, 200, 503}));
  EXPECT_EQ(s.Nap(1).capacity_skips, 2u);
  EXPECT_EQ(s.Nap(2).reservation_skips, 1u);
  EXPECT_EQ(s.Nap(2).capacity_skips, 0u);
  EXPECT_EQ(s.Nap(2).offered, 2u);
  EXPECT_EQ(s.Nap(2).attempts, 1u);
  EXPECT_EQ(s.sbc->nap_sessions(2), 1u);
  EXPECT_EQ(s.Events(), (std::vector<RouteStep::Event>{RouteStep::Event::kCapacitySkip,
                                                       RouteStep::Event::kAnswered}));
}

// Reserved sessions serve first-choice calls: to_b first in the list takes
// all 3 of its sessions; the fourth call finds it full (a capacity skip).
TEST(SbcTrunkReservation, FirstChoiceCallsTakeTheReservedSessions) {
  ReservationWorld s;
  s.params.naps[0].routes = {{.nap = 2}};
  s.Calls(4);
  EXPECT_EQ(s.Finals(4), (std::vector<int>{200, 200, 200, 503}));
  EXPECT_EQ(s.Nap(2).reservation_skips, 0u);
  EXPECT_EQ(s.Nap(2).capacity_skips, 1u);
  EXPECT_EQ(s.sbc->nap_sessions(2), 3u);
}

// A route marked overflow (a transit site's route for another site's
// alternate calls) is reserved even as the call's first route here.
TEST(SbcTrunkReservation, RouteMarkedOverflowIsReservedAsFirstRoute) {
  ReservationWorld s;
  s.params.naps[0].routes = {{.nap = 2, .overflow = true}};
  s.Calls(3);
  EXPECT_EQ(s.Finals(3), (std::vector<int>{200, 503, 503}));
  EXPECT_EQ(s.Nap(2).reservation_skips, 2u);
  EXPECT_EQ(s.Events(), (std::vector<RouteStep::Event>{RouteStep::Event::kReservationSkip}));
}

// Without a reservation, overflow calls take every session.
TEST(SbcTrunkReservation, ZeroReservationLetsOverflowFillTheGroup) {
  ReservationWorld s;
  s.params.naps[2].trunk_reservation = 0;
  s.Calls(5);
  EXPECT_EQ(s.Finals(5), (std::vector<int>{200, 200, 200, 200, 503}));
  EXPECT_EQ(s.Nap(2).reservation_skips, 0u);
  EXPECT_EQ(s.sbc->nap_sessions(2), 3u);
}

// Route.numbers: a route that does not serve the dialled number is passed by
// without an offer, so the next route is the call's first and not an
// overflow call: number 1 goes to to_b past to_a (which serves number 0
// only), and takes its reserved sessions.
TEST(SbcRouteNumbers, UnservedRouteIsPassedByAndNotCountedAsTried) {
  ReservationWorld s;
  s.params.naps[0].routes = {{.nap = 1, .serves = {true, false}}, {.nap = 2}};
  s.Calls(3, /*destination=*/1);
  EXPECT_EQ(s.Finals(3), (std::vector<int>{200, 200, 200}));
  EXPECT_EQ(s.Nap(1).offered, 0u);
  EXPECT_EQ(s.Nap(2).reservation_skips, 0u);
  EXPECT_EQ(s.Nap(2).attempts, 3u);
}

// A number no route serves is answered UNALLOCATED (rfc3398: 404), true
// cause no route, without an attempt anywhere.
TEST(SbcRouteNumbers, NumberNoRouteServesIsUnallocated) {
  ReservationWorld s;
  s.params.naps[0].routes = {{.nap = 1, .serves = {true, false}},
                             {.nap = 2, .serves = {true, false}}};
  s.Calls(1, /*destination=*/1);
  EXPECT_EQ(s.Final(0), 404);
  EXPECT_EQ(s.Nap(1).offered + s.Nap(2).offered, 0u);
  bool no_route = false;
  for (const Message& r : s.caller.responses) no_route |= r.truth.cause == sip::Cause::kNoRoute;
  EXPECT_TRUE(no_route);
}

}  // namespace
}  // namespace crankback
