// A carrier's processing delay: between an INVITE's arrival and its decision.
// The 100 Trying goes as the stack profile says (sip-semantics C1: at once,
// after invite_trying_delay, or only from the switch itself); the decision,
// 18x and finals shift by exactly the delay; a CANCEL during it ends the call
// with 487 and holds no channel (Y4, Y5: 200 to the CANCEL, 487 to the INVITE).
#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <vector>

#include "tests/models/carrier_fixture.h"

namespace crankback {
namespace {

using namespace testing::carrier;  // NOLINT: the carrier rig

// One callee outcome and the carrier's messages for it without a delay (ms).
struct Outcome {
  const char* name;
  double busy, decline, ring_s;
  std::vector<int64_t> ringing;  // 180s
  int final_code;
  int64_t final_ms;
};

void PrintTo(const Outcome& o, std::ostream* os) { *os << o.name; }

const Outcome kOutcomes[] = {
    {"AnswerAtOnce", 0, 0, 0, {}, 200, 0},
    {"Busy", 1, 0, 0, {}, 486, 0},
    {"RingThenAnswer", 0, 0, 2, {0}, 200, 2000},
    {"RingThenDecline", 0, 1, 1, {0}, 603, 1000},
};

class ProcessingDelay : public ::testing::TestWithParam<Outcome> {};

TEST_P(ProcessingDelay, ShiftsTheDecisionRingingAndFinalByExactlyTheDelay) {
  const Outcome& o = GetParam();
  for (double delay_s : {0.0, 1.5, 0.2}) {
    SCOPED_TRACE(delay_s);
    nodes::CarrierParams p;
    p.busy_probability = o.busy;
    p.decline_probability = o.decline;
    p.ring_time = sim::Distribution::Deterministic(o.ring_s);
    if (delay_s > 0) p.processing_delay = sim::Distribution::Deterministic(delay_s);
    CarrierRig rig(1, p);
    rig.InviteAt(0, 0.0);
    rig.h.engine.Run();
    const int64_t d = Ms(delay_s);
    std::vector<int64_t> ringing;
    for (int64_t t : o.ringing) ringing.push_back(t + d);
    EXPECT_EQ(rig.Sent(180), ringing);
    EXPECT_EQ(rig.Sent(o.final_code), std::vector<int64_t>{o.final_ms + d});
    ASSERT_EQ(rig.Finals(0).size(), 1u);
    EXPECT_EQ(rig.carrier->processing(), 0u);
  }
}

INSTANTIATE_TEST_SUITE_P(Carrier, ProcessingDelay, ::testing::ValuesIn(kOutcomes),
                         [](const auto& p) { return std::string(p.param.name); });

// C1: with a 1.5 s processing delay the stack's 100 goes out as its profile
// says: 200 ms after the INVITE (RFC 3261 stack), at once (Kamailio), or, for
// a stack that leaves it to the TU (SIPp), from the switch with its decision.
// Without a delay the switch sends its own 100 as it takes the call, and
// never a second one after the stack's.
TEST(CarrierProcessing, C1_TryingGoesAsTheStackProfileSays) {
  struct Case {
    const char* name;
    sip::TimerProfile stack;
    double delay_s;
    std::vector<int64_t> trying;
  };
  const Case cases[] = {
      {"rfc3261", sip::Rfc3261Profile(), 1.5, {200}},
      {"kamailio", sip::KamailioProfile(), 1.5, {0}},
      {"sipp", sip::SippProfile(), 1.5, {1500}},
      {"rfc3261_no_delay", sip::Rfc3261Profile(), 0, {0}},
      {"kamailio_no_delay", sip::KamailioProfile(), 0, {0}},
      {"sipp_no_delay", sip::SippProfile(), 0, {0}},
      // The decision at exactly the stack's 100 time: the stack's goes first.
      {"rfc3261_at_the_trying_time", sip::Rfc3261Profile(), 0.2, {200}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    nodes::CarrierParams p;
    p.ring_time = sim::Distribution::Deterministic(3);
    if (c.delay_s > 0) p.processing_delay = sim::Distribution::Deterministic(c.delay_s);
    CarrierRig rig(1, p, Dialects(), c.stack);
    rig.InviteAt(0, 0.0);
    rig.h.engine.Run();
    EXPECT_EQ(rig.FirstSent(100), c.trying);
    EXPECT_EQ(rig.FirstSent(180), std::vector<int64_t>{Ms(c.delay_s)});
    EXPECT_EQ(rig.Sent(200).front(), Ms(c.delay_s + 3));
  }
}

// A rejection after the delay carries no 100 of the switch's own: with a SIPp
// stack the busy callee's 486 is the only response, at the delay.
TEST(CarrierProcessing, C1_RejectionAfterTheDelayHasNoTryingOfItsOwn) {
  nodes::CarrierParams p;
  p.busy_probability = 1;
  p.processing_delay = sim::Distribution::Deterministic(0.7);
  CarrierRig rig(1, p, Dialects(), sip::SippProfile());
  rig.InviteAt(0, 0.0);
  rig.h.engine.Run();
  EXPECT_TRUE(rig.Sent(100).empty());
  EXPECT_EQ(rig.Sent(486), std::vector<int64_t>{700});
}

// The delay is drawn per call from the stream keyed by the originating call
// ("carrier", "processing", call), so every policy sees the same delay for the
// same call; each 200 comes exactly that long after its INVITE.
TEST(CarrierProcessing, RandomDelayIsDrawnPerCallFromItsOwnStream) {
  nodes::CarrierParams p;
  const sim::Distribution delay = sim::Distribution::Exponential(0.5);
  p.processing_delay = delay;
  CarrierRig rig(1, p);
  for (uint32_t call = 1; call <= 50; ++call) rig.InviteAt(0, call * 10.0, 0, call);
  rig.h.engine.Run();
  const auto answers = rig.h.wire.Of(rig.carrier_id(), Method::kInvite, 200);
  ASSERT_EQ(answers.size(), 50u);
  for (const auto& a : answers) {
    if (a.message.retransmission) continue;
    const uint32_t call = a.message.origin_call;
    sim::RngStream draws = rig.h.rng.Stream("carrier", "processing", call);
    const sim::SimTime expected = At(call * 10.0) + delay.SampleDuration(draws);
    EXPECT_EQ(a.sent_ms, expected.nanos() / 1'000'000) << "call " << call;
  }
}

// Y4, Y5 during the processing delay: the stack answers the CANCEL with 200,
// the switch the INVITE with 487 at once; no 180 or 200 follows, no channel
// was ever held, and the one channel is free for the next call.
TEST(CarrierProcessing, Y5_CancelDuringTheDelayEndsTheCallWith487) {
  nodes::CarrierParams p;
  p.max_sessions = 1;
  p.processing_delay = sim::Distribution::Deterministic(2);
  CarrierRig rig(1, p);
  const Message invite = rig.Invite(0);
  rig.CancelAt(0, 0.5, invite);
  rig.h.engine.RunUntil(At(0.6));
  EXPECT_EQ(rig.h.wire.Sent(rig.carrier_id(), Method::kCancel, 200), std::vector<int64_t>{500});
  EXPECT_EQ(rig.Sent(487), std::vector<int64_t>{500});
  EXPECT_EQ(rig.carrier->processing(), 0u);
  EXPECT_EQ(rig.carrier->busy_channels(), 0u);
  rig.InviteAt(0, 3.0);  // after the cancelled call's decision would have come
  rig.h.engine.Run();
  const std::vector<Message> finals = rig.Finals(0);
  ASSERT_EQ(finals.size(), 2u);
  EXPECT_EQ(finals[0].status, 487);
  EXPECT_EQ(finals[0].call_id, invite.call_id);
  EXPECT_EQ(finals[1].status, 200);
  EXPECT_EQ(rig.Sent(200), std::vector<int64_t>{5000});  // only the second call's
  EXPECT_TRUE(rig.Sent(180).empty());
  const nodes::CarrierCounters& c = rig.carrier->carrier_counters();
  EXPECT_EQ(c.cancelled, 1u);
  EXPECT_EQ(rig.carrier->counters().invites, 2u);
  EXPECT_EQ(rig.carrier->counters().seizures, 1u);
  EXPECT_EQ(rig.carrier->counters().rejections, 0u);
  EXPECT_EQ(rig.carrier->busy_channels(), 1u);
  EXPECT_EQ(rig.carrier->open_transactions(), 0u);
}

// A CANCEL while ringing (after the delay) frees the seized channel.
TEST(CarrierProcessing, Y5_CancelWhileRingingFreesTheChannel) {
  nodes::CarrierParams p;
  p.ring_time = sim::Distribution::Deterministic(10);
  p.processing_delay = sim::Distribution::Deterministic(1);
  CarrierRig rig(1, p);
  const Message invite = rig.Invite(0);
  rig.CancelAt(0, 4, invite);
  rig.h.engine.RunUntil(At(3));
  EXPECT_EQ(rig.carrier->busy_channels(), 1u);
  rig.h.engine.Run();
  EXPECT_EQ(rig.Sent(487), std::vector<int64_t>{4000});
  EXPECT_TRUE(rig.Sent(200).empty());
  EXPECT_EQ(rig.carrier->busy_channels(), 0u);
  EXPECT_EQ(rig.carrier->group_busy(0), 0u);
  EXPECT_EQ(rig.carrier->carrier_counters().cancelled, 1u);
}

}  // namespace
}  // namespace crankback
