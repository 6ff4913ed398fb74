// The network graph: hop lookup, loss on UDP, reliable transports (no loss, TCP
// retransmission delays, in-order delivery), latency plus jitter, and one set of
// random streams per link direction.
#include "sim/network.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>
#include <vector>

#include "sim/distribution.h"
#include "sim/rng.h"
#include "sim/statistics.h"
#include "sim/time.h"

namespace crankback::sim {
namespace {

constexpr double kLevel = 0.999;

SimTime At(Duration d) { return SimTime::Zero() + d; }

// A link without jitter. (Designated initializers that leave out `jitter` trip
// GCC's -Wmissing-field-initializers, since it has no default member initializer.)
LinkParams Link(Duration latency, double loss = 0, Transport transport = Transport::kUdp) {
  LinkParams params;
  params.latency = latency;
  params.loss = loss;
  params.transport = transport;
  return params;
}

// Two nodes "a" and "b" joined by one link.
struct Pair {
  explicit Pair(const LinkParams& params, uint64_t seed = 1) : net(RngFactory(seed, 0)) {
    a = net.AddNode("a");
    b = net.AddNode("b");
    net.AddLink(a, b, params);
    ab = *net.FindHop(a, b);
    ba = *net.FindHop(b, a);
  }
  Network net;
  NodeId a = 0, b = 0;
  HopId ab = 0, ba = 0;
};

TEST(NetworkTest, FindsNodesAndHopsInBothDirections) {
  Network net(RngFactory(1, 0));
  const NodeId a = net.AddNode("sbc1");
  const NodeId b = net.AddNode("carrier_a");
  const NodeId c = net.AddNode("carrier_b");
  net.AddLink(a, b, Link(Duration::Millis(10)));
  net.AddLink(b, c, Link(Duration::Millis(30), 0.0, Transport::kTls));
  EXPECT_EQ(net.node_count(), 3u);
  EXPECT_EQ(net.link_count(), 2u);
  EXPECT_EQ(net.NodeName(b), "carrier_a");
  EXPECT_EQ(net.FindNode("carrier_b"), c);
  EXPECT_EQ(net.FindNode("nobody"), std::nullopt);

  const std::optional<HopId> ab = net.FindHop(a, b);
  const std::optional<HopId> ba = net.FindHop(b, a);
  const std::optional<HopId> bc = net.FindHop(b, c);
  const std::optional<HopId> cb = net.FindHop(c, b);
  ASSERT_TRUE(ab && ba && bc && cb);
  EXPECT_NE(*ab, *ba);
  EXPECT_NE(*bc, *cb);
  EXPECT_EQ(net.HopDestination(*ab), b);
  EXPECT_EQ(net.HopDestination(*ba), a);
  EXPECT_EQ(net.HopDestination(*bc), c);
  EXPECT_EQ(net.HopDestination(*cb), b);
  EXPECT_EQ(net.HopParams(*ba).latency, Duration::Millis(10));
  EXPECT_EQ(net.HopParams(*cb).latency, Duration::Millis(30));
  EXPECT_EQ(net.HopParams(*cb).transport, Transport::kTls);
  EXPECT_EQ(net.FindHop(a, c), std::nullopt);  // not neighbours
  EXPECT_EQ(net.FindHop(a, a), std::nullopt);

  EXPECT_STREQ(TransportName(Transport::kUdp), "udp");
  EXPECT_STREQ(TransportName(Transport::kTcp), "tcp");
  EXPECT_STREQ(TransportName(Transport::kTls), "tls");
  EXPECT_FALSE(IsReliable(Transport::kUdp));
  EXPECT_TRUE(IsReliable(Transport::kTcp));
  EXPECT_TRUE(IsReliable(Transport::kTls));
}

TEST(NetworkTest, UdpLossRateMatchesTheLinkWithinAnInterval) {
  Pair p(Link(Duration::Millis(10), 0.1));
  Welford lost;
  for (int i = 0; i < 100'000; ++i) {
    const SimTime now = At(Duration::Millis(i));
    const Transmission t = p.net.Transmit(p.ab, now);
    lost.Add(t.lost ? 1.0 : 0.0);
    if (!t.lost) {
      ASSERT_EQ(t.arrival, now + Duration::Millis(10));
    }
  }
  const Interval ci = StudentT(lost, kLevel);
  EXPECT_TRUE(ci.Contains(0.1)) << lost.mean() << " +- " << ci.half_width;
  EXPECT_LT(ci.half_width, 0.005);  // a loss rate off by 0.005 would be caught
}

TEST(NetworkTest, UdpLosesEverythingOrNothingAtTheExtremes) {
  Pair lossy(Link(Duration::Millis(5), 1.0));
  Pair clean(Link(Duration::Millis(5), 0.0));
  for (int i = 0; i < 1000; ++i) {
    const SimTime now = At(Duration::Millis(i));
    EXPECT_TRUE(lossy.net.Transmit(lossy.ab, now).lost);
    const Transmission t = clean.net.Transmit(clean.ab, now);
    EXPECT_FALSE(t.lost);
    EXPECT_EQ(t.arrival, now + Duration::Millis(5));
  }
}

// Messages are sent 2000 s apart, far more than the longest retransmission
// sequence, so in-order delivery never holds one back: the extra delay is
// rto * (2^k - 1) after k losses, and k is geometric with P(k = 0) = 1 - loss.
TEST(NetworkTest, ReliableTransportNeverLosesAndAddsRetransmissionTimeouts) {
  const Duration rto = Duration::Millis(200);
  LinkParams params = Link(Duration::Millis(10), 0.5, Transport::kTcp);
  params.tcp_rto = rto;
  Pair p(params);
  Welford no_retransmission, one_retransmission;
  for (int i = 0; i < 20'000; ++i) {
    const SimTime now = At(Duration::Seconds(2000) * i);
    const Transmission t = p.net.Transmit(p.ab, now);
    ASSERT_FALSE(t.lost);
    const Duration extra = t.arrival - now - Duration::Millis(10);
    int losses = -1;
    for (int k = 0; k <= 12; ++k) {
      if (extra == rto * ((int64_t{1} << k) - 1)) losses = k;
    }
    ASSERT_GE(losses, 0) << "extra delay " << extra.nanos() << " ns is not a sum of doubling RTOs";
    no_retransmission.Add(losses == 0 ? 1.0 : 0.0);
    one_retransmission.Add(losses == 1 ? 1.0 : 0.0);
  }
  EXPECT_TRUE(StudentT(no_retransmission, kLevel).Contains(0.5)) << no_retransmission.mean();
  EXPECT_TRUE(StudentT(one_retransmission, kLevel).Contains(0.25)) << one_retransmission.mean();
}

// With every segment lost, TCP stops doubling after 12 retransmissions:
// the message arrives rto * (2^12 - 1) late but is never reported lost.
TEST(NetworkTest, ReliableTransportOverATotallyLossyLinkStillDelivers) {
  const Duration rto = Duration::Millis(100);
  for (Transport transport : {Transport::kTcp, Transport::kTls}) {
    LinkParams params = Link(Duration::Millis(10), 1.0, transport);
    params.tcp_rto = rto;
    Pair p(params);
    const Transmission t = p.net.Transmit(p.ab, SimTime::Zero());
    EXPECT_FALSE(t.lost);
    EXPECT_EQ(t.arrival, At(Duration::Millis(10) + rto * 4095));
  }
}

int CountInversions(const std::vector<SimTime>& arrivals) {
  int inversions = 0;
  for (size_t i = 1; i < arrivals.size(); ++i) {
    if (arrivals[i] < arrivals[i - 1]) ++inversions;
  }
  return inversions;
}

// Jitter larger than the spacing reorders UDP messages; TCP and TLS deliver in
// the order sent, each message no earlier than its own latency and jitter allow.
TEST(NetworkTest, ReliableTransportDeliversInOrderDespiteJitter) {
  for (Transport transport : {Transport::kUdp, Transport::kTcp, Transport::kTls}) {
    SCOPED_TRACE(TransportName(transport));
    Pair p({.latency = Duration::Millis(10),
            .jitter = Distribution::Exponential(0.05),
            .loss = 0.2,
            .transport = transport});
    std::vector<SimTime> arrivals;
    for (int i = 0; i < 10'000; ++i) {
      const SimTime now = At(Duration::Millis(i));
      const Transmission t = p.net.Transmit(p.ab, now);
      if (t.lost) {
        ASSERT_EQ(transport, Transport::kUdp);
        continue;
      }
      ASSERT_GE(t.arrival, now + Duration::Millis(10));
      arrivals.push_back(t.arrival);
    }
    if (IsReliable(transport)) {
      EXPECT_EQ(arrivals.size(), 10'000u);
      EXPECT_EQ(CountInversions(arrivals), 0);
    } else {
      EXPECT_GT(CountInversions(arrivals), 1000);  // the check above could fail
    }
  }
}

// In-order delivery is per direction: a message held back on a -> b does not
// delay the reply on b -> a.
TEST(NetworkTest, ReliableOrderingIsPerDirection) {
  Pair p(Link(Duration::Millis(10), 0.5, Transport::kTcp));
  std::vector<SimTime> forward, backward;
  int reply_first = 0;
  for (int i = 0; i < 1000; ++i) {
    const SimTime now = At(Duration::Millis(i));
    forward.push_back(p.net.Transmit(p.ab, now).arrival);
    backward.push_back(p.net.Transmit(p.ba, now).arrival);
    if (backward.back() < forward.back()) ++reply_first;
  }
  EXPECT_EQ(CountInversions(forward), 0);
  EXPECT_EQ(CountInversions(backward), 0);
  EXPECT_GT(reply_first, 0);
}

TEST(NetworkTest, ArrivalIsLatencyPlusJitter) {
  const Duration latency = Duration::Millis(10);
  Pair plain(Link(latency));
  Pair fixed({.latency = latency, .jitter = Distribution::Deterministic(0.002)});
  Pair spread({.latency = latency, .jitter = Distribution::Uniform(0.0, 0.005)});
  Welford spread_delay;
  for (int i = 0; i < 100'000; ++i) {
    const SimTime now = At(Duration::Micros(i * 37));
    ASSERT_EQ(plain.net.Transmit(plain.ab, now).arrival, now + latency);
    ASSERT_EQ(fixed.net.Transmit(fixed.ba, now).arrival, now + Duration::Millis(12));
    const Duration delay = spread.net.Transmit(spread.ab, now).arrival - now;
    ASSERT_GE(delay, latency);
    ASSERT_LE(delay, latency + Duration::Millis(5));
    spread_delay.Add(ToSeconds(delay));
  }
  const Interval ci = StudentT(spread_delay, kLevel);
  EXPECT_TRUE(ci.Contains(0.0125)) << spread_delay.mean() << " +- " << ci.half_width;
  EXPECT_LT(ci.half_width, 0.0001);
}

struct Fate {
  bool lost;
  SimTime arrival;
  bool operator==(const Fate&) const = default;
};

std::vector<Fate> Send(Network& net, HopId hop, int n) {
  std::vector<Fate> fates;
  for (int i = 0; i < n; ++i) {
    const Transmission t = net.Transmit(hop, At(Duration::Millis(i)));
    fates.push_back({t.lost, t.lost ? SimTime::Zero() : t.arrival});
  }
  return fates;
}

// Each direction of a link draws loss and jitter from its own streams, keyed by
// node names: traffic the other way, or another link, changes nothing.
TEST(NetworkTest, LinkDirectionsUseSeparateStreams) {
  const LinkParams params{
      .latency = Duration::Millis(10), .jitter = Distribution::Exponential(0.01), .loss = 0.5};
  Pair alone(params, 5);
  const std::vector<Fate> forward_alone = Send(alone.net, alone.ab, 256);

  Pair both(params, 5);
  std::vector<Fate> forward_interleaved, backward_interleaved;
  for (int i = 0; i < 256; ++i) {
    const SimTime now = At(Duration::Millis(i));
    const Transmission back = both.net.Transmit(both.ba, now);
    const Transmission fwd = both.net.Transmit(both.ab, now);
    forward_interleaved.push_back({fwd.lost, fwd.lost ? SimTime::Zero() : fwd.arrival});
    backward_interleaved.push_back({back.lost, back.lost ? SimTime::Zero() : back.arrival});
  }
  EXPECT_EQ(forward_interleaved, forward_alone);
  EXPECT_NE(backward_interleaved, forward_alone);

  // Another node and link added first leave the a -> b draws unchanged.
  Network bigger(RngFactory(5, 0));
  const NodeId c = bigger.AddNode("c");
  const NodeId a = bigger.AddNode("a");
  const NodeId b = bigger.AddNode("b");
  bigger.AddLink(a, c, params);
  bigger.AddLink(a, b, params);
  Send(bigger, *bigger.FindHop(a, c), 100);
  EXPECT_EQ(Send(bigger, *bigger.FindHop(a, b), 256), forward_alone);

  // A different seed gives different fates.
  Pair other(params, 6);
  EXPECT_NE(Send(other.net, other.ab, 256), forward_alone);
}

// Loss and jitter come from separate, independent streams (common random
// numbers): raising a link's loss drops messages but leaves the jitter of the
// delivered ones as it was on the clean link, and which messages are lost says
// nothing about their jitter.
TEST(NetworkTest, LossNeitherShiftsNorSelectsTheJitterDraws) {
  LinkParams clean_params = Link(Duration::Millis(10));
  clean_params.jitter = Distribution::Exponential(0.01);
  LinkParams lossy_params = clean_params;
  lossy_params.loss = 0.3;
  Pair clean(clean_params, 8);
  Pair lossy(lossy_params, 8);
  constexpr int kMessages = 20'000;
  const std::vector<Fate> clean_fates = Send(clean.net, clean.ab, kMessages);
  const std::vector<Fate> lossy_fates = Send(lossy.net, lossy.ab, kMessages);
  Welford delivered, delivered_jitter;
  for (int i = 0; i < kMessages; ++i) {
    ASSERT_FALSE(clean_fates[i].lost);
    delivered.Add(lossy_fates[i].lost ? 0.0 : 1.0);
    if (lossy_fates[i].lost) continue;
    ASSERT_EQ(lossy_fates[i].arrival, clean_fates[i].arrival) << "message " << i;
    delivered_jitter.Add(ToSeconds(lossy_fates[i].arrival - At(Duration::Millis(i))) - 0.010);
  }
  EXPECT_TRUE(StudentT(delivered, kLevel).Contains(0.7)) << delivered.mean();
  EXPECT_TRUE(StudentT(delivered_jitter, kLevel).Contains(0.01)) << delivered_jitter.mean();
}

}  // namespace
}  // namespace crankback::sim
