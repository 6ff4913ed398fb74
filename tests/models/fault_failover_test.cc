// Scheduled faults (Experiment.faults) and their report, in virtual time:
//  - issue 6 item 3.4: the primary carrier crashes for 60 s (UDP, silence,
//    restart). Under "advance on 408 and 5xx" its traffic moves to the backup
//    one Timer B after the first request that meets the outage (N4), and the
//    calls lost are exactly those in progress on it at the crash; without
//    advance on 408, the calls of the outage fail, failed but retryable;
//  - a restart forgets its dialogs: their BYEs get 481 and its channels are free;
//  - a loss burst loses messages only in its window (retransmissions rise there);
//  - a partition vanishes both directions and, over TCP, shows as timeouts
//    (408), never as refusals.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <vector>

#include "models/simulation.h"
#include "tests/models/scenario_fixture.h"

namespace crankback {
namespace {

constexpr sim::NodeId kSbc = 1, kPrimary = 2, kBackup = 3;
constexpr double kStart = 100, kLength = 60, kEnd = 250;

double Seconds(sim::SimTime t) { return sim::ToSeconds(t); }

// callers -> sbc -> {primary, backup}: zero latency, unlimited channels, calls
// answered at once and held 30 s on average; `fault` scheduled.
models::ScenarioParams TwoCarriers(sim::Transport transport, metrics::FaultParams fault) {
  testing::ChainSpec spec;
  spec.carriers = {{"primary", 0}, {"backup", 0}};
  spec.calls_per_second = 5;
  spec.holding = sim::Distribution::Exponential(30);
  spec.link.transport = transport;
  models::ScenarioParams s = testing::Chain(spec);
  s.faults = {std::move(fault)};
  return s;
}

metrics::FaultParams Crash() {
  metrics::FaultParams f;
  f.name = "crash";
  f.kind = metrics::FaultKind::kOutage;
  f.start = sim::SimTime::Zero() + sim::SecondsToDuration(kStart);
  f.duration = sim::SecondsToDuration(kLength);
  f.a = kPrimary;
  f.restart = true;  // UDP without ICMP: silence
  return f;
}

models::RunResult RunFault(const models::ScenarioParams& s, const policy::CauseMap& p,
                           uint32_t trace_calls = 0) {
  models::RunSpec spec = testing::Spec(6, 0, kEnd, 0);
  spec.keep_outcomes = true;
  spec.trace_calls = trace_calls;
  return models::RunSimulation(s, p, spec);
}

policy::CauseMap Advance408And5xx() {
  return testing::Policy("advance-408-5xx", policy::Action::kStop,
                         {policy::CauseRule::Code(408, policy::Action::kAdvance),
                          policy::CauseRule::Class(5, policy::Action::kAdvance)});
}

policy::CauseMap Advance5xx() {
  return testing::Policy("advance-5xx", policy::Action::kStop,
                         {policy::CauseRule::Class(5, policy::Action::kAdvance)});
}

// Ground truth from the callers' outcomes, with zero latency: a call is on the
// primary from its arrival (answered at once) to its hang-up.
struct Truth {
  uint64_t in_progress_at_start = 0;  // answered before the crash, still up at it
  double first_request_s = 1e9;       // the first INVITE or BYE sent to the down primary
  double first_arrival_s = 1e9;       // the first call after the crash
  uint64_t timed_out = 0;             // arrived in the window with every INVITE transmission in it
};

Truth TruthOf(const models::RunResult& r, sim::Duration timer_b) {
  Truth t;
  // INVITE transmissions at 0, 0.5, 1.5, ..., 31.5 s (T1 = 0.5 s, doubling) before Timer B.
  const double last_send = sim::ToSeconds(timer_b) - 0.5;
  for (const metrics::CallOutcome& o : r.outcomes) {
    const double arrival = Seconds(o.arrival);
    if (o.result == metrics::Result::kAnswered && arrival <= kStart &&
        arrival + o.answered_s > kStart) {
      ++t.in_progress_at_start;
      t.first_request_s = std::min(t.first_request_s, arrival + o.answered_s);  // its BYE
    }
    if (arrival >= kStart) {
      t.first_arrival_s = std::min(t.first_arrival_s, arrival);
      t.first_request_s = std::min(t.first_request_s, arrival);
      if (arrival + last_send < kStart + kLength) ++t.timed_out;
    }
  }
  return t;
}

// Issue 6 item 3.4, first half (N4: UDP silence is seen at Timer B).
TEST(FaultFailoverTest, OutageMovesTrafficToTheBackupWithinTimerB) {
  const models::ScenarioParams s = TwoCarriers(sim::Transport::kUdp, Crash());
  const models::RunResult r = RunFault(s, Advance408And5xx());
  ASSERT_TRUE(r.violations.empty()) << r.violations.front();
  ASSERT_EQ(r.faults.size(), 1u);
  const metrics::FaultResult& f = r.faults[0];
  const sim::Duration timer_b = s.nodes[kSbc].timers.TimerB();
  ASSERT_EQ(timer_b, sim::Duration::Seconds(32));
  const Truth t = TruthOf(r, timer_b);
  ASSERT_GT(t.in_progress_at_start, 100u);
  ASSERT_GT(t.timed_out, 100u);
  // Detected one Timer B after the first request that met the outage, and
  // routed around by the first call sent to the backup after its Timer B.
  ASSERT_TRUE(f.detect_s.has_value());
  ASSERT_TRUE(f.route_around_s.has_value());
  EXPECT_NEAR(*f.detect_s, t.first_request_s - kStart + 32, 1e-6);
  EXPECT_NEAR(*f.route_around_s, t.first_arrival_s - kStart + 32, 1e-6);
  EXPECT_LE(*f.detect_s, 32 + 1.0);  // 5 calls/s: the first meets it within a second
  EXPECT_LE(*f.route_around_s, 32 + 1.0);
  // Lost: exactly the calls in progress on the primary at the crash; the
  // calls of the outage are all rescued on the backup.
  EXPECT_EQ(f.lost_in_progress, t.in_progress_at_start);
  EXPECT_EQ(f.failed_calls, 0u);
  EXPECT_EQ(f.calls_lost(), t.in_progress_at_start);
  EXPECT_EQ(f.rescued_calls, t.timed_out);
  EXPECT_EQ(r.metrics.failed(), 0u);
  EXPECT_EQ(r.nodes[kPrimary].counters.hung_channels, 0u);  // the restart freed them
}

// Issue 6 item 3.4, second half: no advance on 408.
TEST(FaultFailoverTest, WithoutAdvanceOn408TheOutageCallsFailRetryable) {
  const models::ScenarioParams s = TwoCarriers(sim::Transport::kUdp, Crash());
  const models::RunResult r = RunFault(s, Advance5xx());
  ASSERT_TRUE(r.violations.empty()) << r.violations.front();
  const metrics::FaultResult& f = r.faults.at(0);
  const Truth t = TruthOf(r, s.nodes[kSbc].timers.TimerB());
  ASSERT_GT(t.timed_out, 100u);
  EXPECT_EQ(f.lost_in_progress, t.in_progress_at_start);
  EXPECT_EQ(f.failed_calls, t.timed_out);
  EXPECT_EQ(f.calls_lost(), t.in_progress_at_start + t.timed_out);
  EXPECT_EQ(f.rescued_calls, 0u);
  EXPECT_FALSE(f.route_around_s.has_value());
  EXPECT_EQ(r.metrics.failed(), t.timed_out);
  EXPECT_EQ(r.metrics.failed_retryable(), t.timed_out);  // the backup was untried
  const auto& codes = r.metrics.failures_by_code();
  ASSERT_EQ(codes.size(), 1u);
  EXPECT_EQ(codes.begin()->first, 408);
  ASSERT_TRUE(f.detect_s.has_value());
  EXPECT_NEAR(*f.detect_s, t.first_request_s - kStart + 32, 1e-6);
}

// From the callers' outcomes (zero latency, answered at once): calls up at the
// crash whose BYE came after the window and during it, and calls that
// arrived in the window.
struct Crashed {
  uint64_t bye_after = 0;
  uint64_t bye_during = 0;
  uint64_t arrivals_during = 0;
};

Crashed CrashCounts(const models::RunResult& r) {
  Crashed c;
  for (const metrics::CallOutcome& o : r.outcomes) {
    const double arrival = Seconds(o.arrival);
    const double hangup = arrival + o.answered_s;
    if (arrival >= kStart && arrival < kStart + kLength) ++c.arrivals_during;
    if (o.result != metrics::Result::kAnswered || arrival > kStart || hangup <= kStart) continue;
    ++(hangup >= kStart + kLength ? c.bye_after : c.bye_during);
  }
  return c;
}

// A restart forgets its dialogs: the BYE of a lost call that reaches the
// primary after it is back gets 481 (X-series: no dialog); its channels are free.
TEST(FaultFailoverTest, RestartAnswersOldDialogsWith481AndFreesChannels) {
  const models::ScenarioParams s = TwoCarriers(sim::Transport::kTcp, Crash());
  const models::RunResult r = RunFault(s, Advance408And5xx());
  ASSERT_TRUE(r.violations.empty()) << r.violations.front();
  const metrics::FaultResult& f = r.faults.at(0);
  // Over TCP (REFUSE) nothing is retransmitted: a lost call's BYE sent while
  // the primary is down is refused (RST), one sent after gets 481.
  const auto [bye_after, bye_during, arrivals_during] = CrashCounts(r);
  ASSERT_GT(bye_after, 10u);
  EXPECT_EQ(f.lost_in_progress, bye_after + bye_during);
  EXPECT_EQ(f.no_dialog, bye_after);
  EXPECT_EQ(f.transport_errors, bye_during + arrivals_during);  // BYEs and INVITEs refused
  EXPECT_EQ(f.timeouts, 0u);
  EXPECT_EQ(f.rescued_calls, arrivals_during);  // 503 at once, advanced to the backup
  ASSERT_TRUE(f.detect_s.has_value());
  EXPECT_LT(*f.detect_s, 1.0);  // a refusal is seen at once
  EXPECT_EQ(r.nodes[kPrimary].counters.hung_channels, 0u);
}

// An SBC that crashes loses every call through it on both legs: the callers'
// BYEs are refused while it is down and get 481 after, and the carriers keep
// the channels of those calls, which nothing frees: one hung channel per lost
// call. Calls arriving while it is down are refused (503) at once.
TEST(FaultFailoverTest, SbcRestartLosesItsCallsOnBothLegs) {
  metrics::FaultParams crash = Crash();
  crash.a = kSbc;
  const models::ScenarioParams s = TwoCarriers(sim::Transport::kTcp, crash);
  const models::RunResult r = RunFault(s, Advance408And5xx());
  ASSERT_TRUE(r.violations.empty()) << r.violations.front();
  const metrics::FaultResult& f = r.faults.at(0);
  const auto [bye_after, bye_during, arrivals_during] = CrashCounts(r);
  ASSERT_GT(bye_after, 10u);
  EXPECT_EQ(f.lost_in_progress, bye_after + bye_during);
  EXPECT_EQ(f.no_dialog, bye_after);
  EXPECT_EQ(r.nodes[kPrimary].counters.hung_channels + r.nodes[kBackup].counters.hung_channels,
            f.lost_in_progress);
  EXPECT_EQ(r.metrics.failures_by_code().at(503), arrivals_during);
  ASSERT_TRUE(f.detect_s.has_value());
  EXPECT_LT(*f.detect_s, 1.0);  // a refusal is seen at once

  // Over UDP without ICMP the callers see silence instead: Timer B.
  const models::RunResult udp =
      RunFault(TwoCarriers(sim::Transport::kUdp, crash), Advance408And5xx());
  ASSERT_TRUE(udp.violations.empty()) << udp.violations.front();
  EXPECT_EQ(udp.faults.at(0).lost_in_progress, f.lost_in_progress);  // the same calls
  ASSERT_TRUE(udp.faults.at(0).detect_s.has_value());
  EXPECT_NEAR(*udp.faults.at(0).detect_s, 32, 1.0);
}

metrics::FaultParams LinkFault(metrics::FaultKind kind, double loss) {
  metrics::FaultParams f;
  f.name = "link";
  f.kind = kind;
  f.start = sim::SimTime::Zero() + sim::SecondsToDuration(kStart);
  f.duration = sim::SecondsToDuration(kLength);
  f.a = kSbc;
  f.b = kPrimary;
  f.loss = loss;
  return f;
}

// A loss burst loses messages on its link in its window only, both directions;
// the retransmissions it causes are sent in it or just after (T1 doubling).
TEST(FaultFailoverTest, LossBurstLosesOnlyInItsWindow) {
  const models::ScenarioParams s =
      TwoCarriers(sim::Transport::kUdp, LinkFault(metrics::FaultKind::kLossBurst, 0.3));
  const models::RunResult r = RunFault(s, Advance408And5xx(), 1u << 30);
  ASSERT_TRUE(r.violations.empty()) << r.violations.front();
  uint64_t on_link_in_window = 0, lost_in_window = 0, lost_outside = 0;
  uint64_t lost_each_way[2] = {0, 0};
  uint64_t retx_before = 0, retx_in_window = 0, retx_long_after = 0;
  for (const sip::TraceEvent& e : r.trace) {
    const double sent = Seconds(e.sent);
    const bool on_link = (e.message.from == kSbc && e.message.to == kPrimary) ||
                         (e.message.from == kPrimary && e.message.to == kSbc);
    const bool in_window = sent >= kStart && sent < kStart + kLength;
    if (e.lost) {
      ++(in_window && on_link ? lost_in_window : lost_outside);
      if (on_link) ++lost_each_way[e.message.from == kSbc ? 0 : 1];
    }
    if (on_link && in_window) ++on_link_in_window;
    if (e.message.retransmission) {
      if (sent < kStart) ++retx_before;
      if (in_window) ++retx_in_window;
      if (sent >= kStart + kLength + 64) ++retx_long_after;
    }
  }
  EXPECT_EQ(lost_outside, 0u);
  EXPECT_EQ(retx_before, 0u);
  EXPECT_EQ(retx_long_after, 0u);
  EXPECT_GT(retx_in_window, 100u);
  EXPECT_GT(lost_each_way[0], 0u);
  EXPECT_GT(lost_each_way[1], 0u);
  EXPECT_EQ(lost_in_window, r.transport.burst_lost);
  EXPECT_EQ(r.faults.at(0).messages_dropped, r.transport.burst_lost);
  // The share lost is the burst's 0.3, within 4 standard errors.
  const double n = static_cast<double>(on_link_in_window);
  const double share = static_cast<double>(lost_in_window) / n;
  EXPECT_NEAR(share, 0.3, 4 * std::sqrt(0.3 * 0.7 / n));
}

// A partition over TCP: both directions vanish, and the SBC sees timeouts
// (Timer B, 408), never a refusal (no RST crosses a partition).
TEST(FaultFailoverTest, PartitionOverTcpTimesOutBothWays) {
  models::ScenarioParams s =
      TwoCarriers(sim::Transport::kTcp, LinkFault(metrics::FaultKind::kPartition, 0));
  // Calls capped at 20 s: the primary's own BYEs cross the window the other way.
  for (auto& n : s.nodes) {
    if (auto* c = std::get_if<nodes::CarrierParams>(&n.kind))
      c->max_call_duration = sim::Duration::Seconds(20);
  }
  const models::RunResult r = RunFault(s, Advance5xx(), 1u << 30);
  ASSERT_TRUE(r.violations.empty()) << r.violations.front();
  uint64_t lost_each_way[2] = {0, 0};
  for (const sip::TraceEvent& e : r.trace) {
    if (!e.lost) continue;
    const double sent = Seconds(e.sent);
    EXPECT_TRUE(sent >= kStart && sent < kStart + kLength) << sent;
    if (e.message.from == kSbc && e.message.to == kPrimary) ++lost_each_way[0];
    if (e.message.from == kPrimary && e.message.to == kSbc) ++lost_each_way[1];
  }
  EXPECT_GT(lost_each_way[0], 0u);
  EXPECT_GT(lost_each_way[1], 0u);
  EXPECT_EQ(lost_each_way[0] + lost_each_way[1], r.transport.partitioned);
  EXPECT_EQ(r.transport.refused, 0u);
  const metrics::FaultResult& f = r.faults.at(0);
  EXPECT_EQ(f.transport_errors, 0u);
  EXPECT_GT(f.timeouts, 100u);
  EXPECT_GT(f.failed_calls, 100u);
  const auto& codes = r.metrics.failures_by_code();
  ASSERT_EQ(codes.size(), 1u);
  EXPECT_EQ(codes.begin()->first, 408);  // not 503: no transport error
  EXPECT_EQ(r.metrics.failed(), f.failed_calls);
}

// No fault: the report is empty and the run is the same as without the tracker.
TEST(FaultFailoverTest, NoFaultNoReport) {
  models::ScenarioParams s = TwoCarriers(sim::Transport::kUdp, Crash());
  s.faults.clear();
  const models::RunResult r = RunFault(s, Advance408And5xx());
  EXPECT_TRUE(r.faults.empty());
  EXPECT_EQ(r.transport.burst_lost + r.transport.partitioned + r.transport.down_dropped, 0u);
}

}  // namespace
}  // namespace crankback
