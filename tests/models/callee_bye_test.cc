// Ends of a session (sip-semantics.md X4, X5, Appendix 1): a carrier
// whose 2xx is never ACKed ends the session with a BYE at 64*T1, and an SBC
// passes a BYE from the callee's leg on to the caller's.
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "models/nodes/carrier.h"
#include "models/nodes/sbc.h"
#include "tests/models/node_world.h"
#include "tests/models/scenario_fixture.h"
#include "tests/models/sip/endpoint_harness.h"

namespace crankback {
namespace {

using sip::Message;
using sip::Method;
using sip::testing::Harness;
using sip::testing::Peer;
using sip::testing::Profile;

using World = testing::NodeWorld;

// X4 and Appendix 1 "UAS 2xx, no ACK": the 2xx goes out 11 times (T1
// doubling, capped at T2) and the carrier sends BYE at 64*T1, freeing the
// channel. X5: no BYE before that.
TEST(CalleeBye, X4CarrierWhose2xxIsNeverAckedSendsByeAt64T1) {
  for (int64_t t1 : {500, 1000}) {
    World w(2, {{0, 1}}, 0, t1);
    Peer& caller = w.h.AddPeer(0, Profile(t1));
    caller.ack_2xx = false;  // its ACKs never arrive
    caller.on_request = [&](const Message& m) {
      if (m.method == Method::kBye) caller.Respond(m, 200);
    };
    nodes::CarrierParams params;
    params.ring_time = sim::Distribution::Deterministic(0);
    nodes::Carrier carrier(w.ctx, 1, "carrier", params);
    caller.Invite(1);
    w.h.engine.RunUntil(sim::SimTime::Zero() + 64 * sim::Duration::Millis(t1) -
                        sim::Duration::Millis(1));
    EXPECT_EQ(carrier.busy_channels(), 1u);
    EXPECT_TRUE(w.h.wire.Sent(1, Method::kBye, 0).empty());  // X5
    w.h.engine.Run();
    const auto twos = w.h.wire.Sent(1, Method::kInvite, 200);
    const std::vector<int64_t> expected =
        t1 == 500
            ? std::vector<int64_t>{0,     500,   1500,  3500,  7500, 11500,
                                   15500, 19500, 23500, 27500, 31500}
            : std::vector<int64_t>{0,     1000,  3000,  7000,  11000, 15000, 19000, 23000, 27000,
                                   31000, 35000, 39000, 43000, 47000, 51000, 55000, 59000, 63000};
    EXPECT_EQ(twos, expected) << "T1 " << t1;
    EXPECT_EQ(w.h.wire.Sent(1, Method::kBye, 0), std::vector<int64_t>{64 * t1});
    EXPECT_EQ(carrier.busy_channels(), 0u);
    EXPECT_EQ(carrier.open_transactions(), 0u);
    ASSERT_EQ(caller.requests.size(), 1u);
    EXPECT_EQ(caller.requests[0].method, Method::kBye);
  }
}

// The callee hangs up first: the SBC answers its BYE and ends the caller's
// leg with a BYE of its own, leaving no session behind.
TEST(CalleeBye, SbcPassesTheCalleesByeToTheCaller) {
  World w(3, {{0, 1}, {1, 2}}, 10, 500);
  Peer& caller = w.h.AddPeer(0, Profile(500));
  Peer& callee = w.h.AddPeer(2, Profile(500));
  caller.on_request = [&](const Message& m) {
    if (m.method == Method::kBye) caller.Respond(m, 200);
  };
  callee.on_request = [&](const Message& m) {
    if (m.method == Method::kInvite && !m.in_dialog) callee.Respond(m, 200);
  };
  nodes::SbcParams params;
  params.naps = {{.name = "from_caller", .peer = 0, .routes = {{.nap = 1}}},
                 {.name = "to_callee", .peer = 2}};
  nodes::Sbc sbc(w.ctx, 1, params);
  const Message invite = caller.Invite(1);
  w.h.engine.RunUntil(sim::SimTime::Zero() + sim::Duration::Seconds(5));
  ASSERT_EQ(caller.responses.back().status, 200);
  EXPECT_EQ(sbc.active_calls(), 1u);
  Message bye = Message::Request(Method::kBye, callee.requests.front().call_id, 1);
  bye.in_dialog = true;
  callee.Request(1, bye);
  w.h.engine.Run();
  EXPECT_EQ(w.h.wire.Sent(1, Method::kBye, 200), std::vector<int64_t>{5010});
  const auto upstream = w.h.wire.Of(1, Method::kBye, 0);
  ASSERT_EQ(upstream.size(), 1u);
  EXPECT_EQ(upstream[0].sent_ms, 5010);
  EXPECT_EQ(upstream[0].message.call_id, invite.call_id);
  EXPECT_EQ(upstream[0].message.to, 0u);
  EXPECT_EQ(w.h.wire.Sent(0, Method::kBye, 200), std::vector<int64_t>{5020});
  EXPECT_EQ(sbc.active_calls(), 0u);
  EXPECT_EQ(sbc.nap_sessions(0), 0u);
  EXPECT_EQ(sbc.nap_sessions(1), 0u);
  EXPECT_EQ(sbc.open_transactions(), 0u);
}

}  // namespace
}  // namespace crankback

