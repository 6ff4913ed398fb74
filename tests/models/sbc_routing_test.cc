// The SBC's route advance on a bare harness: scripted peers answer exactly
// what a test needs. Node 0 is the caller, node 1 the SBC, nodes 2 and 3 the
// two routes' far ends (NAPs to_a and to_b). Every link: 10 ms one way.
//
// Covers the cause-mapping actions the SBC carries out (translate, add a
// Reason, process a 3xx, stop as received), the ProSBC route-retry timeout
// with its minimum call state (the guide's case (i)), NAP CPS caps, and the
// least-cost and weighted route orders.
#include <gtest/gtest.h>

#include <cmath>
#include <deque>
#include <memory>

#include "models/nodes/sbc.h"
#include "tests/models/node_world.h"
#include "tests/models/scenario_fixture.h"

namespace crankback {
namespace {

using metrics::RouteStep;
using policy::Action;
using policy::CauseRule;
using sip::Message;
using sip::Method;
using sip::testing::Peer;
using sip::testing::Profile;

constexpr int64_t kMs = 1'000'000;

int64_t Ms(sim::SimTime t) { return t.nanos() / kMs; }

struct SbcWorld {
  SbcWorld()
      : w(5, {{0, 1}, {1, 2}, {1, 3}, {1, 4}}, 10, 500),
        caller(w.h.AddPeer(0, Profile(500))),
        a(w.h.AddPeer(2, Profile(500))),
        b(w.h.AddPeer(3, Profile(500))) {
    params.naps = {{.name = "from_caller", .peer = 0, .routes = {{.nap = 1}, {.nap = 2}}},
                   {.name = "to_a", .peer = 2},
                   {.name = "to_b", .peer = 3}};
    for (Peer* p : {&caller, &a, &b}) {
      p->on_request = [p](const Message& m) {
        if (m.method == Method::kBye) p->Respond(m, 200);
      };
    }
    AnswerAt(b, 0);
    w.ctx.log = &log;
  }
  // `peer` answers each new INVITE with 200 after `ms` (at once for 0).
  void AnswerAt(Peer& peer, int64_t ms) {
    peer.on_request = [this, &peer, ms](const Message& m) {
      if (m.method == Method::kBye) peer.Respond(m, 200);
      if (m.method != Method::kInvite || m.in_dialog) return;
      if (ms == 0) {
        peer.Respond(m, 200);
      } else {
        RespondLater(peer, ms, m, 200);
      }
    };
  }
  // `peer` answers `request` with `code` `ms` from now.
  void RespondLater(Peer& peer, int64_t ms, const Message& request, int code) {
    const Message* m = &held.emplace_back(request);
    w.h.engine.ScheduleIn(sim::Duration::Millis(ms),
                          [p = &peer, m, code] { p->Respond(*m, code); });
  }
  // `peer` answers each new INVITE with `response` built from it.
  void Answer(Peer& peer, std::function<Message(const Message&)> response) {
    peer.on_request = [&peer, response](const Message& m) {
      if (m.method == Method::kBye) peer.Respond(m, 200);
      if (m.method == Method::kInvite && !m.in_dialog) peer.Reply(response(m));
    };
  }
  nodes::Sbc& Start() {
    sbc = std::make_unique<nodes::Sbc>(w.ctx, 1, params);
    return *sbc;
  }
  // The caller's call 1 (origin_call 1, so the decision log records it).
  Message Call(uint64_t serial = 0) {
    Message invite = Message::Request(Method::kInvite, (uint64_t{1} << 40) | serial, 1, 1);
    caller.Request(1, invite);
    return invite;
  }
  // The final response the caller got to its INVITE `serial`.
  Message Final(uint64_t serial = 0) const {
    for (const Message& r : caller.responses) {
      if (r.method == Method::kInvite && r.is_final() &&
          r.call_id == ((uint64_t{1} << 40) | serial))
        return r;
    }
    return Message{};
  }
  size_t InvitesTo(const Peer& p) const {
    size_t n = 0;
    for (const Message& r : p.requests) n += r.method == Method::kInvite && !r.in_dialog;
    return n;
  }
  void ExpectClean() const {
    EXPECT_EQ(sbc->active_calls(), 0u);
    for (uint32_t nap = 0; nap < 3; ++nap) EXPECT_EQ(sbc->nap_sessions(nap), 0u) << nap;
    EXPECT_EQ(sbc->open_transactions(), 0u);
  }
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
  std::deque<Message> held;  // requests answered later
  nodes::SbcParams params;
  std::unique_ptr<nodes::Sbc> sbc;
};

Message Respond(const Message& request, int code, int retry_after = 0, int q850 = 0) {
  Message r = Message::ResponseTo(request, code);
  r.retry_after_s = retry_after;
  r.reason_q850 = static_cast<int16_t>(q850);
  return r;
}

CauseRule Translate(int from, int to, int q850) {
  CauseRule r = CauseRule::Code(from, Action::kTranslate);
  r.translate_to = to;
  r.q850_cause = q850;
  return r;
}

// The guide's case (h): a downstream 503 (Retry-After 300) goes upstream as
// 486 Busy Here with Reason: Q.850;cause=34; the call is not advanced, and the
// Retry-After of the 503 does not travel with a different code.
TEST(SbcActions, TranslatesA503To486UpstreamWithQ850Cause34) {
  SbcWorld s;
  s.w.policy.rules = {Translate(503, 486, 34)};
  s.Answer(s.a, [](const Message& m) { return Respond(m, 503, 300); });
  s.Start();
  s.Call();
  s.w.h.engine.Run();
  const Message f = s.Final();
  EXPECT_EQ(f.status, 486);
  EXPECT_EQ(f.reason_q850, 34);
  EXPECT_EQ(f.retry_after_s, 0);
  EXPECT_EQ(s.InvitesTo(s.b), 0u);
  ASSERT_EQ(s.log.steps().size(), 1u);
  EXPECT_EQ(s.log.steps()[0].code, 503);
  EXPECT_EQ(s.log.steps()[0].decision.action, Action::kTranslate);
  EXPECT_EQ(s.log.steps()[0].decision.source, policy::Decision::Source::kGlobal);
  s.ExpectClean();
}

// RFC 3398 direction SIP -> ISUP (M section): ADD_REASON keeps the code and
// adds the cause the rule names, replacing the one received.
TEST(SbcActions, AddsAReasonToTheFailureSentUpstream) {
  SbcWorld s;
  CauseRule r = CauseRule::Code(480, Action::kAddReason);
  r.q850_cause = 19;
  s.w.policy.rules = {r};
  s.Answer(s.a, [](const Message& m) { return Respond(m, 480, 0, 18); });
  s.Start();
  s.Call();
  s.w.h.engine.Run();
  EXPECT_EQ(s.Final().status, 480);
  EXPECT_EQ(s.Final().reason_q850, 19);
  EXPECT_EQ(s.InvitesTo(s.b), 0u);
  s.ExpectClean();
}

// STOP sends the failure upstream as received: code, Retry-After and Reason.
TEST(SbcActions, StopSendsTheFailureAsReceived) {
  SbcWorld s;
  s.Answer(s.a, [](const Message& m) { return Respond(m, 503, 300, 34); });
  s.Start();
  s.Call();
  s.w.h.engine.Run();
  EXPECT_EQ(s.Final().status, 503);
  EXPECT_EQ(s.Final().retry_after_s, 300);
  EXPECT_EQ(s.Final().reason_q850, 34);
  EXPECT_EQ(s.InvitesTo(s.b), 0u);
  s.ExpectClean();
}

Message Redirect(const Message& m, int32_t contact) {
  Message r = Message::ResponseTo(m, 302);
  r.contact = contact;
  return r;
}

// The guide's case (e), processed: the 302 from route 0 is consumed and the
// call goes to the NAP whose peer its Contact names (B), where it is answered.
TEST(SbcActions, ProcessedRedirectRoutesTheCallToItsContact) {
  SbcWorld s;
  s.params.naps[0].routes = {{.nap = 1}};  // no second route: B is reached only by the 302
  s.w.policy.rules = {CauseRule::Code(302, Action::kRedirect)};
  s.Answer(s.a, [](const Message& m) { return Redirect(m, 3); });
  s.Start();
  s.Call();
  s.w.h.engine.Run();
  EXPECT_EQ(s.Final().status, 200);
  EXPECT_EQ(s.InvitesTo(s.b), 1u);
  EXPECT_EQ(s.Events(),
            (std::vector<RouteStep::Event>{RouteStep::Event::kFailure, RouteStep::Event::kRedirect,
                                           RouteStep::Event::kAnswered}));
  EXPECT_EQ(s.log.steps()[1].nap, 2u);   // to_b
  EXPECT_EQ(s.log.steps()[2].route, 0);  // the redirected attempt keeps route 0
  EXPECT_EQ(s.sbc->nap_attempts(2), 1u);
}

// The guide's case (e), stopped: the 302 goes upstream with its Contact, and
// a bare user agent cannot follow it: the call fails with 302.
TEST(SbcActions, StoppedRedirectGoesUpstreamWithItsContact) {
  SbcWorld s;
  s.params.naps[0].routes = {{.nap = 1}};
  s.Answer(s.a, [](const Message& m) { return Redirect(m, 3); });
  s.Start();
  s.Call();
  s.w.h.engine.Run();
  EXPECT_EQ(s.Final().status, 302);
  EXPECT_EQ(s.Final().contact, 3);
  EXPECT_EQ(s.InvitesTo(s.b), 0u);
  s.ExpectClean();
}

// A Contact that no NAP reaches cannot be followed: the 302 stops the call.
TEST(SbcActions, RedirectToANodeWithoutANapStops) {
  SbcWorld s;
  s.w.policy.rules = {CauseRule::Code(302, Action::kRedirect)};
  s.Answer(s.a, [](const Message& m) { return Redirect(m, 4); });  // node 4: linked, no NAP
  s.Start();
  s.Call();
  s.w.h.engine.Run();
  EXPECT_EQ(s.Final().status, 302);
  EXPECT_EQ(s.InvitesTo(s.b), 0u);
  EXPECT_EQ(s.Events(), (std::vector<RouteStep::Event>{RouteStep::Event::kFailure,
                                                       RouteStep::Event::kRedirectUnroutable}));
  s.ExpectClean();
}

// Two redirect servers pointing at each other: max_redirects (3) bounds the
// loop, and the fourth 302 stops the call.
TEST(SbcActions, RedirectLoopEndsAfterMaxRedirects) {
  SbcWorld s;
  s.params.naps[0].routes = {{.nap = 1}};
  s.w.policy.rules = {CauseRule::Code(302, Action::kRedirect)};
  s.Answer(s.a, [](const Message& m) { return Redirect(m, 3); });
  s.Answer(s.b, [](const Message& m) { return Redirect(m, 2); });
  s.Start();
  s.Call();
  s.w.h.engine.Run();
  EXPECT_EQ(s.Final().status, 302);
  EXPECT_EQ(s.InvitesTo(s.a), 2u);
  EXPECT_EQ(s.InvitesTo(s.b), 2u);
  EXPECT_EQ(s.Events().back(), RouteStep::Event::kRedirectUnroutable);
  s.ExpectClean();
}

// Carrier A takes the INVITE (its stack's 100 Trying after 200 ms) and then
// goes silent; on CANCEL it answers 487.
void SilentAfterTrying(SbcWorld& s) {
  s.a.on_request = [&s](const Message& m) {
    if (m.method != sip::Method::kCancel) return;
    for (const Message& r : s.a.requests) {
      if (r.method == Method::kInvite && r.call_id == m.call_id) s.a.Respond(r, 487);
    }
  };
}

// The guide's case (i): a route that answers 100 and then goes silent is
// cancelled when the route-retry timeout (5 s, minimum state 180) runs out,
// and the call completes on the next route. The SBC sent its INVITE to A at
// 10 ms, so the CANCEL and B's INVITE both leave at 5010 ms; the NAP session
// at A is held until A's 487.
TEST(SbcRouteRetry, SilentRouteIsCancelledAtTheTimeoutAndTheNextRouteAnswers) {
  SbcWorld s;
  s.params.naps[0].route_retry_timeout = sim::Duration::Seconds(5);
  s.params.naps[0].min_call_state = nodes::CallState::kRinging;
  SilentAfterTrying(s);
  nodes::Sbc& sbc = s.Start();
  s.Call();
  s.w.h.engine.RunUntil(sim::SimTime::Zero() + sim::Duration::Millis(5011));
  EXPECT_EQ(sbc.nap_sessions(1), 1u);  // A's leg is cancelled but not over yet
  s.w.h.engine.Run();
  EXPECT_EQ(s.w.h.wire.Sent(1, Method::kCancel, 0), std::vector<int64_t>{5010});
  ASSERT_EQ(s.w.h.wire.FirstSent(1, Method::kInvite, 0).size(), 2u);
  EXPECT_EQ(s.w.h.wire.FirstSent(1, Method::kInvite, 0)[1], 5010);
  EXPECT_EQ(s.w.h.wire.Sent(2, Method::kInvite, 487), std::vector<int64_t>{5020});
  EXPECT_EQ(s.Final().status, 200);
  EXPECT_EQ(s.Events(), (std::vector<RouteStep::Event>{RouteStep::Event::kRetryTimeout,
                                                       RouteStep::Event::kAnswered}));
  EXPECT_EQ(Ms(s.log.steps()[0].at), 5010);
  s.caller.Request(1, [&] {
    Message bye = Message::Request(Method::kBye, uint64_t{1} << 40, 2, 1);
    bye.in_dialog = true;
    return bye;
  }());
  s.w.h.engine.Run();
  s.ExpectClean();
}

// Without a second route the call fails upstream with 408, true cause
// route_timeout (a route-local cause: retryable elsewhere).
TEST(SbcRouteRetry, LastRouteTimingOutFailsWith408) {
  SbcWorld s;
  s.params.naps[0].routes = {{.nap = 1}};
  s.params.naps[0].route_retry_timeout = sim::Duration::Seconds(5);
  SilentAfterTrying(s);
  s.Start();
  s.Call();
  s.w.h.engine.Run();
  EXPECT_EQ(s.Final().status, 408);
  EXPECT_EQ(s.Final().truth.cause, sip::Cause::kRouteTimeout);
  EXPECT_TRUE(sip::IsRouteLocal(s.Final().truth.cause));
  s.ExpectClean();
}

// Reaching the minimum call state stops the timer: A rings at 1 s and answers
// at 8 s, past the 5 s timeout; the call is A's and B never sees it.
TEST(SbcRouteRetry, TheMinimumCallStateStopsTheTimer) {
  SbcWorld s;
  s.params.naps[0].route_retry_timeout = sim::Duration::Seconds(5);
  s.params.naps[0].min_call_state = nodes::CallState::kRinging;
  s.a.on_request = [&s](const Message& m) {
    if (m.method == Method::kBye) s.a.Respond(m, 200);
    if (m.method != Method::kInvite || m.in_dialog) return;
    s.RespondLater(s.a, 1000, m, 180);
    s.RespondLater(s.a, 8000, m, 200);
  };
  s.Start();
  s.Call();
  s.w.h.engine.Run();
  EXPECT_EQ(s.Final().status, 200);
  EXPECT_TRUE(s.w.h.wire.Sent(1, Method::kCancel, 0).empty());
  EXPECT_EQ(s.InvitesTo(s.b), 0u);
}

// ProSBC's order of call states: 183 is below 180. A 183 satisfies a minimum
// of 183 but not one of 180.
TEST(SbcRouteRetry, A183SatisfiesMinimum183ButNotMinimum180) {
  for (nodes::CallState min : {nodes::CallState::kProgress, nodes::CallState::kRinging}) {
    SbcWorld s;
    s.params.naps[0].route_retry_timeout = sim::Duration::Seconds(5);
    s.params.naps[0].min_call_state = min;
    s.a.on_request = [&s](const Message& m) {
      if (m.method == Method::kBye) s.a.Respond(m, 200);
      if (m.method == Method::kCancel) {
        for (const Message& r : s.a.requests) {
          if (r.method == Method::kInvite && r.call_id == m.call_id) s.a.Respond(r, 487);
        }
      }
      if (m.method != Method::kInvite || m.in_dialog) return;
      s.RespondLater(s.a, 1000, m, 183);
      s.RespondLater(s.a, 8000, m, 200);
    };
    s.Start();
    s.Call();
    s.w.h.engine.Run();
    const bool cancelled = !s.w.h.wire.Sent(1, Method::kCancel, 0).empty();
    EXPECT_EQ(cancelled, min == nodes::CallState::kRinging) << nodes::CallStateName(min);
    EXPECT_EQ(s.InvitesTo(s.b), cancelled ? 1u : 0u);
  }
}

// A route whose 200 crosses the CANCEL of its route-retry timeout answered
// after all: the SBC confirms it (ACK) and ends it (BYE), and the caller
// stays with the next route.
TEST(SbcRouteRetry, AnAbandonedRouteThatAnswersLateIsAckedAndEnded) {
  SbcWorld s;
  s.params.naps[0].route_retry_timeout = sim::Duration::Seconds(5);
  s.params.naps[0].min_call_state = nodes::CallState::kAnswered;
  s.a.on_request = [&s](const Message& m) {
    if (m.method == Method::kBye) s.a.Respond(m, 200);
    if (m.method != Method::kInvite || m.in_dialog) return;
    s.RespondLater(s.a, 1000, m, 180);
    // Sent at 5.005 s, it meets the SBC's CANCEL (sent at 5.010 s) on the wire.
    s.RespondLater(s.a, 4985, m, 200);
  };
  s.Start();
  s.Call();
  s.w.h.engine.Run();
  EXPECT_EQ(s.w.h.wire.Sent(1, Method::kCancel, 0), std::vector<int64_t>{5010});
  EXPECT_EQ(s.w.h.wire.Sent(1, Method::kBye, 0), std::vector<int64_t>{5015});
  EXPECT_EQ(s.Final().status, 200);
  EXPECT_EQ(s.InvitesTo(s.b), 1u);
  EXPECT_EQ(s.sbc->nap_sessions(1), 0u);
  EXPECT_EQ(s.sbc->active_calls(), 1u);  // the caller's call, on B
}

// NAP CPS cap at the ingress (a token bucket of 2, refilled at 2/s): of five
// INVITEs at once two are admitted and three rejected with the SBC dialect's
// CPS_LIMIT response (rfc3398: 503, Q.850 cause 47), true cause cps_limit;
// half a second later one token is back.
TEST(SbcCps, IngressCapRejectsTheExcessInTheSbcDialect) {
  SbcWorld s;
  s.params.naps[0].cps = 2;
  s.params.naps[0].cps_burst = 2;
  s.AnswerAt(s.a, 0);
  s.Start();
  for (uint64_t i = 0; i < 5; ++i)
    s.caller.Request(1, Message::Request(Method::kInvite, (uint64_t{1} << 40) | i, 1));
  s.w.h.engine.ScheduleIn(sim::Duration::Millis(500), [&s] {
    s.caller.Request(1, Message::Request(Method::kInvite, (uint64_t{1} << 40) | 5, 1));
    s.caller.Request(1, Message::Request(Method::kInvite, (uint64_t{1} << 40) | 6, 1));
  });
  s.w.h.engine.RunUntil(sim::SimTime::Zero() + sim::Duration::Seconds(2));
  std::vector<int> finals;
  for (uint64_t i = 0; i < 7; ++i) finals.push_back(s.Final(i).status);
  EXPECT_EQ(finals, (std::vector<int>{200, 200, 503, 503, 503, 200, 503}));
  EXPECT_EQ(s.Final(2).reason_q850, 47);
  EXPECT_EQ(s.Final(2).truth.cause, sip::Cause::kCpsLimit);
  EXPECT_EQ(s.sbc->counters().rejections, 4u);
}

// An egress NAP over its CPS cap is skipped like a full one: of two calls at
// once, the first goes to A, the second straight to B.
TEST(SbcCps, EgressCapSkipsTheRoute) {
  SbcWorld s;
  s.params.naps[1].cps = 1;
  s.AnswerAt(s.a, 0);
  s.Start();
  s.caller.Request(1, Message::Request(Method::kInvite, uint64_t{1} << 40, 1, 1));
  s.caller.Request(1, Message::Request(Method::kInvite, (uint64_t{1} << 40) | 1, 1, 2));
  s.w.h.engine.RunUntil(sim::SimTime::Zero() + sim::Duration::Seconds(2));
  EXPECT_EQ(s.Final(0).status, 200);
  EXPECT_EQ(s.Final(1).status, 200);
  EXPECT_EQ(s.InvitesTo(s.a), 1u);
  EXPECT_EQ(s.InvitesTo(s.b), 1u);
  EXPECT_EQ(s.Events(), (std::vector<RouteStep::Event>{RouteStep::Event::kAnswered}));
}

// Least cost: the cheaper route B (1 per minute) is tried first, then A.
TEST(SbcRouteOrder, LeastCostTriesTheCheapestRouteFirst) {
  SbcWorld s;
  s.params.naps[0].selection = nodes::RouteSelection::kLeastCost;
  s.params.naps[0].routes = {{.nap = 1, .cost_per_minute = 2}, {.nap = 2, .cost_per_minute = 1}};
  s.w.policy.fallback = Action::kAdvance;
  s.Answer(s.b, [](const Message& m) { return Respond(m, 503); });
  s.AnswerAt(s.a, 0);
  s.Start();
  s.Call();
  s.w.h.engine.RunUntil(sim::SimTime::Zero() + sim::Duration::Seconds(2));
  EXPECT_EQ(s.Final().status, 200);
  ASSERT_EQ(s.log.steps().size(), 2u);
  EXPECT_EQ(s.log.steps()[0].route, 1);  // B's entry in the list, tried first
  EXPECT_EQ(s.log.steps()[0].code, 503);
  EXPECT_EQ(s.log.steps()[1].route, 0);
}

// Weighted order, end to end: routes of weight 1, 2 and 7 to carriers with
// room for every call; each call's first choice is drawn in proportion to the
// weights, so each carrier's share of the calls lies within the 99.9%
// binomial interval of the run's own share.
TEST(SbcRouteOrder, WeightedFirstChoicesFollowTheWeights) {
  testing::ChainSpec spec;
  spec.carriers = {{"c1", 0}, {"c2", 0}, {"c3", 0}};
  spec.calls_per_second = 20;
  models::ScenarioParams scenario = testing::Chain(spec);
  auto& sbc = std::get<nodes::SbcParams>(scenario.nodes[1].kind);
  sbc.naps[0].selection = nodes::RouteSelection::kWeighted;
  const double weights[] = {1, 2, 7};
  for (int i = 0; i < 3; ++i) sbc.naps[0].routes[i].weight = weights[i];
  const models::RunResult run = models::RunSimulation(
      scenario, testing::Policy("stop", Action::kStop), testing::Spec(5, 0, 300, 0));
  ASSERT_TRUE(run.violations.empty()) << run.violations.front();
  const double n = static_cast<double>(run.metrics.recorded());
  ASSERT_GT(n, 5000);
  for (int i = 0; i < 3; ++i) {
    const double share = static_cast<double>(run.nodes[2 + i].counters.invites) / n;
    const double half = 3.29 * std::sqrt(share * (1 - share) / n);
    EXPECT_NEAR(share, weights[i] / 10, half) << "route " << i;
  }
  EXPECT_EQ(run.metrics.answered(), run.metrics.recorded());
}

}  // namespace
}  // namespace crankback
