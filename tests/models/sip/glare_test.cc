// re-INVITE glare (sip-semantics.md section G and the Appendix 1 row "Glare
// 491") through the UA core of models/sip/endpoint, in virtual time.
#include <gtest/gtest.h>

#include <set>

#include "tests/models/sip/endpoint_harness.h"

namespace crankback::sip::testing {
namespace {

constexpr sim::NodeId kA = 0;  // creates the Call-ID: the owner
constexpr sim::NodeId kB = 1;

struct Dialog {
  explicit Dialog(uint64_t seed, int64_t t1_ms = 500)
      : h(2, {{kA, kB}}, {.latency = sim::Duration::Millis(10)}, seed),
        a(h.AddPeer(kA, Profile(t1_ms))),
        b(h.AddPeer(kB, Profile(t1_ms))) {
    for (Peer* p : {&a, &b}) {
      p->on_request = [p](const Message& m) {
        if (m.method == Method::kInvite) p->Respond(m, 200);
      };
    }
    call_id = a.Invite(kB).call_id;
    h.engine.RunUntil(sim::SimTime::Zero() + sim::Duration::Seconds(1));  // answered and ACKed
  }
  Harness h;
  Peer& a;
  Peer& b;
  uint64_t call_id = 0;
};

// G2, G3: both ends re-INVITE at once; each answers the other 491; the
// non-owner retries after a back-off in [0, 2.0] s and the owner after one in
// [2.1, 4.0] s, both on 10 ms steps, so the non-owner always goes first; both
// retries then succeed (G1: neither meets the other's INVITE in progress).
TEST(Glare, G2G3SymmetricGlareBacksOffInDisjointWindows) {
  std::set<int64_t> owner_waits, other_waits;
  for (uint64_t seed = 1; seed <= 300; ++seed) {
    Dialog d(seed);
    const int64_t start = 1000;
    ASSERT_TRUE(d.a.ReInvite(kB, d.call_id));
    ASSERT_TRUE(d.b.ReInvite(kA, d.call_id));
    d.h.engine.Run();
    const auto a_invites = d.h.wire.Of(kA, Method::kInvite, 0);
    const auto b_invites = d.h.wire.Of(kB, Method::kInvite, 0);
    // a: the initial INVITE, the re-INVITE, its retry; b: the re-INVITE and its retry.
    ASSERT_EQ(a_invites.size(), 3u) << "seed " << seed;
    ASSERT_EQ(b_invites.size(), 2u) << "seed " << seed;
    EXPECT_EQ(d.h.wire.Of(kA, Method::kInvite, 491).size(), 1u);
    EXPECT_EQ(d.h.wire.Of(kB, Method::kInvite, 491).size(), 1u);
    const int64_t got_491 = start + 20;  // each 491 arrives one round trip after the re-INVITEs
    const int64_t owner_wait = a_invites[2].sent_ms - got_491;
    const int64_t other_wait = b_invites[1].sent_ms - got_491;
    EXPECT_GE(owner_wait, 2100);
    EXPECT_LE(owner_wait, 4000);
    EXPECT_GE(other_wait, 0);
    EXPECT_LE(other_wait, 2000);
    EXPECT_EQ(owner_wait % 10, 0);
    EXPECT_EQ(other_wait % 10, 0);
    EXPECT_LE(b_invites[1].sent_ms + 100, a_invites[2].sent_ms);
    EXPECT_GT(a_invites[2].message.cseq, a_invites[1].message.cseq);  // a new transaction
    // Each end's node sees only the final outcome of its own re-INVITE: a 200.
    ASSERT_FALSE(d.a.responses.empty());
    EXPECT_EQ(d.a.responses.back().status, 200);
    EXPECT_EQ(d.b.responses.back().status, 200);
    EXPECT_EQ(d.a.open_transactions(), 0u);
    EXPECT_EQ(d.b.open_transactions(), 0u);
    owner_waits.insert(owner_wait);
    other_waits.insert(other_wait);
  }
  // The draws spread over the windows (191 and 201 values).
  EXPECT_GT(owner_waits.size(), 100u);
  EXPECT_GT(other_waits.size(), 100u);
}

// G1: no re-INVITE while an INVITE transaction of the dialog is in progress,
// in either direction.
TEST(Glare, G1NoReInviteWhileAnotherIsInProgress) {
  Dialog d(7);
  d.b.on_request = [](const Message&) {};  // b holds a's re-INVITE unanswered
  ASSERT_TRUE(d.a.ReInvite(kB, d.call_id));
  EXPECT_FALSE(d.a.ReInvite(kB, d.call_id));  // our own is pending
  d.h.engine.RunUntil(sim::SimTime::Zero() + sim::Duration::Millis(1100));
  EXPECT_FALSE(d.b.ReInvite(kA, d.call_id));  // the peer's is pending at our side
}

// G4: a second INVITE with a higher CSeq while the earlier one is unanswered
// gets 500 with Retry-After uniform in 0..10 s.
TEST(Glare, G4SecondInviteBeforeTheFirstIsAnsweredGets500RetryAfter) {
  std::set<int> retry_after;
  for (uint64_t seed = 1; seed <= 60; ++seed) {
    Dialog d(seed);
    d.b.on_request = [](const Message&) {};  // b's node holds the first one
    ASSERT_TRUE(d.a.ReInvite(kB, d.call_id));
    d.h.engine.RunUntil(sim::SimTime::Zero() + sim::Duration::Millis(1100));
    Message second = Message::Request(Method::kInvite, d.call_id, 10);
    second.in_dialog = true;
    d.a.Request(kB, second);  // a stack that ignores G1
    d.h.engine.RunUntil(sim::SimTime::Zero() + sim::Duration::Millis(1200));
    const auto rejected = d.h.wire.Of(kB, Method::kInvite, 500);
    ASSERT_EQ(rejected.size(), 1u);
    EXPECT_GE(rejected[0].message.retry_after_s, 0);
    EXPECT_LE(rejected[0].message.retry_after_s, 10);
    retry_after.insert(rejected[0].message.retry_after_s);
  }
  EXPECT_GE(retry_after.size(), 8u);
}

}  // namespace
}  // namespace crankback::sip::testing
