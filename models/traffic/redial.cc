#include "models/traffic/redial.h"

#include <algorithm>

namespace crankback::traffic {

std::optional<sim::Duration> RedialAfter(const RedialParams& params, int final_code,
                                         uint32_t redials_made, sim::RngStream& stream) {
  if (redials_made >= params.max_redials) return std::nullopt;
  if (!params.codes.empty() &&
      std::find(params.codes.begin(), params.codes.end(), final_code) == params.codes.end()) {
    return std::nullopt;
  }
  if (!stream.NextBernoulli(params.probability)) return std::nullopt;
  return params.delay.SampleDuration(stream);
}

}  // namespace crankback::traffic
