// INVITE server transaction: sip-semantics.md section C, X1 and the IST rows
// of Appendix 1, as a state x input table and as timelines in virtual time at
// T1 = 0.5 s and T1 = 1 s. Server times count from the INVITE's arrival.
#include "models/sip/server_invite_transaction.h"

#include <gtest/gtest.h>

#include "tests/models/sip/transaction_driver.h"

namespace crankback::sip {
namespace {

using testing::AckOf;
using testing::Driver;
using testing::Err;
using testing::Fire;
using testing::Invite;
using testing::Rx;
using testing::Seconds;
using testing::Tu;
using Ist = ServerInviteTransaction;
using State = Ist::State;
using Row = testing::Row<Ist>;
using strings = std::vector<std::string>;

Message RetransmittedInvite() {
  Message m = Invite();
  m.retransmission = true;
  return m;
}

// ----------------------------------------------------------------- table ----

std::vector<Row> IstRows() {
  const Message inv = Invite();
  const Input again = Rx(RetransmittedInvite());
  const Input ack = Rx(AckOf(inv));
  const auto row = testing::MakeRow<Ist>;
  const std::vector<Input> to_completed = {Tu(inv, 486)};
  const std::vector<Input> to_confirmed = {Tu(inv, 486), ack};
  const std::vector<Input> to_accepted = {Tu(inv, 200)};
  const std::vector<Input> g_three_times = {Tu(inv, 486), Fire(TimerName::kG), Fire(TimerName::kG),
                                            Fire(TimerName::kG)};
  return {
      // Proceeding (UDP; T1 = 0.5 s; the RFC profile's 100 timer is running)
      row("Proceeding_Tu180_C2", {}, State::kProceeding, Tu(inv, 180), State::kProceeding,
          {"stop Trying100", "send 180"}, 0, false),
      row("Proceeding_Tu200_C5", {}, State::kProceeding, Tu(inv, 200), State::kAccepted,
          {"stop Trying100", "send 200", "start L 32000"}, 0, false),
      row("Proceeding_Tu486_C3", {}, State::kProceeding, Tu(inv, 486), State::kCompleted,
          {"stop Trying100", "send 486", "start G 500", "start H 32000"}, 0, false),
      row("Proceeding_Tu486_Reliable_C3", {}, State::kProceeding, Tu(inv, 486), State::kCompleted,
          {"stop Trying100", "send 486", "start H 32000"}, 0, true),
      row("Proceeding_Trying100_C1", {}, State::kProceeding, Fire(TimerName::kTrying100),
          State::kProceeding, {"send 100"}, 0, false),
      row("Proceeding_InviteAgain_C2", {Tu(inv, 180)}, State::kProceeding, again,
          State::kProceeding, {"resend 180"}, 0, false),
      row("Proceeding_InviteAgain_NothingSentYet", {}, State::kProceeding, again,
          State::kProceeding, {}, 0, false),
      row("Proceeding_Ack", {}, State::kProceeding, ack, State::kProceeding, {}, 1, false),
      row("Proceeding_TransportError_C6", {Tu(inv, 180)}, State::kProceeding, Err(),
          State::kProceeding, {"transport-error"}, 0, false),
      // Completed
      row("Completed_TimerG_C3", to_completed, State::kCompleted, Fire(TimerName::kG),
          State::kCompleted, {"resend 486", "start G 1000"}, 0, false),
      row("Completed_TimerG_CappedAtT2_C3", g_three_times, State::kCompleted, Fire(TimerName::kG),
          State::kCompleted, {"resend 486", "start G 4000"}, 0, false),
      row("Completed_TimerH_C3", to_completed, State::kCompleted, Fire(TimerName::kH),
          State::kTerminated, {"stop G", "no-ack H", "terminated"}, 0, false),
      row("Completed_InviteAgain_C4", to_completed, State::kCompleted, again, State::kCompleted,
          {"resend 486"}, 0, false),
      row("Completed_Ack_C4", to_completed, State::kCompleted, ack, State::kConfirmed,
          {"stop G", "stop H", "start I 5000"}, 0, false),
      row("Completed_Ack_Reliable_C4", to_completed, State::kCompleted, ack, State::kTerminated,
          {"stop H", "terminated"}, 0, true),
      row("Completed_TransportError_C6", to_completed, State::kCompleted, Err(), State::kCompleted,
          {"transport-error"}, 0, false),
      row("Completed_Tu200", to_completed, State::kCompleted, Tu(inv, 200), State::kCompleted, {},
          1, false),
      // Confirmed
      row("Confirmed_Ack_C4", to_confirmed, State::kConfirmed, ack, State::kConfirmed, {}, 0,
          false),
      row("Confirmed_TimerI_C4", to_confirmed, State::kConfirmed, Fire(TimerName::kI),
          State::kTerminated, {"terminated"}, 0, false),
      row("Confirmed_Invite", to_confirmed, State::kConfirmed, again, State::kConfirmed, {}, 1,
          false),
      // Accepted (X1)
      row("Accepted_InviteAgain_X1", to_accepted, State::kAccepted, again, State::kAccepted, {}, 0,
          false),
      row("Accepted_Ack_X1", to_accepted, State::kAccepted, ack, State::kAccepted, {"tu ACK"}, 0,
          false),
      row("Accepted_Tu200_X1", to_accepted, State::kAccepted, Tu(inv, 200), State::kAccepted,
          {"send 200"}, 0, false),
      row("Accepted_Tu486", to_accepted, State::kAccepted, Tu(inv, 486), State::kAccepted, {}, 1,
          false),
      row("Accepted_TimerL_X1", to_accepted, State::kAccepted, Fire(TimerName::kL),
          State::kTerminated, {"terminated"}, 0, false),
      row("Accepted_TransportError_C6", to_accepted, State::kAccepted, Err(), State::kAccepted,
          {"transport-error"}, 0, false),
      // Terminated
      row("Terminated_Invite", {Tu(inv, 486), Fire(TimerName::kH)}, State::kTerminated, again,
          State::kTerminated, {}, 1, false),
  };
}

class ServerInviteTransactionTable : public ::testing::TestWithParam<Row> {};

TEST_P(ServerInviteTransactionTable, StateByInput) {
  testing::CheckRow(GetParam(), Rfc3261Profile(), Invite());
}

INSTANTIATE_TEST_SUITE_P(Ist, ServerInviteTransactionTable, ::testing::ValuesIn(IstRows()),
                         testing::RowName<Ist>);

// ------------------------------------------------------------- timelines ----

class ServerInviteTransactionTimeline : public testing::T1Param {};

// C1: created in Proceeding, the INVITE goes to the TU; 100 Trying unless the
// TU answers within 200 ms (RFC profile), at once (Kamailio), or never.
TEST_P(ServerInviteTransactionTimeline, C1_HundredTrying) {
  Driver<Ist> silent(Rfc(), false, Invite());
  silent.Start();
  EXPECT_EQ(silent.machine().state(), State::kProceeding);
  silent.RunUntil(10);
  EXPECT_EQ(silent.ToldLines(), strings{"0 tu INVITE"});
  EXPECT_EQ(silent.SendTimesMs(100), Seconds({0.2}));
  EXPECT_EQ(silent.sent().size(), 1u);

  Driver<Ist> quick(Rfc(), false, Invite());
  quick.Start();
  quick.At(0.1, Tu(Invite(), 180));
  quick.RunUntil(10);
  EXPECT_EQ(quick.SendTimesMs(100), std::vector<int64_t>{});
  EXPECT_EQ(quick.SendTimesMs(180), Seconds({0.1}));

  Driver<Ist> kamailio(testing::WithT1(KamailioProfile(), t1()), false, Invite());
  kamailio.Start();
  EXPECT_EQ(kamailio.SendTimesMs(100), Seconds({0}));

  TimerProfile never = Rfc();
  never.invite_trying_delay = std::nullopt;
  Driver<Ist> tu_does_it(never, false, Invite());
  tu_does_it.Start();
  tu_does_it.RunUntil(10);
  EXPECT_TRUE(tu_does_it.sent().empty());
}

// C2: a retransmitted INVITE in Proceeding gets the latest provisional again;
// provisionals are never retransmitted on a timer.
TEST_P(ServerInviteTransactionTimeline, C2_InviteRetransmissionGetsLatestProvisional) {
  Driver<Ist> d(Rfc(), false, Invite());
  d.Start();
  d.At(0.1, Tu(Invite(), 180));
  const double t1_s = static_cast<double>(t1()) / 1000;
  d.At(t1_s, Rx(RetransmittedInvite()));
  d.At(2 * t1_s, Tu(Invite(), 183));
  d.At(3 * t1_s, Rx(RetransmittedInvite()));
  d.RunUntil(200);
  EXPECT_EQ(d.SendTimesMs(180), (std::vector<int64_t>{100, t1()}));
  EXPECT_EQ(d.SendTimesMs(183), (std::vector<int64_t>{2 * t1(), 3 * t1()}));
  EXPECT_TRUE(d.sent()[1].message.retransmission);
  EXPECT_TRUE(d.sent()[3].message.retransmission);
  EXPECT_EQ(d.machine().state(), State::kProceeding);
}

// C3 (Appendix 1 row 4): 486 over UDP with no ACK: G from T1 doubling capped
// at T2 (11 transmissions at T1 = 0.5 s); Timer H at 64*T1 -> "no ACK" to
// the TU. Over TCP: 1 transmission, H still 64*T1.
TEST_P(ServerInviteTransactionTimeline, C3_FinalRetransmittedUntilTimerH) {
  Driver<Ist> udp(Rfc(), false, Invite());
  udp.Start();
  udp.At(0, Tu(Invite(), 486));
  udp.RunToEnd();
  EXPECT_EQ(udp.SendTimesMs(486),
            ByT1(Seconds({0, 0.5, 1.5, 3.5, 7.5, 11.5, 15.5, 19.5, 23.5, 27.5, 31.5}),
                 Seconds({0, 1, 3, 7, 11, 15, 19, 23, 27, 31, 35, 39, 43, 47, 51, 55, 59, 63})));
  EXPECT_EQ(udp.ToldLines(), (strings{"0 tu INVITE", std::to_string(64 * t1()) + " no-ack H"}));
  EXPECT_EQ(udp.TerminatedMs(), 64 * t1());

  Driver<Ist> tcp(Rfc(), true, Invite());
  tcp.Start();
  tcp.At(0, Tu(Invite(), 486));
  tcp.RunToEnd();
  EXPECT_EQ(tcp.SendTimesMs(486), Seconds({0}));
  EXPECT_EQ(tcp.TerminatedMs(), 64 * t1());
}

// C4 (Appendix 1 "IST Confirmed"): 486 at 0, ACK at 2*T1 (1.0 s at T1 = 0.5
// s): the 486 went out at 0 and T1; Confirmed absorbs further ACKs; Timer I =
// T4 = 5 s; 0 over a reliable transport. An INVITE retransmission in Completed
// gets the final again.
TEST_P(ServerInviteTransactionTimeline, C4_AckConfirmsThenTimerI) {
  const double ack_at = static_cast<double>(2 * t1()) / 1000;
  Driver<Ist> d(Rfc(), false, Invite());
  d.Start();
  d.At(0, Tu(Invite(), 486));
  d.At(ack_at, Rx(AckOf(Invite())));
  d.At(ack_at + 1, Rx(AckOf(Invite())));
  d.RunToEnd();
  EXPECT_EQ(d.SendTimesMs(486), (std::vector<int64_t>{0, t1()}));
  EXPECT_EQ(d.TerminatedMs(), 2 * t1() + 5000);
  EXPECT_EQ(d.ToldLines(), strings{"0 tu INVITE"});  // ACKs of a non-2xx stay here

  Driver<Ist> again(Rfc(), false, Invite());
  again.Start();
  again.At(0, Tu(Invite(), 486));
  again.At(0.25, Rx(RetransmittedInvite()));
  again.RunUntil(0.3);
  EXPECT_EQ(again.SendTimesMs(486), Seconds({0, 0.25}));
  EXPECT_TRUE(again.sent().back().message.retransmission);

  Driver<Ist> tcp(Rfc(), true, Invite());
  tcp.Start();
  tcp.At(0, Tu(Invite(), 486));
  tcp.At(0.1, Rx(AckOf(Invite())));
  tcp.RunToEnd();
  EXPECT_EQ(tcp.TerminatedMs(), 100);
}

// C5: a 2xx from the TU in Proceeding is sent once and the IST goes to
// Accepted (RFC 6026), not Terminated; it never retransmits the 2xx itself.
TEST_P(ServerInviteTransactionTimeline, C5_TwoXxGoesToAccepted) {
  Driver<Ist> d(Rfc(), false, Invite());
  d.Start();
  d.At(1.0, Tu(Invite(), 200));
  d.RunUntil(1.0);
  EXPECT_EQ(d.machine().state(), State::kAccepted);
  d.RunToEnd();
  EXPECT_EQ(d.SendTimesMs(200), Seconds({1.0}));
  EXPECT_EQ(d.SendTimesMs(100), Seconds({0.2}));
  EXPECT_EQ(d.TerminatedMs(), 1000 + 64 * t1());
}

// C6: a transport error leaves the IST in its state (RFC 6026) and tells the
// TU; retransmitted INVITEs are still answered; the timers end it.
TEST_P(ServerInviteTransactionTimeline, C6_TransportErrorKeepsState) {
  Driver<Ist> proceeding(Rfc(), false, Invite());
  proceeding.Start();
  proceeding.At(0.1, Tu(Invite(), 180));
  proceeding.At(0.2, Err());
  proceeding.At(0.3, Rx(RetransmittedInvite()));
  proceeding.RunUntil(1);
  EXPECT_EQ(proceeding.machine().state(), State::kProceeding);
  EXPECT_EQ(proceeding.ToldLines().back(), "200 transport-error");
  EXPECT_EQ(proceeding.SendTimesMs(180), Seconds({0.1, 0.3}));

  Driver<Ist> completed(Rfc(), false, Invite());
  completed.Start();
  completed.At(0, Tu(Invite(), 486));
  completed.At(0.1, Err());
  completed.RunToEnd();
  EXPECT_EQ(completed.ToldLines(), (strings{"0 tu INVITE", "100 transport-error",
                                            std::to_string(64 * t1()) + " no-ack H"}));
  EXPECT_EQ(completed.SendTimesMs(486).size(), ByT1<size_t>(11, 18));  // G goes on

  Driver<Ist> accepted(Rfc(), false, Invite());
  accepted.Start();
  accepted.At(0, Tu(Invite(), 200));
  accepted.At(0.1, Err());
  accepted.RunToEnd();
  EXPECT_EQ(accepted.ToldLines().back(), "100 transport-error");
  EXPECT_EQ(accepted.TerminatedMs(), 64 * t1());
}

// X1 (Appendix 1 "UAS 2xx, no ACK", transaction part): in Accepted, Timer L =
// 64*T1 on every transport; INVITE retransmissions absorbed (nothing sent, not
// passed up); every 2xx the TU passes (its own X4 retransmissions) is sent;
// ACKs go to the TU; a non-2xx from the TU is ignored.
TEST_P(ServerInviteTransactionTimeline, X1_AcceptedUntilTimerL) {
  for (bool reliable : {false, true}) {
    SCOPED_TRACE(reliable ? "reliable" : "udp");
    Driver<Ist> d(Rfc(), reliable, Invite());
    d.Start();
    d.At(0, Tu(Invite(), 200));
    Message ok = Message::ResponseTo(Invite(), 200);
    ok.retransmission = true;
    for (double t : {0.5, 1.5, 3.5}) d.At(t, Input::FromTu(ok));  // the TU's own schedule
    d.At(1.0, Rx(RetransmittedInvite()));
    d.At(2.0, Tu(Invite(), 486));
    d.At(5.0, Rx(AckOf(Invite())));
    d.RunToEnd();
    EXPECT_EQ(d.SendTimesMs(200), Seconds({0, 0.5, 1.5, 3.5}));
    EXPECT_FALSE(d.sent()[0].message.retransmission);
    EXPECT_TRUE(d.sent()[1].message.retransmission);
    EXPECT_EQ(d.ToldLines(), (strings{"0 tu INVITE", "5000 tu ACK"}));
    EXPECT_EQ(d.TerminatedMs(), 64 * t1());
    EXPECT_EQ(d.machine().absorbed_inputs(), 1u);
    EXPECT_EQ(d.machine().ignored_inputs(), 1u);
  }
}

INSTANTIATE_TEST_SUITE_P(T1, ServerInviteTransactionTimeline, ::testing::Values(500, 1000),
                         testing::T1Name);

}  // namespace
}  // namespace crankback::sip
