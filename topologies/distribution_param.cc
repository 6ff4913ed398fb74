#include "topologies/distribution_param.h"

#include <cmath>
#include <sstream>

namespace crankback::topologies {

namespace {

constexpr double kMaxSeconds = 1e8;

bool InRange(double v, double low, bool low_open) {
  return std::isfinite(v) && (low_open ? v > low : v >= low) && v <= kMaxSeconds;
}

std::optional<LoadError> Bad(const FieldPath& at, const char* what, double got) {
  std::ostringstream os;
  os << what << " (got " << got << ")";
  return at.Error(os.str());
}

}  // namespace

std::optional<LoadError> ToDistribution(const pb::Distribution& d, const FieldPath& at,
                                        sim::Distribution& out) {
  switch (d.kind_case()) {
    case pb::Distribution::kDeterministicS:
      if (!InRange(d.deterministic_s(), 0, false)) {
        return Bad(at.Child(d, "deterministic_s"), "must be >= 0 seconds", d.deterministic_s());
      }
      out = sim::Distribution::Deterministic(d.deterministic_s());
      return std::nullopt;
    case pb::Distribution::kExponentialMeanS:
      if (!InRange(d.exponential_mean_s(), 0, true)) {
        return Bad(at.Child(d, "exponential_mean_s"), "must be > 0 seconds",
                   d.exponential_mean_s());
      }
      out = sim::Distribution::Exponential(d.exponential_mean_s());
      return std::nullopt;
    case pb::Distribution::kUniform: {
      const auto& u = d.uniform();
      const FieldPath ua = at.Child(d, "uniform");
      if (!InRange(u.min_s(), 0, false))
        return Bad(ua.Child(u, "min_s"), "must be >= 0 seconds", u.min_s());
      if (!InRange(u.max_s(), u.min_s(), false)) {
        return Bad(ua.Child(u, "max_s"), "must be >= min_s", u.max_s());
      }
      out = sim::Distribution::Uniform(u.min_s(), u.max_s());
      return std::nullopt;
    }
    case pb::Distribution::kLognormal: {
      const auto& l = d.lognormal();
      const FieldPath la = at.Child(d, "lognormal");
      if (!InRange(l.mean_s(), 0, true))
        return Bad(la.Child(l, "mean_s"), "must be > 0 seconds", l.mean_s());
      if (!InRange(l.stddev_s(), 0, false)) {
        return Bad(la.Child(l, "stddev_s"), "must be >= 0 seconds", l.stddev_s());
      }
      out = sim::Distribution::Lognormal(l.mean_s(), l.stddev_s());
      return std::nullopt;
    }
    case pb::Distribution::kGamma: {
      const auto& g = d.gamma();
      const FieldPath ga = at.Child(d, "gamma");
      if (!InRange(g.shape(), 0, true) || g.shape() > 1e6) {
        return Bad(ga.Child(g, "shape"), "must be > 0 and <= 1e6", g.shape());
      }
      if (!InRange(g.mean_s(), 0, true))
        return Bad(ga.Child(g, "mean_s"), "must be > 0 seconds", g.mean_s());
      out = sim::Distribution::Gamma(g.shape(), g.mean_s());
      return std::nullopt;
    }
    case pb::Distribution::kEmpirical: {
      const auto& e = d.empirical();
      const FieldPath ea = at.Child(d, "empirical");
      if (e.points().empty()) return ea.Error("needs at least one point");
      std::vector<sim::EmpiricalPoint> points;
      for (int i = 0; i < e.points_size(); ++i) {
        const auto& p = e.points(i);
        const FieldPath pa = ea.Child(e, "points", i);
        const double prev_v = points.empty() ? 0 : points.back().value;
        const double prev_c = points.empty() ? 0 : points.back().cumulative;
        if (!InRange(p.value_s(), prev_v, false)) {
          return Bad(pa.Child(p, "value_s"), "must be >= 0 and not below the previous point",
                     p.value_s());
        }
        if (!(p.cumulative() >= prev_c && p.cumulative() <= 1)) {
          return Bad(pa.Child(p, "cumulative"), "must be in [0, 1], not below the previous point",
                     p.cumulative());
        }
        points.push_back({p.value_s(), p.cumulative()});
      }
      if (points.back().cumulative != 1) {
        return Bad(ea.Child(e, "points", e.points_size() - 1)
                       .Child(e.points(e.points_size() - 1), "cumulative"),
                   "the last point's cumulative must be 1", points.back().cumulative);
      }
      out = sim::Distribution::Empirical(std::move(points));
      return std::nullopt;
    }
    case pb::Distribution::KIND_NOT_SET:
      return at.Error(
          "needs a kind: deterministic_s, exponential_mean_s, uniform, lognormal, gamma or "
          "empirical");
  }
  return at.Error("unknown distribution kind");
}

}  // namespace crankback::topologies
