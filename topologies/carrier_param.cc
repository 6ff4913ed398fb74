// A carrier's parameters: trunk, callee behaviour, the numbers it serves.
#include <cmath>

#include "topologies/builder.h"
#include "topologies/distribution_param.h"

namespace crankback::topologies::loader_internal {

Builder::Error Builder::Carrier(uint32_t node, const pb::Carrier& c, const FieldPath& at,
                                nodes::CarrierParams& out) {
  if (Error e = Sessions(c.max_sessions(), at.Child(c, "max_sessions"), out.max_sessions)) return e;
  if (Error e = ResolveDialect(c.dialect(), at.Child(c, "dialect"), out.dialect)) return e;
  if (c.has_ring_time()) {
    if (auto e = ToDistribution(c.ring_time(), at.Child(c, "ring_time"), out.ring_time)) return e;
  }
  const auto probability = [&](double v, const char* field) -> Error {
    if (std::isfinite(v) && v >= 0 && v <= 1) return std::nullopt;
    return at.Child(c, field).Error("must be a probability in [0, 1] (got " + Num(v) + ")");
  };
  if (Error e = probability(c.busy_probability(), "busy_probability")) return e;
  if (Error e = probability(c.decline_probability(), "decline_probability")) return e;
  if (c.busy_probability() + c.decline_probability() > 1) {
    return at.Child(c, "decline_probability")
        .Error("busy_probability + decline_probability must be <= 1");
  }
  out.busy_probability = c.busy_probability();
  out.decline_probability = c.decline_probability();
  if (c.has_answer_probability()) {
    if (Error e = probability(c.answer_probability(), "answer_probability")) return e;
    out.answer_probability = c.answer_probability();
  }
  if (c.has_no_answer_timeout_s()) {
    const double v = c.no_answer_timeout_s();
    if (!std::isfinite(v) || v < 0 || v > 86400) {
      return at.Child(c, "no_answer_timeout_s")
          .Error("must be in 0..86400 seconds (0 = none; got " + Num(v) + ")");
    }
    out.no_answer_timeout = sim::SecondsToDuration(v);
  }
  if (out.answer_probability < 1 && out.no_answer_timeout == sim::Duration()) {
    return at.Child(c, "no_answer_timeout_s")
        .Error("unanswered calls need a no-answer timer when answer_probability < 1");
  }
  for (int k = 0; k < c.prefixes_size(); ++k) {
    if (c.prefixes(k).empty()) return at.Child(c, "prefixes", k).Error("a prefix is not empty");
    carrier_prefixes_[node].push_back(c.prefixes(k));
  }
  return std::nullopt;
}

}  // namespace crankback::topologies::loader_internal
