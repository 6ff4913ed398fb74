// Non-INVITE server transaction: sip-semantics.md section E and the NIST rows
// of Appendix 1, as a state x input table and as timelines in virtual time at
// T1 = 0.5 s and T1 = 1 s; E3 runs a client and a server together.
#include "models/sip/server_non_invite_transaction.h"

#include <gtest/gtest.h>

#include "models/sip/client_non_invite_transaction.h"
#include "tests/models/sip/transaction_driver.h"

namespace crankback::sip {
namespace {

using testing::Bye;
using testing::Driver;
using testing::Err;
using testing::Fire;
using testing::Rx;
using testing::Seconds;
using testing::Tu;
using Nist = ServerNonInviteTransaction;
using State = Nist::State;
using Row = testing::Row<Nist>;
using strings = std::vector<std::string>;

Message RetransmittedBye() {
  Message m = Bye();
  m.retransmission = true;
  return m;
}

// ----------------------------------------------------------------- table ----

std::vector<Row> NistRows() {
  const Message bye = Bye();
  const Input again = Rx(RetransmittedBye());
  const auto row = testing::MakeRow<Nist>;
  const std::vector<Input> to_proceeding = {Fire(TimerName::kTrying100)};
  const std::vector<Input> to_completed = {Tu(bye, 200)};
  return {
      // Trying (UDP; T1 = 0.5 s; the RFC 4320 100 timer is running)
      row("Trying_RequestAgain_E1", {}, State::kTrying, again, State::kTrying, {}, 0, false),
      row("Trying_Trying100_E2", {}, State::kTrying, Fire(TimerName::kTrying100),
          State::kProceeding, {"send 100"}, 0, false),
      row("Trying_Tu200_E1", {}, State::kTrying, Tu(bye, 200), State::kCompleted,
          {"stop Trying100", "send 200", "start J 32000"}, 0, false),
      row("Trying_Tu200_Reliable_E1", {}, State::kTrying, Tu(bye, 200), State::kTerminated,
          {"stop Trying100", "send 200", "terminated"}, 0, true),
      row("Trying_Tu100_Udp_TooEarly_E2", {}, State::kTrying, Tu(bye, 100), State::kTrying, {}, 1,
          false),
      row("Trying_Tu100_Reliable_E2", {}, State::kTrying, Tu(bye, 100), State::kProceeding,
          {"stop Trying100", "send 100"}, 0, true),
      row("Trying_Tu180_E2", {}, State::kTrying, Tu(bye, 180), State::kTrying, {}, 1, false),
      row("Trying_Tu408_E4", {}, State::kTrying, Tu(bye, 408), State::kTrying, {}, 1, false),
      row("Trying_TransportError", {}, State::kTrying, Err(), State::kTrying, {}, 1, false),
      // Proceeding
      row("Proceeding_RequestAgain_E1", to_proceeding, State::kProceeding, again,
          State::kProceeding, {"resend 100"}, 0, false),
      row("Proceeding_Tu100_E1", to_proceeding, State::kProceeding, Tu(bye, 100),
          State::kProceeding, {"send 100"}, 0, false),
      row("Proceeding_Tu486_E1", to_proceeding, State::kProceeding, Tu(bye, 486), State::kCompleted,
          {"send 486", "start J 32000"}, 0, false),
      row("Proceeding_Tu408_E4", to_proceeding, State::kProceeding, Tu(bye, 408),
          State::kProceeding, {}, 1, false),
      row("Proceeding_TransportError", to_proceeding, State::kProceeding, Err(), State::kTerminated,
          {"transport-error", "terminated"}, 0, false),
      // Completed
      row("Completed_RequestAgain_E1", to_completed, State::kCompleted, again, State::kCompleted,
          {"resend 200"}, 0, false),
      row("Completed_Tu500_E1", to_completed, State::kCompleted, Tu(bye, 500), State::kCompleted,
          {}, 1, false),
      row("Completed_TimerJ_E1", to_completed, State::kCompleted, Fire(TimerName::kJ),
          State::kTerminated, {"terminated"}, 0, false),
      row("Completed_TransportError", to_completed, State::kCompleted, Err(), State::kTerminated,
          {"stop J", "transport-error", "terminated"}, 0, false),
      // Terminated
      row("Terminated_RequestAgain", {Tu(bye, 200), Fire(TimerName::kJ)}, State::kTerminated, again,
          State::kTerminated, {}, 1, false),
  };
}

class ServerNonInviteTransactionTable : public ::testing::TestWithParam<Row> {};

TEST_P(ServerNonInviteTransactionTable, StateByInput) {
  testing::CheckRow(GetParam(), Rfc3261Profile(), Bye());
}

INSTANTIATE_TEST_SUITE_P(Nist, ServerNonInviteTransactionTable, ::testing::ValuesIn(NistRows()),
                         testing::RowName<Nist>);

// ------------------------------------------------------------- timelines ----

class ServerNonInviteTransactionTimeline : public testing::T1Param {
 protected:
  // RFC 4320: when the client's Timer E reaches T2 (3.5 s, or 3 s at T1 = 1 s).
  double trying_s() const { return ByT1(3.5, 3.0); }
};

// E1: Trying absorbs retransmissions silently; Proceeding resends the latest
// 1xx; a final moves to Completed, which resends it and discards other finals
// from the TU until Timer J = 64*T1.
TEST_P(ServerNonInviteTransactionTimeline, E1_RetransmissionsAndTimerJ) {
  const double t1_s = static_cast<double>(t1()) / 1000;
  Driver<Nist> d(Rfc(), false, Bye());
  d.Start();
  d.At(0.5 * t1_s, Rx(RetransmittedBye()));
  d.At(t1_s, Rx(RetransmittedBye()));
  d.At(5.0, Rx(RetransmittedBye()));
  d.At(6.0, Tu(Bye(), 200));
  d.At(7.0, Rx(RetransmittedBye()));
  d.At(8.0, Tu(Bye(), 500));
  d.RunToEnd();
  EXPECT_EQ(d.SendTimesMs(100), Seconds({trying_s(), 5.0}));
  EXPECT_EQ(d.SendTimesMs(200), Seconds({6.0, 7.0}));
  EXPECT_EQ(d.SendTimesMs(500), std::vector<int64_t>{});
  EXPECT_EQ(d.TerminatedMs(), 6000 + 64 * t1());
  EXPECT_EQ(d.machine().absorbed_inputs(), 4u);
  EXPECT_EQ(d.machine().ignored_inputs(), 1u);

  Driver<Nist> tcp(Rfc(), true, Bye());
  tcp.Start();
  tcp.At(0.1, Tu(Bye(), 100));  // any time over a reliable transport (RFC 4320 §4.1)
  tcp.At(0.2, Rx(RetransmittedBye()));
  tcp.At(0.3, Tu(Bye(), 200));
  tcp.RunToEnd();
  EXPECT_EQ(tcp.SendTimesMs(100), Seconds({0.1, 0.2}));
  EXPECT_EQ(tcp.TerminatedMs(), 300);  // J = 0
}

// Appendix 1 "NIST UDP, final sent @ 0": Timer J at 64*T1.
TEST_P(ServerNonInviteTransactionTimeline, E1_FinalAtZeroTimerJ) {
  Driver<Nist> d(Rfc(), false, Bye());
  d.Start();
  d.At(0, Tu(Bye(), 200));
  d.RunToEnd();
  EXPECT_EQ(d.SendTimesMs(), Seconds({0}));
  EXPECT_EQ(d.TerminatedMs(), 64 * t1());
}

// E2 (Appendix 1 "RFC 4320 100 to non-INVITE"): with a silent TU the NIST
// sends 100 when the client's E reaches T2, on every transport; over UDP a
// TU's earlier 100 is held back, and no other 1xx is ever sent.
TEST_P(ServerNonInviteTransactionTimeline, E2_HundredWhenTimerEReachesT2) {
  for (bool reliable : {false, true}) {
    SCOPED_TRACE(reliable ? "reliable" : "udp");
    Driver<Nist> d(Rfc(), reliable, Bye());
    d.Start();
    if (!reliable) d.At(1.0, Tu(Bye(), 100));
    d.At(10.0, Tu(Bye(), 180));
    d.RunUntil(100);
    EXPECT_EQ(d.SendTimesMs(), Seconds({trying_s()}));
    EXPECT_EQ(d.sent()[0].message.status, 100);
    EXPECT_EQ(d.machine().state(), State::kProceeding);
    EXPECT_EQ(d.machine().ignored_inputs(), reliable ? 1u : 2u);
  }
}

// E3: OPTIONS-like request over UDP, the UAS answers 200 at t = 10: client
// sends at 0, T1, 3*T1, ..., the server's own 100 at 3.5 s, a request
// retransmission makes it resend the 100, the 200 at 10.0, client Completed at
// 10.0 and destroyed at 15.0 (Timer K).
TEST_P(ServerNonInviteTransactionTimeline, E3_ClientAndServerTogether) {
  Driver<ClientNonInviteTransaction> client(Rfc(), false, Bye());
  Driver<Nist> server(Rfc(), false, Bye());
  client.Start();
  server.Start();  // the first request's arrival, at 0
  server.At(10.0, Tu(Bye(), 200));
  testing::RunPair(client, server, 100);
  EXPECT_EQ(client.SendTimesMs(), ByT1(Seconds({0, 0.5, 1.5, 3.5, 7.5}), Seconds({0, 1, 3, 7})));
  EXPECT_EQ(server.SendTimesMs(100), Seconds({trying_s(), ByT1(7.5, 7.0)}));
  EXPECT_EQ(server.SendTimesMs(200), Seconds({10.0}));
  EXPECT_EQ(
      client.ToldLines(),
      (strings{std::to_string(std::llround(trying_s() * 1000)) + " tu 100",
               std::to_string(std::llround(ByT1(7.5, 7.0) * 1000)) + " tu 100", "10000 tu 200"}));
  EXPECT_EQ(client.TerminatedMs(), 15000);
  EXPECT_EQ(server.TerminatedMs(), 10000 + 64 * t1());
}

// E4: the NIST never sends 408 (or any final of its own): a silent TU gets
// only the RFC 4320 100, forever; a TU's 408 is refused; a later 200 is sent.
TEST_P(ServerNonInviteTransactionTimeline, E4_NeverSends408) {
  Driver<Nist> d(Rfc(), false, Bye());
  d.Start();
  d.At(40.0, Tu(Bye(), 408));
  d.RunUntil(10'000);
  EXPECT_EQ(d.SendTimesMs(), Seconds({trying_s()}));
  EXPECT_FALSE(d.NextEvent().has_value());
  EXPECT_EQ(d.machine().state(), State::kProceeding);
  EXPECT_EQ(d.machine().ignored_inputs(), 1u);
  d.At(10'001, Tu(Bye(), 200));
  d.RunUntil(10'001);
  EXPECT_EQ(d.SendTimesMs(200), Seconds({10'001}));
}

INSTANTIATE_TEST_SUITE_P(T1, ServerNonInviteTransactionTimeline, ::testing::Values(500, 1000),
                         testing::T1Name);

}  // namespace
}  // namespace crankback::sip