namespace crankback {
namespace {

// Appendix 1 "Session timer SE = 1800": without a refresh the UAS (here a
// carrier) ends the session with BYE at SE - min(32, SE/3) = 1768 s.
TEST(SessionTimer, UasSendsByeAt1768sWithoutRefresh) {
  World w(2, {{0, 1}}, 0, 500);
  Peer& caller = w.h.AddPeer(0, Profile(500));
  caller.on_request = [&](const Message& m) {
    if (m.method == Method::kBye) caller.Respond(m, 200);
  };
  nodes::CarrierParams params;
  params.ring_time = sim::Distribution::Deterministic(0);
  nodes::Carrier carrier(w.ctx, 1, "carrier", params);
  Message invite = Message::Request(Method::kInvite, uint64_t{1} << 40, 1);
  invite.session_expires_s = 1800;
  caller.Request(1, invite);  // asks for the timer but never refreshes
  w.h.engine.Run();
  EXPECT_EQ(w.h.wire.Sent(1, Method::kBye, 0), std::vector<int64_t>{1'768'000});
  EXPECT_EQ(carrier.busy_channels(), 0u);
  EXPECT_EQ(carrier.open_transactions(), 0u);
}

// The same call refreshed by its UAC (a user agent through an SBC): each leg's
// UAC re-INVITEs at SE/2 = 900 s and 1800 s, every refresh gets 200, and the
// call ends only with the caller's BYE at its holding time.
TEST(SessionTimer, EachLegIsRefreshedEverySe2AndNoOneHangsUpEarly) {
  testing::ChainSpec spec;
  spec.carriers = {{"carrier_a", 0}};
  spec.calls_per_second = 0.02;  // the first call is traced
  spec.holding = sim::Distribution::Deterministic(2000);
  models::ScenarioParams s = testing::Chain(spec);
  for (auto& n : s.nodes) n.timers.session_expires = sim::Duration::Seconds(1800);
  models::RunSpec run = testing::Spec(4, 0, 300, 0);
  run.trace_calls = 1;
  const models::RunResult r =
      models::RunSimulation(s, testing::Policy("stop", policy::Action::kStop), run);
  ASSERT_TRUE(r.violations.empty()) << r.violations.front();
  ASSERT_GE(r.metrics.answered(), 1u);
  std::vector<std::pair<sim::NodeId, double>> refreshes;  // sender, seconds after its answer
  std::map<sim::NodeId, double> answered_at;              // by the refresher of each leg
  std::vector<std::pair<sim::NodeId, double>> byes;
  for (const sip::TraceEvent& e : r.trace) {
    const Message& m = e.message;
    if (m.method == Method::kInvite && m.status == 200 && !m.in_dialog)
      answered_at.emplace(m.to, sim::ToSeconds(e.sent));
    if (m.method == Method::kInvite && m.is_request() && m.in_dialog)
      refreshes.emplace_back(m.from, sim::ToSeconds(e.sent) - answered_at.at(m.from));
    if (m.method == Method::kInvite && m.in_dialog && m.is_final()) {
      EXPECT_EQ(m.status, 200);
    }
    if (m.method == Method::kBye && m.is_request())
      byes.emplace_back(m.from, sim::ToSeconds(e.sent));
  }
  ASSERT_EQ(refreshes.size(), 4u);
  for (const auto& [from, after] : refreshes) {
    EXPECT_TRUE(from == 0 || from == 1) << from;  // the callers and the SBC, each its leg's UAC
    EXPECT_TRUE(std::abs(after - 900) < 1e-9 || std::abs(after - 1800) < 1e-9) << after;
  }
  ASSERT_EQ(byes.size(), 2u);
  EXPECT_EQ(byes[0].first, 0u);  // the caller hangs up first, at its holding time
}

}  // namespace
}  // namespace crankback
