// Node outages and transport failure (sip-semantics section N), in virtual time
// at T1 = 0.5 s and T1 = 1 s:
//  - N1: the timer matrix per transport;
//  - N3, N4: a down peer refuses at once (TCP RST, ICMP unreachable: 503 and
//    failover at t = 0) or stays silent (TCP black hole, UDP without ICMP: 408
//    at 64*T1, after seven INVITEs over UDP);
//  - outage windows that end: calls after the window complete on the primary;
//  - N7: an IST whose final response cannot be sent keeps its state and timers;
//  - a down node sends nothing, drops what reaches it, and keeps its timers.
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
#include "tests/models/scenario_fixture.h"
#include "tests/models/sip/transaction_driver.h"

namespace crankback {
namespace {

using sim::Duration;
using sim::SimTime;
using sip::Message;
using sip::Method;
using sip::OutageMode;

constexpr Duration kLatency = Duration::Millis(10);

SimTime At(double s) { return SimTime::Zero() + sim::SecondsToDuration(s); }
Duration T1s(int64_t t1_ms, int64_t k) { return Duration::Millis(t1_ms * k); }

sip::Outage Down(double start_s, double duration_s, OutageMode tcp_mode, bool icmp) {
  sip::Outage o;
  o.start = At(start_s);
  o.duration = sim::SecondsToDuration(duration_s);
  o.tcp_mode = tcp_mode;
  o.udp_icmp_unreachable = icmp;
  return o;
}

sip::TimerProfile Rfc(int64_t t1_ms) {
  sip::TimerProfile p = sip::Rfc3261Profile();
  p.t1 = Duration::Millis(t1_ms);
  return p;
}

std::string T1Name(int64_t t1_ms) { return "T1_" + std::to_string(t1_ms) + "ms"; }

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

// ----------------------------------------------- two bare SIP stacks ----

// A SIP stack whose TU records what reaches it and answers each new INVITE
// with `answer_status` after `answer_after` (none when 0).
class Probe : public sip::Endpoint {
 public:
  Probe(sip::SipNetwork& sip, sim::NodeId id, const sip::TimerProfile& timers)
      : Endpoint(sip, id, timers) {
    sip.Attach(id, this);
  }
  using Endpoint::SendRequest;

  struct Seen {
    SimTime at;
    Message message;
  };
  std::vector<Seen> requests, responses, timeouts, ack_timeouts;
  int answer_status = 0;
  Duration answer_after;

 protected:
  void OnRequest(const Message& request) override {
    requests.push_back({engine().Now(), request});
    if (request.method != Method::kInvite || answer_status == 0) return;
    invite_ = request;
    engine().ScheduleIn(answer_after,
                        [this] { SendResponse(Message::ResponseTo(invite_, answer_status)); });
  }
  void OnResponse(const Message& response) override {
    responses.push_back({engine().Now(), response});
  }
  void OnTimeout(const Message& request) override { timeouts.push_back({engine().Now(), request}); }
  void OnAckTimeout(const Message& response) override {
    ack_timeouts.push_back({engine().Now(), response});
  }
  uint32_t NextCseq(uint64_t) override { return ++cseq_; }

 private:
  Message invite_;
  uint32_t cseq_ = 1;
};

class Wire : public sip::TransmissionObserver {
 public:
  struct Seen {
    SimTime sent;
    bool lost;
    Message message;
  };
  void OnTransmission(const sip::WireTransmission& t) override {
    seen.push_back({t.sent, t.lost, t.message});
  }
  std::vector<Seen> seen;
};

// Node 0 (client) and node 1 (server), one link.
struct TwoStacks {
  TwoStacks(sim::Transport transport, Duration latency, int64_t t1_ms)
      : rng(5, 0), network(rng), sip(engine, network) {
    network.AddNode("client");
    network.AddNode("server");
    sim::LinkParams link;
    link.latency = latency;
    link.transport = transport;
    network.AddLink(0, 1, link);
    client.emplace(sip, 0, Rfc(t1_ms));
    server.emplace(sip, 1, Rfc(t1_ms));
    sip.SetObserver(&wire);
  }
  void Invite() { client->SendRequest(1, Message::Request(Method::kInvite, 77, 1)); }
  uint64_t Expired(const Probe& p, sip::TimerName t) const {
    return p.timer_expirations()[static_cast<size_t>(t)];
  }

