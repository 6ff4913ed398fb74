// The stateful proxy's Timer C (RFC 3261 16.6 item 11, 16.7 step 2, 16.8;
// sip-semantics.md P6) and 3xx recursion (16.5, 16.7 step 4; P5, P13).
// Every link is 10 ms over UDP; times in ms from the caller's INVITE.
#include <gtest/gtest.h>

#include <vector>

#include "tests/models/proxy_fixture.h"

namespace crankback {
namespace {

using namespace testing::proxy;  // NOLINT: the proxy test helpers

ProxyParams TimerC(int64_t seconds) {
  ProxyParams p;
  p.timer_c = Duration::Seconds(seconds);
  return p;
}

// P6, the checklist's own test: a 180 at 1 s and nothing more, Timer C = 181 s.
// The 180 restarts Timer C (it reached the proxy at 1.03 s), so the proxy
// CANCELs at 182.03 s; the callee's 487 is the best response and goes up.
TEST(ProxyTimerC, P6_WithAProvisionalItCancelsTheBranch) {
  ProxyWorld w(1, TimerC(181), {}, Silent());
  w.callee(0).script = {{1000, 180}};
  w.caller.Invite(kProxy);
  w.h.engine.Run();
  EXPECT_EQ(w.ProxySent(kCaller, Method::kInvite, 180), V{1030});
  EXPECT_EQ(w.ProxySent(w.Node(0), Method::kCancel, 0), V{182030});
  EXPECT_EQ(w.ProxySent(kCaller, Method::kInvite, 487), V{182050});
  EXPECT_EQ(w.CallerFinals(), std::vector<int>{487});
  EXPECT_EQ(w.proxy->counters().rejections, 1u);
  w.ExpectAllClosed();
}

// P6: a 100 does not restart Timer C (only 101-199 do): with 100 at 0.2 s and
// 180 never, it fires 181 s after the INVITE went out.
TEST(ProxyTimerC, P6_HundredDoesNotRestartIt) {
  ProxyWorld w(1, TimerC(181));  // the callee's stack sends 100 after 200 ms
  w.caller.Invite(kProxy);
  w.h.engine.Run();
  EXPECT_EQ(w.ProxySent(w.Node(0), Method::kCancel, 0), V{181010});
  EXPECT_EQ(w.ProxySent(kCaller, Method::kInvite, 487), V{181030});
  w.ExpectAllClosed();
}

// P6 (16.8): with no provisional at all it counts as a 408 for that branch.
// Timer B is stretched past Timer C so that the transaction is still trying;
// the 408 goes up at once, the transaction ends on its own (Timer B, 300 s),
// and a 1xx that comes after the 408 is met with a CANCEL.
TEST(ProxyTimerC, P6_WithoutAProvisionalItIsA408) {
  sip::TimerProfile patient;
  patient.timer_b = Duration::Seconds(300);
  for (const bool late_180 : {false, true}) {
    ProxyWorld w(1, TimerC(181), patient, Silent());
    // The callee finally answers (its IST must end too); nobody listens by then.
    w.callee(0).script = {{late_180 ? 200000 : 400000, late_180 ? 180 : 486}};
    w.caller.Invite(kProxy);
    w.h.engine.RunUntil(At(190000));
    EXPECT_EQ(w.ProxySent(kCaller, Method::kInvite, 408), V{181010});
    EXPECT_EQ(w.proxy->active_calls(), 1u);  // its branch's transaction is still open
    w.h.engine.Run();
    EXPECT_EQ(w.CallerFinals(), std::vector<int>{408});
    if (late_180) {
      EXPECT_EQ(w.ProxySent(w.Node(0), Method::kCancel, 0), V{200030});
      EXPECT_EQ(w.callee(0).finals, std::vector<int>{487});
    } else {
      EXPECT_TRUE(w.ProxySent(w.Node(0), Method::kCancel, 0).empty());
      EXPECT_EQ(w.proxy->timer_expirations()[static_cast<size_t>(sip::TimerName::kB)], 1u);
    }
    EXPECT_TRUE(w.ProxySent(kCaller, Method::kInvite, 180).empty());
    w.ExpectAllClosed();
  }
}

// P13: A redirects (302, Contact: node 4, linked to the proxy, not a target):
// the proxy tries node 4 at once and the 302 never goes up.
TEST(ProxyRecursion, P13_ThreeHundredContactIsTriedAtOnce) {
  ProxyParams p;
  p.targets = {{2}};
  ProxyWorld w(3, p);
  w.callee(0).script = {{0, 302, /*contact=*/4}};
  w.callee(2).script = {{0, 200}};
  const Message invite = w.caller.Invite(kProxy);
  w.ByeAt(2000, invite);
  w.h.engine.Run();
  EXPECT_EQ(w.ProxySent(w.Node(2), Method::kInvite, 0), V{30});
  EXPECT_EQ(w.ProxySent(kCaller, Method::kInvite, 200), V{50});
  EXPECT_TRUE(w.ProxySent(kCaller, Method::kInvite, 302).empty());
  EXPECT_TRUE(w.callee(1).invites.empty());
  EXPECT_EQ(w.ProxySent(w.Node(2), Method::kBye, 0), V{2010});
  EXPECT_EQ(w.proxy->branches_started(), 2u);
  w.ExpectAllClosed();
}

struct NoRecursion {
  const char* name;
  bool recurse;
  int32_t contact;
};

void PrintTo(const NoRecursion& c, std::ostream* os) { *os << c.name; }

class ProxyNoRecursion : public ::testing::TestWithParam<NoRecursion> {};

// P13: the 3xx is forwarded as it came, with its Contact, when recursion is
// off, when the Contact names a node the proxy has no link to (node 4 here),
// the proxy itself, or none.
TEST_P(ProxyNoRecursion, P13_ThreeHundredGoesUpAsItCame) {
  const NoRecursion& c = GetParam();
  ProxyParams p;
  p.targets = {{2}};
  p.recurse_on_3xx = c.recurse;
  ProxyWorld w(2, p, {}, {}, {.latency = Duration::Millis(10)}, /*unlinked=*/1);
  w.callee(0).script = {{0, 302, c.contact}};
  w.caller.Invite(kProxy);
  w.h.engine.Run();
  EXPECT_EQ(w.ProxySent(kCaller, Method::kInvite, 302), V{30});
  ASSERT_EQ(w.caller.responses.size(), 2u);  // 100, 302
  EXPECT_EQ(w.caller.responses[1].contact, c.contact);
  EXPECT_TRUE(w.callee(1).invites.empty());
  EXPECT_EQ(w.proxy->branches_started(), 1u);
  w.ExpectAllClosed();
}

INSTANTIATE_TEST_SUITE_P(P13, ProxyNoRecursion,
                         ::testing::Values(NoRecursion{"RecursionOff", false, 3},
                                           NoRecursion{"NoLinkToContact", true, 4},
                                           NoRecursion{"ContactIsTheProxy", true, 1},
                                           NoRecursion{"NoContact", true, -1}),
                         [](const auto& p) { return std::string(p.param.name); });

// P5, P13: a URI enters the target set once. A redirects to B, already a
// target: no recursion, the 302 is stored; B is tried in its turn, says 486,
// and the stored 302 is the best response (3xx before 4xx, 16.7 step 6).
TEST(ProxyRecursion, P13_ContactAlreadyInTheTargetSetIsNotAddedAgain) {
  ProxyWorld w(2, {});
  w.callee(0).script = {{0, 302, /*contact=*/3}};
  w.callee(1).script = {{0, 486}};
  w.caller.Invite(kProxy);
  w.h.engine.Run();
  EXPECT_EQ(w.callee(1).invites.size(), 1u);
  EXPECT_EQ(w.ProxySent(kCaller, Method::kInvite, 302), V{50});
  EXPECT_EQ(w.proxy->branches_started(), 2u);
  w.ExpectAllClosed();
}

// P13: a redirect loop ends: A -> C, C -> A (both already in the set).
TEST(ProxyRecursion, P13_RedirectLoopEnds) {
  ProxyParams p;
  p.targets = {{2}};
  ProxyWorld w(2, p);
  w.callee(0).script = {{0, 302, /*contact=*/3}};
  w.callee(1).script = {{0, 301, /*contact=*/2}};
  w.caller.Invite(kProxy);
  w.h.engine.Run();
  EXPECT_EQ(w.callee(0).invites.size(), 1u);
  EXPECT_EQ(w.callee(1).invites.size(), 1u);
  EXPECT_EQ(w.ProxySent(kCaller, Method::kInvite, 301), V{50});
  w.ExpectAllClosed();
}

}  // namespace
}  // namespace crankback
