// The stateful proxy on the path of its dialogs and under the caller's CANCEL
// (RFC 3261 16.6 step 4, 16.10; sip-semantics.md P3, Y8): ACK, BYE and
// re-INVITEs of either side are relayed with the other leg's Call-ID, and a
// CANCEL reaches every pending branch. Every link is 10 ms over UDP; times in
// ms from the caller's INVITE.
#include <gtest/gtest.h>

#include <vector>

#include "tests/models/proxy_fixture.h"

namespace crankback {
namespace {

using namespace testing::proxy;  // NOLINT: the proxy test helpers

// What the proxy sent to `to`: first transmissions of `method` / `status`.
std::vector<Message> SentTo(const ProxyWorld& w, sim::NodeId to, Method method, int status) {
  std::vector<Message> out;
  for (const WireEvent& e : w.h.wire.events) {
    if (e.message.from == kProxy && e.message.to == to && e.message.method == method &&
        e.message.status == status && !e.message.retransmission)
      out.push_back(e.message);
  }
  return out;
}

// P3: the caller's ACK and BYE go through the proxy to the branch that
// answered, on that branch's Call-ID; the 200 to the BYE comes back the same way.
TEST(ProxyDialog, P3_CallersAckAndByeAreRelayed) {
  ProxyWorld w(1, {});
  w.callee(0).script = {{0, 200}};
  const Message invite = w.caller.Invite(kProxy);
  w.ByeAt(2000, invite);
  w.h.engine.Run();
  ASSERT_EQ(w.callee(0).invites.size(), 1u);
  const uint64_t branch = w.callee(0).invites[0].call_id;
  EXPECT_NE(branch, invite.call_id);
  EXPECT_EQ(w.ProxySent(kCaller, Method::kInvite, 200), V{30});
  const auto acks = SentTo(w, w.Node(0), Method::kAck, 0);
  ASSERT_EQ(acks.size(), 1u);
  EXPECT_EQ(acks[0].call_id, branch);
  EXPECT_EQ(w.ProxySent(w.Node(0), Method::kAck, 0), V{50});
  const auto byes = SentTo(w, w.Node(0), Method::kBye, 0);
  ASSERT_EQ(byes.size(), 1u);
  EXPECT_EQ(byes[0].call_id, branch);
  EXPECT_EQ(byes[0].cseq, 2u);
  EXPECT_EQ(w.ProxySent(w.Node(0), Method::kBye, 0), V{2010});
  EXPECT_EQ(w.ProxySent(kCaller, Method::kBye, 200), V{2030});
  EXPECT_EQ(w.proxy->active_calls(), 0u);
  w.ExpectAllClosed();
}

// P3: the callee hangs up: its BYE reaches the caller on the caller's Call-ID.
TEST(ProxyDialog, P3_CalleesByeIsRelayedToTheCaller) {
  ProxyWorld w(1, {});
  w.callee(0).script = {{0, 200}};
  const Message invite = w.caller.Invite(kProxy);
  w.h.engine.RunUntil(At(1000));
  EXPECT_EQ(w.proxy->active_calls(), 1u);  // the dialog holds the call
  const uint64_t branch = w.callee(0).invites.at(0).call_id;
  Message bye = Message::Request(Method::kBye, branch, 1);
  bye.in_dialog = true;
  w.h.engine.ScheduleAt(At(2000), [&] { w.callee(0).Request(kProxy, bye); });
  w.h.engine.Run();
  const auto byes = SentTo(w, kCaller, Method::kBye, 0);
  ASSERT_EQ(byes.size(), 1u);
  EXPECT_EQ(byes[0].call_id, invite.call_id);
  EXPECT_EQ(w.ProxySent(kCaller, Method::kBye, 0), V{2010});
  EXPECT_EQ(w.ProxySent(w.Node(0), Method::kBye, 200), V{2030});
  ASSERT_EQ(w.caller.requests.size(), 1u);
  EXPECT_EQ(w.caller.requests[0].method, Method::kBye);
  w.ExpectAllClosed();
}

// P3: re-INVITEs of either side cross the proxy, and their ACKs too; a BYE
// after the dialog has ended is answered 481 by the proxy itself.
TEST(ProxyDialog, P3_ReInvitesBothWaysAndAckOfTheir2xx) {
  ProxyWorld w(1, {});
  w.callee(0).script = {{0, 200}};
  const Message invite = w.caller.Invite(kProxy);
  w.h.engine.RunUntil(At(1000));
  const uint64_t branch = w.callee(0).invites.at(0).call_id;
  w.h.engine.ScheduleAt(At(2000), [&] { EXPECT_TRUE(w.caller.ReInvite(kProxy, invite.call_id)); });
  w.h.engine.ScheduleAt(At(3000), [&] { EXPECT_TRUE(w.callee(0).ReInvite(kProxy, branch)); });
  w.ByeAt(4000, invite, 3);
  w.ByeAt(6000, invite, 4);
  w.h.engine.Run();
  // Caller -> callee: re-INVITE at 2010, its 200 up at 2030, the ACK down at 2050.
  const auto down = SentTo(w, w.Node(0), Method::kInvite, 0);
  ASSERT_EQ(down.size(), 2u);  // the INVITE and the re-INVITE
  EXPECT_TRUE(down[1].in_dialog);
  EXPECT_EQ(down[1].call_id, branch);
  EXPECT_EQ(w.ProxySent(w.Node(0), Method::kInvite, 0), (V{10, 2010}));
  EXPECT_EQ(w.ProxySent(kCaller, Method::kInvite, 200), (V{30, 2030}));
  // Callee -> caller: re-INVITE at 3010, its 200 down at 3030, the ACK up at 3050.
  const auto up = SentTo(w, kCaller, Method::kInvite, 0);
  ASSERT_EQ(up.size(), 1u);
  EXPECT_EQ(up[0].call_id, invite.call_id);
  EXPECT_EQ(w.ProxySent(kCaller, Method::kInvite, 0), V{3010});
  EXPECT_EQ(w.ProxySent(w.Node(0), Method::kInvite, 200), V{3030});
  EXPECT_EQ(w.ProxySent(w.Node(0), Method::kAck, 0), (V{50, 2050}));
  EXPECT_EQ(w.ProxySent(kCaller, Method::kAck, 0), V{3050});
  // The BYE at 4000 ends it; the one at 6000 finds no dialog.
  EXPECT_EQ(w.ProxySent(w.Node(0), Method::kBye, 0), V{4010});
  EXPECT_EQ(w.ProxySent(kCaller, Method::kBye, 200), V{4030});
  EXPECT_EQ(w.ProxySent(kCaller, Method::kBye, 481), V{6010});
  w.ExpectAllClosed();
}

// Y8, 16.10: the caller CANCELs at 1000. A, ringing, gets CANCEL at once; B,
// silent so far, only at its first 1xx (2030), and its 180 is not passed up.
// The caller's INVITE gets 487 once both branches have answered 487.
TEST(ProxyDialog, Y8_CancelReachesEveryPendingBranch) {
  ProxyParams p;
  p.forking = ProxyForking::kParallel;
  ProxyWorld w(2, p, {}, Silent());
  w.callee(0).script = {{0, 180}};
  w.callee(1).script = {{2000, 180}};
  const Message invite = w.caller.Invite(kProxy);
  w.CallerSendsAt(1000, Message::Request(Method::kCancel, invite.call_id, 1));
  w.h.engine.Run();
  EXPECT_EQ(w.ProxySent(kCaller, Method::kCancel, 200), V{1010});  // the stack's answer
  EXPECT_EQ(w.ProxySent(w.Node(0), Method::kCancel, 0), V{1010});
  EXPECT_EQ(w.ProxySent(w.Node(1), Method::kCancel, 0), V{2030});
  EXPECT_EQ(w.ProxySent(kCaller, Method::kInvite, 180), V{30});
  EXPECT_EQ(w.ProxySent(kCaller, Method::kInvite, 487), V{2050});
  EXPECT_EQ(w.CallerFinals(), std::vector<int>{487});
  EXPECT_EQ(w.callee(0).finals, std::vector<int>{487});
  EXPECT_EQ(w.callee(1).finals, std::vector<int>{487});
  // Until its 1xx, B's INVITE is retransmitted as any (A1): 510, 1510.
  EXPECT_EQ(w.h.wire.Sent(kProxy, Method::kInvite, 0), (V{10, 10, 510, 1510}));
  EXPECT_EQ(w.proxy->counters().rejections, 0u);  // a cancelled call is no rejection
  w.ExpectAllClosed();
}

// 16.10: a branch that answers although the caller has CANCELled: its 2xx
// goes up (the caller then ACKs and hangs up), the other branch is cancelled.
TEST(ProxyDialog, Y6_TwoHundredCrossingTheCallersCancelGoesUp) {
  ProxyParams p;
  p.forking = ProxyForking::kParallel;
  ProxyWorld w(2, p, {}, Silent());
  w.callee(0).script = {{995, 200}};  // sent at 1015, before the CANCEL reaches the proxy
  w.callee(1).script = {{0, 180}};
  const Message invite = w.caller.Invite(kProxy);
  w.CallerSendsAt(1000, Message::Request(Method::kCancel, invite.call_id, 1));
  w.ByeAt(1100, invite);
  w.h.engine.Run();
  EXPECT_EQ(w.ProxySent(kCaller, Method::kInvite, 200), V{1025});
  EXPECT_EQ(w.ProxySent(w.Node(1), Method::kCancel, 0), V{1010});
  EXPECT_TRUE(w.ProxySent(w.Node(0), Method::kCancel, 0).empty());  // no 1xx before its 2xx
  EXPECT_EQ(w.ProxySent(w.Node(0), Method::kBye, 0), V{1110});
  EXPECT_EQ(w.callee(1).finals, std::vector<int>{487});
  EXPECT_EQ(w.CallerFinals(), std::vector<int>{200});
  w.ExpectAllClosed();
}

// R3 through the proxy: its stack sends the 180 reliably (its profile offers
// 100rel) to a caller that never PRACKs. At 64*T1 the stack rejects the
// INVITE with 503 itself; the proxy takes that as the call's final and
// CANCELs the ringing branch.
TEST(ProxyDialog, R3_UnprackedProvisionalEndsTheCallAndItsBranches) {
  sip::TimerProfile reliable;
  reliable.rel100 = sip::Rel100::kSupported;
  ProxyWorld w(1, {}, reliable);
  w.callee(0).script = {{0, 180}, {60000, 200}};
  w.caller.Invite(kProxy, sip::Rel100::kSupported);  // offered, never PRACKed
  w.h.engine.Run();
  // Appendix 1 "Reliable 1xx, no PRACK": at 0, 0.5, 1.5, ... 31.5 s, 5xx at 32 s.
  EXPECT_EQ(w.ProxySent(kCaller, Method::kInvite, 180),
            (V{30, 530, 1530, 3530, 7530, 15530, 31530}));
  EXPECT_EQ(w.ProxySent(kCaller, Method::kInvite, 503), V{32030});
  EXPECT_EQ(w.ProxySent(w.Node(0), Method::kCancel, 0), V{32030});
  EXPECT_EQ(w.callee(0).finals, std::vector<int>{487});
  EXPECT_EQ(w.CallerFinals(), std::vector<int>{503});
  EXPECT_EQ(w.proxy->counters().rejections, 1u);
  w.ExpectAllClosed();
}

}  // namespace
}  // namespace crankback
