#include "experiments/theory.h"

#include <algorithm>
#include <cstdio>
#include <variant>

#include "models/analytic/erlang.h"
#include "models/analytic/fixed_point.h"
#include "models/analytic/overflow.h"

namespace crankback::experiments {

namespace {

const nodes::SbcParams& TheorySbc(const topologies::Study& study) {
  return std::get<nodes::SbcParams>(study.scenario.nodes[study.theory->sbc].kind);
}

std::string Format(const char* format, auto... args) {
  char buf[160];
  std::snprintf(buf, sizeof buf, format, args...);
  return buf;
}

double MeanHolding(const nodes::TrafficParams& t) {
  const double clean = t.holding_time.Mean();
  if (!t.fraud) return clean;
  const double fraud = t.fraud->holding_time ? t.fraud->holding_time->Mean() : clean;
  return (1 - t.fraud->fraction) * clean + t.fraud->fraction * fraud;
}

// Experiment.theory.meshes: the fixed point of each mesh.
void MeshLines(const topologies::Study& study, std::vector<TheoryLine>& lines) {
  for (const topologies::MeshTheoryParams& mesh : study.meshes) {
    const double groups = static_cast<double>(mesh.sbcs.size() * (mesh.sbcs.size() - 1)) / 2;
    double erlangs = 0;
    for (const nodes::TrafficParams& t : study.scenario.traffic) {
      if (std::find(mesh.sbcs.begin(), mesh.sbcs.end(), t.via) != mesh.sbcs.end())
        erlangs += t.calls_per_second * MeanHolding(t);
    }
    const analytic::MeshNetwork network{.sites = static_cast<int>(mesh.sbcs.size()),
                                        .capacity = static_cast<int>(mesh.capacity),
                                        .offered_erlangs = erlangs / groups,
                                        .alternate_routing = mesh.alternate_routing,
                                        .reservation = static_cast<int>(mesh.reservation)};
    if (!analytic::MeshNetworkError(network).empty()) continue;
    const analytic::MeshResult r = analytic::SolveMesh(network);
    std::string model = Format("Erlang fixed point, %d sites, %d sessions, %.2f E per group",
                               network.sites, network.capacity, network.offered_erlangs);
    model += mesh.alternate_routing
                 ? Format(", alternate routing, reservation %d", network.reservation)
                 : std::string(", direct only");
    lines.push_back({"mesh_blocking_" + mesh.name, model, r.blocking});
  }
}

}  // namespace

double TheoryOfferedErlangs(const topologies::Study& study) {
  if (!study.theory) return 0;
  double erlangs = 0;
  for (const nodes::TrafficParams& t : study.scenario.traffic) {
    if (t.via == study.theory->sbc) erlangs += t.calls_per_second * MeanHolding(t);
  }
  return erlangs;
}

namespace {

// Experiment.theory's SBC loss system.
std::vector<TheoryLine> LossSystemLines(const topologies::Study& study) {
  if (!study.theory) return {};
  const nodes::SbcParams& sbc = TheorySbc(study);
  const double a = TheoryOfferedErlangs(study);
  const int n1 = static_cast<int>(sbc.naps[study.theory->primary_nap].max_sessions);
  const std::string erlang_b = Format("Erlang B, %d channels, %.2f E", n1, a);
  const double overflow = analytic::ErlangB(n1, a);
  std::vector<TheoryLine> lines = {{"primary_overflow", erlang_b, overflow}};
  if (!study.theory->overflow_nap) {
    lines.push_back({"blocking", erlang_b, overflow});
    lines.push_back({"primary_erlangs", erlang_b + ", carried A (1 - B)", a * (1 - overflow)});
    return lines;
  }
  const int n2 = static_cast<int>(sbc.naps[*study.theory->overflow_nap].max_sessions);
  const analytic::OverflowSystem system{.primary = n1, .secondary = n2, .offered_erlangs = a};
  const analytic::OverflowMoments riordan = analytic::RiordanMoments(n1, a);
  const std::string moments =
      Format("; overflow offered %.2f E, peakedness %.2f", riordan.mean, riordan.peakedness);
  if (analytic::OverflowSystemError(system).empty()) {
    const analytic::OverflowResult r = analytic::SolveOverflow(system);
    const std::string chain = Format("overflow CTMC, %d + %d channels, %.2f E", n1, n2, a);
    lines.push_back({"blocking", chain, r.blocking});
    lines.push_back({"primary_erlangs", chain, r.primary_erlangs});
    lines.push_back({"overflow_erlangs", chain + moments, r.secondary_erlangs});
    return lines;
  }
  // Too many states for the chain: its summaries have closed forms.
  const double pooled = analytic::ErlangB(n1 + n2, a);
  const std::string pooled_b = Format("Erlang B, %d channels, %.2f E", n1 + n2, a);
  lines.push_back({"blocking", pooled_b, pooled});
  lines.push_back({"primary_erlangs", erlang_b + ", carried A (1 - B)", a * (1 - overflow)});
  lines.push_back(
      {"overflow_erlangs", pooled_b + ", carried A (B1 - B)" + moments, a * (overflow - pooled)});
  return lines;
}

std::vector<Figure> LossSystemFigures(const topologies::Study& study,
                                      const models::RunResult& run) {
  if (!study.theory || study.theory->sbc >= run.nodes.size()) return {};
  const std::vector<nodes::NapCounters>& naps = run.nodes[study.theory->sbc].naps;
  const uint32_t primary = study.theory->primary_nap;
  const std::optional<uint32_t> overflow = study.theory->overflow_nap;
  if (primary >= naps.size() || (overflow && *overflow >= naps.size())) return {};
  const nodes::NapCounters& p = naps[primary];
  const double window = study.experiment.duration_s - study.experiment.warmup_s;
  std::vector<Figure> figures;
  auto add = [&](const char* metric, double value) {
    figures.push_back(
        {.scope = kTheoryScope, .metric = metric, .value = value, .zero_if_absent = false});
  };
  if (p.offered > 0) {
    const double offered = static_cast<double>(p.offered);
    const uint64_t lost = overflow ? naps[*overflow].capacity_skips : p.capacity_skips;
    add("primary_overflow", static_cast<double>(p.capacity_skips) / offered);
    add("blocking", static_cast<double>(lost) / offered);
  }
  add("primary_erlangs", p.busy_seconds / window);
  if (overflow) add("overflow_erlangs", naps[*overflow].busy_seconds / window);
  return figures;
}

}  // namespace

std::vector<TheoryLine> TheoryLines(const topologies::Study& study) {
  std::vector<TheoryLine> lines = LossSystemLines(study);
  MeshLines(study, lines);
  return lines;
}

// A mesh's simulated blocking: the calls its sites' callers' NAPs took in,
// less those answered through any of their routes, over the calls taken in.
std::vector<Figure> TheoryFigures(const topologies::Study& study, const models::RunResult& run) {
  std::vector<Figure> figures = LossSystemFigures(study, run);
  for (const topologies::MeshTheoryParams& mesh : study.meshes) {
    double inbound = 0;
    double answered = 0;
    for (size_t i = 0; i < mesh.sbcs.size(); ++i) {
      if (mesh.sbcs[i] >= run.nodes.size()) return figures;
      const models::NodeResult& node = run.nodes[mesh.sbcs[i]];
      for (uint32_t nap : mesh.caller_naps[i]) {
        if (nap >= node.naps.size()) continue;
        inbound += static_cast<double>(node.naps[nap].inbound);
        if (nap >= node.routes.size()) continue;
        for (const nodes::RouteCounters& r : node.routes[nap])
          answered += static_cast<double>(r.answered);
      }
    }
    if (inbound == 0) continue;
    figures.push_back({.scope = kTheoryScope,
                       .metric = "mesh_blocking_" + mesh.name,
                       .value = 1 - answered / inbound,
                       .zero_if_absent = false});
  }
  return figures;
}

}  // namespace crankback::experiments
