// Carrier call admission control: the call attempt rate (a token bucket, as
// AudioCodes' CAC "Rate" and "Maximum Burst"; the GCRA of sip-semantics O9),
// channel caps per trunk group, and the dialect's wording of each rejection
// (sip-semantics D2: 503, 480, 486, 488, with Retry-After and Reason as the
// dialect says).
#include <gtest/gtest.h>

#include <cctype>
#include <cmath>
#include <map>
#include <ostream>
#include <string>

#include "sim/statistics.h"
#include "tests/models/carrier_fixture.h"

namespace crankback {
namespace {

using namespace testing::carrier;  // NOLINT: the carrier rig
using policy::Condition;

nodes::CarrierParams Answering() {
  nodes::CarrierParams p;
  p.ring_time = sim::Distribution::Deterministic(0);  // 200 at once
  return p;
}

std::map<int, int> CountFinals(const std::vector<Message>& finals) {
  std::map<int, int> n;
  for (const Message& m : finals) ++n[m.status];
  return n;
}

// ------------------------------------------------------------- CPS cap ----

// A full bucket of 5 admits exactly 5 of 12 simultaneous attempts; the rest
// get the dialect's CPS_LIMIT (rfc3398: 503, Reason Q.850 47) with cause
// cps_limit, and take no token. One token comes back every 1/cps = 0.1 s.
TEST(CarrierCps, O9_BurstOfSimultaneousAttemptsAdmitsExactlyTheBucket) {
  nodes::CarrierParams p = Answering();
  p.cps = 10;
  p.cps_burst = 5;
  CarrierRig rig(1, p);
  for (int i = 0; i < 12; ++i) rig.InviteAt(0, 0.0);
  rig.h.engine.RunUntil(At(0.05));
  std::vector<Message> finals = rig.Finals(0);
  ASSERT_EQ(finals.size(), 12u);
  EXPECT_EQ(CountFinals(finals), (std::map<int, int>{{200, 5}, {503, 7}}));
  for (const Message& m : finals) {
    if (m.status != 503) continue;
    EXPECT_EQ(m.truth.cause, sip::Cause::kCpsLimit);
    EXPECT_EQ(m.reason_q850, 47);
    EXPECT_EQ(m.retry_after_s, 0);
  }
  // At 0.1 s one token is back: one of two admitted.
  rig.InviteAt(0, 0.1);
  rig.InviteAt(0, 0.1);
  // By 1.0 s the bucket has refilled to its depth (5), not to the 9 tokens of 0.9 s.
  for (int i = 0; i < 7; ++i) rig.InviteAt(0, 1.0);
  rig.h.engine.Run();
  finals = rig.Finals(0);
  ASSERT_EQ(finals.size(), 21u);
  EXPECT_EQ(CountFinals(finals), (std::map<int, int>{{200, 11}, {503, 10}}));
  const nodes::TrunkGroupCounters& g = rig.carrier->group_counters(0);  // the default group
  EXPECT_EQ(g.invites, 21u);
  EXPECT_EQ(g.seizures, 11u);
  EXPECT_EQ(g.cps_rejections, 10u);
  EXPECT_EQ(rig.carrier->carrier_counters().rejected(Condition::kCpsLimit), 10u);
  EXPECT_EQ(rig.carrier->counters().rejections, 10u);
  EXPECT_EQ(rig.carrier->counters().invites, 21u);
}

// The default depth is max(1, cps): at 4 cps, 4 of 6 simultaneous attempts.
TEST(CarrierCps, DefaultBurstIsOneSecondOfTheRate) {
  nodes::CarrierParams p = Answering();
  p.cps = 4;
  CarrierRig rig(1, p);
  for (int i = 0; i < 6; ++i) rig.InviteAt(0, 0.0);
  rig.h.engine.Run();
  EXPECT_EQ(CountFinals(rig.Finals(0)), (std::map<int, int>{{200, 4}, {503, 2}}));
}

// Periodic attempts at twice the cap with a bucket of 1: exactly every other
// attempt conforms (GCRA, RFC 7415 3.2), 100 of 200 over 10 s; below the cap
// every attempt is admitted.
TEST(CarrierCps, O9_PeriodicAttemptsAtTwiceTheCapAdmitEveryOther) {
  for (const auto& [period_s, admitted] : {std::pair{0.05, 100}, std::pair{0.125, 80}}) {
    SCOPED_TRACE(period_s);
    nodes::CarrierParams p = Answering();
    p.cps = 10;
    p.cps_burst = 1;
    CarrierRig rig(1, p);
    const int attempts = static_cast<int>(std::lround(10 / period_s));
    for (int i = 0; i < attempts; ++i) rig.InviteAt(0, i * period_s);
    rig.h.engine.Run();
    const auto finals = CountFinals(rig.Finals(0));
    EXPECT_EQ(finals.at(200), admitted);
    EXPECT_EQ(finals.count(503) ? finals.at(503) : 0, attempts - admitted);
    if (admitted == 100) {  // the admitted ones are the even attempts, 0.1 s apart
      const std::vector<int64_t> sent = rig.Sent(200);
      ASSERT_EQ(sent.size(), 100u);
      for (size_t i = 0; i < sent.size(); ++i) EXPECT_EQ(sent[i], static_cast<int64_t>(100 * i));
    }
  }
}

// Poisson attempts at 3x the cap: the admitted rate over [10, 110) s, per
// replication, has the cap inside its 99% interval; and over the whole run no
// more than burst + cps * t attempts are ever admitted.
TEST(CarrierCps, O9_SteadyOverloadIsAdmittedAtTheCap) {
  constexpr double kCps = 10, kBurst = 10, kOffered = 30, kEnd = 110;
  sim::Welford rate;
  for (uint64_t replication = 0; replication < 20; ++replication) {
    nodes::CarrierParams p = Answering();
    p.cps = kCps;
    p.cps_burst = kBurst;
    CarrierRig rig(1, p);
    sim::RngStream arrivals(1000 + replication);
    const sim::Distribution gap = sim::Distribution::Exponential(1 / kOffered);
    for (double t = gap.Sample(arrivals); t < kEnd; t += gap.Sample(arrivals)) rig.InviteAt(0, t);
    rig.h.engine.Run();
    const std::vector<int64_t> admitted = rig.Sent(200);
    double in_window = 0;
    for (int64_t ms : admitted) in_window += ms >= 10'000 && ms < 110'000 ? 1 : 0;
    rate.Add(in_window / 100);
    EXPECT_LE(static_cast<double>(admitted.size()), kBurst + kCps * kEnd);
    EXPECT_GT(rig.carrier->carrier_counters().rejected(Condition::kCpsLimit),
              static_cast<uint64_t>(kEnd * (kOffered - kCps) * 0.9));
  }
  const sim::Interval ci = sim::StudentT(rate, 0.99);
  RecordProperty("admitted_per_second", std::to_string(ci.mean));
  RecordProperty("half_width_99", std::to_string(ci.half_width));
  EXPECT_TRUE(ci.Contains(kCps)) << ci.mean << " +- " << ci.half_width;
  EXPECT_LT(ci.half_width, 0.05);
}

// ------------------------------------------------------- trunk groups ----

// Peers 0 and 1 arrive on trunk groups of 2 and 3 channels; peer 2, in no
// group, on the carrier-level 1 channel. Each group fills on its own, and a
// BYE frees a channel in its own group only.
TEST(CarrierTrunkGroups, D2_ChannelCapsAreIndependentPerGroup) {
  nodes::CarrierParams p = Answering();
  p.max_sessions = 1;
  p.trunk_groups = {{"tg_a", {0}, 2, 0, 0}, {"tg_b", {1}, 3, 0, 0}};
  CarrierRig rig(3, p);
  for (int i = 0; i < 5; ++i) {
    for (size_t peer = 0; peer < 3; ++peer) rig.InviteAt(peer, 0.0);
  }
  rig.h.engine.RunUntil(At(1));
  EXPECT_EQ(CountFinals(rig.Finals(0)), (std::map<int, int>{{200, 2}, {503, 3}}));
  EXPECT_EQ(CountFinals(rig.Finals(1)), (std::map<int, int>{{200, 3}, {503, 2}}));
  EXPECT_EQ(CountFinals(rig.Finals(2)), (std::map<int, int>{{200, 1}, {503, 4}}));
  for (size_t peer = 0; peer < 3; ++peer) {
    for (const Message& m : rig.Finals(peer)) {
      if (m.status != 503) continue;
      EXPECT_EQ(m.truth.cause, sip::Cause::kCapacity);
      EXPECT_EQ(m.reason_q850, 34);  // rfc3398: no circuit/channel available
    }
  }
  EXPECT_EQ(rig.carrier->group_busy(0), 2u);
  EXPECT_EQ(rig.carrier->group_busy(1), 3u);
  EXPECT_EQ(rig.carrier->group_busy(2), 1u);
  EXPECT_EQ(rig.carrier->busy_channels(), 6u);
  EXPECT_EQ(rig.carrier->group_counters(0).cap_rejections, 3u);
  EXPECT_EQ(rig.carrier->group_counters(1).cap_rejections, 2u);
  EXPECT_EQ(rig.carrier->group_counters(2).cap_rejections, 4u);
  EXPECT_EQ(rig.carrier->carrier_counters().rejected(Condition::kSessionCap), 9u);

  // Peer 0 hangs up one call: tg_a has a channel again, tg_b and the default do not.
  uint64_t answered_a = 0;
  for (const Message& m : rig.Finals(0)) {
    if (m.status == 200) answered_a = m.call_id;
  }
  rig.ByeAt(0, 1.0, answered_a);
  for (size_t peer = 0; peer < 3; ++peer) rig.InviteAt(peer, 2.0);
  rig.h.engine.Run();
  EXPECT_EQ(rig.Finals(0).back().status, 200);
  EXPECT_EQ(rig.Finals(1).back().status, 503);
  EXPECT_EQ(rig.Finals(2).back().status, 503);
  EXPECT_EQ(rig.carrier->group_busy(0), 2u);
  EXPECT_EQ(rig.carrier->busy_channels(), 6u);
}

// Call attempt rates per group: tg_a admits 2 per second, tg_b 5, the
// carrier-level default 1; 6 simultaneous attempts from each peer.
TEST(CarrierTrunkGroups, O9_CallRatesAreIndependentPerGroup) {
  nodes::CarrierParams p = Answering();
  p.cps = 1;
  p.trunk_groups = {{"tg_a", {0}, 0, 2, 0}, {"tg_b", {1}, 0, 5, 0}};
  CarrierRig rig(3, p);
  for (int i = 0; i < 6; ++i) {
    for (size_t peer = 0; peer < 3; ++peer) rig.InviteAt(peer, 0.0);
  }
  rig.h.engine.Run();
  EXPECT_EQ(CountFinals(rig.Finals(0)), (std::map<int, int>{{200, 2}, {503, 4}}));
  EXPECT_EQ(CountFinals(rig.Finals(1)), (std::map<int, int>{{200, 5}, {503, 1}}));
  EXPECT_EQ(CountFinals(rig.Finals(2)), (std::map<int, int>{{200, 1}, {503, 5}}));
  EXPECT_EQ(rig.carrier->group_counters(0).cps_rejections, 4u);
  EXPECT_EQ(rig.carrier->group_counters(1).cps_rejections, 1u);
  EXPECT_EQ(rig.carrier->group_counters(2).cps_rejections, 5u);
}

// Two peers in one trunk group share its channels.
TEST(CarrierTrunkGroups, PeersOfOneGroupShareItsChannels) {
  nodes::CarrierParams p = Answering();
  p.trunk_groups = {{"tg", {0, 1}, 3, 0, 0}};
  CarrierRig rig(2, p);
  for (int i = 0; i < 2; ++i) rig.InviteAt(0, 0.0);
  for (int i = 0; i < 2; ++i) rig.InviteAt(1, 0.001);
  rig.h.engine.Run();
  EXPECT_EQ(CountFinals(rig.Finals(0)), (std::map<int, int>{{200, 2}}));
  EXPECT_EQ(CountFinals(rig.Finals(1)), (std::map<int, int>{{200, 1}, {503, 1}}));
  EXPECT_EQ(rig.carrier->group_busy(0), 3u);
  EXPECT_EQ(rig.carrier->group_busy(1), 0u);  // the default group
}

// ------------------------------------------------------------ dialects ----

// D2: each dialect words CPS_LIMIT and SESSION_CAP its own way, with the
// Retry-After and Reason it names, and the ground truth rides along.
struct Wording {
  const char* dialect;
  Condition condition;
  int code;
  int retry_after_s;
  int q850;
};

void PrintTo(const Wording& w, std::ostream* os) {
  *os << w.dialect << "_" << policy::ConditionName(w.condition);
}

constexpr Wording kWordings[] = {
    {"rfc3398", Condition::kCpsLimit, 503, 0, 47},
    {"freeswitch", Condition::kCpsLimit, 503, 300, 0},
    {"asterisk", Condition::kCpsLimit, 503, 0, 42},
    {"ribbon", Condition::kCpsLimit, 480, 0, 0},
    {"audiocodes", Condition::kCpsLimit, 480, 0, 0},
    {"rfc3398", Condition::kSessionCap, 503, 0, 34},
    {"freeswitch", Condition::kSessionCap, 503, 300, 0},
    {"pbx-486", Condition::kSessionCap, 486, 0, 17},
    {"avaya", Condition::kSessionCap, 488, 0, 0},
    {"audiocodes", Condition::kSessionCap, 480, 0, 0},
};

class CarrierDialect : public ::testing::TestWithParam<Wording> {};

TEST_P(CarrierDialect, D2_RejectionIsWordedByTheDialect) {
  const Wording& w = GetParam();
  nodes::CarrierParams p = Answering();
  const std::vector<policy::Dialect> dialects = Dialects();
  p.dialect = DialectIndex(dialects, w.dialect);
  const bool cps = w.condition == Condition::kCpsLimit;
  if (cps) {
    p.cps = 1;
  } else {
    p.max_sessions = 1;
  }
  CarrierRig rig(1, p, dialects);
  rig.InviteAt(0, 0.0);
  rig.InviteAt(0, 0.0);
  rig.h.engine.Run();
  const std::vector<Message> finals = rig.Finals(0);
  ASSERT_EQ(finals.size(), 2u);
  EXPECT_EQ(finals[0].status, 200);
  EXPECT_EQ(finals[1].status, w.code);
  EXPECT_EQ(finals[1].retry_after_s, w.retry_after_s);
  EXPECT_EQ(finals[1].reason_q850, w.q850);
  EXPECT_EQ(finals[1].truth.cause, cps ? sip::Cause::kCpsLimit : sip::Cause::kCapacity);
  EXPECT_EQ(rig.carrier->carrier_counters().rejected(w.condition), 1u);
}

INSTANTIATE_TEST_SUITE_P(Carrier, CarrierDialect, ::testing::ValuesIn(kWordings),
                         [](const auto& p) {
                           std::string name = std::string(p.param.dialect) + "_" +
                                              policy::ConditionName(p.param.condition);
                           for (char& c : name)
                             c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
                           return name;
                         });

}  // namespace
}  // namespace crankback
