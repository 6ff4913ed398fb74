// Node outages seen through callers -> SBC -> carriers (sip-semantics
// section N), in virtual time at T1 = 0.5 s and T1 = 1 s:
//  - N3, N4: a down peer refuses at once (TCP RST, ICMP unreachable: 503 and
//    failover at t = 0) or stays silent (TCP black hole, UDP without ICMP: 408
//    at 64*T1, after seven INVITEs over UDP);
//  - outage windows that end: calls after the window complete on the primary.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <tuple>
#include <vector>

#include "models/sip/client_invite_transaction.h"
#include "models/sip/client_non_invite_transaction.h"
#include "models/sip/endpoint.h"
#include "models/sip/server_invite_transaction.h"
#include "models/sip/server_non_invite_transaction.h"
#include "models/sip/transport.h"
#include "tests/models/outage_fixture.h"
#include "tests/models/scenario_fixture.h"
#include "tests/models/sip/transaction_driver.h"

namespace crankback {
namespace {

using namespace testing::outage;  // NOLINT: the shared outage helpers

// --------------------------------------------- callers -> SBC -> carriers ----

constexpr sim::NodeId kCallers = 0, kSbc = 1, kPrimary = 2, kBackup = 3;

// callers -> sbc -> {primary, backup}, every link `transport` with 10 ms latency,
// unlimited channels, the primary down as `outages` say.
models::ScenarioParams TwoRoutes(sim::Transport transport, int64_t t1_ms, double calls_per_second,
                                 std::vector<sip::Outage> outages) {
  testing::ChainSpec spec;
  spec.carriers = {{"primary", 0}, {"backup", 0}};
  spec.calls_per_second = calls_per_second;
  spec.holding = sim::Distribution::Deterministic(1);
  spec.link.latency = kLatency;
  spec.link.transport = transport;
  models::ScenarioParams s = testing::Chain(spec);
  for (auto& n : s.nodes) n.timers = Rfc(t1_ms);
  s.nodes[kPrimary].outages = std::move(outages);
  return s;
}

models::RunResult RunAll(const models::ScenarioParams& s, policy::Action fallback, double end_s) {
  models::RunSpec spec = testing::Spec(11, 0, end_s, 0);
  spec.trace_calls = 1u << 30;  // every call
  return models::RunSimulation(s, testing::Policy("p", fallback), spec);
}

// What the trace shows of one call at the SBC.
struct CallAtSbc {
  SimTime arrival;  // the caller's INVITE reaches the SBC, which tries a route at once
  std::vector<const sip::TraceEvent*> to_primary;  // INVITEs put on the wire
  std::optional<SimTime> to_backup;                // the first INVITE to the backup
};

std::map<uint32_t, CallAtSbc> CallsAtSbc(const std::vector<sip::TraceEvent>& trace) {
  std::map<uint32_t, CallAtSbc> calls;
  for (const sip::TraceEvent& e : trace) {
    if (!e.message.is_request() || e.message.method != Method::kInvite) continue;
    CallAtSbc& c = calls[e.call];
    if (e.message.from == kCallers && !e.message.retransmission) c.arrival = e.arrival;
    if (e.message.from != kSbc) continue;
    if (e.message.to == kPrimary) c.to_primary.push_back(&e);
    if (e.message.to == kBackup && !c.to_backup) c.to_backup = e.sent;
  }
  return calls;
}

// One way a down primary shows to the SBC.
struct DownPeer {
  const char* name;  // the spec assertion
  sim::Transport transport;
  OutageMode tcp_mode;
  bool icmp;
  std::vector<int64_t> invites_in_t1;  // INVITEs on the wire to the primary, at k*T1
  int64_t failover_in_t1;              // the backup INVITE, at k*T1
  int code;                            // what the SBC's transaction layer gave it
};

const DownPeer kDownPeers[] = {
    // N3, N4 (RST): nothing enters the link; 503 and failover at once.
    {"N4_TcpRefuse", sim::Transport::kTcp, OutageMode::kRefuse, false, {}, 0, 503},
    {"N4_TlsRefuse", sim::Transport::kTls, OutageMode::kRefuse, false, {}, 0, 503},
    // N4 (black hole): one INVITE, no retransmission, Timer B at 64*T1: 408.
    {"N4_TcpBlackhole", sim::Transport::kTcp, OutageMode::kBlackhole, false, {0}, 64, 408},
    // N3 over UDP: silence is a timeout after the Timer A schedule (A1) ...
    {"N3_UdpSilent",
     sim::Transport::kUdp,
     OutageMode::kRefuse,
     false,
     {0, 1, 3, 7, 15, 31, 63},
     64,
     408},
    // ... and ICMP unreachable a transport error at once.
    {"N3_UdpIcmpUnreachable", sim::Transport::kUdp, OutageMode::kBlackhole, true, {}, 0, 503},
};

void PrintTo(const DownPeer& c, std::ostream* os) { *os << c.name; }

class PrimaryDown : public ::testing::TestWithParam<std::tuple<DownPeer, int64_t>> {};

TEST_P(PrimaryDown, FailsOverWhenTheTransportSays) {
  const auto& [c, t1_ms] = GetParam();
  const models::ScenarioParams s =
      TwoRoutes(c.transport, t1_ms, 0.5, {Down(0, 1e4, c.tcp_mode, c.icmp)});
  const models::RunResult run = RunAll(s, policy::Action::kAdvance, 20);
  ASSERT_TRUE(run.violations.empty()) << run.violations.front();
  const uint64_t calls = run.metrics.attempts();
  ASSERT_GE(calls, 5u);
  EXPECT_EQ(run.metrics.answered(), calls);  // all on the backup
  EXPECT_EQ(run.nodes[kPrimary].counters.invites, 0u);
  EXPECT_EQ(run.nodes[kBackup].counters.seizures, calls);

  const auto timelines = CallsAtSbc(run.trace);
  ASSERT_EQ(timelines.size(), calls);
  for (const auto& [call, t] : timelines) {
    SCOPED_TRACE("call " + std::to_string(call));
    std::vector<Duration> sent;
    for (const sip::TraceEvent* e : t.to_primary) {
      sent.push_back(e->sent - t.arrival);
      EXPECT_TRUE(e->lost);  // vanished at the down primary
    }
    std::vector<Duration> expected;
    for (int64_t k : c.invites_in_t1) expected.push_back(T1s(t1_ms, k));
    EXPECT_EQ(sent, expected);
    ASSERT_TRUE(t.to_backup.has_value());
    EXPECT_EQ(*t.to_backup - t.arrival, T1s(t1_ms, c.failover_in_t1));
  }
  // Refused sends never enter a link; silent ones vanish on arrival.
  const bool refused = c.code == 503;
  EXPECT_EQ(run.transport.refused, refused ? calls : 0u);
  EXPECT_EQ(run.transport.down_dropped, calls * c.invites_in_t1.size());
  EXPECT_EQ(run.transport.down_unsent, 0u);
  EXPECT_EQ(run.transport.lost, 0u);
  if (sim::IsReliable(c.transport)) {
    EXPECT_EQ(run.transport.retransmissions, 0u);
  }

  // With a policy that stops, the SBC passes upstream what its transaction
  // layer said: 503 for a transport error (RFC 3261 8.1.3.1), 408 for a timeout.
  const models::RunResult stop = RunAll(s, policy::Action::kStop, 20);
  ASSERT_TRUE(stop.violations.empty()) << stop.violations.front();
  EXPECT_EQ(stop.metrics.attempts(), calls);
  EXPECT_EQ(stop.metrics.failures_by_code(), (std::map<int, uint64_t>{{c.code, calls}}));
  EXPECT_EQ(stop.metrics.failed_retryable(), calls);  // route-local: the backup was untried
}

INSTANTIATE_TEST_SUITE_P(TransportFailure, PrimaryDown,
                         ::testing::Combine(::testing::ValuesIn(kDownPeers),
                                            ::testing::Values(500, 1000)),
                         [](const auto& p) {
                           return std::string(std::get<0>(p.param).name) + "_" +
                                  T1Name(std::get<1>(p.param));
                         });

// ---------------------------------------------------- a window that ends ----

class OutageWindow : public ::testing::TestWithParam<int64_t> {};

// N4 (RST) over a window: a call whose SBC attempt falls inside [0, 10 s)
// fails over to the backup at once; every later call completes on the primary.
TEST_P(OutageWindow, N4_CallsDuringTheWindowFailOverCallsAfterItComplete) {
  const int64_t t1_ms = GetParam();
  const SimTime end = At(10);
  const auto s =
      TwoRoutes(sim::Transport::kTcp, t1_ms, 2, {Down(0, 10, OutageMode::kRefuse, false)});
  const models::RunResult run = RunAll(s, policy::Action::kAdvance, 20);
  ASSERT_TRUE(run.violations.empty()) << run.violations.front();
  uint64_t during = 0, after = 0;
  for (const auto& [call, t] : CallsAtSbc(run.trace)) {
    SCOPED_TRACE("call " + std::to_string(call));
    if (t.arrival < end) {
      ++during;
      EXPECT_TRUE(t.to_primary.empty());
      ASSERT_TRUE(t.to_backup.has_value());
      EXPECT_EQ(*t.to_backup, t.arrival);
    } else {
      ++after;
      ASSERT_EQ(t.to_primary.size(), 1u);
      EXPECT_EQ(t.to_primary[0]->sent, t.arrival);
      EXPECT_FALSE(t.to_primary[0]->lost);
      EXPECT_FALSE(t.to_backup.has_value());
    }
  }
  EXPECT_GT(during, 10u);  // about 20 of each at 2 calls/s
  EXPECT_GT(after, 10u);
  EXPECT_EQ(during + after, run.metrics.attempts());
  EXPECT_EQ(run.metrics.answered(), during + after);
  EXPECT_EQ(run.nodes[kBackup].counters.seizures, during);
  EXPECT_EQ(run.nodes[kPrimary].counters.seizures, after);
  EXPECT_EQ(run.transport.refused, during);
  EXPECT_EQ(run.transport.down_dropped, 0u);
}

// N3 over UDP without ICMP: a window shorter than Timer B only delays a call.
// Its INVITE goes out at t, t+T1, t+3T1, ... (A1); the first copy that reaches
// the primary after the window ends is answered, and the call never fails over.
TEST_P(OutageWindow, N3_UdpRetransmissionAfterTheWindowGetsThrough) {
  const int64_t t1_ms = GetParam();
  const SimTime end = At(10);
  const auto s =
      TwoRoutes(sim::Transport::kUdp, t1_ms, 1, {Down(0, 10, OutageMode::kRefuse, false)});
  const models::RunResult run = RunAll(s, policy::Action::kAdvance, 20);
  ASSERT_TRUE(run.violations.empty()) << run.violations.front();
  uint64_t delayed = 0, vanished = 0;
  for (const auto& [call, t] : CallsAtSbc(run.trace)) {
    SCOPED_TRACE("call " + std::to_string(call));
    // Expected: the first transmission, in the A schedule, arriving at or after `end`.
    size_t through = 0;
    Duration at;
    for (int64_t k : {0, 1, 3, 7, 15, 31, 63}) {
      at = T1s(t1_ms, k);
      if (t.arrival + at + kLatency >= end) break;
      ++through;
    }
    ASSERT_LT(through, 7u);  // the window is shorter than Timer B
    ASSERT_EQ(t.to_primary.size(), through + 1);
    for (size_t i = 0; i < through; ++i) EXPECT_TRUE(t.to_primary[i]->lost);
    EXPECT_FALSE(t.to_primary[through]->lost);
    EXPECT_EQ(t.to_primary[through]->sent, t.arrival + at);
    EXPECT_FALSE(t.to_backup.has_value());
    delayed += through > 0 ? 1 : 0;
    vanished += through;
  }
  EXPECT_GT(delayed, 5u);  // about 10 at 1 call/s
  EXPECT_EQ(run.metrics.answered(), run.metrics.attempts());
  EXPECT_EQ(run.nodes[kPrimary].counters.seizures, run.metrics.attempts());
  EXPECT_EQ(run.nodes[kBackup].counters.invites, 0u);
  EXPECT_EQ(run.transport.down_dropped, vanished);
  EXPECT_EQ(run.transport.refused, 0u);
}

INSTANTIATE_TEST_SUITE_P(TransportFailure, OutageWindow, ::testing::Values(500, 1000),
                         [](const auto& p) { return T1Name(p.param); });

}  // namespace
}  // namespace crankback
