// Experiment.theory: the SBC and NAPs of the loss system whose analytic
// figures the report prints beside the simulated ones.
#include <algorithm>
#include <cctype>
#include <set>
#include <string>
#include <variant>

#include "topologies/builder.h"

namespace crankback::topologies::loader_internal {

namespace {

std::string Quoted(const std::string& s) { return "\"" + s + "\""; }

}  // namespace

Builder::Error Builder::Theory() {
  const pb::Experiment& x = sim_.experiment();
  if (!x.has_theory()) return std::nullopt;
  const pb::Theory& th = x.theory();
  if (Error e = Meshes()) return e;
  if (th.sbc().empty() && th.meshes_size() > 0) return std::nullopt;  // meshes only
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

namespace crankback::topologies::loader_internal {

Builder::Error Builder::Meshes() {
  const pb::Experiment& x = sim_.experiment();
  const pb::Theory& th = x.theory();
  const FieldPath theory_at = root_.Child(sim_, "experiment").Child(x, "theory");
  std::set<std::string> names;
  for (int m = 0; m < th.meshes_size(); ++m) {
    const pb::MeshTheory& mesh = th.meshes(m);
    const FieldPath at = theory_at.Child(th, "meshes", m, mesh.name());
    const FieldPath name_at = at.Child(mesh, "name");
    if (mesh.name().empty()) return name_at.Error("a mesh needs a name");
    for (char ch : mesh.name()) {
      if (!std::isalnum(static_cast<unsigned char>(ch)) && ch != '_') {
        return name_at.Error("only letters, digits and _ (got \"" + mesh.name() + "\")");
      }
    }
    if (!names.insert(mesh.name()).second) {
      return name_at.Error("duplicate mesh name \"" + mesh.name() + "\"");
    }
    MeshTheoryParams out;
    out.name = mesh.name();
    if (mesh.sbcs_size() < 3) {
      return at.Child(mesh, "sbcs")
          .Error("a mesh needs at least 3 sites (got " + std::to_string(mesh.sbcs_size()) + ")");
    }
    for (int i = 0; i < mesh.sbcs_size(); ++i) {
      const FieldPath sbc_at = at.Child(mesh, "sbcs", i);
      uint32_t node = 0;
      if (Error e = NodeRef(mesh.sbcs(i), sbc_at, node)) return e;
      if (!std::holds_alternative<nodes::SbcParams>(study_.scenario.nodes[node].kind)) {
        return sbc_at.Error("\"" + mesh.sbcs(i) + "\" is not an sbc node");
      }
      if (std::find(out.sbcs.begin(), out.sbcs.end(), node) != out.sbcs.end()) {
        return sbc_at.Error("\"" + mesh.sbcs(i) + "\" is listed twice");
      }
      out.sbcs.push_back(node);
    }
    const size_t sites = out.sbcs.size();
    bool first_group = true;
    for (size_t i = 0; i < sites; ++i) {
      const FieldPath sbc_at = at.Child(mesh, "sbcs", static_cast<int>(i));
      const auto& sbc = std::get<nodes::SbcParams>(study_.scenario.nodes[out.sbcs[i]].kind);
      std::vector<bool> trunk(sbc.naps.size(), false);
      for (size_t j = 0; j < sites; ++j) {
        if (j == i) continue;
        const std::string pair = "\"" + mesh.sbcs(static_cast<int>(i)) + "\" and \"" +
                                 mesh.sbcs(static_cast<int>(j)) + "\"";
        size_t k = 0;
        while (k < sbc.naps.size() && sbc.naps[k].peer != out.sbcs[j]) ++k;
        if (k == sbc.naps.size()) return sbc_at.Error("no NAP joins " + pair);
        const nodes::NapParams& nap = sbc.naps[k];
        if (nap.max_sessions == 0 || nap.cps != 0) {
          return sbc_at.Error("NAP \"" + nap.name + "\" between " + pair +
                              " needs max_sessions and no cps cap");
        }
        if (first_group) {
          out.capacity = nap.max_sessions;
          out.reservation = nap.trunk_reservation;
          first_group = false;
        } else if (nap.max_sessions != out.capacity || nap.trunk_reservation != out.reservation) {
          return sbc_at.Error("NAP \"" + nap.name + "\" between " + pair + " has " +
                              std::to_string(nap.max_sessions) + " sessions and reservation " +
                              std::to_string(nap.trunk_reservation) + "; the mesh's first has " +
                              std::to_string(out.capacity) + " and " +
                              std::to_string(out.reservation));
        }
        trunk[k] = true;
      }
      std::vector<uint32_t> callers;
      for (size_t k = 0; k < sbc.naps.size(); ++k) {
        const nodes::NapParams& nap = sbc.naps[k];
        const bool site = std::find(out.sbcs.begin(), out.sbcs.end(), nap.peer) != out.sbcs.end();
        if (site || nap.routes.empty()) continue;
        callers.push_back(static_cast<uint32_t>(k));
        size_t trunk_routes = 0;
        for (const nodes::RouteParams& r : nap.routes) trunk_routes += trunk[r.nap] ? 1 : 0;
        if (trunk_routes > sites - 1) out.alternate_routing = true;
      }
      out.caller_naps.push_back(std::move(callers));
    }
    bool offered = false;
    for (const nodes::TrafficParams& t : study_.scenario.traffic) {
      offered |= std::find(out.sbcs.begin(), out.sbcs.end(), t.via) != out.sbcs.end();
    }
    if (!offered) return at.Child(mesh, "sbcs").Error("no traffic source is sent via the sites");
    study_.meshes.push_back(std::move(out));
  }
  return std::nullopt;
}

}  // namespace crankback::topologies::loader_internal
