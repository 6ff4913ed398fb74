// Caller redial: a caller whose call failed may try again after a delay.
//
//   RedialParams r{.probability = 0.7, .delay = sim::Distribution::Exponential(30)};
//   if (auto after = RedialAfter(r, 503, /*redials_made=*/0, stream)) ScheduleIn(*after, ...);
//
// A redial is a new call attempt (a new Call-ID) to the same number with the
// same holding time and fraud flag; its outcome counts the redials before it.
// The draws come from the source's own "redial" stream, so a source without
// redial, and the first attempts of one with it, draw as they always did.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "sim/distribution.h"
#include "sim/rng.h"
#include "sim/time.h"

namespace crankback::traffic {

struct RedialParams {
  double probability = 0;        // a failed attempt is redialled with it, 0..1
  sim::Distribution delay = {};  // the failure to the next attempt
  uint32_t max_redials = 3;      // redials of one call at most
  std::vector<int> codes = {};   // the final codes that trigger one; empty = any failure
};

inline constexpr uint32_t kMaxRedials = 100;

// After how long the caller redials an attempt that failed with `final_code`
// (not one the caller abandoned) after `redials_made` redials; nullopt = no
// redial. Draws nothing unless the code triggers a redial, another is allowed
// and the probability is > 0: then one uniform, and the delay when the caller
// does redial.
std::optional<sim::Duration> RedialAfter(const RedialParams& params, int final_code,
                                         uint32_t redials_made, sim::RngStream& stream);

}  // namespace crankback::traffic
