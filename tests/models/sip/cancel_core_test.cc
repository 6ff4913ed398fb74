// CANCEL in the UA core of models/sip/endpoint (sip-semantics.md Y4, Y6, Y7
// and Appendix 2 items 9 and 10), in virtual time at T1 = 0.5 s and 1 s.
#include <gtest/gtest.h>

#include "tests/models/sip/endpoint_harness.h"

namespace crankback::sip::testing {
namespace {

constexpr sim::NodeId kUac = 0;
constexpr sim::NodeId kUas = 1;

sim::SimTime At(int64_t ms) { return sim::SimTime::Zero() + sim::Duration::Millis(ms); }

Message CancelOf(const Message& invite) {
  return Message::Request(Method::kCancel, invite.call_id, invite.cseq);
}

// Y4: no matching INVITE -> 481, and the node never sees it; a match with no
// final yet -> 200, and the node (which owes the 487) gets the CANCEL.
TEST(CancelCore, Y4AnsweredByTheStack) {
  Harness h(2, {{kUac, kUas}}, {.latency = sim::Duration::Millis(10)});
  Peer& uac = h.AddPeer(kUac, Profile(500));
  Peer& uas = h.AddPeer(kUas, Profile(500));
  uas.on_request = [&](const Message& m) {
    if (m.method == Method::kInvite) uas.Respond(m, 180);
    if (m.method == Method::kCancel) {
      uas.Respond(Message::Request(Method::kInvite, m.call_id, m.cseq), 487);
    }
  };
  const Message invite = uac.Invite(kUas);
  uac.Request(kUas, Message::Request(Method::kCancel, invite.call_id + 1, 1));
  h.engine.RunUntil(At(100));
  EXPECT_EQ(h.wire.Sent(kUas, Method::kCancel, 481).size(), 1u);
  EXPECT_EQ(uas.requests.size(), 1u);  // the INVITE only
  uac.Request(kUas, CancelOf(invite));
  h.engine.Run();
  EXPECT_EQ(h.wire.Sent(kUas, Method::kCancel, 200), std::vector<int64_t>{110});
  EXPECT_EQ(h.wire.Sent(kUas, Method::kInvite, 487), std::vector<int64_t>{110});
  EXPECT_EQ(uac.responses.back().status, 487);
  EXPECT_EQ(uas.open_transactions(), 0u);
}

// Y6 and Appendix 2 item 9: a CANCEL that arrives after the 2xx gets 200 from
// an RFC 6026 IST (in Accepted), 481 from an RFC 3261-only one; the INVITE
// keeps its 200 either way.
TEST(CancelCore, Y6CancelAfterTheTwoHundredGets200Or481ByProfile) {
  for (bool rfc3261_only : {false, true}) {
    Harness h(2, {{kUac, kUas}}, {.latency = sim::Duration::Millis(10)});
    Peer& uac = h.AddPeer(kUac, Profile(500));
    TimerProfile p = Profile(500);
    p.cancel_after_2xx_gets_481 = rfc3261_only;
    Peer& uas = h.AddPeer(kUas, p);
    uas.on_request = [&](const Message& m) {
      if (m.method == Method::kInvite) uas.Respond(m, 200);
    };
    const Message invite = uac.Invite(kUas);
    h.engine.RunUntil(At(5));
    uac.Request(kUas, CancelOf(invite));  // crosses the 200 on the wire
    h.engine.Run();
    EXPECT_EQ(h.wire.Sent(kUas, Method::kCancel, rfc3261_only ? 481 : 200).size(), 1u);
    EXPECT_EQ(h.wire.Sent(kUas, Method::kInvite, 487).size(), 0u);
    EXPECT_EQ(uac.responses.front().status, 200);
    EXPECT_EQ(uas.requests.size(), 2u);  // the INVITE and its ACK, never the CANCEL
  }
}

// Y7 and Appendix 2 item 10: the peer never answers the INVITE after our
// CANCEL (an RFC 2543 stack sends no 487); the UAC gives the INVITE up 64*T1
// after the CANCEL (reSIProcate: 128*T1) and the node sees a local 408.
TEST(CancelCore, Y7InviteGivenUpAfterCancelCleanupTimer) {
  for (int64_t t1 : {500, 1000}) {
    for (int factor : {64, 128}) {
      Harness h(2, {{kUac, kUas}}, {.latency = sim::Duration::Millis(10)});
      TimerProfile p = Profile(t1);
      if (factor == 128) p.cancel_cleanup = 128 * p.t1;
      Peer& uac = h.AddPeer(kUac, p);
      Peer& uas = h.AddPeer(kUas, Profile(t1));
      uas.on_request = [&](const Message& m) {
        if (m.method == Method::kInvite) uas.Respond(m, 180);
      };
      const Message invite = uac.Invite(kUas);
      h.engine.RunUntil(At(1000));
      uac.Request(kUas, CancelOf(invite));
      h.engine.RunUntil(At(1000 + factor * t1 - 1));
      EXPECT_TRUE(uac.timeouts.empty());
      h.engine.RunUntil(At(1000 + factor * t1));
      ASSERT_EQ(uac.timeouts.size(), 1u) << "T1 " << t1 << " x" << factor;
      EXPECT_EQ(uac.timeouts[0].method, Method::kInvite);
      EXPECT_EQ(h.wire.Sent(kUas, Method::kCancel, 200).size(), 1u);
    }
  }
}

}  // namespace
}  // namespace crankback::sip::testing