  sim::RngFactory rng;
  sim::Engine engine;
  sim::Network network;
  sip::SipNetwork sip;
  Wire wire;
  std::optional<Probe> client, server;
};

struct RefusingPeer {
  const char* name;
  sim::Transport transport;
};
constexpr RefusingPeer kRefusingPeers[] = {{"TcpRefuse", sim::Transport::kTcp},
                                           {"UdpIcmp", sim::Transport::kUdp}};

void PrintTo(const RefusingPeer& p, std::ostream* os) { *os << p.name; }

class RefusedResponse : public ::testing::TestWithParam<std::tuple<RefusingPeer, int64_t>> {};

// N7 (C6, RFC 6026 7.1): the client goes down after the 100 Trying; the
// server's 486 at 1 s is refused. The IST only notes it: it stays in Completed,
// retransmits on Timer G over UDP (each refused too) and ends on Timer H at
// 1 s + 64*T1, telling its TU the final was never ACKed.
TEST_P(RefusedResponse, N7_IstKeepsItsStateAndTimers) {
  const auto& [peer, t1_ms] = GetParam();
  const bool udp = peer.transport == sim::Transport::kUdp;
  TwoStacks net(peer.transport, kLatency, t1_ms);
  net.sip.SetOutages(0, std::vector{Down(0.5, 1e4, OutageMode::kRefuse, true)});
  net.server->answer_status = 486;
  net.server->answer_after = Duration::Millis(990);  // the INVITE arrives at 10 ms
  net.Invite();
  const SimTime h = At(1) + T1s(t1_ms, 64);
  net.engine.RunUntil(h - Duration::Millis(1));
  ASSERT_EQ(net.client->responses.size(), 1u);  // the 100, before the outage
  EXPECT_EQ(net.client->responses[0].message.status, 100);
  EXPECT_EQ(net.server->open_transactions(), 1u);  // the IST, still in Completed
  EXPECT_TRUE(net.server->ack_timeouts.empty());
  const uint64_t g = udp ? (t1_ms == 500 ? 10 : 17) : 0;  // 1 s + T1, 3T1, 7T1, then every T2
  EXPECT_EQ(net.Expired(*net.server, sip::TimerName::kG), g);
  EXPECT_EQ(net.sip.counters().refused, 1 + g);

  net.engine.RunUntil(h + Duration::Millis(1));
  EXPECT_EQ(net.Expired(*net.server, sip::TimerName::kH), 1u);
  ASSERT_EQ(net.server->ack_timeouts.size(), 1u);
  EXPECT_EQ(net.server->ack_timeouts[0].at, h);
  EXPECT_EQ(net.server->ack_timeouts[0].message.status, 486);
  EXPECT_EQ(net.server->open_transactions(), 0u);
  for (const Wire::Seen& s : net.wire.seen) EXPECT_NE(s.message.status, 486);  // never on a link
}

// N3 on the client side after a final: the server goes down as its 486 is on
// the way, so the ACK is refused. The TU still gets the 486 first, and the ICT
// ends at once (RFC 6026 Figure 5: a transport error in Completed terminates).
TEST_P(RefusedResponse, N3_RefusedAckLeavesTheFinalResponseFirst) {
  const auto& [peer, t1_ms] = GetParam();
  TwoStacks net(peer.transport, kLatency, t1_ms);
  net.sip.SetOutages(1, std::vector{Down(0.015, 1e4, OutageMode::kRefuse, true)});
  net.server->answer_status = 486;  // at once, at 10 ms
  net.Invite();
  net.engine.RunUntil(At(0.03));
  ASSERT_FALSE(net.client->responses.empty());
  EXPECT_EQ(net.client->responses[0].message.status, 486);
  EXPECT_EQ(net.client->responses[0].at, At(0.02));
  EXPECT_EQ(net.sip.counters().refused, 1u);  // the ACK
  EXPECT_EQ(net.client->open_transactions(), 0u);
}

INSTANTIATE_TEST_SUITE_P(TransportFailure, RefusedResponse,
                         ::testing::Combine(::testing::ValuesIn(kRefusingPeers),
                                            ::testing::Values(500, 1000)),
                         [](const auto& p) {
                           return std::string(std::get<0>(p.param).name) + "_" +
                                  T1Name(std::get<1>(p.param));
                         });

class DownNode : public ::testing::TestWithParam<int64_t> {};

// A message in flight when its destination goes down is lost on arrival: the
// INVITE sent at 0 reaches the server at 100 ms, inside [50 ms, T1); the
// retransmission at T1 gets through.
TEST_P(DownNode, InFlightMessageIsLostOnArrival) {
  const int64_t t1_ms = GetParam();
  TwoStacks net(sim::Transport::kUdp, Duration::Millis(100), t1_ms);
  net.sip.SetOutages(1, std::vector{Down(0.05, t1_ms / 1000.0 - 0.05, OutageMode::kRefuse, false)});
  net.Invite();
  net.engine.RunUntil(At(0.1) + T1s(t1_ms, 1));
  ASSERT_EQ(net.server->requests.size(), 1u);
  EXPECT_EQ(net.server->requests[0].at, At(0.1) + T1s(t1_ms, 1));
  EXPECT_TRUE(net.server->requests[0].message.retransmission);
  EXPECT_EQ(net.sip.counters().down_dropped, 1u);
  ASSERT_GE(net.wire.seen.size(), 2u);
  EXPECT_TRUE(net.wire.seen[0].lost);  // traced as lost when sent
  EXPECT_FALSE(net.wire.seen[1].lost);
}

// A down node sends nothing and drops what arrives, while its timers run: the
// server, down over [0.15 s, 0.25 s + 2*T1), answers 486 at 0.25 s (not sent),
// fires Timer G at 0.25 s + T1 (not sent), and drops the INVITE retransmission
// of T1; the retransmission of 3*T1 finds it up, and the 486 it repeats
// reaches the client at 3*T1 + 0.2 s.
TEST_P(DownNode, SendsNothingDropsArrivalsAndKeepsItsTimers) {
  const int64_t t1_ms = GetParam();
  TwoStacks net(sim::Transport::kUdp, Duration::Millis(100), t1_ms);
  const double back_s = 0.25 + 2 * t1_ms / 1000.0;
  net.sip.SetOutages(1, std::vector{Down(0.15, back_s - 0.15, OutageMode::kRefuse, false)});
  net.server->answer_status = 486;
  net.server->answer_after = Duration::Millis(150);
  net.Invite();
  net.engine.RunUntil(At(back_s) - Duration::Millis(1));
  EXPECT_EQ(net.Expired(*net.server, sip::TimerName::kG), 1u);
  EXPECT_EQ(net.sip.counters().down_unsent, 2u);   // the 486 and its first retransmission
  EXPECT_EQ(net.sip.counters().down_dropped, 1u);  // the INVITE of T1
  EXPECT_EQ(net.sip.counters().refused, 0u);       // a down sender is never refused
  EXPECT_TRUE(net.client->responses.empty());

  net.engine.RunUntil(At(5) + T1s(t1_ms, 8));
  ASSERT_FALSE(net.client->responses.empty());
  EXPECT_EQ(net.client->responses[0].message.status, 486);
  EXPECT_EQ(net.client->responses[0].at, At(0.2) + T1s(t1_ms, 3));
  EXPECT_EQ(net.server->open_transactions(), 0u);  // ACKed, then Timer I
}

INSTANTIATE_TEST_SUITE_P(TransportFailure, DownNode, ::testing::Values(500, 1000),
                         [](const auto& p) { return T1Name(p.param); });

// ------------------------------------------------------------------- N1 ----

// The timers each machine starts, as "A 500", plus "terminated" when the input
// ends it (a timer that is 0 over a reliable transport).
std::vector<std::string> Started(const sip::Effects& out) {
  std::vector<std::string> lines;
  for (const sip::Effect& e : out) {
    if (e.kind == sip::Effect::Kind::kTerminated) lines.push_back("terminated");
    if (e.kind != sip::Effect::Kind::kStartTimer || e.timer == sip::TimerName::kTrying100) continue;
    lines.push_back(std::string(sip::TimerNameString(e.timer)) + " " +
                    std::to_string(e.delay.nanos() / 1'000'000));
  }
  return lines;
}

using Strings = std::vector<std::string>;

class TimerMatrix : public ::testing::TestWithParam<int64_t> {};

// N1 (RFC 3261 Table 4): which timer runs, and how long, over UDP and over a
// reliable transport.
TEST_P(TimerMatrix, N1_TimersPerTransport) {
  const int64_t t1 = GetParam();
  const sip::TimerProfile p = Rfc(t1);
  const auto ms = [](int64_t v) { return std::to_string(v); };
  const std::string t64 = ms(64 * t1);
  const Message inv = sip::testing::Invite();
  const Message bye = sip::testing::Bye();
  const auto tu = [](const Message& r, int status) {
    return sip::Input::FromTu(Message::ResponseTo(r, status));
  };
  const auto rx = [](const Message& r, int status) {
    return sip::Input::Received(Message::ResponseTo(r, status));
  };
  const auto fire = [](sip::TimerName t) { return sip::Input::Timer(t); };
  for (bool reliable : {false, true}) {
    SCOPED_TRACE(reliable ? "reliable" : "udp");
    const SimTime now;
    {  // A (T1, doubling, not capped) and B
      sip::ClientInviteTransaction ict(p, reliable, inv);
      EXPECT_EQ(Started(ict.Start(now)),
                (reliable ? Strings{"B " + t64} : Strings{"A " + ms(t1), "B " + t64}));
      if (!reliable) {
        Strings a;
        for (int i = 0; i < 4; ++i) {
          for (const std::string& s : Started(ict.OnInput(now, fire(sip::TimerName::kA))))
            a.push_back(s);
        }
        EXPECT_EQ(a, (Strings{"A " + ms(2 * t1), "A " + ms(4 * t1), "A " + ms(8 * t1),
                              "A " + ms(16 * t1)}));
      }
      EXPECT_EQ(
          Started(ict.OnInput(now, rx(inv, 486))),
          reliable ? Strings{"terminated"} : Strings{"D " + ms(std::max<int64_t>(32000, 64 * t1))});
    }
    {  // M
      sip::ClientInviteTransaction ict(p, reliable, inv);
      ict.Start(now);
      EXPECT_EQ(Started(ict.OnInput(now, rx(inv, 200))), Strings{"M " + t64});
    }
    {  // E (T1, capped at T2), F, K
      sip::ClientNonInviteTransaction nict(p, reliable, bye);
      EXPECT_EQ(Started(nict.Start(now)),
                (reliable ? Strings{"F " + t64} : Strings{"E " + ms(t1), "F " + t64}));
      if (!reliable) {
        Strings e;
        for (int i = 0; i < 4; ++i) {
          for (const std::string& s : Started(nict.OnInput(now, fire(sip::TimerName::kE))))
            e.push_back(s);
        }
        EXPECT_EQ(e, (Strings{"E " + ms(std::min<int64_t>(2 * t1, 4000)),
                              "E " + ms(std::min<int64_t>(4 * t1, 4000)), "E 4000", "E 4000"}));
      }
      EXPECT_EQ(Started(nict.OnInput(now, rx(bye, 200))),
                reliable ? Strings{"terminated"} : Strings{"K 5000"});
    }
    {  // G (T1, capped at T2), H, I
      sip::ServerInviteTransaction ist(p, reliable, inv);
      ist.Start(now);
      EXPECT_EQ(Started(ist.OnInput(now, tu(inv, 486))),
                (reliable ? Strings{"H " + t64} : Strings{"G " + ms(t1), "H " + t64}));
      if (!reliable) {
        Strings g;
        for (int i = 0; i < 4; ++i) {
          for (const std::string& s : Started(ist.OnInput(now, fire(sip::TimerName::kG))))
            g.push_back(s);
        }
        EXPECT_EQ(g, (Strings{"G " + ms(std::min<int64_t>(2 * t1, 4000)),
                              "G " + ms(std::min<int64_t>(4 * t1, 4000)), "G 4000", "G 4000"}));
      }
      EXPECT_EQ(Started(ist.OnInput(now, sip::Input::Received(sip::testing::AckOf(inv)))),
                reliable ? Strings{"terminated"} : Strings{"I 5000"});
    }
    {  // L
      sip::ServerInviteTransaction ist(p, reliable, inv);
      ist.Start(now);
      EXPECT_EQ(Started(ist.OnInput(now, tu(inv, 200))), Strings{"L " + t64});
    }
    {  // J
      sip::ServerNonInviteTransaction nist(p, reliable, bye);
      nist.Start(now);
      EXPECT_EQ(Started(nist.OnInput(now, tu(bye, 200))),
                reliable ? Strings{"terminated"} : Strings{"J " + t64});
    }
  }
}

// N1, X4: the UAS core retransmits a 2xx until its ACK whatever the transport.
// The client goes silent (black hole, no ICMP) before the 200 at 1 s: the 200
// goes out again at 1 s + T1, 3T1, 7T1, then every T2, and the core gives up
// at 1 s + 64*T1 -- over TCP as over UDP.
TEST_P(TimerMatrix, N1_X4_UasCoreRetransmits2xxOnEveryTransport) {
  const int64_t t1_ms = GetParam();
  for (sim::Transport transport : {sim::Transport::kUdp, sim::Transport::kTcp}) {
    SCOPED_TRACE(sim::TransportName(transport));
    TwoStacks net(transport, kLatency, t1_ms);
    net.sip.SetOutages(0, std::vector{Down(0.5, 1e4, OutageMode::kBlackhole, false)});
    net.server->answer_status = 200;
    net.server->answer_after = Duration::Millis(990);
    net.Invite();
    const SimTime give_up = At(1) + T1s(t1_ms, 64);
    net.engine.RunUntil(give_up + Duration::Millis(1));
    std::vector<Duration> ok;
    for (const Wire::Seen& s : net.wire.seen) {
      if (s.message.status != 200) continue;
      EXPECT_TRUE(s.lost);
      ok.push_back(s.sent - At(1));
    }
    std::vector<Duration> expected = {Duration()};
    for (Duration at = T1s(t1_ms, 1), step = at; at < T1s(t1_ms, 64);
         step = std::min(step * 2, Duration::Seconds(4)), at += step) {
      expected.push_back(at);
    }
    EXPECT_EQ(expected.size(), t1_ms == 500 ? 11u : 18u);
    EXPECT_EQ(ok, expected);
    ASSERT_EQ(net.server->ack_timeouts.size(), 1u);
    EXPECT_EQ(net.server->ack_timeouts[0].at, give_up);
  }
}

INSTANTIATE_TEST_SUITE_P(TransportFailure, TimerMatrix, ::testing::Values(500, 1000),
                         [](const auto& p) { return T1Name(p.param); });

}  // namespace
}  // namespace crankback
