// Fraud scenarios for model tests: callers -> SBC -> [route 0: a NAP to a fraud
// scorer, route 1: a NAP to a carrier], as ProSBC is deployed in front of
// ClearIP (sip-response-codes-guide: 404 = clear, 603 = block, 302 = redirect),
// and the binomial interval the statistical checks take from the run.
//
//   models::ScenarioParams s = testing::fraud::ScorerFirst({.fraction = 0.3});
//   sim::Interval ci = testing::fraud::Proportion(k, n, 0.99);
#pragma once

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <variant>

#include "models/simulation.h"
#include "sim/statistics.h"
#include "tests/models/scenario_fixture.h"

namespace crankback::testing::fraud {

constexpr sim::NodeId kCallers = 0, kSbc = 1, kScorer = 2, kCarrier = 3, kReview = 4;

inline uint32_t DialectIndex(const std::vector<policy::Dialect>& dialects,
                             const std::string& name) {
  for (uint32_t i = 0; i < dialects.size(); ++i) {
    if (dialects[i].name == name) return i;
  }
  ADD_FAILURE() << "no dialect " << name;
  return 0;
}

struct ScorerFirstSpec {
  double calls_per_second = 2;
  sim::Distribution holding = sim::Distribution::Deterministic(30);
  double fraction = 0;  // of fraudulent calls; < 0: no fraud mix at all
  std::optional<sim::Distribution> fraud_holding = std::nullopt;
  nodes::FraudScorerParams scorer = {};  // its dialect is set to "clearip"
  bool review_trunk = false;             // add node 4 "review" behind a NAP of no route list
};

// Node 0 "callers", 1 "sbc" (NAP 0 from the callers routes to NAP 1, the
// scorer, then NAP 2, the carrier), 2 "scorer", 3 "carrier" (unlimited
// channels, answers at once). Links of 10 ms, no loss. With `review_trunk`,
// node 4 "review" (a carrier like the other) faces NAP 3, which no route
// list names: only a redirect (302 Contact: 4) reaches it.
inline models::ScenarioParams ScorerFirst(const ScorerFirstSpec& spec) {
  testing::ChainSpec chain;
  chain.carriers = {{"scorer", 0}, {"carrier", 0}};
  if (spec.review_trunk) chain.carriers.push_back({"review", 0});
  chain.calls_per_second = spec.calls_per_second;
  chain.holding = spec.holding;
  chain.link.latency = sim::Duration::Millis(10);
  models::ScenarioParams s = testing::Chain(chain);
  if (spec.review_trunk) std::get<nodes::SbcParams>(s.nodes[kSbc].kind).naps[0].routes.pop_back();
  nodes::FraudScorerParams scorer = spec.scorer;
  scorer.dialect = DialectIndex(s.dialects, "clearip");
  s.nodes[kScorer].kind = scorer;
  if (spec.fraction >= 0) {
    nodes::FraudMix mix;
    mix.fraction = spec.fraction;
    mix.holding_time = spec.fraud_holding;
    s.traffic[0].fraud = mix;
  }
  return s;
}

inline policy::CauseMap Preset(const std::string& name) {
  std::optional<policy::CauseMap> p = policy::FindPresetPolicy(name);
  if (!p) ADD_FAILURE() << "no preset policy " << name;
  return p.value_or(policy::CauseMap{});
}

// The mean of k successes in n Bernoulli trials with its two-sided Student-t
// interval at `level`, computed as for any run's figures (sim::StudentT).
inline sim::Interval Proportion(uint64_t k, uint64_t n, double level) {
  sim::Welford w;
  for (uint64_t i = 0; i < n; ++i) w.Add(i < k ? 1.0 : 0.0);
  return sim::StudentT(w, level);
}

}  // namespace crankback::testing::fraud
