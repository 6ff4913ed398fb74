// The network graph: nodes joined by links with latency, jitter, loss and a
// transport. It knows nothing of what the messages mean.
//
//   Network net(rng);  NodeId a = net.AddNode("sbc1"), b = net.AddNode("carrier_a");
//   net.AddLink(a, b, {.latency = Duration::Millis(10), .loss = 0.01});
//   Hop hop = net.Transmit(*net.FindHop(a, b), engine.Now());   // lost? arrival time?
//
// The topology is a Boost.Graph (undirected; vertices are nodes, edges links);
// each link is used in two directions, each with its own random streams and,
// on reliable transports, its own in-order delivery.
#pragma once

#include <boost/graph/adjacency_list.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/distribution.h"
#include "sim/rng.h"
#include "sim/time.h"

namespace crankback::sim {

using NodeId = uint32_t;
using HopId = uint32_t;  // one direction of one link

enum class Transport : uint8_t { kUdp, kTcp, kTls };
constexpr bool IsReliable(Transport t) { return t != Transport::kUdp; }
const char* TransportName(Transport t);

struct LinkParams {
  Duration latency;                      // one way
  std::optional<Distribution> jitter{};  // extra one-way delay, seconds, per message
  double loss = 0;                       // per message and direction
  Transport transport = Transport::kUdp;
  // Reliable transports do not lose messages: a lost segment is resent by TCP
  // after its retransmission timeout (doubling per loss), so loss shows as delay.
  Duration tcp_rto = Duration::Millis(200);
};

// What happened to one message sent over one hop.
struct Transmission {
  bool lost = false;
  SimTime arrival;
};

class Network {
 public:
  struct NodeInfo {
    std::string name;
  };
  struct LinkInfo {
    LinkParams params;
  };
  using Graph =
      boost::adjacency_list<boost::vecS, boost::vecS, boost::undirectedS, NodeInfo, LinkInfo>;

  explicit Network(const RngFactory& rng) : rng_(rng) {}

  NodeId AddNode(std::string name);
  void AddLink(NodeId a, NodeId b, const LinkParams& params);

  size_t node_count() const { return boost::num_vertices(graph_); }
  size_t link_count() const { return boost::num_edges(graph_); }
  const std::string& NodeName(NodeId n) const { return graph_[n].name; }
  std::optional<NodeId> FindNode(std::string_view name) const;
  // The hop from `from` to its neighbour `to`, if a link joins them.
  std::optional<HopId> FindHop(NodeId from, NodeId to) const;
  const LinkParams& HopParams(HopId h) const { return hops_[h].params; }
  NodeId HopDestination(HopId h) const { return hops_[h].to; }
  const Graph& graph() const { return graph_; }

  // Decides the fate of one message entering hop `h` at `now`.
  Transmission Transmit(HopId h, SimTime now);

 private:
  struct HopState {
    NodeId from;
    NodeId to;
    LinkParams params;
    RngStream loss_rng;
    RngStream jitter_rng;
    SimTime last_arrival;  // reliable transports deliver in order
  };

  RngFactory rng_;
  Graph graph_;
  std::vector<HopState> hops_;
  std::vector<std::vector<std::pair<NodeId, HopId>>> adjacency_;  // hot-path lookup
};

}  // namespace crankback::sim
