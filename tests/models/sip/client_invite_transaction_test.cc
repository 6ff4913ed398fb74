// INVITE client transaction: sip-semantics.md section A, X2 and the ICT rows
// of Appendix 1, as a state x input table and as timelines in virtual time at
// T1 = 0.5 s and T1 = 1 s.
#include "models/sip/client_invite_transaction.h"

#include <gtest/gtest.h>

#include "tests/models/sip/transaction_driver.h"

namespace crankback::sip {
namespace {

using testing::Driver;
using testing::Err;
using testing::Fire;
using testing::InT1;
using testing::Invite;
using testing::Rx;
using testing::RxResponse;
using testing::Seconds;
using testing::Tu;
using Ict = ClientInviteTransaction;
using State = Ict::State;
using Row = testing::Row<Ict>;
using strings = std::vector<std::string>;

// ----------------------------------------------------------------- table ----

std::vector<Row> IctRows() {
  const Message inv = Invite();
  const auto row = testing::MakeRow<Ict>;
  const std::vector<Input> to_proceeding = {RxResponse(inv, 100)};
  const std::vector<Input> to_completed = {RxResponse(inv, 486)};
  const std::vector<Input> to_accepted = {RxResponse(inv, 200)};
  const std::vector<Input> to_terminated = {Fire(TimerName::kB)};
  return {
      // Calling (UDP; T1 = 0.5 s)
      row("Calling_1xx_A3", {}, State::kCalling, RxResponse(inv, 180), State::kProceeding,
          {"stop A", "stop B", "tu 180"}, 0, false),
      row("Calling_2xx_A7", {}, State::kCalling, RxResponse(inv, 200), State::kAccepted,
          {"stop A", "stop B", "start M 32000", "tu 200"}, 0, false),
      row("Calling_486_A5", {}, State::kCalling, RxResponse(inv, 486), State::kCompleted,
          {"stop A", "stop B", "send ACK", "start D 32000", "tu 486"}, 0, false),
      row("Calling_486_Reliable_A6", {}, State::kCalling, RxResponse(inv, 486), State::kTerminated,
          {"stop B", "send ACK", "tu 486", "terminated"}, 0, true),
      row("Calling_TimerA_A1", {}, State::kCalling, Fire(TimerName::kA), State::kCalling,
          {"resend INVITE", "start A 1000"}, 0, false),
      row("Calling_TimerA_Again_A1", {Fire(TimerName::kA)}, State::kCalling, Fire(TimerName::kA),
          State::kCalling, {"resend INVITE", "start A 2000"}, 0, false),
      row("Calling_TimerB_A1", {}, State::kCalling, Fire(TimerName::kB), State::kTerminated,
          {"stop A", "timeout B", "terminated"}, 0, false),
      row("Calling_TransportError_A8", {}, State::kCalling, Err(), State::kTerminated,
          {"stop A", "stop B", "transport-error", "terminated"}, 0, false),
      row("Calling_FromTu", {}, State::kCalling, Tu(inv, 180), State::kCalling, {}, 1, false),
      row("Calling_StaleTimerD", {}, State::kCalling, Fire(TimerName::kD), State::kCalling, {}, 1,
          false),
      row("Calling_Request", {}, State::kCalling, Rx(inv), State::kCalling, {}, 1, false),
      // Proceeding: no timers (A4)
      row("Proceeding_1xx_A3", to_proceeding, State::kProceeding, RxResponse(inv, 180),
          State::kProceeding, {"tu 180"}, 0, false),
      row("Proceeding_2xx_A7", to_proceeding, State::kProceeding, RxResponse(inv, 200),
          State::kAccepted, {"start M 32000", "tu 200"}, 0, false),
      row("Proceeding_486_A5", to_proceeding, State::kProceeding, RxResponse(inv, 486),
          State::kCompleted, {"send ACK", "start D 32000", "tu 486"}, 0, false),
      row("Proceeding_StaleTimerB_A4", to_proceeding, State::kProceeding, Fire(TimerName::kB),
          State::kProceeding, {}, 1, false),
      row("Proceeding_TransportError", to_proceeding, State::kProceeding, Err(), State::kProceeding,
          {}, 1, false),
      // Completed (A6)
      row("Completed_486Again_A6", to_completed, State::kCompleted, RxResponse(inv, 486),
          State::kCompleted, {"resend ACK"}, 0, false),
      row("Completed_2xx", to_completed, State::kCompleted, RxResponse(inv, 200), State::kCompleted,
          {}, 1, false),
      row("Completed_1xx", to_completed, State::kCompleted, RxResponse(inv, 180), State::kCompleted,
          {}, 1, false),
      row("Completed_TimerD_A6", to_completed, State::kCompleted, Fire(TimerName::kD),
          State::kTerminated, {"terminated"}, 0, false),
      row("Completed_TransportError_A8", to_completed, State::kCompleted, Err(), State::kTerminated,
          {"stop D", "transport-error", "terminated"}, 0, false),
      // Accepted (X2)
      row("Accepted_2xx_X2", to_accepted, State::kAccepted, RxResponse(inv, 200), State::kAccepted,
          {"tu 200"}, 0, false),
      row("Accepted_486", to_accepted, State::kAccepted, RxResponse(inv, 486), State::kAccepted, {},
          1, false),
      row("Accepted_TransportError_X2", to_accepted, State::kAccepted, Err(), State::kAccepted, {},
          1, false),
      row("Accepted_TimerM_X2", to_accepted, State::kAccepted, Fire(TimerName::kM),
          State::kTerminated, {"terminated"}, 0, false),
      // Terminated
      row("Terminated_2xx", to_terminated, State::kTerminated, RxResponse(inv, 200),
          State::kTerminated, {}, 1, false),
      row("Terminated_TimerA", to_terminated, State::kTerminated, Fire(TimerName::kA),
          State::kTerminated, {}, 1, false),
  };
}

class ClientInviteTransactionTable : public ::testing::TestWithParam<Row> {};

TEST_P(ClientInviteTransactionTable, StateByInput) {
  testing::CheckRow(GetParam(), Rfc3261Profile(), Invite());
}

INSTANTIATE_TEST_SUITE_P(Ict, ClientInviteTransactionTable, ::testing::ValuesIn(IctRows()),
                         testing::RowName<Ict>);

// ------------------------------------------------------------- timelines ----

class ClientInviteTransactionTimeline : public testing::T1Param {};

// A1 (Appendix 1 row 1) and, at T1 = 1 s, A1b: 7 INVITEs, T1 doubling
// uncapped, Timer B at 64*T1 -> timeout (the TU's 408), no ACK, no 408 sent.
TEST_P(ClientInviteTransactionTimeline, A1_A1b_UdpSilentPeer) {
  Driver<Ict> d(Rfc(), false, Invite());
  d.Start();
  d.RunToEnd();
  EXPECT_EQ(d.SendTimesMs(Method::kInvite), InT1({0, 1, 3, 7, 15, 31, 63}, t1()));
  EXPECT_EQ(d.sent().size(), 7u);  // no ACK, nothing else
  EXPECT_FALSE(d.sent()[0].message.retransmission);
  for (size_t i = 1; i < d.sent().size(); ++i) EXPECT_TRUE(d.sent()[i].message.retransmission);
  EXPECT_EQ(d.ToldLines(), strings{std::to_string(64 * t1()) + " timeout B"});
  EXPECT_EQ(d.TerminatedMs(), 64 * t1());
  EXPECT_EQ(d.machine().state(), State::kTerminated);
}

// A1b: Timer B is armed at 64*T1 (64 s at T1 = 1 s, never a hard-coded 32 s).
TEST_P(ClientInviteTransactionTimeline, A1b_StartArmsTimerBAt64T1) {
  const TimerProfile rfc = Rfc();  // the machine keeps a pointer to its profile
  Ict ict(rfc, false, Invite());
  EXPECT_EQ(testing::Describe(ict.Start(sim::SimTime())),
            (strings{"send INVITE", "start A " + std::to_string(t1()),
                     "start B " + std::to_string(64 * t1())}));
}

// A2: reliable transport: one transmission, no Timer A, Timer B still 64*T1.
TEST_P(ClientInviteTransactionTimeline, A2_ReliableOneTransmission) {
  Driver<Ict> d(Rfc(), true, Invite());
  d.Start();
  d.RunToEnd();
  EXPECT_EQ(d.SendTimesMs(), Seconds({0}));
  EXPECT_EQ(d.ToldLines(), strings{std::to_string(64 * t1()) + " timeout B"});
  EXPECT_EQ(d.TerminatedMs(), 64 * t1());
}

// A3: a 1xx in Calling stops retransmission; every 1xx goes to the TU.
TEST_P(ClientInviteTransactionTimeline, A3_ProvisionalStopsRetransmission) {
  Driver<Ict> d(Rfc(), false, Invite());
  d.Start();
  const double t1_s = static_cast<double>(t1()) / 1000;
  d.At(0.6 * t1_s, RxResponse(Invite(), 100));  // 0.3 s at T1 = 0.5 s
  d.At(5.0, RxResponse(Invite(), 180));
  d.At(6.0, RxResponse(Invite(), 183));
  d.RunUntil(200);
  EXPECT_EQ(d.SendTimesMs(), Seconds({0}));
  EXPECT_EQ(d.ToldLines(),
            (strings{std::to_string(6 * t1() / 10) + " tu 100", "5000 tu 180", "6000 tu 183"}));
  EXPECT_EQ(d.machine().state(), State::kProceeding);
}

// A4: no transaction timeout in Proceeding: nothing at 64*T1 or ever after.
TEST_P(ClientInviteTransactionTimeline, A4_NoTimeoutInProceeding) {
  Driver<Ict> d(Rfc(), false, Invite());
  d.Start();
  d.At(0.1, RxResponse(Invite(), 100));
  d.At(1.0, RxResponse(Invite(), 180));
  d.RunUntil(100'000);
  EXPECT_FALSE(d.NextEvent().has_value());  // no timer left running
  EXPECT_EQ(d.ToldLines(), (strings{"100 tu 100", "1000 tu 180"}));
  EXPECT_EQ(d.machine().state(), State::kProceeding);
  EXPECT_FALSE(d.terminated_at().has_value());
}

// A5: a 300-699 in Calling or Proceeding is ACKed by the transaction itself,
// also over a reliable transport, and goes to the TU once.
TEST_P(ClientInviteTransactionTimeline, A5_TransactionAcksNon2xx) {
  struct Case {
    const char* name;
    bool reliable;
    bool provisional_first;
    State after;
  };
  for (const Case& c : {Case{"calling-udp", false, false, State::kCompleted},
                        Case{"proceeding-udp", false, true, State::kCompleted},
                        Case{"calling-reliable", true, false, State::kTerminated}}) {
    SCOPED_TRACE(c.name);
    Message invite = Invite();
    Driver<Ict> d(Rfc(), c.reliable, invite);
    d.Start();
    if (c.provisional_first) d.At(0.1, RxResponse(invite, 180));
    d.At(0.2, RxResponse(invite, 404));
    d.RunUntil(0.2);
    EXPECT_EQ(d.SendTimesMs(Method::kAck), Seconds({0.2}));
    const Message& ack = d.sent().back().message;
    EXPECT_EQ(ack.method, Method::kAck);
    EXPECT_EQ(ack.status, 0);
    EXPECT_FALSE(ack.retransmission);
    EXPECT_EQ(ack.call_id, invite.call_id);
    EXPECT_EQ(ack.cseq, invite.cseq);
    EXPECT_EQ(ack.destination, invite.destination);  // same Request-URI
    EXPECT_EQ(ack.to, invite.to);                    // same peer as the INVITE
    EXPECT_EQ(d.ToldLines().back(), "200 tu 404");
    EXPECT_EQ(d.machine().state(), c.after);
  }
}

// A6 (Appendix 1 "ICT Completed"): 486 at 2.0, 2.5, 3.5 -> 3 ACKs, 1 TU
// notification; Timer D = max(32 s, 64*T1) (>= 32 s; sofia-sip) ends it.
TEST_P(ClientInviteTransactionTimeline, A6_RetransmittedFinalsReAckedUntilTimerD) {
  Driver<Ict> d(Rfc(), false, Invite());
  d.Start();
  Message busy = Message::ResponseTo(Invite(), 486);
  d.At(2.0, Input::Received(busy));
  busy.retransmission = true;
  d.At(2.5, Input::Received(busy));
  d.At(3.5, Input::Received(busy));
  d.RunToEnd();
  EXPECT_EQ(d.SendTimesMs(Method::kInvite), ByT1(Seconds({0, 0.5, 1.5}), Seconds({0, 1})));
  EXPECT_EQ(d.SendTimesMs(Method::kAck), Seconds({2.0, 2.5, 3.5}));
  EXPECT_EQ(d.ToldLines(), strings{"2000 tu 486"});
  EXPECT_EQ(d.TerminatedMs(), ByT1<int64_t>(34'000, 66'000));
  EXPECT_EQ(d.machine().absorbed_inputs(), 2u);
}

// A6: Timer D is 0 over a reliable transport: terminated with the final.
TEST_P(ClientInviteTransactionTimeline, A6_ReliableTimerDZero) {
  Driver<Ict> d(Rfc(), true, Invite());
  d.Start();
  d.At(0.1, RxResponse(Invite(), 486));
  d.RunToEnd();
  EXPECT_EQ(d.SendTimesMs(Method::kAck), Seconds({0.1}));
  EXPECT_EQ(d.TerminatedMs(), 100);
}

// A7: a 2xx in Calling or Proceeding moves to Accepted (RFC 6026) and is
// never ACKed by the transaction; it goes to the TU.
TEST_P(ClientInviteTransactionTimeline, A7_TwoXxNeverAckedByTransaction) {
  for (bool provisional_first : {false, true}) {
    SCOPED_TRACE(provisional_first ? "proceeding" : "calling");
    Driver<Ict> d(Rfc(), false, Invite());
    d.Start();
    if (provisional_first) d.At(0.1, RxResponse(Invite(), 180));
    d.At(0.2, RxResponse(Invite(), 200));
    d.RunUntil(0.2);
    EXPECT_EQ(d.machine().state(), State::kAccepted);
    EXPECT_EQ(d.SendTimesMs(Method::kAck), std::vector<int64_t>{});
    EXPECT_EQ(d.ToldLines().back(), "200 tu 200");
  }
}

// A8: a transport error in Calling ends the transaction and tells the TU (a
// 503 there); RFC 6026 Figure 5 does the same in Completed.
TEST_P(ClientInviteTransactionTimeline, A8_TransportError) {
  Driver<Ict> calling(Rfc(), false, Invite());
  calling.Start();
  calling.At(0.1, Err());
  calling.RunToEnd();
  EXPECT_EQ(calling.SendTimesMs(), Seconds({0}));
  EXPECT_EQ(calling.ToldLines(), strings{"100 transport-error"});
  EXPECT_EQ(calling.TerminatedMs(), 100);

  Driver<Ict> completed(Rfc(), false, Invite());
  completed.Start();
  completed.At(0.1, RxResponse(Invite(), 486));
  completed.At(0.2, Err());
  completed.RunToEnd();
  EXPECT_EQ(completed.ToldLines(), (strings{"100 tu 486", "200 transport-error"}));
  EXPECT_EQ(completed.TerminatedMs(), 200);
}

// X2: Accepted passes every further 2xx (retransmission or another fork) to
// the TU, never ACKs, ignores non-2xx and transport errors (X2 [UNCERTAIN]:
// stays, as sipgo), and ends at Timer M = 64*T1.
TEST_P(ClientInviteTransactionTimeline, X2_AcceptedPassesEvery2xxUntilTimerM) {
  Driver<Ict> d(Rfc(), false, Invite());
  d.Start();
  Message ok = Message::ResponseTo(Invite(), 200);
  d.At(1.0, Input::Received(ok));
  ok.retransmission = true;
  d.At(1.5, Input::Received(ok));
  Message other_fork = Message::ResponseTo(Invite(), 200);
  d.At(2.0, Input::Received(other_fork));
  d.At(3.0, RxResponse(Invite(), 486));
  d.At(4.0, Err());
  d.RunToEnd();
  EXPECT_EQ(d.ToldLines(), (strings{"1000 tu 200", "1500 tu 200", "2000 tu 200"}));
  EXPECT_EQ(d.SendTimesMs(Method::kAck), std::vector<int64_t>{});
  EXPECT_EQ(d.TerminatedMs(), 1000 + 64 * t1());
  EXPECT_EQ(d.machine().ignored_inputs(), 2u);
}

INSTANTIATE_TEST_SUITE_P(T1, ClientInviteTransactionTimeline, ::testing::Values(500, 1000),
                         testing::T1Name);

}  // namespace
}  // namespace crankback::sip
