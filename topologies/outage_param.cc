#include "topologies/outage_param.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "topologies/builder.h"

namespace crankback::topologies {

using loader_internal::kMaxSeconds;
using loader_internal::Num;

// A node's outage windows: each starts at >= 0 s and lasts > 0 s, and one
// node's windows do not overlap (they are half-open: one may start as another ends).
std::optional<LoadError> ToOutages(const pb::Node& n, const FieldPath& at,
                                   std::vector<sip::Outage>& out) {
  std::vector<int> by_start;
  for (int k = 0; k < n.outages_size(); ++k) {
    const pb::Outage& o = n.outages(k);
    const FieldPath oa = at.Child(n, "outages", k);
    if (!std::isfinite(o.start_s()) || o.start_s() < 0 || o.start_s() > kMaxSeconds) {
      return oa.Child(o, "start_s")
          .Error("must be >= 0 and <= " + Num(kMaxSeconds) + " seconds (got " + Num(o.start_s()) +
                 ")");
    }
    if (!std::isfinite(o.duration_s()) || o.duration_s() > kMaxSeconds ||
        sim::SecondsToDuration(std::max(o.duration_s(), 0.0)) <= sim::Duration()) {
      return oa.Child(o, "duration_s")
          .Error("must be > 0 and <= " + Num(kMaxSeconds) + " seconds (got " + Num(o.duration_s()) +
                 ")");
    }
    if (!pb::OutageMode_IsValid(o.tcp_mode())) {
      return oa.Child(o, "tcp_mode").Error("unknown outage mode " + std::to_string(o.tcp_mode()));
    }
    if (o.restart() && !n.has_carrier() && !n.has_sbc() && !n.has_proxy()) {
      return oa.Child(o, "restart")
          .Error("a restart is modelled for carrier, sbc and proxy nodes only");
    }
    sip::Outage w;
    w.start = sim::SimTime::Zero() + sim::SecondsToDuration(o.start_s());
    w.duration = sim::SecondsToDuration(o.duration_s());
    w.tcp_mode =
        o.tcp_mode() == pb::BLACKHOLE ? sip::OutageMode::kBlackhole : sip::OutageMode::kRefuse;
    w.udp_icmp_unreachable = o.udp_icmp_unreachable();
    w.restart = o.restart();
    out.push_back(w);
    by_start.push_back(k);
  }
  std::stable_sort(by_start.begin(), by_start.end(),
                   [&](int a, int b) { return out[a].start < out[b].start; });
  for (size_t i = 1; i < by_start.size(); ++i) {
    const sip::Outage& earlier = out[by_start[i - 1]];
    if (out[by_start[i]].start < earlier.end()) {
      return at.Child(n, "outages", by_start[i])
          .Error("overlaps outages[" + std::to_string(by_start[i - 1]) + "] (" +
                 Num(sim::ToSeconds(earlier.start)) + " to " + Num(sim::ToSeconds(earlier.end())) +
                 " s)");
    }
  }
  return std::nullopt;
}

}  // namespace crankback::topologies
