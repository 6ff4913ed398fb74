// The stateful proxy's target set and response context in virtual time
// (RFC 3261 16.2, 16.6, 16.7; sip-semantics.md P1, P5, P7, P8, P9, P10, P12):
// 100 Trying at once, serial, parallel and q-group forking, the best final,
// a 6xx that stops forking, and a second 2xx. Every link is 10 ms over UDP;
// times are in ms from the caller's INVITE.
#include <gtest/gtest.h>

#include <vector>

#include "tests/models/proxy_fixture.h"

namespace crankback {
namespace {

using namespace testing::proxy;  // NOLINT: the proxy test helpers

ProxyParams Forking(ProxyForking mode) {
  ProxyParams p;
  p.forking = mode;
  return p;
}

// P1 (16.2, 8.2.6.1): the proxy answers the INVITE with 100 as it forwards it,
// whether its stack would wait 200 ms (rfc3261), send one at once itself
// (kamailio: still one 100) or never (sipp). The caller's Timer A stops.
TEST(ProxyForking, P1_HundredTryingAtOnceWhateverTheStackSays) {
  for (const sip::TimerProfile& profile :
       {sip::Rfc3261Profile(), sip::KamailioProfile(), sip::SippProfile()}) {
    ProxyWorld w(1, {}, profile);
    w.callee(0).script = {{0, 180}, {1000, 200}};
    const Message invite = w.caller.Invite(kProxy);
    w.ByeAt(5000, invite);
    w.h.engine.Run();
    EXPECT_EQ(w.ProxySent(kCaller, Method::kInvite, 100), V{10});
    EXPECT_EQ(w.ProxySent(w.Node(0), Method::kInvite, 0), V{10});
    EXPECT_EQ(w.h.wire.Sent(kCaller, Method::kInvite, 0), V{0});  // never retransmitted
    EXPECT_EQ(w.CallerFinals(), std::vector<int>{200});
    w.ExpectAllClosed();
  }
}

// P5 serial: one target at a time, the next on any final but 2xx/6xx. A says
// 486 at once, B rings and gives up with 480 after 2 s, C answers after 1 s.
// The 180 goes up at once (P7), the 200 when it arrives.
TEST(ProxyForking, P5_SerialTriesOneTargetAfterAnother) {
  ProxyWorld w(3, Forking(ProxyForking::kSerial));
  w.callee(0).script = {{0, 486}};
  w.callee(1).script = {{0, 180}, {2000, 480}};
  w.callee(2).script = {{1000, 200}};
  const Message invite = w.caller.Invite(kProxy);
  w.ByeAt(5000, invite);
  w.h.engine.Run();
  EXPECT_EQ(w.ProxySent(w.Node(0), Method::kInvite, 0), V{10});
  EXPECT_EQ(w.ProxySent(w.Node(1), Method::kInvite, 0), V{30});    // A's 486 back at 30
  EXPECT_EQ(w.ProxySent(w.Node(2), Method::kInvite, 0), V{2050});  // B's 480 back at 2050
  EXPECT_EQ(w.ProxySent(kCaller, Method::kInvite, 180), V{50});
  EXPECT_EQ(w.ProxySent(kCaller, Method::kInvite, 200), V{3070});
  EXPECT_EQ(w.ProxySent(w.Node(2), Method::kAck, 0), V{3090});
  EXPECT_EQ(w.ProxySent(w.Node(2), Method::kBye, 0), V{5010});  // the dialog is C's
  EXPECT_EQ(w.CallerFinals(), std::vector<int>{200});
  EXPECT_EQ(w.proxy->branches_started(), 3u);
  EXPECT_EQ(w.proxy->counters().invites, 1u);
  EXPECT_EQ(w.proxy->counters().answered, 1u);
  EXPECT_EQ(w.proxy->counters().rejections, 0u);
  w.ExpectAllClosed();
}

// P5: sequential modes go by decreasing q, list order among equal q.
TEST(ProxyForking, P5_SerialGoesByDecreasingQ) {
  ProxyParams p = Forking(ProxyForking::kSerial);
  p.targets = {{2, 0.5}, {3, 1.0}, {4, 0.5}};
  ProxyWorld w(3, p);
  for (size_t i = 0; i < 3; ++i) w.callee(i).script = {{0, 404}};
  w.caller.Invite(kProxy);
  w.h.engine.Run();
  EXPECT_EQ(w.ProxySent(w.Node(1), Method::kInvite, 0), V{10});
  EXPECT_EQ(w.ProxySent(w.Node(0), Method::kInvite, 0), V{30});
  EXPECT_EQ(w.ProxySent(w.Node(2), Method::kInvite, 0), V{50});
  EXPECT_EQ(w.ProxySent(kCaller, Method::kInvite, 404), V{70});
  EXPECT_EQ(w.proxy->counters().rejections, 1u);
  w.ExpectAllClosed();
}

// 16.5: with no target at all, the INVITE gets 480 (the loader never lets
// such a proxy through; the model still answers as the RFC says).
TEST(ProxyForking, EmptyTargetSetGets480) {
  ProxyWorld w(0, {});
  w.caller.Invite(kProxy);
  w.h.engine.Run();
  EXPECT_EQ(w.ProxySent(kCaller, Method::kInvite, 480), V{10});
  EXPECT_EQ(w.proxy->branches_started(), 0u);
  EXPECT_EQ(w.proxy->counters().rejections, 1u);
  w.ExpectAllClosed();
}

struct Parallel {
  const char* name;
  int a, b, c;  // the three branches' finals, at 100, 200 and 300 ms
  bool rewrite;
  int upstream;  // the one final the caller gets, at 330 ms
};

void PrintTo(const Parallel& c, std::ostream* os) { *os << c.name; }

class ProxyParallel : public ::testing::TestWithParam<Parallel> {};

// P9, P10, P11: parallel branches each end with a final; when the last has,
// the best goes up (16.7 step 6), a 503 as 500 unless the rewrite is off.
TEST_P(ProxyParallel, BestOfTheBranchesGoesUpWhenTheLastEnds) {
  const Parallel& c = GetParam();
  ProxyParams p = Forking(ProxyForking::kParallel);
  p.rewrite_503_to_500 = c.rewrite;
  ProxyWorld w(3, p);
  w.callee(0).script = {{100, c.a}};
  w.callee(1).script = {{200, c.b}};
  w.callee(2).script = {{300, c.c}};
  w.caller.Invite(kProxy);
  w.h.engine.Run();
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(w.ProxySent(w.Node(i), Method::kInvite, 0), V{10}) << i;
    EXPECT_TRUE(w.ProxySent(w.Node(i), Method::kCancel, 0).empty()) << i;
  }
  EXPECT_EQ(w.ProxySent(kCaller, Method::kInvite, c.upstream), V{330});
  EXPECT_EQ(w.CallerFinals(), std::vector<int>{c.upstream});
  EXPECT_EQ(w.proxy->counters().rejections, 1u);
  w.ExpectAllClosed();
}

INSTANTIATE_TEST_SUITE_P(
    P9, ProxyParallel,
    ::testing::Values(Parallel{"P9_LowestClass4xx", 486, 404, 500, true, 404},
                      Parallel{"P9_RfcExample407", 503, 407, 404, true, 407},
                      Parallel{"P11_401And407TogetherGive401", 486, 407, 401, true, 401},
                      Parallel{"P10_Other5xxBefore503", 503, 502, 503, true, 502},
                      Parallel{"P10_Only503GoesUpAs500", 503, 503, 503, true, 500},
                      Parallel{"P10_RewriteOffPasses503", 503, 503, 503, false, 503},
                      Parallel{"P9_3xxBefore4xx", 486, 302, 404, true, 302}),
    [](const auto& p) { return std::string(p.param.name); });

// P5 (16.6): Q_GROUPS forks equal q in parallel, groups in decreasing q. A and
// B (q 1) ring together; C (q 0.5) only once both have failed.
TEST(ProxyForking, P5_QGroupsForkEachQInParallelGroupsInTurn) {
  ProxyParams p = Forking(ProxyForking::kQGroups);
  p.targets = {{2, 1.0}, {4, 0.5}, {3, 1.0}};
  ProxyWorld w(3, p);
  w.callee(0).script = {{100, 486}};
  w.callee(1).script = {{200, 480}};
  w.callee(2).script = {{0, 200}};
  const Message invite = w.caller.Invite(kProxy);
  w.ByeAt(5000, invite);
  w.h.engine.Run();
  EXPECT_EQ(w.ProxySent(w.Node(0), Method::kInvite, 0), V{10});
  EXPECT_EQ(w.ProxySent(w.Node(1), Method::kInvite, 0), V{10});
  EXPECT_EQ(w.ProxySent(w.Node(2), Method::kInvite, 0), V{230});
  EXPECT_EQ(w.ProxySent(kCaller, Method::kInvite, 200), V{250});
  EXPECT_EQ(w.CallerFinals(), std::vector<int>{200});
  w.ExpectAllClosed();
}

// Guide case (f), P8: three parallel branches; B and C ring, A declines with
// 603 at 100 ms. B and C get CANCEL at once (130), answer 487 (back at 150),
// and only then does the 603 go up; nothing answers afterwards and no new
// branch starts. Every message of the call, with no retransmission: 21.
TEST(ProxyForking, P8_SixHundredStopsParallelForking) {
  ProxyWorld w(3, Forking(ProxyForking::kParallel));
  w.callee(0).script = {{100, 603}};
  w.callee(1).script = {{0, 180}, {5000, 200}};
  w.callee(2).script = {{0, 180}, {5000, 200}};
  w.caller.Invite(kProxy);
  w.h.engine.Run();
  EXPECT_EQ(w.ProxySent(kCaller, Method::kInvite, 180), (V{30, 30}));
  EXPECT_TRUE(w.ProxySent(w.Node(0), Method::kCancel, 0).empty());
  EXPECT_EQ(w.ProxySent(w.Node(1), Method::kCancel, 0), V{130});
  EXPECT_EQ(w.ProxySent(w.Node(2), Method::kCancel, 0), V{130});
  EXPECT_EQ(w.ProxySent(kCaller, Method::kInvite, 603), V{150});
  EXPECT_EQ(w.CallerFinals(), std::vector<int>{603});
  EXPECT_EQ(w.callee(0).finals, std::vector<int>{603});
  EXPECT_EQ(w.callee(1).finals, std::vector<int>{487});
  EXPECT_EQ(w.callee(2).finals, std::vector<int>{487});
  EXPECT_EQ(w.proxy->branches_started(), 3u);
  EXPECT_EQ(w.proxy->counters().rejections, 1u);
  EXPECT_EQ(w.proxy->counters().answered, 0u);
  // caller: INVITE, ACK; proxy up: 100, 180, 180, 603; A: INVITE, 603, ACK;
  // B and C each: INVITE, 180, CANCEL, 200 (CANCEL), 487, ACK.
  EXPECT_EQ(w.h.wire.events.size(), 21u);
  for (const WireEvent& e : w.h.wire.events) EXPECT_FALSE(e.message.retransmission);
  w.ExpectAllClosed();
}

// P8 serially: a 6xx starts no new branch.
TEST(ProxyForking, P8_SixHundredEndsSerialForking) {
  ProxyWorld w(2, Forking(ProxyForking::kSerial));
  w.callee(0).script = {{0, 600}};
  w.callee(1).script = {{0, 200}};
  w.caller.Invite(kProxy);
  w.h.engine.Run();
  EXPECT_TRUE(w.callee(1).invites.empty());
  EXPECT_EQ(w.ProxySent(kCaller, Method::kInvite, 600), V{30});
  w.ExpectAllClosed();
}

// P12 (16.7 steps 5 and 10): the first 2xx goes up at once and the other
// branch is CANCELled; its own 2xx had crossed the CANCEL and goes up as well,
// after the caller's ACK of the first. The caller's stack ACKs it again; the
// proxy relays that ACK to B and ends B's dialog with a BYE. A's dialog is the
// caller's: its BYE goes to A.
TEST(ProxyForking, P12_LaterTwoHundredGoesUpToo) {
  ProxyWorld w(2, Forking(ProxyForking::kParallel));
  w.callee(0).script = {{0, 180}, {1000, 200}};
  w.callee(1).script = {{0, 180}, {1005, 200}};
  const Message invite = w.caller.Invite(kProxy);
  w.ByeAt(5000, invite);
  w.h.engine.Run();
  EXPECT_EQ(w.ProxySent(kCaller, Method::kInvite, 200), (V{1030, 1050}));
  EXPECT_EQ(w.ProxySent(w.Node(1), Method::kCancel, 0), V{1030});
  EXPECT_EQ(w.h.wire.Sent(kCaller, Method::kAck, 0), (V{1040, 1060}));
  EXPECT_EQ(w.ProxySent(w.Node(0), Method::kAck, 0), V{1050});
  EXPECT_EQ(w.ProxySent(w.Node(1), Method::kAck, 0), V{1070});
  EXPECT_EQ(w.ProxySent(w.Node(1), Method::kBye, 0), V{1070});
  EXPECT_EQ(w.ProxySent(w.Node(0), Method::kBye, 0), V{5010});
  EXPECT_EQ(w.ProxySent(kCaller, Method::kBye, 200), V{5030});
  EXPECT_EQ(w.callee(0).finals, std::vector<int>{200});
  EXPECT_EQ(w.callee(1).finals, std::vector<int>{200});
  EXPECT_EQ(w.CallerFinals(), std::vector<int>{200});  // the caller's TU saw one
  EXPECT_EQ(w.proxy->counters().answered, 1u);
  w.ExpectAllClosed();
}

}  // namespace
}  // namespace crankback
