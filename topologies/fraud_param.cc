// A fraud scorer's parameters and the traffic's fraud mix.
#include <cmath>

#include "topologies/builder.h"
#include "topologies/distribution_param.h"

namespace crankback::topologies::loader_internal {

namespace {

// The scorer answers in the dialect of ClearIP unless told otherwise.
constexpr const char* kDefaultScorerDialect = "clearip";

std::optional<LoadError> Probability(double v, const FieldPath& at) {
  if (std::isfinite(v) && v >= 0 && v <= 1) return std::nullopt;
  return at.Error("must be a probability in [0, 1] (got " + Num(v) + ")");
}

}  // namespace

Builder::Error Builder::FraudScorer(uint32_t node, const pb::FraudScorer& f, const FieldPath& at,
                                    nodes::FraudScorerParams& out) {
  const std::string dialect = f.dialect().empty() ? kDefaultScorerDialect : f.dialect();
  if (Error e = ResolveDialect(dialect, at.Child(f, "dialect"), out.dialect)) return e;
  if (f.has_latency()) {
    if (auto e = ToDistribution(f.latency(), at.Child(f, "latency"), out.latency)) return e;
  }
  if (f.has_detection_rate()) {
    if (Error e = Probability(f.detection_rate(), at.Child(f, "detection_rate"))) return e;
    out.detection_rate = f.detection_rate();
  }
  if (Error e = Probability(f.false_positive_rate(), at.Child(f, "false_positive_rate"))) return e;
  out.false_positive_rate = f.false_positive_rate();

  const FieldPath on_detect = at.Child(f, "on_detect");
  const FieldPath redirect_to = at.Child(f, "redirect_to");
  switch (f.on_detect()) {
    case pb::FraudScorer::BLOCK:
      out.on_detect = nodes::FraudAction::kBlock;
      if (!f.redirect_to().empty()) return redirect_to.Error("only with on_detect: REDIRECT");
      return std::nullopt;
    case pb::FraudScorer::REDIRECT:
      out.on_detect = nodes::FraudAction::kRedirect;
      break;
    default:
      return on_detect.Error("unknown on_detect " + std::to_string(f.on_detect()) +
                             " (BLOCK or REDIRECT)");
  }
  // A redirect: a 3xx whose Contact names a node the querying SBCs can reach.
  const int code =
      study_.scenario.dialects[out.dialect].Reject(policy::Condition::kFraudRedirect).code;
  if (code < 300 || code > 399) {
    return on_detect.Error("REDIRECT needs a 3xx, but dialect \"" + dialect +
                           "\" answers FRAUD_REDIRECT with " + std::to_string(code));
  }
  if (f.redirect_to().empty()) {
    return redirect_to.Error("on_detect: REDIRECT needs the node the 302's Contact names");
  }
  uint32_t target = 0;
  if (Error e = NodeRef(f.redirect_to(), redirect_to, target)) return e;
  if (target == node) return redirect_to.Error("a scorer does not redirect calls to itself");
  out.redirect_to = static_cast<int32_t>(target);
  // Every SBC that queries this scorer follows the 302 to its NAP facing the target.
  const std::string& self = sim_.nodes(node).name();
  for (const pb::Node& n : sim_.nodes()) {
    if (!n.has_sbc()) continue;
    bool queries = false, reaches = false;
    for (const pb::Nap& nap : n.sbc().naps()) {
      queries = queries || nap.peer() == self;
      reaches = reaches || nap.peer() == f.redirect_to();
    }
    if (queries && !reaches) {
      return redirect_to.Error("SBC \"" + n.name() +
                               "\" queries this scorer but has no NAP whose peer is \"" +
                               f.redirect_to() + "\"");
    }
  }
  return std::nullopt;
}

Builder::Error Builder::FraudMix(const pb::Fraud& f, const FieldPath& at,
                                 nodes::TrafficParams& out) {
  nodes::FraudMix mix;
  if (!std::isfinite(f.fraction()) || f.fraction() < 0 || f.fraction() > 1) {
    return at.Child(f, "fraction")
        .Error("must be a fraction in [0, 1] (got " + Num(f.fraction()) + ")");
  }
  mix.fraction = f.fraction();
  for (int k = 0; k < f.destinations_size(); ++k) {
    const pb::Destination& d = f.destinations(k);
    const FieldPath da = at.Child(f, "destinations", k);
    if (d.number().empty()) return da.Child(d, "number").Error("a destination needs a number");
    if (!std::isfinite(d.weight()) || d.weight() < 0) {
      return da.Child(d, "weight").Error("must be >= 0 (got " + Num(d.weight()) + ")");
    }
    // Fraud numbers join the scenario's destinations, so carriers' prefixes
    // decide whether they serve them like any other number.
    auto [it, added] = destination_index_.emplace(d.number(), study_.scenario.destinations.size());
    if (added) study_.scenario.destinations.push_back(d.number());
    mix.destinations.push_back(it->second);
    mix.weights.push_back(d.weight() == 0 ? 1.0 : d.weight());
  }
  if (f.has_holding_time()) {
    sim::Distribution hold;
    if (auto e = ToDistribution(f.holding_time(), at.Child(f, "holding_time"), hold)) return e;
    if (!(hold.Mean() > 0)) return at.Child(f, "holding_time").Error("must have a mean > 0");
    mix.holding_time = hold;
  }
  out.fraud = std::move(mix);
  return std::nullopt;
}

}  // namespace crankback::topologies::loader_internal
