// Timer profiles and stack presets (sip-semantics.md D1, B2, Appendix 2):
// derived timers scale with T1, every field overrides on its own, and the
// Kamailio and SIPp presets give their stacks' schedules.
#include <gtest/gtest.h>

#include "models/sip/client_invite_transaction.h"
#include "models/sip/client_non_invite_transaction.h"
#include "models/sip/server_invite_transaction.h"
#include "models/sip/server_non_invite_transaction.h"
#include "models/sip/timer_profile.h"
#include "tests/models/sip/transaction_driver.h"

namespace crankback::sip {
namespace {

using testing::Bye;
using testing::Driver;
using testing::Invite;
using testing::Ms;
using testing::RxResponse;
using testing::Seconds;
using testing::WithT1;
using strings = std::vector<std::string>;

TEST(TransactionProfiles, RfcProfileDerivesTimersFromT1) {
  const TimerProfile rfc = Rfc3261Profile();
  EXPECT_EQ(Ms(rfc.t1), 500);
  EXPECT_EQ(Ms(rfc.t2), 4000);
  EXPECT_EQ(Ms(rfc.t4), 5000);
  for (sim::Duration d : {rfc.TimerB(), rfc.TimerF(), rfc.TimerH(), rfc.TimerJ(), rfc.TimerL(),
                          rfc.TimerM(), rfc.TimerD()}) {
    EXPECT_EQ(Ms(d), 32'000);
  }
  EXPECT_EQ(Ms(rfc.TimerI()), 5000);
  EXPECT_EQ(Ms(rfc.TimerK()), 5000);
  EXPECT_EQ(Ms(rfc.NonInviteTryingDelay()), 3500);

  const TimerProfile slow = WithT1(rfc, 1000);  // A1b: 64*T1, never a hard-coded 32 s
  for (sim::Duration d : {slow.TimerB(), slow.TimerF(), slow.TimerH(), slow.TimerJ(), slow.TimerL(),
                          slow.TimerM(), slow.TimerD()}) {
    EXPECT_EQ(Ms(d), 64'000);
  }
  EXPECT_EQ(Ms(slow.NonInviteTryingDelay()), 3000);
  EXPECT_EQ(Ms(WithT1(rfc, 300).NonInviteTryingDelay()), 4500);  // E at 0.3, 0.9, 2.1, 4.5
  EXPECT_EQ(Ms(WithT1(rfc, 250).TimerD()), 32'000);              // D never below 32 s
}

TEST(TransactionProfiles, EachFieldOverridesOnItsOwn) {
  TimerProfile p = Rfc3261Profile();
  p.timer_b = sim::Duration::Seconds(10);
  EXPECT_EQ(Ms(p.TimerB()), 10'000);
  EXPECT_EQ(Ms(p.TimerF()), 32'000);
  p.non_invite_trying_delay = sim::Duration::Seconds(1);
  EXPECT_EQ(Ms(p.NonInviteTryingDelay()), 1000);

  Driver<ClientInviteTransaction> d(p, false, Invite());
  d.Start();
  d.RunToEnd();
  EXPECT_EQ(d.SendTimesMs(), Seconds({0, 0.5, 1.5, 3.5, 7.5}));
  EXPECT_EQ(d.ToldLines(), strings{"10000 timeout B"});
}

class TransactionProfilesTimeline : public testing::T1Param {};

// D1: Kamailio caps INVITE retransmission at T2 and gives up with fr_timer:
// 10 INVITEs at 0, 0.5, 1.5, 3.5, 7.5, 11.5, ..., 27.5 then a local 408 at
// 30.0 (fr_timer is absolute, not 64*T1).
TEST_P(TransactionProfilesTimeline, D1_KamailioInviteTimesOutAt30s) {
  Driver<ClientInviteTransaction> d(WithT1(KamailioProfile(), t1()), false, Invite());
  d.Start();
  d.RunToEnd();
  EXPECT_EQ(d.SendTimesMs(), ByT1(Seconds({0, 0.5, 1.5, 3.5, 7.5, 11.5, 15.5, 19.5, 23.5, 27.5}),
                                  Seconds({0, 1, 3, 7, 11, 15, 19, 23, 27})));
  EXPECT_EQ(d.sent().size(), ByT1<size_t>(10, 9));
  EXPECT_EQ(d.ToldLines(), strings{"30000 timeout FinalResponse"});
  EXPECT_EQ(d.TerminatedMs(), 30'000);
}

// Kamailio: fr_timer stops at the first 1xx of an INVITE (fr_inv_timer, a
// proxy's business, takes over); the ICT itself then has no timeout (A4).
TEST_P(TransactionProfilesTimeline, KamailioProvisionalStopsFrTimer) {
  Driver<ClientInviteTransaction> d(WithT1(KamailioProfile(), t1()), false, Invite());
  d.Start();
  d.At(1.0, RxResponse(Invite(), 180));
  d.RunUntil(1000);
  EXPECT_EQ(d.machine().state(), ClientInviteTransaction::State::kProceeding);
  EXPECT_FALSE(d.NextEvent().has_value());
  EXPECT_EQ(Ms(*KamailioProfile().invite_final_response_timeout), 120'000);
  EXPECT_TRUE(KamailioProfile().rewrite_503_to_500);
}

// Kamailio non-INVITE: fr_timer runs on through a 1xx, which restarts the
// retransmit timer at T2: 0, 4.2, ..., 28.2 then 408 at 30.0.
TEST_P(TransactionProfilesTimeline, KamailioNonInvite) {
  Driver<ClientNonInviteTransaction> d(WithT1(KamailioProfile(), t1()), false, Bye());
  d.Start();
  d.At(0.2, RxResponse(Bye(), 100));
  d.RunToEnd();
  EXPECT_EQ(d.SendTimesMs(), Seconds({0, 4.2, 8.2, 12.2, 16.2, 20.2, 24.2, 28.2}));
  EXPECT_EQ(d.ToldLines().back(), "30000 timeout FinalResponse");
}

// Kamailio answers an INVITE with 100 at once (auto_inv_100) and sends no
// 100 of its own to other methods; Timer D is its 5 s wait timer.
TEST_P(TransactionProfilesTimeline, KamailioServerSide) {
  const TimerProfile kam = WithT1(KamailioProfile(), t1());
  ServerInviteTransaction ist(kam, false, Invite());
  EXPECT_EQ(testing::Describe(ist.Start(sim::SimTime())), (strings{"send 100", "tu INVITE"}));
  ServerNonInviteTransaction nist(kam, false, Bye());
  EXPECT_EQ(testing::Describe(nist.Start(sim::SimTime())), strings{"tu BYE"});

  Driver<ClientInviteTransaction> ict(kam, false, Invite());
  ict.Start();
  ict.At(1.0, RxResponse(Invite(), 486));
  ict.RunToEnd();
  EXPECT_EQ(ict.TerminatedMs(), 6000);
}

// SIPp: at most 5 INVITE retransmissions (6 transmissions, T1 doubling
// uncapped), given up when the retransmit timer next fires: 31.5 s (63 s at
// T1 = 1 s), before Timer B.
TEST_P(TransactionProfilesTimeline, SippInviteGivesUpAfterFiveRetransmissions) {
  Driver<ClientInviteTransaction> d(WithT1(SippProfile(), t1()), false, Invite());
  d.Start();
  d.RunToEnd();
  EXPECT_EQ(d.SendTimesMs(), testing::InT1({0, 1, 3, 7, 15, 31}, t1()));
  EXPECT_EQ(d.ToldLines(), strings{std::to_string(63 * t1()) + " timeout A"});
  EXPECT_EQ(d.TerminatedMs(), 63 * t1());
}

// SIPp: at most 9 non-INVITE retransmissions (10 transmissions, capped at T2),
// given up at 31.5 s (35 s at T1 = 1 s).
TEST_P(TransactionProfilesTimeline, SippNonInviteGivesUpAfterNineRetransmissions) {
  Driver<ClientNonInviteTransaction> d(WithT1(SippProfile(), t1()), false, Bye());
  d.Start();
  d.RunToEnd();
  EXPECT_EQ(d.SendTimesMs(), ByT1(Seconds({0, 0.5, 1.5, 3.5, 7.5, 11.5, 15.5, 19.5, 23.5, 27.5}),
                                  Seconds({0, 1, 3, 7, 11, 15, 19, 23, 27, 31})));
  EXPECT_EQ(d.ToldLines(), strings{ByT1<std::string>("31500", "35000") + " timeout E"});
}

// SIPp's count does not apply over a reliable transport (no retransmissions):
// Timer B ends it.
TEST_P(TransactionProfilesTimeline, SippReliableUsesTimerB) {
  Driver<ClientInviteTransaction> d(WithT1(SippProfile(), t1()), true, Invite());
  d.Start();
  d.RunToEnd();
  EXPECT_EQ(d.ToldLines(), strings{std::to_string(64 * t1()) + " timeout B"});
}

INSTANTIATE_TEST_SUITE_P(T1, TransactionProfilesTimeline, ::testing::Values(500, 1000),
                         testing::T1Name);

}  // namespace
}  // namespace crankback::sip
