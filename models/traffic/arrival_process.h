// The call arrivals of one traffic source: Poisson at a constant rate, or
// non-homogeneous Poisson with a piecewise-constant rate (profile x flash
// crowds), sampled exactly by inverting the cumulative intensity.
//
//   ArrivalProcess arrivals(params.calls_per_second, params.profile, params.flash_crowds, end);
//   if (std::optional<sim::SimTime> t = arrivals.Next(engine.Now(), stream)) ScheduleAt(*t, ...);
//
// Each arrival takes one draw from the stream. A rate that is the same at all
// times draws exponential gaps (Distribution::Exponential(1 / rate)), exactly as
// a source without a profile always has; any other rate draws one Exp(1) per
// arrival and inverts the cumulative intensity from the previous arrival.
#pragma once

#include <optional>
#include <vector>

#include "models/traffic/rate_function.h"
#include "sim/distribution.h"
#include "sim/rng.h"
#include "sim/time.h"

namespace crankback::traffic {

class ArrivalProcess {
 public:
  ArrivalProcess() : ArrivalProcess(1, {}, {}, sim::SimTime::Zero()) {}
  // Arrivals over [0, end).
  ArrivalProcess(double calls_per_second, const RateProfile& profile,
                 const std::vector<FlashCrowd>& flash_crowds, sim::SimTime end);

  // The arrival after the previous one (the first: after time 0), called at
  // `now`, the time of the previous arrival; nullopt when it would come at or
  // after `end` (and from then on).
  std::optional<sim::SimTime> Next(sim::SimTime now, sim::RngStream& stream);

  const RateFunction& rate() const { return rate_; }

 private:
  RateFunction rate_;
  std::optional<double> constant_;  // the rate when it is the same at all times
  sim::Distribution gap_;           // exponential gaps, for a constant rate
  sim::SimTime end_;
  double last_s_ = 0;  // the previous arrival, unrounded
};

}  // namespace crankback::traffic
