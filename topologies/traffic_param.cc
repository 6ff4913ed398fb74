// Traffic over time, callers' redial and the origin-destination demand matrix:
// a source's profile, flash crowds and redial, and Simulation.demand, which
// sets the rate and the destinations of the sources it lists.
#include <Eigen/Dense>
#include <cmath>
#include <set>

#include "models/traffic/demand_matrix.h"
#include "models/traffic/rate_function.h"
#include "topologies/builder.h"
#include "topologies/distribution_param.h"

namespace crankback::topologies::loader_internal {

namespace {

constexpr int kMaxProfileSegments = 100'000;
constexpr int kMaxFlashCrowds = 1'000;
constexpr double kMaxMultiplier = 1e6;
constexpr int kMaxDemandOrigins = 10'000;
constexpr int kMaxDemandDestinations = 10'000;
constexpr int64_t kMaxDemandEntries = 1'000'000;

using Error = std::optional<LoadError>;

Error Seconds(double v, const FieldPath& at) {
  if (std::isfinite(v) && v >= 0 && v <= kMaxSeconds) return std::nullopt;
  return at.Error("must be >= 0 and <= " + Num(kMaxSeconds) + " seconds (got " + Num(v) + ")");
}

Error Multiplier(double v, const FieldPath& at) {
  if (std::isfinite(v) && v >= 0 && v <= kMaxMultiplier) return std::nullopt;
  return at.Error("must be >= 0 and <= " + Num(kMaxMultiplier) + " (got " + Num(v) + ")");
}

Error Profile(const pb::RateProfile& pr, const FieldPath& at, traffic::RateProfile& out) {
  const FieldPath segments = at.Child(pr, "segments");
  if (pr.segments_size() == 0) return segments.Error("a profile needs segments");
  if (pr.segments_size() > kMaxProfileSegments) {
    return at.Child(pr, "segments", kMaxProfileSegments)
        .Error("a profile has at most " + std::to_string(kMaxProfileSegments) + " segments (got " +
               std::to_string(pr.segments_size()) + ")");
  }
  const double period = pr.period_s();
  if (!std::isfinite(period) || period < 0 || period > kMaxSeconds) {
    return at.Child(pr, "period_s")
        .Error("must be >= 0 and <= " + Num(kMaxSeconds) + " seconds (0 = not repeated; got " +
               Num(period) + ")");
  }
  out.period_s = period;
  bool any_calls = false;
  for (int k = 0; k < pr.segments_size(); ++k) {
    const pb::RateSegment& g = pr.segments(k);
    const FieldPath ga = at.Child(pr, "segments", k);
    const FieldPath start = ga.Child(g, "start_s");
    if (Error e = Seconds(g.start_s(), start)) return e;
    if (k == 0 && g.start_s() != 0) {
      return start.Error("the first segment starts at 0 (got " + Num(g.start_s()) + ")");
    }
    if (k > 0 && !(g.start_s() > pr.segments(k - 1).start_s())) {
      return start.Error("must be greater than the previous segment's start_s (got " +
                         Num(g.start_s()) + " after " + Num(pr.segments(k - 1).start_s()) + ")");
    }
    if (period > 0 && !(g.start_s() < period)) {
      return start.Error("must be < period_s " + Num(period) + " (got " + Num(g.start_s()) + ")");
    }
    if (Error e = Multiplier(g.multiplier(), ga.Child(g, "multiplier"))) return e;
    any_calls = any_calls || g.multiplier() > 0;
    out.segments.push_back({g.start_s(), g.multiplier()});
  }
  if (!any_calls) return segments.Error("every multiplier is 0: the source would offer no call");
  return std::nullopt;
}

Error Flash(const pb::FlashCrowd& f, const FieldPath& at, traffic::FlashCrowd& out) {
  if (Error e = Seconds(f.start_s(), at.Child(f, "start_s"))) return e;
  const double d = f.duration_s();
  if (!std::isfinite(d) || d <= 0 || d > kMaxSeconds) {
    return at.Child(f, "duration_s")
        .Error("must be > 0 and <= " + Num(kMaxSeconds) + " seconds (got " + Num(d) + ")");
  }
  if (Error e = Multiplier(f.multiplier(), at.Child(f, "multiplier"))) return e;
  out = {f.start_s(), d, f.multiplier()};
  return std::nullopt;
}

Error Redial(const pb::Redial& r, const FieldPath& at, traffic::RedialParams& out) {
  if (!std::isfinite(r.probability()) || r.probability() < 0 || r.probability() > 1) {
    return at.Child(r, "probability")
        .Error("must be a probability in [0, 1] (got " + Num(r.probability()) + ")");
  }
  out.probability = r.probability();
  if (!r.has_delay()) {
    return at.Child(r, "delay").Error("a redial needs a delay (the failure to the next attempt)");
  }
  if (Error e = ToDistribution(r.delay(), at.Child(r, "delay"), out.delay)) return e;
  if (r.has_max_redials()) {
    if (r.max_redials() < 0 || r.max_redials() > static_cast<int32_t>(traffic::kMaxRedials)) {
      return at.Child(r, "max_redials")
          .Error("must be in 0.." + std::to_string(traffic::kMaxRedials) + " (default 3; got " +
                 std::to_string(r.max_redials()) + ")");
    }
    out.max_redials = static_cast<uint32_t>(r.max_redials());
  }
  std::set<int> seen;
  for (int k = 0; k < r.codes_size(); ++k) {
    const int code = r.codes(k);
    const FieldPath ca = at.Child(r, "codes", k);
    if (code < 300 || code > 699) {
      return ca.Error("must be a failure code in 300..699 (got " + std::to_string(code) + ")");
    }
    if (!seen.insert(code).second) return ca.Error("duplicate code " + std::to_string(code));
    out.codes.push_back(code);
  }
  return std::nullopt;
}

}  // namespace

Builder::Error Builder::TrafficShape(const pb::TrafficSource& t, const FieldPath& at,
                                     bool by_demand, nodes::TrafficParams& out) {
  if (by_demand && t.calls_per_second() != 0) {
    return at.Child(t, "calls_per_second")
        .Error("must be unset: demand lists \"" + t.name() + "\" and sets its rate (got " +
               Num(t.calls_per_second()) + ")");
  }
  if (by_demand && t.destinations_size() > 0) {
    return at.Child(t, "destinations", 0)
        .Error("must be unset: demand lists \"" + t.name() + "\" and sets its destinations");
  }
  if (t.has_profile()) {
    if (Error e = Profile(t.profile(), at.Child(t, "profile"), out.profile)) return e;
  }
  if (t.flash_crowds_size() > kMaxFlashCrowds) {
    return at.Child(t, "flash_crowds", kMaxFlashCrowds)
        .Error("a source has at most " + std::to_string(kMaxFlashCrowds) + " flash crowds (got " +
               std::to_string(t.flash_crowds_size()) + ")");
  }
  for (int k = 0; k < t.flash_crowds_size(); ++k) {
    traffic::FlashCrowd f;
    if (Error e = Flash(t.flash_crowds(k), at.Child(t, "flash_crowds", k), f)) return e;
    out.flash_crowds.push_back(f);
  }
  if (t.has_redial()) {
    traffic::RedialParams r;
    if (Error e = Redial(t.redial(), at.Child(t, "redial"), r)) return e;
    out.redial = std::move(r);
  }
  return by_demand ? std::nullopt : PeakRate(out, t, at);
}

Builder::Error Builder::PeakRate(const nodes::TrafficParams& p, const pb::TrafficSource& t,
                                 const FieldPath& at) const {
  if (!t.has_profile() && t.flash_crowds_size() == 0) return std::nullopt;
  const double peak =
      traffic::RateFunction(p.calls_per_second, p.profile, p.flash_crowds).PeakBound();
  if (peak <= kMaxCallsPerSecond) return std::nullopt;
  const FieldPath where = t.has_profile() ? at.Child(t, "profile") : at.Child(t, "flash_crowds");
  return where.Error("the rate peaks at " + Num(peak) +
                     " calls per second (calls_per_second x the largest multipliers in force "
                     "together); the limit is " +
                     Num(kMaxCallsPerSecond));
}

Builder::Error Builder::DemandOrigins(std::map<std::string, int>& rows) const {
  if (!sim_.has_demand()) return std::nullopt;
  const pb::Demand& d = sim_.demand();
  const FieldPath at = root_.Child(sim_, "demand");
  if (d.origins_size() == 0) {
    return at.Child(d, "origins").Error("a demand matrix needs origins (traffic source names)");
  }
  if (d.origins_size() > kMaxDemandOrigins) {
    return at.Child(d, "origins", kMaxDemandOrigins)
        .Error("a demand matrix has at most " + std::to_string(kMaxDemandOrigins) +
               " origins (got " + std::to_string(d.origins_size()) + ")");
  }
  std::set<std::string> sources;
  for (const pb::TrafficSource& t : sim_.traffic()) sources.insert(t.name());
  for (int k = 0; k < d.origins_size(); ++k) {
    const std::string& name = d.origins(k);
    const FieldPath oa = at.Child(d, "origins", k);
    if (name.empty()) return oa.Error("must name a traffic source");
    if (sources.count(name) == 0) return oa.Error("unknown traffic source \"" + name + "\"");
    if (!rows.emplace(name, k).second) return oa.Error("duplicate origin \"" + name + "\"");
  }
  return std::nullopt;
}

Builder::Error Builder::Demand(const std::map<std::string, int>& rows) {
  if (!sim_.has_demand()) return std::nullopt;
  const pb::Demand& d = sim_.demand();
  const FieldPath at = root_.Child(sim_, "demand");
  const int64_t n_origins = d.origins_size();
  const int64_t n_destinations = d.destinations_size();
  if (n_destinations == 0) {
    return at.Child(d, "destinations").Error("a demand matrix needs destinations (numbers)");
  }
  if (n_destinations > kMaxDemandDestinations) {
    return at.Child(d, "destinations", kMaxDemandDestinations)
        .Error("a demand matrix has at most " + std::to_string(kMaxDemandDestinations) +
               " destinations (got " + std::to_string(n_destinations) + ")");
  }
  std::set<std::string> numbers;
  for (int k = 0; k < d.destinations_size(); ++k) {
    const FieldPath da = at.Child(d, "destinations", k);
    if (d.destinations(k).empty()) return da.Error("a destination needs a number");
    if (!numbers.insert(d.destinations(k)).second) {
      return da.Error("duplicate destination \"" + d.destinations(k) + "\"");
    }
  }
  if (n_origins * n_destinations > kMaxDemandEntries) {
    return at.Child(d, "destinations")
        .Error(std::to_string(n_origins) + " origins x " + std::to_string(n_destinations) +
               " destinations is over the limit of " + std::to_string(kMaxDemandEntries) +
               " entries");
  }
  if (d.calls_per_second_size() != n_origins * n_destinations) {
    return at.Child(d, "calls_per_second")
        .Error("has " + std::to_string(d.calls_per_second_size()) + " values; " +
               std::to_string(n_origins) + " origins x " + std::to_string(n_destinations) +
               " destinations need " + std::to_string(n_origins * n_destinations) + " (row-major)");
  }
  using RowMajor = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  const traffic::DemandMatrix demand(Eigen::MatrixXd(
      Eigen::Map<const RowMajor>(d.calls_per_second().data(), n_origins, n_destinations)));
  if (const auto problem = demand.Check()) {
    const std::string& origin = d.origins(static_cast<int>(problem->origin));
    if (problem->destination >= 0) {
      const int index = static_cast<int>(problem->origin * n_destinations + problem->destination);
      return at.Child(d, "calls_per_second", index)
          .Error("\"" + origin + "\" to \"" +
                 d.destinations(static_cast<int>(problem->destination)) + "\": " + problem->what);
    }
    return at.Child(d, "origins", static_cast<int>(problem->origin))
        .Error("the row of \"" + origin + "\" sums to 0: a source in the matrix needs calls");
  }
  for (int i = 0; i < sim_.traffic_size(); ++i) {
    const pb::TrafficSource& t = sim_.traffic(i);
    const auto row = rows.find(t.name());
    if (row == rows.end()) continue;
    const double rate = demand.OriginRate(row->second);
    if (rate > kMaxCallsPerSecond) {
      return at.Child(d, "origins", row->second)
          .Error("the row of \"" + t.name() + "\" sums to " + Num(rate) +
                 " calls per second; the limit is " + Num(kMaxCallsPerSecond));
    }
    nodes::TrafficParams& p = study_.scenario.traffic[i];
    p.calls_per_second = rate;
    const traffic::DemandMatrix::Row split = demand.OriginRow(row->second);
    for (size_t k = 0; k < split.destinations.size(); ++k) {
      const std::string& number = d.destinations(static_cast<int>(split.destinations[k]));
      auto [it, added] = destination_index_.emplace(number, study_.scenario.destinations.size());
      if (added) study_.scenario.destinations.push_back(number);
      p.destinations.push_back(it->second);
      p.weights.push_back(split.weights[k]);
    }
    if (Error e = PeakRate(p, t, root_.Child(sim_, "traffic", i, t.name()))) return e;
  }
  return std::nullopt;
}

}  // namespace crankback::topologies::loader_internal
