#include "sim/distribution.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace crankback::sim {

Distribution Distribution::Deterministic(double value) {
  Distribution d;
  d.kind_ = Kind::kDeterministic;
  d.a_ = value;
  return d;
}

Distribution Distribution::Exponential(double mean) {
  Distribution d;
  d.kind_ = Kind::kExponential;
  d.a_ = mean;
  return d;
}

Distribution Distribution::Uniform(double low, double high) {
  Distribution d;
  d.kind_ = Kind::kUniform;
  d.a_ = low;
  d.b_ = high;
  return d;
}

Distribution Distribution::Lognormal(double mean, double stddev) {
  Distribution d;
  d.kind_ = Kind::kLognormal;
  const double cv2 = (stddev / mean) * (stddev / mean);
  d.b_ = std::sqrt(std::log1p(cv2));          // sigma of the underlying normal
  d.a_ = std::log(mean) - 0.5 * d.b_ * d.b_;  // mu
  return d;
}

Distribution Distribution::Gamma(double shape, double mean) {
  Distribution d;
  d.kind_ = Kind::kGamma;
  d.a_ = shape;
  d.b_ = mean / shape;
  return d;
}

Distribution Distribution::Empirical(std::vector<EmpiricalPoint> points) {
  Distribution d;
  d.kind_ = Kind::kEmpirical;
  d.points_ = std::move(points);
  return d;
}

double SampleStandardNormal(RngStream& rng) {
  for (;;) {
    const double u = 2.0 * rng.NextOpenUniform() - 1.0;
    const double v = 2.0 * rng.NextOpenUniform() - 1.0;
    const double s = u * u + v * v;
    if (s > 0.0 && s < 1.0) return u * std::sqrt(-2.0 * std::log(s) / s);
  }
}

double Distribution::Sample(RngStream& rng) const {
  switch (kind_) {
    case Kind::kDeterministic:
      return a_;
    case Kind::kExponential:
      return -a_ * std::log(rng.NextOpenUniform());
    case Kind::kUniform:
      return a_ + (b_ - a_) * rng.NextOpenUniform();
    case Kind::kLognormal:
      return std::exp(a_ + b_ * SampleStandardNormal(rng));
    case Kind::kGamma:
      return SampleGamma(rng);
    case Kind::kEmpirical:
      return SampleEmpirical(rng);
  }
  return 0;
}

// Erlang-k for small integer shapes (a product of uniforms); Marsaglia and Tsang
// (2000) otherwise, with the U^(1/shape) boost for shape < 1.
double Distribution::SampleGamma(RngStream& rng) const {
  const double shape = a_;
  if (shape == std::floor(shape) && shape <= 16) {
    double product = 1.0;
    for (int i = 0; i < static_cast<int>(shape); ++i) product *= rng.NextOpenUniform();
    return -b_ * std::log(product);
  }
  const double alpha = shape < 1 ? shape + 1 : shape;
  const double d = alpha - 1.0 / 3.0;
  const double c = 1.0 / std::sqrt(9.0 * d);
  double x = 0;
  for (;;) {
    double z = 0, v = 0;
    do {
      z = SampleStandardNormal(rng);
      v = 1.0 + c * z;
    } while (v <= 0);
    v = v * v * v;
    const double u = rng.NextOpenUniform();
    if (u < 1.0 - 0.0331 * z * z * z * z ||
        std::log(u) < 0.5 * z * z + d * (1.0 - v + std::log(v))) {
      x = d * v;
      break;
    }
  }
  if (shape < 1) x *= std::pow(rng.NextOpenUniform(), 1.0 / shape);
  return x * b_;
}

double Distribution::SampleEmpirical(RngStream& rng) const {
  const double u = rng.NextOpenUniform();
  const auto it =
      std::lower_bound(points_.begin(), points_.end(), u,
                       [](const EmpiricalPoint& p, double x) { return p.cumulative < x; });
  if (it == points_.begin()) return it->value;
  if (it == points_.end()) return points_.back().value;
  const EmpiricalPoint& lo = *(it - 1);
  const double span = it->cumulative - lo.cumulative;
  return span <= 0 ? it->value : lo.value + (it->value - lo.value) * (u - lo.cumulative) / span;
}

double Distribution::Mean() const {
  switch (kind_) {
    case Kind::kDeterministic:
    case Kind::kExponential:
      return a_;
    case Kind::kUniform:
      return 0.5 * (a_ + b_);
    case Kind::kLognormal:
      return std::exp(a_ + 0.5 * b_ * b_);
    case Kind::kGamma:
      return a_ * b_;
    case Kind::kEmpirical: {
      if (points_.empty()) return 0;
      double mean = points_.front().value * points_.front().cumulative;
      for (size_t i = 1; i < points_.size(); ++i) {
        const double mass = points_[i].cumulative - points_[i - 1].cumulative;
        mean += mass * 0.5 * (points_[i].value + points_[i - 1].value);
      }
      return mean;
    }
  }
  return 0;
}

std::string Distribution::Describe() const {
  char buf[96];
  switch (kind_) {
    case Kind::kDeterministic:
      std::snprintf(buf, sizeof buf, "deterministic %g", a_);
      break;
    case Kind::kExponential:
      std::snprintf(buf, sizeof buf, "exponential mean %g", a_);
      break;
    case Kind::kUniform:
      std::snprintf(buf, sizeof buf, "uniform [%g, %g]", a_, b_);
      break;
    case Kind::kLognormal:
      std::snprintf(buf, sizeof buf, "lognormal mean %g", Mean());
      break;
    case Kind::kGamma:
      std::snprintf(buf, sizeof buf, "gamma shape %g mean %g", a_, Mean());
      break;
    case Kind::kEmpirical:
      std::snprintf(buf, sizeof buf, "empirical (%zu points) mean %g", points_.size(), Mean());
      break;
  }
  return buf;
}

}  // namespace crankback::sim
