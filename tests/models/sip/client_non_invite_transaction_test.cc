// Non-INVITE client transaction: sip-semantics.md section B and the NICT rows
// of Appendix 1, as a state x input table and as timelines in virtual time at
// T1 = 0.5 s and T1 = 1 s.
#include "models/sip/client_non_invite_transaction.h"

#include <gtest/gtest.h>

#include "tests/models/sip/transaction_driver.h"

namespace crankback::sip {
namespace {

using testing::Bye;
using testing::Driver;
using testing::Err;
using testing::Fire;
using testing::RxResponse;
using testing::Seconds;
using testing::Tu;
using Nict = ClientNonInviteTransaction;
using State = Nict::State;
using Row = testing::Row<Nict>;
using strings = std::vector<std::string>;

// `first`, `first + step`, ... up to `last` (seconds), as milliseconds.
std::vector<int64_t> Every(double first, double step, double last) {
  std::vector<int64_t> ms;
  for (double t = first; t <= last + 1e-9; t += step) ms.push_back(std::llround(t * 1000));
  return ms;
}
std::vector<int64_t> Join(std::vector<int64_t> a, const std::vector<int64_t>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// ----------------------------------------------------------------- table ----

std::vector<Row> NictRows() {
  const Message bye = Bye();
  const auto row = testing::MakeRow<Nict>;
  const std::vector<Input> to_proceeding = {RxResponse(bye, 100)};
  const std::vector<Input> to_completed = {RxResponse(bye, 200)};
  const std::vector<Input> three_e = {Fire(TimerName::kE), Fire(TimerName::kE),
                                      Fire(TimerName::kE)};
  return {
      // Trying (UDP; T1 = 0.5 s)
      row("Trying_1xx_LeavesTimerE_B2", {}, State::kTrying, RxResponse(bye, 100),
          State::kProceeding, {"tu 100"}, 0, false),
      row("Trying_200_B4", {}, State::kTrying, RxResponse(bye, 200), State::kCompleted,
          {"stop E", "stop F", "start K 5000", "tu 200"}, 0, false),
      row("Trying_200_Reliable_B4", {}, State::kTrying, RxResponse(bye, 200), State::kTerminated,
          {"stop F", "tu 200", "terminated"}, 0, true),
      row("Trying_TimerE_B1", {}, State::kTrying, Fire(TimerName::kE), State::kTrying,
          {"resend BYE", "start E 1000"}, 0, false),
      row("Trying_TimerE_CappedAtT2_B1", three_e, State::kTrying, Fire(TimerName::kE),
          State::kTrying, {"resend BYE", "start E 4000"}, 0, false),
      row("Trying_TimerF_B1", {}, State::kTrying, Fire(TimerName::kF), State::kTerminated,
          {"stop E", "timeout F", "terminated"}, 0, false),
      row("Trying_TransportError_B6", {}, State::kTrying, Err(), State::kTerminated,
          {"stop E", "stop F", "transport-error", "terminated"}, 0, false),
      row("Trying_FromTu", {}, State::kTrying, Tu(bye, 200), State::kTrying, {}, 1, false),
      // Proceeding
      row("Proceeding_TimerE_ResetToT2_B2", to_proceeding, State::kProceeding, Fire(TimerName::kE),
          State::kProceeding, {"resend BYE", "start E 4000"}, 0, false),
      row("Proceeding_1xx", to_proceeding, State::kProceeding, RxResponse(bye, 100),
          State::kProceeding, {"tu 100"}, 0, false),
      row("Proceeding_486_B4", to_proceeding, State::kProceeding, RxResponse(bye, 486),
          State::kCompleted, {"stop E", "stop F", "start K 5000", "tu 486"}, 0, false),
      row("Proceeding_TimerF_B3", to_proceeding, State::kProceeding, Fire(TimerName::kF),
          State::kTerminated, {"stop E", "timeout F", "terminated"}, 0, false),
      row("Proceeding_TransportError_B6", to_proceeding, State::kProceeding, Err(),
          State::kTerminated, {"stop E", "stop F", "transport-error", "terminated"}, 0, false),
      // Completed
      row("Completed_FinalAgain_B4", to_completed, State::kCompleted, RxResponse(bye, 200),
          State::kCompleted, {}, 0, false),
      row("Completed_1xx", to_completed, State::kCompleted, RxResponse(bye, 100), State::kCompleted,
          {}, 1, false),
      row("Completed_TimerK_B4", to_completed, State::kCompleted, Fire(TimerName::kK),
          State::kTerminated, {"terminated"}, 0, false),
      row("Completed_TransportError", to_completed, State::kCompleted, Err(), State::kCompleted, {},
          1, false),
      // Terminated
      row("Terminated_Final", {RxResponse(bye, 200), Fire(TimerName::kK)}, State::kTerminated,
          RxResponse(bye, 200), State::kTerminated, {}, 1, false),
  };
}

class ClientNonInviteTransactionTable : public ::testing::TestWithParam<Row> {};

TEST_P(ClientNonInviteTransactionTable, StateByInput) {
  testing::CheckRow(GetParam(), Rfc3261Profile(), Bye());
}

INSTANTIATE_TEST_SUITE_P(Nict, ClientNonInviteTransactionTable, ::testing::ValuesIn(NictRows()),
                         testing::RowName<Nict>);

// B2 [IMPL] variant as a table row: the 1xx restarts E at T2.
TEST(ClientNonInviteTransactionTable, Trying_1xx_RestartsTimerE_PjsipVariant_B2) {
  TimerProfile pjsip = Rfc3261Profile();
  pjsip.nict_provisional_restarts_e_at_t2 = true;
  testing::CheckRow(testing::MakeRow<Nict>("variant", {}, State::kTrying, RxResponse(Bye(), 100),
                                           State::kProceeding, {"start E 4000", "tu 100"}),
                    pjsip, Bye());
}

// ------------------------------------------------------------- timelines ----

class ClientNonInviteTransactionTimeline : public testing::T1Param {};

// B1 (Appendix 1 row 2): intervals T1, 2*T1, ... capped at T2; Timer F at
// 64*T1 -> timeout (the TU's 408). 11 transmissions at T1 = 0.5 s.
TEST_P(ClientNonInviteTransactionTimeline, B1_UdpSilentPeer) {
  Driver<Nict> d(Rfc(), false, Bye());
  d.Start();
  d.RunToEnd();
  EXPECT_EQ(d.SendTimesMs(), ByT1(Join(Seconds({0, 0.5, 1.5}), Every(3.5, 4, 31.5)),  // 11
                                  Join(Seconds({0, 1}), Every(3, 4, 63))));           // 18
  EXPECT_EQ(d.sent().size(), ByT1<size_t>(11, 18));
  EXPECT_EQ(d.ToldLines(), strings{std::to_string(64 * t1()) + " timeout F"});
  EXPECT_EQ(d.TerminatedMs(), 64 * t1());
}

// B2 (Appendix 1 row 3), RFC-literal: a 100 at 0.2 leaves the running E (due
// at T1); its firing in Proceeding resets it to T2. 9 transmissions at 0.5 s.
TEST_P(ClientNonInviteTransactionTimeline, B2_ProvisionalLeavesTimerE) {
  Driver<Nict> d(Rfc(), false, Bye());
  d.Start();
  d.At(0.2, RxResponse(Bye(), 100));
  d.RunToEnd();
  EXPECT_EQ(d.SendTimesMs(), ByT1(Join(Seconds({0}), Every(0.5, 4, 28.5)),  // 9
                                  Join(Seconds({0}), Every(1, 4, 61))));    // 17
  EXPECT_EQ(d.ToldLines(), (strings{"200 tu 100", std::to_string(64 * t1()) + " timeout F"}));
}

// B2 [IMPL] PJSIP/Kamailio variant (Appendix 2 item 3): E restarts at T2 from
// the 1xx: 0, 4.2, ..., 28.2 (8 transmissions at T1 = 0.5 s).
TEST_P(ClientNonInviteTransactionTimeline, B2_PjsipVariantRestartsAtT2) {
  TimerProfile pjsip = Rfc();
  pjsip.nict_provisional_restarts_e_at_t2 = true;
  Driver<Nict> d(pjsip, false, Bye());
  d.Start();
  d.At(0.2, RxResponse(Bye(), 100));
  d.RunToEnd();
  EXPECT_EQ(d.SendTimesMs(), Join(Seconds({0}), Every(4.2, 4, ByT1(28.2, 60.2))));
  EXPECT_EQ(d.sent().size(), ByT1<size_t>(8, 16));
  EXPECT_EQ(d.TerminatedMs(), 64 * t1());
}

// B3: a 1xx does not stop Timer F; F in Proceeding is a timeout.
TEST_P(ClientNonInviteTransactionTimeline, B3_TimerFFiresInProceeding) {
  Driver<Nict> d(Rfc(), false, Bye());
  d.Start();
  d.At(1.0, RxResponse(Bye(), 100));
  d.RunUntil(static_cast<double>(64 * t1() - 1) / 1000);
  EXPECT_EQ(d.machine().state(), State::kProceeding);
  d.RunToEnd();
  EXPECT_EQ(d.ToldLines().back(), std::to_string(64 * t1()) + " timeout F");
  EXPECT_EQ(d.machine().state(), State::kTerminated);
}

// B4 (Appendix 1 "NICT Completed"): a final in Trying or Proceeding goes to
// the TU once; Timer K = T4 (5 s, not scaled by T1) absorbs retransmitted
// finals; no ACK; K = 0 over a reliable transport.
TEST_P(ClientNonInviteTransactionTimeline, B4_FinalThenTimerK) {
  for (bool provisional_first : {false, true}) {
    SCOPED_TRACE(provisional_first ? "proceeding" : "trying");
    Driver<Nict> d(Rfc(), false, Bye());
    d.Start();
    if (provisional_first) d.At(0.1, RxResponse(Bye(), 100));
    d.At(0.2, RxResponse(Bye(), 200));
    d.At(1.0, RxResponse(Bye(), 200));
    d.At(2.0, RxResponse(Bye(), 200));
    d.RunToEnd();
    EXPECT_EQ(d.SendTimesMs(), Seconds({0}));  // nothing after the request: no ACK
    EXPECT_EQ(d.ToldLines().back(), "200 tu 200");
    EXPECT_EQ(d.TerminatedMs(), 5200);
    EXPECT_EQ(d.machine().absorbed_inputs(), 2u);
  }
  Driver<Nict> reliable(Rfc(), true, Bye());
  reliable.Start();
  reliable.At(0.2, RxResponse(Bye(), 200));
  reliable.RunToEnd();
  EXPECT_EQ(reliable.TerminatedMs(), 200);
}

// B5: reliable transport: 1 transmission, no Timer E, Timer F at 64*T1.
TEST_P(ClientNonInviteTransactionTimeline, B5_ReliableOneTransmission) {
  Driver<Nict> d(Rfc(), true, Bye());
  d.Start();
  EXPECT_FALSE(d.running(TimerName::kE));
  d.RunToEnd();
  EXPECT_EQ(d.SendTimesMs(), Seconds({0}));
  EXPECT_EQ(d.ToldLines(), strings{std::to_string(64 * t1()) + " timeout F"});
}

// B6: a transport error ends the transaction and tells the TU (a 503 there).
TEST_P(ClientNonInviteTransactionTimeline, B6_TransportError) {
  for (bool provisional_first : {false, true}) {
    SCOPED_TRACE(provisional_first ? "proceeding" : "trying");
    Driver<Nict> d(Rfc(), false, Bye());
    d.Start();
    if (provisional_first) d.At(0.1, RxResponse(Bye(), 100));
    d.At(0.2, Err());
    d.RunToEnd();
    EXPECT_EQ(d.ToldLines().back(), "200 transport-error");
    EXPECT_EQ(d.TerminatedMs(), 200);
    EXPECT_EQ(d.SendTimesMs(), Seconds({0}));
  }
}

INSTANTIATE_TEST_SUITE_P(T1, ClientNonInviteTransactionTimeline, ::testing::Values(500, 1000),
                         testing::T1Name);

}  // namespace
}  // namespace crankback::sip
