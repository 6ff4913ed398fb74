// The call rate of a traffic source over time: a base rate times a
// piecewise-constant profile (a daily busy-hour shape, optionally repeated)
// times the flash crowds in force.
//
//   RateFunction rate(2.0, {.segments = {{0, 0.2}, {32400, 1.5}}, .period_s = 86400}, {});
//   double t = rate.Invert(now_s, exp1_draw, end_s);   // the next arrival of the process
//
// Every piece is constant, so the cumulative intensity is piecewise linear and
// is inverted exactly: an arrival process draws one Exp(1) per arrival and
// walks the pieces until that much intensity has accumulated.
#pragma once

#include <optional>
#include <utility>
#include <vector>

namespace crankback::traffic {

// From `start_s` on (until the next segment), the rate is multiplied by `multiplier`.
struct RateSegment {
  double start_s = 0;
  double multiplier = 1;
};

// Segments in increasing start_s, the first at 0. With `period_s` > 0 the
// profile repeats: its time is t mod period_s (every start_s < period_s).
// Empty: a multiplier of 1 at all times.
struct RateProfile {
  std::vector<RateSegment> segments = {};
  double period_s = 0;
};

// The rate is multiplied by `multiplier` over [start_s, start_s + duration_s),
// on top of the profile and of any other flash crowd in force.
struct FlashCrowd {
  double start_s = 0;
  double duration_s = 0;
  double multiplier = 1;
};

class RateFunction {
 public:
  // Expects a valid profile (see RateProfile) and flash crowds with
  // duration_s > 0; multipliers >= 0.
  RateFunction(double calls_per_second, RateProfile profile, std::vector<FlashCrowd> flash_crowds);

  // Calls per second at `t` (seconds); the pieces are closed on the left.
  double Rate(double t) const;
  // The expected number of arrivals in [from, to): the integral of Rate.
  double Intensity(double from, double to) const;
  // The t >= from with Intensity(from, t) = e (e >= 0): with e an Exp(1)
  // draw, the next arrival of the non-homogeneous Poisson process after
  // `from`. +infinity when that is at or past `limit`, or never comes.
  double Invert(double from, double e, double limit) const;
  // The rate, when it is the same at every time.
  std::optional<double> ConstantRate() const;
  // The largest rate at any time (an upper bound when flash crowds overlap
  // low segments).
  double PeakBound() const;

 private:
  struct Piece {
    double multiplier = 1;
    double next = 0;  // where the multiplier next changes; +infinity: never
  };
  Piece ProfileAt(double t) const;
  Piece FlashAt(double t) const;

  double base_;
  RateProfile profile_;
  std::vector<FlashCrowd> flash_;
  std::vector<double> flash_edges_;  // every start and end, sorted
  double period_intensity_ = 0;      // the profile multiplier integrated over one period
};

}  // namespace crankback::traffic
