// Overload control between nodes (sip-semantics O6, O7, O9, F4): the client's
// throttle against the feedback a server stamps on its responses, and the
// server's loop that sets that feedback.
#include <gtest/gtest.h>

#include <cmath>

#include "models/overload/control.h"
#include "sim/rng.h"

namespace crankback::overload {
namespace {

constexpr sim::NodeId kServer = 3;

sim::SimTime At(double s) { return sim::SimTime::Zero() + sim::SecondsToDuration(s); }

sip::OverloadFeedback Via(Algorithm a, double oc, uint64_t seq, double validity_s = 3600) {
  sip::OverloadFeedback v;
  v.algorithm = a;
  v.oc = oc;
  v.seq = seq;
  v.validity = sim::SecondsToDuration(validity_s);
  return v;
}

sip::Message Ok() {
  sip::Message m = sip::Message::ResponseTo(sip::Message::Request(sip::Method::kInvite, 1, 1), 200);
  return m;
}

ClientThrottle Client(double tau_factor = 4) {
  ClientParams p;
  p.control = true;
  p.honour_retry_after = true;
  p.tau_factor = tau_factor;
  return ClientThrottle(p, sim::RngFactory(1, 0).Stream("caller", "overload"));
}

// O9's own example: oc = 10 requests/s, TAU = 0.4 s, a request every 10 ms:
// about 10 per second get through in the long run (plus the TAU burst).
TEST(OverloadClient, O9_RateLeakyBucketAdmitsOcPerSecond) {
  ClientThrottle c = Client();
  c.OnResponse(kServer, Via(Algorithm::kRate, 10, 1), Ok(), At(0));
  int admitted = 0;
  for (int i = 0; i < 10'000; ++i) admitted += c.Admit(kServer, At(i * 0.01)) ? 1 : 0;
  // 100 s at 10/s, and X starts at 0 so the first TAU / T = 4 extra go at once.
  EXPECT_GE(admitted, 1000);
  EXPECT_LE(admitted, 1005);
  EXPECT_EQ(c.shed().rate, static_cast<uint64_t>(10'000 - admitted));
}

TEST(OverloadClient, O9_RateZeroRejectsEverythingWhileValid) {
  ClientThrottle c = Client();
  c.OnResponse(kServer, Via(Algorithm::kRate, 0, 1, 2), Ok(), At(0));
  EXPECT_FALSE(c.Admit(kServer, At(1)));
  EXPECT_TRUE(c.Admit(kServer, At(2.5)));  // oc-validity ran out
}

// O7: a loss-based server's oc is the share of new requests to shed.
TEST(OverloadClient, O7_LossShedsTheRequestedShare) {
  ClientThrottle c = Client();
  c.OnResponse(kServer, Via(Algorithm::kLoss, 30, 1), Ok(), At(0));
  constexpr int kN = 100'000;
  int shed = 0;
  for (int i = 0; i < kN; ++i) shed += c.Admit(kServer, At(1)) ? 0 : 1;
  const double sd = std::sqrt(kN * 0.3 * 0.7);
  EXPECT_NEAR(shed, 0.3 * kN, 4 * sd);
  EXPECT_EQ(c.shed().loss, static_cast<uint64_t>(shed));
}

// O6: only a higher oc-seq updates the state; oc-validity=0 stops the control;
// the validity restarts on each update and the control lapses after it.
TEST(OverloadClient, O6_SequenceValidityAndStop) {
  ClientThrottle c = Client();
  c.OnResponse(kServer, Via(Algorithm::kLoss, 100, 5, 1), Ok(), At(0));
  c.OnResponse(kServer, Via(Algorithm::kLoss, 0, 4, 1), Ok(), At(0.1));  // older: ignored
  EXPECT_FALSE(c.Admit(kServer, At(0.5)));
  c.OnResponse(kServer, Via(Algorithm::kLoss, 100, 6, 1), Ok(), At(0.8));  // valid to 1.8 s
  EXPECT_FALSE(c.Admit(kServer, At(1.5)));
  EXPECT_TRUE(c.Admit(kServer, At(1.9)));
  c.OnResponse(kServer, Via(Algorithm::kLoss, 100, 7, 1), Ok(), At(2));
  EXPECT_FALSE(c.Admit(kServer, At(2.1)));
  c.OnResponse(kServer, Via(Algorithm::kLoss, 100, 8, 0), Ok(), At(2.2));  // oc-validity=0
  EXPECT_TRUE(c.Admit(kServer, At(2.3)));
  EXPECT_TRUE(c.Admit(kServer + 1, At(2.3)));  // state is per server
}

// F4: a 503 with Retry-After stops new requests to that server for that long
// (clamped at retry_after_max), and a client that does not honour it goes on.
TEST(OverloadClient, F4_RetryAfterStopsNewRequestsForItsDuration) {
  ClientThrottle c = Client();
  sip::Message busy =
      sip::Message::ResponseTo(sip::Message::Request(sip::Method::kInvite, 1, 1), 503);
  busy.retry_after_s = 5;
  c.OnResponse(kServer, {}, busy, At(10));
  EXPECT_FALSE(c.Admit(kServer, At(14.9)));
  EXPECT_TRUE(c.Admit(kServer, At(15)));
  EXPECT_EQ(c.shed().retry_after, 1u);

  ClientParams capped;
  capped.honour_retry_after = true;
  capped.retry_after_max = sim::Duration::Seconds(2);
  ClientThrottle d(capped, sim::RngFactory(1, 0).Stream("caller", "overload"));
  d.OnResponse(kServer, {}, busy, At(10));
  EXPECT_TRUE(d.Admit(kServer, At(12)));

  ClientThrottle deaf(ClientParams{}, sim::RngFactory(1, 0).Stream("caller", "overload"));
  deaf.OnResponse(kServer, Via(Algorithm::kLoss, 100, 1), busy, At(10));
  EXPECT_TRUE(deaf.Admit(kServer, At(11)));  // neither Retry-After nor oc
}

// The server's loop: loss is the occupancy algorithm, rate the capacity per
// call shared among the clients heard in the interval.
TEST(OverloadServer, LossScalesTheAdmittedFractionByTargetOverUtilization) {
  ControlParams p;
  p.target_utilization = 0.9;
  ServerControl s(p);
  const sim::Duration second = sim::Duration::Seconds(1);
  s.Measure(sim::SecondsToDuration(1.8), sim::SecondsToDuration(1.8), 100, second,
            2);  // rho = 0.9: no change
  EXPECT_DOUBLE_EQ(s.admitted_fraction(), 1);
  s.Measure(sim::SecondsToDuration(1.0), sim::SecondsToDuration(2.0), 100, second,
            1);  // arrivals asked for 2 s: rho = 2, f = 0.45
  EXPECT_DOUBLE_EQ(s.admitted_fraction(), 0.45);
  EXPECT_DOUBLE_EQ(s.FeedbackFor(1).oc, 55);
  for (int i = 0; i < 1000; ++i)
    s.Measure(sim::SecondsToDuration(1.0), sim::Duration(), 1, second, 1);
  EXPECT_DOUBLE_EQ(s.admitted_fraction(), p.min_admit);  // floor keeps feedback flowing
  EXPECT_EQ(s.FeedbackFor(1).validity, p.validity);
  EXPECT_GT(s.FeedbackFor(1).seq, s.FeedbackFor(1).seq - 1);
}

TEST(OverloadServer, RateIsCapacityPerCallSharedAmongClients) {
  ControlParams p;
  p.algorithm = Algorithm::kRate;
  p.target_utilization = 0.9;
  ServerControl s(p);
  EXPECT_EQ(s.FeedbackFor(1).validity, sim::Duration());  // not measured yet: not active
  s.Heard(1);
  s.Heard(2);
  s.Heard(1);
  // 100 calls took 0.5 s of one processor: 5 ms a call, 180 calls/s at 90%.
  s.Measure(sim::SecondsToDuration(0.5), sim::SecondsToDuration(0.5), 100,
            sim::Duration::Seconds(1), 1);
  EXPECT_DOUBLE_EQ(s.total_rate(), 180);
  const sip::OverloadFeedback v = s.FeedbackFor(1);
  EXPECT_EQ(v.algorithm, Algorithm::kRate);
  EXPECT_DOUBLE_EQ(v.oc, 90);  // two clients heard
  const uint64_t seq = v.seq;
  EXPECT_EQ(s.FeedbackFor(2).seq, seq + 1);  // strictly increasing (O6)
}

}  // namespace
}  // namespace crankback::overload
