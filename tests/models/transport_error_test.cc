// Transport errors between two bare SIP stacks (sip-semantics section N), in
// virtual time at T1 = 0.5 s and T1 = 1 s:
//  - N1: the timer matrix per transport;
//  - N7: an IST whose final response cannot be sent keeps its state and timers;
//  - a refused ACK leaves the final response first;
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
#include "tests/models/outage_fixture.h"
#include "tests/models/scenario_fixture.h"
#include "tests/models/sip/transaction_driver.h"

namespace crankback {
namespace {

using namespace testing::outage;  // NOLINT: the shared outage helpers

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
