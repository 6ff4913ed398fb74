// The stateful proxy's RFC 3263-style failover and Retry-After windows
// (sip-semantics.md F1, F2, F4, F8, P14, N4): the next server after a 503, a
// timeout or a transport error, and no other request to a server for the
// Retry-After of its 503. Every link is 10 ms; times in ms from the first
// INVITE of the caller.
#include <gtest/gtest.h>

#include <vector>

#include "tests/models/outage_fixture.h"
#include "tests/models/proxy_fixture.h"

namespace crankback {
namespace {

using namespace testing::proxy;  // NOLINT: the proxy test helpers
using sip::OutageMode;
using testing::outage::Down;

ProxyParams Failover() {
  ProxyParams p;
  p.forking = ProxyForking::kFailover;
  return p;
}

const sim::LinkParams kTcp = {.latency = Duration::Millis(10), .transport = sim::Transport::kTcp};

class ProxyBlackHoles : public ::testing::TestWithParam<ProxyForking> {};

// F8, F1, P14: two black-holed servers over UDP. The proxy's 100 keeps the
// caller's transaction in Proceeding (no Timer B there); server 1's Timer B at
// 32.01 s moves on to server 2 with a new branch, whose Timer B at 64.01 s
// leaves no final at all: 408 upstream. Each server saw the A schedule (A1).
TEST_P(ProxyBlackHoles, F8_TimerBMovesOnAndNothingLeftIs408) {
  ProxyParams p;
  p.forking = GetParam();
  ProxyWorld w(2, p);
  for (size_t i = 0; i < 2; ++i)
    w.h.sip.SetOutages(w.Node(i), std::vector{Down(0, 1e4, OutageMode::kBlackhole, false)});
  w.caller.Invite(kProxy);
  w.h.engine.Run();
  EXPECT_EQ(w.ProxySent(w.Node(0), Method::kInvite, 0), V{10});
  EXPECT_EQ(w.ProxySent(w.Node(1), Method::kInvite, 0), V{32010});
  EXPECT_EQ(w.h.wire.Sent(kProxy, Method::kInvite, 0).size(), 14u);  // 7 to each
  EXPECT_EQ(w.ProxySent(kCaller, Method::kInvite, 408), V{64010});
  EXPECT_EQ(w.h.wire.Sent(kCaller, Method::kInvite, 0), V{0});
  EXPECT_TRUE(w.caller.timeouts.empty());
  EXPECT_EQ(w.CallerFinals(), std::vector<int>{408});
  w.ExpectAllClosed();
}

INSTANTIATE_TEST_SUITE_P(Modes, ProxyBlackHoles,
                         ::testing::Values(ProxyForking::kSerial, ProxyForking::kFailover),
                         [](const auto& p) {
                           return p.param == ProxyForking::kSerial ? "Serial" : "Failover";
                         });

struct First {
  const char* name;
  int code;      // server 1's final
  bool next;     // FAILOVER moves on to server 2 (which answers 200)
  int upstream;  // what the caller gets
};

void PrintTo(const First& c, std::ostream* os) { *os << c.name; }

class ProxyFailoverOn : public ::testing::TestWithParam<First> {};

// F1: a 503 or a 408 moves on to the next server; any other final is the
// answer and no other server is tried (FAILOVER), whatever its class.
TEST_P(ProxyFailoverOn, F1_OnlyA503OrA408MovesOn) {
  const First& c = GetParam();
  ProxyWorld w(2, Failover());
  w.HangUpAfter(1000);
  w.callee(0).script = {{0, c.code}};
  w.callee(1).script = {{0, 200}};
  w.caller.Invite(kProxy);
  w.h.engine.Run();
  EXPECT_EQ(w.ProxySent(w.Node(1), Method::kInvite, 0), c.next ? V{30} : V{});
  EXPECT_EQ(w.ProxySent(kCaller, Method::kInvite, c.upstream), c.next ? V{50} : V{30});
  EXPECT_EQ(w.CallerFinals(), std::vector<int>{c.upstream});
  w.ExpectAllClosed();
}

INSTANTIATE_TEST_SUITE_P(
    F1, ProxyFailoverOn,
    ::testing::Values(First{"On503", 503, true, 200}, First{"On408", 408, true, 200},
                      First{"Not486", 486, false, 486}, First{"Not500", 500, false, 500},
                      First{"Not404", 404, false, 404}, First{"Not603", 603, false, 603}),
    [](const auto& p) { return std::string(p.param.name); });

// F1, P13: a 3xx from a server is no failover trigger either: the proxy
// recurses on its Contact (node 5) and the server list ends there; the
// earlier server's 503 is superseded, and the Contact's 486 is the answer.
TEST(ProxyFailover, F1_RecursionOnAServersRedirectEndsTheList) {
  ProxyParams p = Failover();
  p.targets = {{2}, {3}, {4}};
  ProxyWorld w(4, p);
  w.callee(0).script = {{0, 503}};
  w.callee(1).script = {{0, 302, /*contact=*/5}};
  w.callee(2).script = {{0, 200}};
  w.callee(3).script = {{0, 486}};
  w.caller.Invite(kProxy);
  w.h.engine.Run();
  EXPECT_EQ(w.ProxySent(w.Node(1), Method::kInvite, 0), V{30});
  EXPECT_EQ(w.ProxySent(w.Node(3), Method::kInvite, 0), V{50});
  EXPECT_TRUE(w.callee(2).invites.empty());
  EXPECT_EQ(w.ProxySent(kCaller, Method::kInvite, 486), V{70});
  EXPECT_EQ(w.CallerFinals(), std::vector<int>{486});
  w.ExpectAllClosed();
}

// F1, N4 (RST), P14: a server that refuses the TCP connection is a transport
// error at once: the next server is tried at the same instant, nothing having
// entered the link to the first.
TEST(ProxyFailover, N4_RefusedConnectionFailsOverAtOnce) {
  ProxyWorld w(2, Failover(), {}, {}, kTcp);
  w.h.sip.SetOutages(w.Node(0), std::vector{Down(0, 1e4, OutageMode::kRefuse, false)});
  w.HangUpAfter(1000);
  w.callee(1).script = {{0, 200}};
  w.caller.Invite(kProxy);
  w.h.engine.Run();
  EXPECT_TRUE(w.ProxySent(w.Node(0), Method::kInvite, 0).empty());
  EXPECT_EQ(w.ProxySent(w.Node(1), Method::kInvite, 0), V{10});
  EXPECT_EQ(w.ProxySent(kCaller, Method::kInvite, 200), V{30});
  EXPECT_EQ(w.h.sip.counters().refused, 1u);
  w.ExpectAllClosed();
}

struct Refused {
  const char* name;
  ProxyForking forking;
  int transport_error_code;
  bool rewrite;
  int second;    // server 2's final, if it is up (0: it refuses too)
  int upstream;  // at 10 ms when both refuse, else at 30 ms
};

void PrintTo(const Refused& c, std::ostream* os) { *os << c.name; }

class ProxyRefused : public ::testing::TestWithParam<Refused> {};

// P14 (Appendix 2 item 1): a transport error counts as 503 (16.9), which then
// goes up as 500 like any 503, or as 408 (16.6 step 7, Kamailio) when so set;
// among other finals it is ranked as that code.
TEST_P(ProxyRefused, P14_TransportErrorCountsAsTheConfiguredCode) {
  const Refused& c = GetParam();
  ProxyParams p;
  p.forking = c.forking;
  p.transport_error_code = c.transport_error_code;
  p.rewrite_503_to_500 = c.rewrite;
  ProxyWorld w(2, p, {}, {}, kTcp);
  w.h.sip.SetOutages(w.Node(0), std::vector{Down(0, 1e4, OutageMode::kRefuse, false)});
  if (c.second == 0) {
    w.h.sip.SetOutages(w.Node(1), std::vector{Down(0, 1e4, OutageMode::kRefuse, false)});
  } else {
    w.callee(1).script = {{0, c.second}};
  }
  w.caller.Invite(kProxy);
  w.h.engine.Run();
  EXPECT_EQ(w.ProxySent(kCaller, Method::kInvite, c.upstream), c.second == 0 ? V{10} : V{30});
  EXPECT_EQ(w.CallerFinals(), std::vector<int>{c.upstream});
  EXPECT_EQ(w.proxy->counters().rejections, 1u);
  w.ExpectAllClosed();
}

INSTANTIATE_TEST_SUITE_P(
    P14, ProxyRefused,
    ::testing::Values(
        Refused{"BothRefuse503As500", ProxyForking::kFailover, 503, true, 0, 500},
        Refused{"BothRefuse503", ProxyForking::kFailover, 503, false, 0, 503},
        Refused{"BothRefuse408", ProxyForking::kFailover, 408, true, 0, 408},
        Refused{"SerialThen486As503Loses", ProxyForking::kSerial, 503, true, 486, 486},
        Refused{"SerialThen486As408Wins", ProxyForking::kSerial, 408, true, 486, 408}),
    [](const auto& p) { return std::string(p.param.name); });

// F2: once a server has sent a 1xx there is no failover on its silence: its
// transaction has no timeout in Proceeding. A sends 100 and goes dark at 1 s;
// only Timer C (181 s, not restarted by a 100) CANCELs it at 181.01 s, the
// CANCEL vanishes, and 64*T1 later the stack gives the INVITE up (Y7): a 408,
// after which server 2 is tried at 213.01 s.
TEST(ProxyFailover, F2_NoFailoverAfterAProvisional) {
  ProxyParams p = Failover();
  p.timer_c = Duration::Seconds(181);
  ProxyWorld w(2, p);
  w.h.sip.SetOutages(w.Node(0), std::vector{Down(1, 1e4, OutageMode::kBlackhole, false)});
  w.HangUpAfter(1000);
  w.callee(0).script = {{5'000'000, 486}};  // long after; lost, but it ends A's transaction
  w.callee(1).script = {{0, 200}};
  w.caller.Invite(kProxy);
  w.h.engine.Run();
  EXPECT_EQ(w.ProxySent(w.Node(0), Method::kCancel, 0), V{181010});
  EXPECT_EQ(w.ProxySent(w.Node(1), Method::kInvite, 0), V{213010});
  EXPECT_EQ(w.ProxySent(kCaller, Method::kInvite, 200), V{213030});
  w.ExpectAllClosed();
}

struct Window {
  const char* name;
  int32_t retry_after_s;  // on server 1's 503
  int64_t max_s, default_s;
  V to_first, to_second;  // INVITEs to each server for calls at 0, 3 s and 6 s
  int64_t until_ms;       // server 1's window at the end; 0 = none
};

void PrintTo(const Window& c, std::ostream* os) { *os << c.name; }

class ProxyRetryAfter : public ::testing::TestWithParam<Window> {};

// F4, F6: server 1 answers 503 (+ Retry-After) to everything, server 2 200.
// Calls at 0, 3 and 6 s: a window opened at 0.03 s keeps later calls off
// server 1 until it ends, capped at retry_after_max; a 503 without
// Retry-After opens retry_after_default; a cap of 0 never skips.
TEST_P(ProxyRetryAfter, F4_WindowKeepsLaterCallsOffTheServer) {
  const Window& c = GetParam();
  ProxyParams p = Failover();
  p.retry_after_max = Duration::Seconds(c.max_s);
  p.retry_after_default = Duration::Seconds(c.default_s);
  ProxyWorld w(2, p);
  w.HangUpAfter(1000);
  w.callee(0).script = {{0, 503, -1, c.retry_after_s}};
  w.callee(1).script = {{0, 200}};
  for (int64_t at : {0, 3000, 6000}) w.CallAt(at);
  w.h.engine.Run();
  EXPECT_EQ(w.ProxySent(w.Node(0), Method::kInvite, 0), c.to_first);
  EXPECT_EQ(w.ProxySent(w.Node(1), Method::kInvite, 0), c.to_second);
  EXPECT_EQ(w.CallerFinals(), (std::vector<int>{200, 200, 200}));
  EXPECT_EQ(w.proxy->skipped_until(w.Node(0)), At(c.until_ms));
  EXPECT_EQ(w.proxy->skipped_until(w.Node(1)), At(0));
  w.ExpectAllClosed();
}

INSTANTIATE_TEST_SUITE_P(
    F4, ProxyRetryAfter,
    ::testing::Values(
        Window{"RetryAfter5", 5, 3600, 0, {10, 6010}, {30, 3010, 6030}, 11030},
        Window{"CappedAt2", 5, 2, 0, {10, 3010, 6010}, {30, 3030, 6030}, 8030},
        Window{"NoRetryAfterNoWindow", 0, 3600, 0, {10, 3010, 6010}, {30, 3030, 6030}, 0},
        Window{"NoRetryAfterDefault4", 0, 3600, 4, {10, 6010}, {30, 3010, 6030}, 10030},
        Window{"CapZeroNeverSkips", 5, 0, 0, {10, 3010, 6010}, {30, 3030, 6030}, 0}),
    [](const auto& p) { return std::string(p.param.name); });

// F4, P10: the only target is in its window: every request the proxy could
// send would draw 503, so the proxy answers 503 itself, with a Retry-After
// until the window ends (8.02 s -> 9); the target's own 503s go up as 500.
// After the window the target is tried again.
TEST(ProxyFailover, F4_EveryTargetInItsWindowGets503) {
  ProxyWorld w(1, {});
  w.callee(0).script = {{0, 503, -1, 10}};
  for (int64_t at : {0, 2000, 11000}) w.CallAt(at);
  w.h.engine.Run();
  EXPECT_EQ(w.ProxySent(w.Node(0), Method::kInvite, 0), (V{10, 11010}));
  EXPECT_EQ(w.ProxySent(kCaller, Method::kInvite, 500), (V{30, 11030}));
  EXPECT_EQ(w.ProxySent(kCaller, Method::kInvite, 503), V{2010});
  EXPECT_EQ(w.CallerFinals(), (std::vector<int>{500, 503, 500}));
  ASSERT_EQ(w.caller.responses.size(), 6u);  // 100 and a final for each
  EXPECT_EQ(w.caller.responses[3].status, 503);
  EXPECT_EQ(w.caller.responses[3].retry_after_s, 9);
  EXPECT_EQ(w.proxy->counters().invites, 3u);
  EXPECT_EQ(w.proxy->counters().rejections, 3u);
  w.ExpectAllClosed();
}

}  // namespace
}  // namespace crankback
