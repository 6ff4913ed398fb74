// Probability distributions of durations and counts, sampled from an RngStream.
//
//   Distribution hold = Distribution::Exponential(180.0);   // mean 180 s
//   Duration d = hold.SampleDuration(stream);
//
// Every algorithm is written here (inversion, Marsaglia-Tsang, Marsaglia's polar
// method) rather than taken from <random>, whose distributions differ between
// standard libraries; the same seed gives the same draws everywhere. Values are
// in seconds when the distribution describes time.
#pragma once

#include <string>
#include <vector>

#include "sim/rng.h"
#include "sim/time.h"

namespace crankback::sim {

// One point of an empirical CDF: P(X <= value) = cumulative.
struct EmpiricalPoint {
  double value = 0;
  double cumulative = 0;
};

class Distribution {
 public:
  enum class Kind { kDeterministic, kExponential, kUniform, kLognormal, kGamma, kEmpirical };

  Distribution() = default;  // deterministic 0
  static Distribution Deterministic(double value);
  static Distribution Exponential(double mean);
  static Distribution Uniform(double low, double high);
  // Lognormal with the given mean and standard deviation of the variable itself.
  static Distribution Lognormal(double mean, double stddev);
  // Gamma with the given shape and mean; an integer shape k is Erlang-k.
  static Distribution Gamma(double shape, double mean);
  static Distribution Erlang(int k, double mean) { return Gamma(k, mean); }
  // Piecewise-linear inverse CDF through the points: values non-decreasing,
  // cumulative non-decreasing and ending at 1. A first point with cumulative p > 0
  // is an atom of mass p at its value.
  static Distribution Empirical(std::vector<EmpiricalPoint> points);

  double Sample(RngStream& rng) const;
  Duration SampleDuration(RngStream& rng) const { return SecondsToDuration(Sample(rng)); }
  double Mean() const;
  Kind kind() const { return kind_; }
  std::string Describe() const;

 private:
  double SampleGamma(RngStream& rng) const;
  double SampleEmpirical(RngStream& rng) const;

  Kind kind_ = Kind::kDeterministic;
  double a_ = 0;  // value | mean | low | mu | shape
  double b_ = 0;  // -     | -    | high| sigma | scale
  std::vector<EmpiricalPoint> points_;
};

// A standard normal draw (Marsaglia's polar method; the second value is discarded
// so that the stream holds no hidden state).
double SampleStandardNormal(RngStream& rng);

}  // namespace crankback::sim
