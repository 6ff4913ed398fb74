// Experiment.faults: scheduled loss bursts, partitions and node outages.
#include <algorithm>
#include <cmath>
#include <string>

#include "topologies/builder.h"

namespace crankback::topologies::loader_internal {

namespace {

// "a" to "b" as the errors print a window.
std::string Window(double start_s, double end_s) {
  return Num(start_s) + " to " + Num(end_s) + " s";
}

}  // namespace

// Each fault has a unique name, a window that starts at >= 0 s and lasts > 0 s,
// and a kind: a loss burst or a partition of an existing link, or an outage of
// a node. Faults of one link do not overlap; an outage overlaps neither
// another outage fault of its node nor the node's own outages.
Builder::Error Builder::Faults() {
  const pb::Experiment& x = sim_.experiment();
  const FieldPath ex = root_.Child(sim_, "experiment");
  std::set<std::string> names;
  std::vector<metrics::FaultParams>& out = study_.scenario.faults;
  for (int k = 0; k < x.faults_size(); ++k) {
    const pb::Fault& f = x.faults(k);
    const FieldPath at = ex.Child(x, "faults", k, f.name());
    if (f.name().empty()) return at.Child(f, "name").Error("a fault needs a name");
    if (!names.insert(f.name()).second)
      return at.Child(f, "name").Error("duplicate fault name \"" + f.name() + "\"");
    if (!std::isfinite(f.start_s()) || f.start_s() < 0 || f.start_s() > kMaxSeconds) {
      return at.Child(f, "start_s")
          .Error("must be >= 0 and <= " + Num(kMaxSeconds) + " seconds (got " + Num(f.start_s()) +
                 ")");
    }
    if (!std::isfinite(f.duration_s()) || f.duration_s() > kMaxSeconds ||
        sim::SecondsToDuration(std::max(f.duration_s(), 0.0)) <= sim::Duration()) {
      return at.Child(f, "duration_s")
          .Error("must be > 0 and <= " + Num(kMaxSeconds) + " seconds (got " + Num(f.duration_s()) +
                 ")");
    }
    metrics::FaultParams p;
    p.name = f.name();
    p.start = sim::SimTime::Zero() + sim::SecondsToDuration(f.start_s());
    p.duration = sim::SecondsToDuration(f.duration_s());
    // A link fault's ends: they must name two nodes a link joins.
    auto link = [&](const std::string& a, const std::string& b, const Message& kind,
                    const FieldPath& ka) -> Error {
      if (Error e = NodeRef(a, ka.Child(kind, "a"), p.a)) return e;
      if (Error e = NodeRef(b, ka.Child(kind, "b"), p.b)) return e;
      if (!Linked(p.a, p.b))
        return ka.Child(kind, "b").Error("no link joins \"" + a + "\" and \"" + b + "\"");
      return std::nullopt;
    };
    switch (f.kind_case()) {
      case pb::Fault::kLossBurst: {
        const pb::LossBurst& l = f.loss_burst();
        const FieldPath la = at.Child(f, "loss_burst");
        if (Error e = link(l.a(), l.b(), l, la)) return e;
        if (!(l.loss() >= 0 && l.loss() <= 1)) {
          return la.Child(l, "loss").Error("must be a probability in [0, 1] (got " + Num(l.loss()) +
                                           ")");
        }
        p.kind = metrics::FaultKind::kLossBurst;
        p.loss = l.loss();
        break;
      }
      case pb::Fault::kPartition: {
        const pb::Partition& l = f.partition();
        if (Error e = link(l.a(), l.b(), l, at.Child(f, "partition"))) return e;
        p.kind = metrics::FaultKind::kPartition;
        break;
      }
      case pb::Fault::kOutage: {
        const pb::NodeOutage& o = f.outage();
        const FieldPath oa = at.Child(f, "outage");
        if (Error e = NodeRef(o.node(), oa.Child(o, "node"), p.a)) return e;
        if (!pb::OutageMode_IsValid(o.tcp_mode()))
          return oa.Child(o, "tcp_mode")
              .Error("unknown outage mode " + std::to_string(o.tcp_mode()));
        if (o.restart() && !sim_.nodes(p.a).has_carrier() && !sim_.nodes(p.a).has_sbc() &&
            !sim_.nodes(p.a).has_proxy()) {
          return oa.Child(o, "restart")
              .Error("a restart is modelled for carrier, sbc and proxy nodes only (\"" + o.node() +
                     "\" is not one)");
        }
        p.kind = metrics::FaultKind::kOutage;
        p.tcp_mode =
            o.tcp_mode() == pb::BLACKHOLE ? sip::OutageMode::kBlackhole : sip::OutageMode::kRefuse;
        p.udp_icmp_unreachable = o.udp_icmp_unreachable();
        p.restart = o.restart();
        for (const sip::Outage& w : study_.scenario.nodes[p.a].outages) {
          if (p.start < w.end() && w.start < p.end()) {
            return at.Child(f, "start_s")
                .Error("overlaps an outage of node \"" + o.node() + "\" (" +
                       Window(sim::ToSeconds(w.start), sim::ToSeconds(w.end())) + ")");
          }
        }
        break;
      }
      case pb::Fault::KIND_NOT_SET:
        return at.Error("a fault needs a kind: loss_burst, partition or outage");
    }
    // Faults of one element do not overlap: one node's outages, one link's troubles.
    for (size_t j = 0; j < out.size(); ++j) {
      const metrics::FaultParams& q = out[j];
      const bool outage = p.kind == metrics::FaultKind::kOutage;
      const bool same = outage ? q.kind == metrics::FaultKind::kOutage && q.a == p.a
                               : q.kind != metrics::FaultKind::kOutage &&
                                     std::minmax(p.a, p.b) == std::minmax(q.a, q.b);
      if (same && p.start < q.end() && q.start < p.end()) {
        return at.Child(f, "start_s")
            .Error("overlaps faults[\"" + q.name + "\"] (" +
                   Window(sim::ToSeconds(q.start), sim::ToSeconds(q.end())) + ") on the same " +
                   (outage ? "node" : "link"));
      }
    }
    out.push_back(std::move(p));
  }
  return std::nullopt;
}

}  // namespace crankback::topologies::loader_internal
