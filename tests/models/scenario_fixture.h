// Builds small scenarios in code for model tests: callers -> sbc -> carriers.
#pragma once

#include <string>
#include <vector>

#include "models/simulation.h"

namespace crankback::testing {

struct CarrierSpec {
  std::string name;
  uint32_t channels = 10;
  std::string dialect = "rfc3398";
};

struct ChainSpec {
  std::vector<CarrierSpec> carriers;
  double calls_per_second = 8;
  sim::Distribution holding = sim::Distribution::Exponential(1.0);
  sim::LinkParams link;  // every link; zero latency by default
};

// Node 0 "callers", node 1 "sbc" (NAP 0 faces the callers and routes to NAPs
// 1..n in order), nodes 2.. the carriers.
inline models::ScenarioParams Chain(const ChainSpec& spec) {
  models::ScenarioParams s;
  s.dialects = policy::PresetDialects();
  auto dialect = [&](const std::string& name) {
    for (uint32_t i = 0; i < s.dialects.size(); ++i) {
      if (s.dialects[i].name == name) return i;
    }
    return uint32_t{0};
  };
  s.nodes.push_back({"callers", models::UserAgentParams{}});
  nodes::SbcParams sbc;
  sbc.naps.push_back({.name = "from_callers", .peer = 0});
  for (uint32_t i = 0; i < spec.carriers.size(); ++i) {
    sbc.naps[0].routes.push_back({.nap = i + 1});
    sbc.naps.push_back({.name = "to_" + spec.carriers[i].name, .peer = i + 2});
  }
  s.nodes.push_back({"sbc", sbc});
  s.links.push_back({0, 1, spec.link});
  for (uint32_t i = 0; i < spec.carriers.size(); ++i) {
    nodes::CarrierParams c;
    c.max_sessions = spec.carriers[i].channels;
    c.dialect = dialect(spec.carriers[i].dialect);
    s.nodes.push_back({spec.carriers[i].name, c});
    s.links.push_back({1, i + 2, spec.link});
  }
  nodes::TrafficParams t;
  t.name = "offered";
  t.origin = 0;
  t.via = 1;
  t.calls_per_second = spec.calls_per_second;
  t.holding_time = spec.holding;
  t.destinations = {0};
  t.weights = {1.0};
  s.traffic.push_back(t);
  s.destinations = {"*"};
  return s;
}

inline policy::CauseMap Policy(const std::string& name, policy::Action fallback,
                               std::vector<policy::CauseRule> rules = {}) {
  policy::CauseMap p;
  p.name = name;
  p.fallback = fallback;
  p.rules = std::move(rules);
  return p;
}

inline models::RunSpec Spec(uint64_t seed, uint32_t replication, double end_s, double warmup_s) {
  return {seed, replication, sim::SimTime::Zero() + sim::SecondsToDuration(end_s),
          sim::SimTime::Zero() + sim::SecondsToDuration(warmup_s)};
}

}  // namespace crankback::testing
