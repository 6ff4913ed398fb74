// Experiment.theory: the SBC and NAPs of the loss system whose analytic
// figures the report prints beside the simulated ones.
#include <string>

#include "topologies/builder.h"

namespace crankback::topologies::loader_internal {

namespace {

std::string Quoted(const std::string& s) { return "\"" + s + "\""; }

}  // namespace

Builder::Error Builder::Theory() {
  const pb::Experiment& x = sim_.experiment();
  if (!x.has_theory()) return std::nullopt;
  const pb::Theory& th = x.theory();
  const FieldPath at = root_.Child(sim_, "experiment").Child(x, "theory");
  const FieldPath sbc_at = at.Child(th, "sbc");
  TheoryParams out;
  if (Error e = NodeRef(th.sbc(), sbc_at, out.sbc)) return e;
  const auto* sbc = std::get_if<nodes::SbcParams>(&study_.scenario.nodes[out.sbc].kind);
  if (sbc == nullptr) return sbc_at.Error(Quoted(th.sbc()) + " is not an sbc node");

  // A NAP of the loss system: a group of servers that turns calls away only at
  // its session cap.
  auto group = [&](const std::string& name, const FieldPath& nap_at, uint32_t& index) -> Error {
    if (name.empty()) return nap_at.Error("must name a NAP of " + Quoted(th.sbc()));
    for (index = 0; index < sbc->naps.size(); ++index) {
      if (sbc->naps[index].name == name) break;
    }
    if (index == sbc->naps.size()) {
      return nap_at.Error("unknown NAP " + Quoted(name) + " in SBC " + Quoted(th.sbc()));
    }
    const nodes::NapParams& nap = sbc->naps[index];
    if (nap.max_sessions == 0) {
      return nap_at.Error("NAP " + Quoted(name) +
                          " has no max_sessions: an unlimited group loses no calls");
    }
    if (nap.cps != 0) {
      return nap_at.Error("NAP " + Quoted(name) +
                          " has a cps cap: calls would skip it below its session cap, which the "
                          "loss system does not model");
    }
    return std::nullopt;
  };
  const FieldPath primary_at = at.Child(th, "primary_nap");
  if (Error e = group(th.primary_nap(), primary_at, out.primary_nap)) return e;
  uint32_t servers = sbc->naps[out.primary_nap].max_sessions;
  if (!th.overflow_nap().empty()) {
    const FieldPath overflow_at = at.Child(th, "overflow_nap");
    uint32_t overflow = 0;
    if (Error e = group(th.overflow_nap(), overflow_at, overflow)) return e;
    if (overflow == out.primary_nap)
      return overflow_at.Error("must be another NAP than primary_nap");
    out.overflow_nap = overflow;
    servers += sbc->naps[overflow].max_sessions;
  }

  // Every call sent via the SBC must meet the primary first and the overflow
  // NAP second, and nothing else may turn it away.
  bool offered = false;
  for (const nodes::TrafficParams& t : study_.scenario.traffic) {
    if (t.via != out.sbc) continue;
    offered = true;
    // The SBC takes a call in on the first NAP whose peer sent it.
    const nodes::NapParams* in = nullptr;
    for (const nodes::NapParams& nap : sbc->naps) {
      if (nap.peer == t.origin) {
        in = &nap;
        break;
      }
    }
    const std::string source = "traffic " + Quoted(t.name);
    if (in == nullptr)
      return at.Error(source + " has no NAP of " + Quoted(th.sbc()) + " to arrive on");
    const std::string arrives = source + " arrives on NAP " + Quoted(in->name);
    const bool primary_first = !in->routes.empty() && in->routes[0].nap == out.primary_nap;
    const bool overflow_second =
        !out.overflow_nap || (in->routes.size() > 1 && in->routes[1].nap == *out.overflow_nap);
    if (in->selection != nodes::RouteSelection::kPriority || !primary_first || !overflow_second) {
      std::string order = Quoted(th.primary_nap());
      if (out.overflow_nap) order += ", then " + Quoted(th.overflow_nap());
      return at.Error(arrives + ", whose routes must try " + order + " first, in PRIORITY order");
    }
    if (in->max_sessions != 0 && in->max_sessions < servers) {
      return at.Error(arrives + ", which admits " + std::to_string(in->max_sessions) +
                      " sessions, fewer than the loss system's " + std::to_string(servers));
    }
    if (in->cps != 0) {
      return at.Error(arrives + ", which has a cps cap that the loss system does not model");
    }
  }
  if (!offered) return sbc_at.Error("no traffic source is sent via " + Quoted(th.sbc()));
  study_.theory = out;
  return std::nullopt;
}

}  // namespace crankback::topologies::loader_internal
