// A carrier's number ranges: each range's callees answer the numbers it
// holds (the loader picks the longest prefix), the carrier-level fields the
// others it serves; unallocated numbers get the dialect's UNALLOCATED code
// (sip-semantics D4), silent ranges a 100 Trying and then nothing until their
// no-answer timer (D3) or a CANCEL; the busy share stays within its interval.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "sim/statistics.h"
#include "tests/models/carrier_fixture.h"

namespace crankback {
namespace {

using namespace testing::carrier;  // NOLINT: the carrier rig
using Kind = nodes::CalleeBehaviour::Kind;
using policy::Condition;

nodes::CalleeBehaviour Callees(double busy, double decline, double ring_s) {
  nodes::CalleeBehaviour b;
  b.busy_probability = busy;
  b.decline_probability = decline;
  b.ring_time = sim::Distribution::Deterministic(ring_s);
  return b;
}

nodes::CalleeBehaviour OfKind(Kind kind, double no_answer_s = 0) {
  nodes::CalleeBehaviour b;
  b.kind = kind;
  b.no_answer_timeout = sim::SecondsToDuration(no_answer_s);
  return b;
}

// Destinations: 0 "4420123" (range 1, "4420": declines after 1 s), 1 "4421"
// (range 0, "44": busy), 2 "33" (no range, in `prefixes`: the carrier-level
// callees, who answer after 2 s), 3 "99" (neither: unallocated), 4 "4470"
// (range 2, "447": unallocated although it is inside "44").
TEST(CarrierRanges, D4_EachNumberMeetsItsRangeOrTheCarrierLevelCallees) {
  nodes::CarrierParams p;
  p.ring_time = sim::Distribution::Deterministic(2);
  p.ranges = {
      {"44", Callees(1, 0, 0)}, {"4420", Callees(0, 1, 1)}, {"447", OfKind(Kind::kUnallocated)}};
  p.destination_range = {1, 0, nodes::CarrierParams::kNoRange, nodes::CarrierParams::kNoRange, 2};
  p.serves = {false, false, true, false, false};  // prefixes {"33"}
  CarrierRig rig(1, p);
  for (uint32_t d = 0; d < 5; ++d) rig.InviteAt(0, 10.0 * d, d);
  rig.h.engine.Run();
  std::map<uint32_t, std::pair<int, int64_t>> got;  // destination -> final, sent ms
  for (const auto& e : rig.h.wire.events) {
    if (e.message.from == rig.carrier_id() && e.message.is_final() &&
        e.message.method == Method::kInvite && !e.message.retransmission)
      got[e.message.destination] = {e.message.status, e.sent_ms};
  }
  const std::map<uint32_t, std::pair<int, int64_t>> expected{
      {0, {603, 1000}}, {1, {486, 10000}}, {2, {200, 22000}}, {3, {404, 30000}}, {4, {404, 40000}}};
  EXPECT_EQ(got, expected);
  for (const Message& m : rig.Finals(0)) {
    if (m.status == 404) {
      EXPECT_EQ(m.truth.cause, sip::Cause::kUnallocated);
      EXPECT_EQ(m.reason_q850, 1);  // unallocated number
    }
  }
  EXPECT_EQ(rig.carrier->carrier_counters().rejected(Condition::kUnallocated), 2u);
  EXPECT_EQ(rig.carrier->carrier_counters().rejected(Condition::kUserBusy), 1u);
  EXPECT_EQ(rig.carrier->carrier_counters().rejected(Condition::kDeclined), 1u);
  EXPECT_EQ(rig.carrier->counters().seizures, 2u);  // the decline rang on a channel
}

// D4: an unallocated range answers in the carrier's dialect: 404 (RFC 3398,
// Q.850 1), or a PBX-style 480 or 486, with the ground truth unallocated.
TEST(CarrierRanges, D4_UnallocatedRangeAnswersInTheDialectsCode) {
  auto pbx = [](const char* name, int code, int q850) {
    policy::Dialect d = *policy::FindPresetDialect("pbx-486");
    d.name = name;
    d.entries[static_cast<size_t>(Condition::kUnallocated)] = policy::Rejection{code, 0, q850};
    return d;
  };
  const std::vector<policy::Dialect> dialects =
      Dialects({pbx("pbx-480-unknown", 480, 20), pbx("pbx-486-unknown", 486, 0)});
  const std::pair<const char*, int> cases[] = {
      {"rfc3398", 404}, {"pbx-480-unknown", 480}, {"pbx-486-unknown", 486}};
  for (const auto& [dialect, code] : cases) {
    SCOPED_TRACE(dialect);
    nodes::CarrierParams p;
    p.dialect = DialectIndex(dialects, dialect);
    p.ranges = {{"0800", OfKind(Kind::kUnallocated)}};
    p.destination_range = {0, nodes::CarrierParams::kNoRange};
    CarrierRig rig(1, p, dialects);
    rig.InviteAt(0, 0, 0);
    rig.InviteAt(0, 1, 1);
    rig.h.engine.Run();
    const std::vector<Message> finals = rig.Finals(0);
    ASSERT_EQ(finals.size(), 2u);
    EXPECT_EQ(finals[0].status, code);
    EXPECT_EQ(finals[0].truth.cause, sip::Cause::kUnallocated);
    EXPECT_EQ(finals[1].status, 200);  // the other number, served by default
    EXPECT_EQ(rig.carrier->counters().seizures, 1u);
  }
}

// A silent range without a no-answer timer: 100 Trying and then nothing, for
// as long as the caller waits (here 600 s), until its CANCEL gets 487.
TEST(CarrierRanges, SilentRangeSends100ThenNothingUntilTheCancel) {
  nodes::CarrierParams p;
  p.ranges = {{"7", OfKind(Kind::kSilent)}};
  p.destination_range = {0};
  CarrierRig rig(1, p);
  const Message invite = rig.Invite(0, 0, 1);
  rig.CancelAt(0, 600, invite);
  rig.h.engine.RunUntil(At(599));
  EXPECT_EQ(rig.carrier->busy_channels(), 1u);
  rig.h.engine.Run();
  std::vector<int> statuses;
  for (const auto& e : rig.h.wire.events) {
    if (e.message.from == rig.carrier_id() && e.message.method == Method::kInvite)
      statuses.push_back(e.message.status);
  }
  EXPECT_EQ(statuses, (std::vector<int>{100, 487}));
  EXPECT_EQ(rig.Sent(487), std::vector<int64_t>{600'000});
  EXPECT_EQ(rig.carrier->busy_channels(), 0u);
  EXPECT_EQ(rig.carrier->open_transactions(), 0u);
}

// D3: a silent range with a no-answer timer answers NO_ANSWER in the dialect's
// code at the timer (480 with Q.850 19 in RFC 3398, 408 with 18 for a carrier
// that words it so), after the 100 and nothing else; the channel is freed.
TEST(CarrierRanges, D3_SilentRangeWithATimerAnswersNoAnswerAtTheTimer) {
  const std::vector<policy::Dialect> dialects = Dialects();
  const std::tuple<const char*, int, int> cases[] = {{"rfc3398", 480, 19},
                                                     {"carrier-408-no-answer", 408, 18}};
  for (const auto& [dialect, code, q850] : cases) {
    SCOPED_TRACE(dialect);
    nodes::CarrierParams p;
    p.dialect = DialectIndex(dialects, dialect);
    p.processing_delay = sim::Distribution::Deterministic(0.5);
    p.ranges = {{"7", OfKind(Kind::kSilent, 30)}};
    p.destination_range = {0};
    CarrierRig rig(1, p, dialects);
    rig.InviteAt(0, 0, 0, 1);
    rig.h.engine.Run();
    EXPECT_EQ(rig.Sent(100), std::vector<int64_t>{200});  // the stack's, during the delay
    EXPECT_TRUE(rig.Sent(180).empty());
    EXPECT_TRUE(rig.Sent(183).empty());
    EXPECT_EQ(rig.Sent(code), std::vector<int64_t>{30'500});  // the timer runs from the decision
    const std::vector<Message> finals = rig.Finals(0);
    ASSERT_EQ(finals.size(), 1u);
    EXPECT_EQ(finals[0].reason_q850, q850);
    EXPECT_EQ(finals[0].truth.cause, sip::Cause::kNoAnswer);
    EXPECT_EQ(rig.carrier->busy_channels(), 0u);
    EXPECT_EQ(rig.carrier->carrier_counters().rejected(Condition::kNoAnswer), 1u);
  }
}

// A range's busy probability, over 4000 calls (distinct originating calls):
// the busy share's 99% interval holds 0.3. The draws are the carrier-level
// ones: the same callee stream per call, so a range with the carrier-level
// behaviour gives every call the same fate as the carrier-level fields do.
TEST(CarrierRanges, BusyShareIsWithinItsBinomialInterval) {
  constexpr uint32_t kCalls = 4000;
  auto run = [&](bool in_range) {
    nodes::CarrierParams p;
    if (in_range) {
      p.ranges = {{"1", Callees(0.3, 0, 0)}};
      p.destination_range = {0};
    } else {
      p.busy_probability = 0.3;
      p.ring_time = sim::Distribution::Deterministic(0);
    }
    CarrierRig rig(1, p);
    for (uint32_t call = 1; call <= kCalls; ++call) rig.InviteAt(0, call * 0.01, 0, call);
    rig.h.engine.Run();
    std::vector<int> fate;
    for (const Message& m : rig.Finals(0)) fate.push_back(m.status);
    return fate;
  };
  const std::vector<int> fate = run(true);
  ASSERT_EQ(fate.size(), kCalls);
  sim::Welford busy;
  for (int code : fate) busy.Add(code == 486 ? 1.0 : 0.0);
  const sim::Interval ci = sim::StudentT(busy, 0.99);
  RecordProperty("busy_share", std::to_string(ci.mean));
  RecordProperty("half_width_99", std::to_string(ci.half_width));
  EXPECT_TRUE(ci.Contains(0.3)) << ci.mean << " +- " << ci.half_width;
  EXPECT_LT(ci.half_width, 0.02);
  EXPECT_EQ(run(false), fate);  // common random numbers: same calls, same callees
}

}  // namespace
}  // namespace crankback
