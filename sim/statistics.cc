#include "sim/statistics.h"

#include <boost/math/distributions/students_t.hpp>
#include <cmath>
#include <limits>

namespace crankback::sim {

void Welford::Merge(const Welford& other) {
  if (other.n_ == 0) return;
  if (n_ == 0) {
    *this = other;
    return;
  }
  const double n = static_cast<double>(n_ + other.n_);
  const double delta = other.mean_ - mean_;
  mean_ += delta * static_cast<double>(other.n_) / n;
  m2_ += other.m2_ + delta * delta * static_cast<double>(n_) * static_cast<double>(other.n_) / n;
  n_ += other.n_;
}

double Welford::stddev() const { return std::sqrt(variance()); }

Interval StudentT(const Welford& w, double level) {
  Interval ci{w.mean(), std::numeric_limits<double>::infinity()};
  if (w.count() < 2) return ci;
  const boost::math::students_t dist(static_cast<double>(w.count() - 1));
  const double t = boost::math::quantile(boost::math::complement(dist, (1.0 - level) / 2.0));
  ci.half_width = t * w.stddev() / std::sqrt(static_cast<double>(w.count()));
  return ci;
}

}  // namespace crankback::sim
