// A node's processing and overload behaviours (sip-semantics O1, O5, O7), one
// run each of callers -> server over UDP: the server's processor takes a call
// (INVITE 4 ms, ACK 1 ms, BYE 2.142857 ms) in 1/140 s.
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "experiments/runner.h"
#include "topologies/loader.h"

namespace crankback {
namespace {

constexpr double kWindow = 50;  // seconds counted: 60 s of arrivals, 10 s warm-up

std::string Topology(double calls_per_second, const std::string& processing,
                     const std::string& client) {
  return R"(
nodes { name: "callers" user_agent {} )" +
         client + R"( }
nodes {
  name: "server"
  carrier { dialect: "rfc3398" }
  processing { invite_ms: 4 ack_ms: 1 request_ms: 2.142857 response_ms: 1 reject_ms: 1
               discard_ms: 0.25 queue_limit: 500 )" +
         processing + R"( }
}
links { a: "callers" b: "server" latency_s: 0.01 }
traffic { name: "calls" origin: "callers" via: "server"
          calls_per_second: )" +
         std::to_string(calls_per_second) + R"( holding_time { exponential_mean_s: 30 } }
policies { name: "stop" fallback: STOP }
experiment { duration_s: 60 warmup_s: 10 seed: 3 }
)";
}

models::RunResult RunOnce(const std::string& text) {
  const auto study = topologies::LoadStudy(text, "overload.pbtxt");
  EXPECT_TRUE(study.ok()) << study.error().ToString();
  if (!study.ok()) return {};
  models::RunResult r = std::move(experiments::RunStudy(study.value(), 1)[0][0]);
  EXPECT_TRUE(r.violations.empty()) << r.violations[0];
  return r;
}

const overload::ProcessingCounters& Server(const models::RunResult& r) {
  return r.nodes.at(1).processing_counters;
}

// Two processors carry 1.5x one processor's capacity with no queue to speak of.
TEST(OverloadProcessing, ServersShareTheQueue) {
  const models::RunResult one = RunOnce(Topology(210, "", ""));
  const models::RunResult two = RunOnce(Topology(210, "servers: 2", ""));
  EXPECT_GT(Server(one).dropped, 0u);
  EXPECT_EQ(Server(two).dropped, 0u);
  EXPECT_EQ(two.transport.retransmissions, 0u);
  EXPECT_EQ(Server(two).servers, 2u);
  // 210 calls/s over two processors. BYEs follow their calls by 30 s on
  // average, so in [10, 60) s they come at 1 - (30/50)(e^(-1/3) - e^(-2)) of
  // the call rate: each call costs 4 + 1 + 2.142857 x that ms.
  const double bye_share = 1 - 0.6 * (std::exp(-1.0 / 3) - std::exp(-2.0));
  const double utilization = 210 * (0.005 + 0.002142857 * bye_share) / 2;
  EXPECT_NEAR(Server(two).busy_s / (Server(two).window_s * 2), utilization, 0.03);
  EXPECT_LT(Server(two).queue_delay.Quantile(0.95), 0.05);
  EXPECT_NEAR(two.metrics.answered_in_window() / kWindow, 210, 210 * 0.05);
}

// O1, O5: rejecting INVITEs that waited too long keeps the queue short enough
// for no retransmission at all, at the price of a rejection per refused call.
TEST(OverloadProcessing, O1_RejectOnDelayKeepsTheQueueUnderT1) {
  const models::RunResult r =
      RunOnce(Topology(420, "on_overload: REJECT_ON_DELAY max_delay_s: 0.1", ""));
  const overload::ProcessingCounters& s = Server(r);
  EXPECT_GT(s.rejected, s.invites / 2);
  EXPECT_EQ(s.accepted + s.rejected, s.invites);
  EXPECT_EQ(s.dropped, 0u);
  EXPECT_EQ(r.transport.retransmissions, 0u);
  EXPECT_LT(s.queue_delay.Quantile(0.95), 0.5);
  EXPECT_GT(s.rejection_s, 0);
  EXPECT_EQ(r.metrics.failures_by_code().count(408), 0u);
  EXPECT_GT(r.metrics.failures_by_code().at(503), 0u);
}

// O7: a server with loss-based control rejects the share of new INVITEs its oc
// asks for from a client that does not support the control, and only then;
// with a client that does, the client sheds them before they are sent.
TEST(OverloadProcessing, O7_NonParticipatingClientsAreThrottledAtTheServer) {
  const std::string control = "control { algorithm: LOSS target_utilization: 0.9 }";
  const models::RunResult deaf = RunOnce(Topology(420, control, ""));
  EXPECT_GT(Server(deaf).shed_for_clients, 0u);
  EXPECT_EQ(Server(deaf).shed_for_clients, Server(deaf).rejected);
  EXPECT_EQ(deaf.nodes.at(0).shed.total(), 0u);

  const models::RunResult obeying =
      RunOnce(Topology(420, control, "overload_client { control: true }"));
  EXPECT_EQ(Server(obeying).shed_for_clients, 0u);
  EXPECT_GT(obeying.nodes.at(0).shed.loss, 0u);
  EXPECT_EQ(Server(obeying).dropped, 0u);
  // Shedding at the client costs the server nothing: more calls get through.
  EXPECT_GT(obeying.metrics.answered_in_window(), deaf.metrics.answered_in_window());
  EXPECT_GE(obeying.metrics.answered_in_window() / kWindow, 0.85 * 140);
}

}  // namespace
}  // namespace crankback
