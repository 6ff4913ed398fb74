// Reliable provisional responses (RFC 3262; sip-semantics.md section R and the
// Appendix 1 row "Reliable 1xx, no PRACK"), through the UA core of
// models/sip/endpoint, in virtual time at T1 = 0.5 s and T1 = 1 s.
#include <gtest/gtest.h>

#include "tests/models/sip/endpoint_harness.h"
#include "tests/models/sip/transaction_driver.h"

namespace crankback::sip::testing {
namespace {

constexpr sim::NodeId kUac = 0;
constexpr sim::NodeId kUas = 1;

sim::LinkParams Latency(int64_t ms) { return {.latency = sim::Duration::Millis(ms)}; }

TEST(ReliableProvisional, R1RequireWithoutSupportGets420Unsupported) {
  Harness h(2, {{kUac, kUas}});
  Peer& uac = h.AddPeer(kUac, Profile(500, Rel100::kRequired));
  Peer& uas = h.AddPeer(kUas, Profile(500, Rel100::kNone));
  uas.on_request = [&](const Message& m) { uas.Respond(m, 200); };
  uac.Invite(kUas, Rel100::kRequired);
  h.engine.Run();
  EXPECT_TRUE(uas.requests.empty());  // the node never sees it
  const auto rejected = h.wire.Of(kUas, Method::kInvite, 420);
  ASSERT_EQ(rejected.size(), 1u);
  EXPECT_EQ(rejected[0].message.rel100, Rel100::kRequired);  // Unsupported: 100rel
  ASSERT_EQ(uac.responses.size(), 1u);
  EXPECT_EQ(uac.responses[0].status, 420);
}

TEST(ReliableProvisional, R1RequiredAtTheUasRejectsAnInviteWithout100relWith421) {
  Harness h(2, {{kUac, kUas}});
  Peer& uac = h.AddPeer(kUac, Profile(500));
  Peer& uas = h.AddPeer(kUas, Profile(500, Rel100::kRequired));
  uac.Invite(kUas);
  h.engine.Run();
  EXPECT_TRUE(uas.requests.empty());
  ASSERT_EQ(uac.responses.size(), 1u);
  EXPECT_EQ(uac.responses[0].status, 421);
}

TEST(ReliableProvisional, R1OnlyWhenOfferedAndNeverFor100) {
  for (Rel100 offered : {Rel100::kNone, Rel100::kSupported}) {
    Harness h(2, {{kUac, kUas}});
    Peer& uac = h.AddPeer(kUac, Profile(500, offered));
    Peer& uas = h.AddPeer(kUas, Profile(500, Rel100::kSupported));
    uas.on_request = [&](const Message& m) {
      if (m.method != Method::kInvite) return;
      uas.Respond(m, 100);
      uas.Respond(m, 180);
    };
    uac.Invite(kUas, offered);
    h.engine.RunUntil(sim::SimTime::Zero() + sim::Duration::Millis(100));
    const auto trying = h.wire.Of(kUas, Method::kInvite, 100);
    ASSERT_EQ(trying.size(), 1u);
    EXPECT_EQ(trying[0].message.rseq, 0u);
    const auto ringing = h.wire.Of(kUas, Method::kInvite, 180);
    ASSERT_GE(ringing.size(), 1u);
    EXPECT_EQ(ringing[0].message.rseq != 0, offered != Rel100::kNone);
  }
}

// R2: the first RSeq is in [1, 2^31 - 1]; each later one is exactly +1.
// R5: the second reliable 1xx goes only after the first one's PRACK got its 200.
TEST(ReliableProvisional, R2R5RSeqCountsUpAndTheSecondWaitsForThePrack) {
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    Harness h(2, {{kUac, kUas}}, Latency(10), seed);
    Peer& uac = h.AddPeer(kUac, Profile(500, Rel100::kSupported));
    Peer& uas = h.AddPeer(kUas, Profile(500, Rel100::kSupported));
    uas.on_request = [&](const Message& m) {
      if (m.method != Method::kInvite) return;
      uas.Respond(m, 180);
      uas.Respond(m, 183);
    };
    uac.Invite(kUas, Rel100::kSupported);
    h.engine.RunUntil(sim::SimTime::Zero() + sim::Duration::Seconds(1));
    const auto r180 = h.wire.Of(kUas, Method::kInvite, 180);
    const auto r183 = h.wire.Of(kUas, Method::kInvite, 183);
    const auto prack_ok = h.wire.Of(kUas, Method::kPrack, 200);
    ASSERT_EQ(r180.size(), 1u);
    ASSERT_EQ(r183.size(), 1u);
    ASSERT_EQ(prack_ok.size(), 2u);
    EXPECT_GE(r180[0].message.rseq, 1u);
    EXPECT_LE(r180[0].message.rseq, 0x7fffffffu);
    EXPECT_EQ(r183[0].message.rseq, r180[0].message.rseq + 1);
    EXPECT_EQ(r180[0].sent_ms, 10);
    EXPECT_EQ(prack_ok[0].sent_ms, 30);  // 180 arrives at 20, its PRACK at 30
    EXPECT_GE(r183[0].sent_ms, prack_ok[0].sent_ms);
    // R4: the PRACKs name RSeq and the INVITE's CSeq.
    const auto pracks = h.wire.Of(kUac, Method::kPrack, 0);
    ASSERT_EQ(pracks.size(), 2u);
    EXPECT_EQ(pracks[0].message.rack_rseq, r180[0].message.rseq);
    EXPECT_EQ(pracks[1].message.rack_rseq, r183[0].message.rseq);
    EXPECT_EQ(pracks[0].message.rack_cseq, 1u);
    EXPECT_LT(pracks[0].message.cseq, pracks[1].message.cseq);  // each its own transaction
    EXPECT_EQ(uas.open_transactions() > 0, true);               // the INVITE is still open
  }
}

// R3 and Appendix 1: no PRACK -> 1xx at 0, 1, 3, 7, 15, 31, 63 x T1 (no T2
// cap), then the profile's 5xx at 64*T1, and the node is told.
TEST(ReliableProvisional, R3NoPrackRetransmitsUncappedThenGivesUpWith5xx) {
  for (int64_t t1 : {500, 1000}) {
    Harness h(2, {{kUac, kUas}}, Latency(0));
    Peer& uac = h.AddPeer(kUac, Profile(t1));  // takes the 1xx but never PRACKs
    Peer& uas = h.AddPeer(kUas, Profile(t1, Rel100::kSupported));
    uas.on_request = [&](const Message& m) {
      if (m.method == Method::kInvite) uas.Respond(m, 180);
    };
    uac.Invite(kUas, Rel100::kSupported);
    h.engine.Run();
    EXPECT_EQ(h.wire.Sent(kUas, Method::kInvite, 180), InT1({0, 1, 3, 7, 15, 31, 63}, t1))
        << "T1 " << t1;
    EXPECT_EQ(h.wire.Sent(kUas, Method::kInvite, 503).front(), 64 * t1);
    ASSERT_EQ(uas.ack_timeouts.size(), 1u);
    EXPECT_EQ(uas.ack_timeouts[0].status, 503);
    EXPECT_EQ(uac.responses.back().status, 503);
    EXPECT_EQ(uas.open_transactions(), 0u);
    EXPECT_EQ(uac.open_transactions(), 0u);
  }
}

// Appendix 2 item 8: PJSIP's first retry at 2*T1 and its 504.
TEST(ReliableProvisional, R3PjsipScheduleAndGiveUpCodeAreConfigurable) {
  Harness h(2, {{kUac, kUas}}, Latency(0));
  Peer& uac = h.AddPeer(kUac, Profile(500));
  TimerProfile pj = Profile(500, Rel100::kSupported);
  pj.reliable_provisional_first_retry_at_2t1 = true;
  pj.reliable_provisional_give_up_code = 504;
  Peer& uas = h.AddPeer(kUas, pj);
  uas.on_request = [&](const Message& m) {
    if (m.method == Method::kInvite) uas.Respond(m, 183);
  };
  uac.Invite(kUas, Rel100::kSupported);
  h.engine.Run();
  EXPECT_EQ(h.wire.Sent(kUas, Method::kInvite, 183), Seconds({0, 1, 3, 7, 15, 31}));
  EXPECT_EQ(h.wire.Sent(kUas, Method::kInvite, 504).front(), 32000);
}

// R4: a PRACK that matches stops the retransmissions and gets 200; one that
// does not match gets 481.
TEST(ReliableProvisional, R4MatchingPrackStopsRetransmissionOtherGets481) {
  Harness h(2, {{kUac, kUas}}, Latency(0));
  Peer& uac = h.AddPeer(kUac, Profile(500, Rel100::kSupported));
  Peer& uas = h.AddPeer(kUas, Profile(500, Rel100::kSupported));
  Message invite;
  uas.on_request = [&](const Message& m) {
    if (m.method != Method::kInvite) return;
    invite = m;
    uas.Respond(m, 180);
  };
  uac.Invite(kUas, Rel100::kSupported);
  h.engine.RunUntil(sim::SimTime::Zero() + sim::Duration::Millis(100));
  Message wrong = Message::Request(Method::kPrack, invite.call_id, 9);
  wrong.in_dialog = true;
  wrong.rack_rseq = h.wire.Of(kUas, Method::kInvite, 180)[0].message.rseq + 5;
  wrong.rack_cseq = 1;
  uac.Request(kUas, wrong);
  h.engine.RunUntil(sim::SimTime::Zero() + sim::Duration::Seconds(10));
  EXPECT_EQ(h.wire.Sent(kUas, Method::kInvite, 180), Seconds({0}));  // no retransmission
  EXPECT_EQ(h.wire.Sent(kUas, Method::kPrack, 200).size(), 1u);
  EXPECT_EQ(h.wire.Sent(kUas, Method::kPrack, 481).size(), 1u);
  uas.Respond(invite, 486);
  h.engine.Run();
  EXPECT_EQ(uac.responses.back().status, 486);
}

// R6: the 2xx waits for the PRACK of a reliable 1xx; a non-2xx final does
// not, stops the 1xx retransmissions, and a late PRACK still gets its 200.
TEST(ReliableProvisional, R6TwoHundredWaitsForThePrackAFailureDoesNot) {
  {
    Harness h(2, {{kUac, kUas}}, Latency(10));
    Peer& uac = h.AddPeer(kUac, Profile(500, Rel100::kSupported));
    Peer& uas = h.AddPeer(kUas, Profile(500, Rel100::kSupported));
    uas.on_request = [&](const Message& m) {
      if (m.method != Method::kInvite) return;
      uas.Respond(m, 180);
      uas.Respond(m, 200);
    };
    uac.Invite(kUas, Rel100::kSupported);
    h.engine.Run();
    EXPECT_EQ(h.wire.Sent(kUas, Method::kPrack, 200), std::vector<int64_t>{30});
    EXPECT_EQ(h.wire.Sent(kUas, Method::kInvite, 200), std::vector<int64_t>{30});
    EXPECT_EQ(uac.responses.back().status, 200);
    EXPECT_EQ(uac.open_transactions(), 0u);
    EXPECT_EQ(uas.open_transactions(), 0u);
  }
  {
    Harness h(2, {{kUac, kUas}}, Latency(400));  // the PRACK reaches the UAS at 1.2 s
    Peer& uac = h.AddPeer(kUac, Profile(500, Rel100::kSupported));
    Peer& uas = h.AddPeer(kUas, Profile(500, Rel100::kSupported));
    Message invite;
    uas.on_request = [&](const Message& m) {
      if (m.method != Method::kInvite) return;
      invite = m;
      uas.Respond(m, 180);
    };
    uac.Invite(kUas, Rel100::kSupported);
    h.engine.RunUntil(sim::SimTime::Zero() + sim::Duration::Millis(700));
    uas.Respond(invite, 486);  // at 0.7 s, before the PRACK
    h.engine.Run();
    EXPECT_EQ(h.wire.Sent(kUas, Method::kInvite, 180),
              Seconds({0.4}));  // retransmission at 0.9 never goes
    EXPECT_EQ(h.wire.Sent(kUas, Method::kInvite, 486).front(), 700);
    // The PRACK (retransmitted at 1.3 s by its own Timer E) gets its 200 at 1.2 s.
    EXPECT_EQ(h.wire.FirstSent(kUas, Method::kPrack, 200), std::vector<int64_t>{1200});
    EXPECT_EQ(uas.open_transactions(), 0u);
  }
}

// R7: a retransmitted reliable 1xx is discarded and not PRACKed again.
TEST(ReliableProvisional, R7RetransmittedReliable1xxIsNotPrackedTwice) {
  Harness h(2, {{kUac, kUas}}, Latency(400));  // PRACK reaches the UAS after its retransmission
  Peer& uac = h.AddPeer(kUac, Profile(500, Rel100::kSupported));
  Peer& uas = h.AddPeer(kUas, Profile(500, Rel100::kSupported));
  uas.on_request = [&](const Message& m) {
    if (m.method == Method::kInvite) uas.Respond(m, 180);
  };
  uac.Invite(kUas, Rel100::kSupported);
  h.engine.RunUntil(sim::SimTime::Zero() + sim::Duration::Seconds(5));
  // The 1xx goes again at 0.9 s twice: its own retransmission, and the IST's
  // answer to the INVITE retransmitted at 0.5 s (C2).
  EXPECT_EQ(h.wire.Sent(kUas, Method::kInvite, 180), Seconds({0.4, 0.9, 0.9}));
  EXPECT_EQ(h.wire.FirstSent(kUac, Method::kPrack, 0).size(), 1u);
  int ringing = 0;
  for (const Message& r : uac.responses) ringing += r.status == 180;
  EXPECT_EQ(ringing, 1);
}

}  // namespace
}  // namespace crankback::sip::testing
