#include "models/simulation.h"

#include <memory>

#include "sim/engine.h"

namespace crankback::models {

namespace {

template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};

using Codes = std::vector<std::pair<int, uint64_t>>;

// What the nodes have counted so far: codes sent per node, timer expirations.
struct Tally {
  std::vector<Codes> codes = {};
  std::map<std::string, uint64_t> timers = {};
};

// The counts of `now` less those of `before` (both by ascending code).
Codes Since(const Codes& now, const Codes& before) {
  Codes out;
  auto b = before.begin();
  for (const auto& [code, n] : now) {
    while (b != before.end() && b->first < code) ++b;
    const uint64_t earlier = b != before.end() && b->first == code ? b->second : 0;
    if (n > earlier) out.emplace_back(code, n - earlier);
  }
  return out;
}

}  // namespace

RunResult RunSimulation(const ScenarioParams& scenario, const policy::CauseMap& policy,
                        const RunSpec& spec) {
  RunResult result;
  result.metrics = metrics::RunMetrics(spec.warmup);
  if (spec.keep_outcomes) result.metrics.KeepOutcomes(&result.outcomes);
  const sim::RngFactory rng(spec.seed, spec.replication);
  sim::Engine engine;
  sim::Network network(rng);
  for (const NodeParams& n : scenario.nodes) network.AddNode(n.name);
  for (const LinkSpec& l : scenario.links) network.AddLink(l.a, l.b, l.params);
  sip::SipNetwork sip(engine, network);
  for (uint32_t i = 0; i < scenario.nodes.size(); ++i) {
    if (!scenario.nodes[i].outages.empty()) sip.SetOutages(i, scenario.nodes[i].outages);
  }
  sip::TraceRecorder recorder(spec.trace_calls, spec.trace_first);
  if (spec.trace_calls > 0) sip.SetObserver(&recorder);

  metrics::CallLog log(spec.explain_call);
  std::vector<std::unique_ptr<nodes::UserAgent>> agents;
  std::vector<std::unique_ptr<nodes::Sbc>> sbcs;
  std::vector<std::unique_ptr<nodes::Carrier>> carriers;
  std::vector<std::unique_ptr<nodes::Proxy>> proxies;
  std::vector<std::unique_ptr<nodes::FraudScorer>> scorers;
  for (uint32_t i = 0; i < scenario.nodes.size(); ++i) {
    const nodes::NodeContext ctx{sip,
                                 rng,
                                 result.metrics,
                                 scenario.dialects,
                                 policy,
                                 scenario.nodes[i].timers,
                                 spec.explain_call > 0 ? &log : nullptr,
                                 spec.warmup,
                                 spec.end};
    std::visit(
        Overloaded{
            [&](const UserAgentParams&) {
              std::vector<const nodes::TrafficParams*> sources;
              for (const auto& t : scenario.traffic) {
                if (t.origin == i) sources.push_back(&t);
              }
              agents.push_back(std::make_unique<nodes::UserAgent>(ctx, i, sources, spec.end));
            },
            [&](const nodes::SbcParams& p) {
              sbcs.push_back(std::make_unique<nodes::Sbc>(ctx, i, p));
            },
            [&](const nodes::CarrierParams& p) {
              carriers.push_back(
                  std::make_unique<nodes::Carrier>(ctx, i, scenario.nodes[i].name, p));
            },
            [&](const nodes::ProxyParams& p) {
              proxies.push_back(std::make_unique<nodes::Proxy>(ctx, i, p));
            },
            [&](const nodes::FraudScorerParams& p) {
              scorers.push_back(std::make_unique<nodes::FraudScorer>(ctx, i, p));
            },
        },
        scenario.nodes[i].kind);
  }
  // Response codes and timer expirations count from the warm-up on: what the
  // nodes had counted by then is taken off at the end.
  auto tally = [&] {
    Tally t;
    for (uint32_t i = 0; i < scenario.nodes.size(); ++i) t.codes.push_back(sip.FinalsSent(i));
    auto add = [&t](const sip::Endpoint& e) {
      for (int i = 0; i < sip::kTimerNameCount; ++i) {
        if (const uint64_t n = e.timer_expirations()[i]; n != 0)
          t.timers[sip::TimerNameString(static_cast<sip::TimerName>(i))] += n;
      }
      for (int i = 0; i < sip::kExtraTimerCount; ++i) {
        if (const uint64_t n = e.extra_timer_expirations()[i]; n != 0)
          t.timers[sip::ExtraTimerString(static_cast<sip::ExtraTimer>(i))] += n;
      }
    };
    for (const auto& a : agents) add(*a);
    for (const auto& s : sbcs) add(*s);
    for (const auto& c : carriers) add(*c);
    for (const auto& p : proxies) add(*p);
    for (const auto& s : scorers) add(*s);
    return t;
  };
  Tally at_warmup;
  auto take_warmup = [&] { at_warmup = tally(); };
  if (spec.warmup > sim::SimTime::Zero())
    engine.ScheduleAt(spec.warmup, [&take_warmup] { take_warmup(); });
  for (auto& a : agents) a->Start();
  engine.Run();

  // Every call ended in exactly one outcome, and nothing is left holding state.
  uint64_t started = 0;
  auto check = [&](bool ok, const std::string& what) {
    if (!ok) result.violations.push_back(what);
  };
  for (const auto& a : agents) {
    started += a->calls_started();
    check(a->active_calls() == 0, network.NodeName(a->id()) + ": calls still active at the end");
    check(a->open_transactions() == 0, network.NodeName(a->id()) + ": transactions still open");
  }
  check(result.metrics.recorded() == started,
        "outcomes recorded (" + std::to_string(result.metrics.recorded()) +
            ") differ from calls started (" + std::to_string(started) + ")");
  for (const auto& s : sbcs) {
    check(s->active_calls() == 0, network.NodeName(s->id()) + ": calls still active at the end");
    check(s->open_transactions() == 0, network.NodeName(s->id()) + ": transactions still open");
  }
  // A carrier channel held by an answered call whose BYE never arrived is a hung
  // channel, which real networks have too: counted (hung_channels), not a fault.
  for (const auto& c : carriers) {
    check(c->busy_channels() == c->answered_channels(),
          network.NodeName(c->id()) + ": channels of unanswered calls still busy at the end");
    check(c->processing() == 0, network.NodeName(c->id()) + ": INVITEs still being processed");
    check(c->open_transactions() == 0, network.NodeName(c->id()) + ": transactions still open");
  }

  for (const auto& p : proxies) {
    check(p->active_calls() == 0, network.NodeName(p->id()) + ": calls still active at the end");
    check(p->open_transactions() == 0, network.NodeName(p->id()) + ": transactions still open");
  }
  for (const auto& s : scorers) {
    check(s->active_calls() == 0, network.NodeName(s->id()) + ": queries still pending at the end");
    check(s->open_transactions() == 0, network.NodeName(s->id()) + ": transactions still open");
  }

  result.nodes.resize(scenario.nodes.size());
  for (uint32_t i = 0; i < scenario.nodes.size(); ++i)
    result.nodes[i].name = scenario.nodes[i].name;
  for (const auto& s : sbcs) {
    NodeResult& n = result.nodes[s->id()];
    n.counters = s->counters();
    const auto& naps = std::get<nodes::SbcParams>(scenario.nodes[s->id()].kind).naps;
    for (uint32_t nap = 0; nap < naps.size(); ++nap) {
      n.naps.push_back(s->nap_counters(nap, engine.Now()));
      n.routes.push_back(s->route_counters(nap));
    }
  }
  for (const auto& c : carriers) {
    result.nodes[c->id()].counters = c->counters();
    result.nodes[c->id()].counters.hung_channels = c->answered_channels();
  }
  for (const auto& p : proxies) result.nodes[p->id()].counters = p->counters();
  for (const auto& s : scorers) result.nodes[s->id()].counters = s->counters();
  result.transport = sip.counters();
  const Tally at_end = tally();
  for (uint32_t i = 0; i < scenario.nodes.size(); ++i) {
    result.nodes[i].codes_sent =
        Since(at_end.codes[i], at_warmup.codes.empty() ? Codes{} : at_warmup.codes[i]);
  }
  for (const auto& [name, n] : at_end.timers) {
    const uint64_t before = at_warmup.timers.count(name) != 0 ? at_warmup.timers.at(name) : 0;
    if (n > before) result.timer_expirations[name] = n - before;
  }
  result.events = engine.executed();
  result.finished = engine.Now();
  result.trace = recorder.Take();
  result.explained = std::move(log);
  result.metrics.KeepOutcomes(nullptr);  // `result` moves: keep no pointer into it
  return result;
}

}  // namespace crankback::models
