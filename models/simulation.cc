#include "models/simulation.h"

#include <algorithm>
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

// Hands the scheduled faults to the transport: an outage joins its node's own
// windows (`windows`, per node), a link fault goes in as it is. Returns the
// detection horizon: the longest transaction timeout of any node.
sim::Duration ApplyFaults(const ScenarioParams& scenario, const sim::RngFactory& rng,
                          sip::SipNetwork& sip, std::vector<std::vector<sip::Outage>>& windows) {
  sim::Duration horizon;
  for (uint32_t i = 0; i < scenario.nodes.size(); ++i) {
    const sip::TimerProfile& t = scenario.nodes[i].timers;
    windows[i] = scenario.nodes[i].outages;
    horizon = std::max({horizon, t.TimerB(), t.TimerF(), t.CancelCleanup(),
                        t.final_response_timeout.value_or(sim::Duration()),
                        t.invite_final_response_timeout.value_or(sim::Duration())});
  }
  std::vector<sip::LinkFault> links;
  for (uint32_t k = 0; k < scenario.faults.size(); ++k) {
    const metrics::FaultParams& f = scenario.faults[k];
    if (f.kind == metrics::FaultKind::kOutage) {
      windows[f.a].push_back(
          {f.start, f.duration, f.tcp_mode, f.udp_icmp_unreachable, f.restart, k});
    } else {
      links.push_back({f.a, f.b, f.start, f.duration, f.kind == metrics::FaultKind::kPartition,
                       f.loss, k, rng.Stream("fault " + f.name, "loss")});
    }
  }
  for (uint32_t i = 0; i < scenario.nodes.size(); ++i) {
    if (!windows[i].empty()) sip.SetOutages(i, windows[i]);
  }
  if (!links.empty()) sip.SetLinkFaults(std::move(links));
  return horizon;
}

}  // namespace

RunResult RunSimulation(const ScenarioParams& scenario, const policy::CauseMap& policy,
                        const RunSpec& spec) {
  RunResult result;
  result.metrics = metrics::RunMetrics(spec.warmup);
  result.metrics.SetEnd(spec.end);
  if (spec.keep_outcomes) result.metrics.KeepOutcomes(&result.outcomes);
  const sim::RngFactory rng(spec.seed, spec.replication);
  sim::Engine engine;
  sim::Network network(rng);
  for (const NodeParams& n : scenario.nodes) network.AddNode(n.name);
  for (const LinkSpec& l : scenario.links) network.AddLink(l.a, l.b, l.params);
  sip::SipNetwork sip(engine, network);
  std::vector<std::vector<sip::Outage>> windows(scenario.nodes.size());
  metrics::FaultTracker faults(scenario.faults, ApplyFaults(scenario, rng, sip, windows));
  if (!scenario.faults.empty()) {
    sip.SetFaultObserver(&faults);
    result.metrics.SetFaultTracker(&faults);
  }
  sip::TraceRecorder recorder(spec.trace_calls, spec.trace_first);
  if (spec.trace_calls > 0) sip.SetObserver(&recorder);

  metrics::CallLog log(spec.explain_call);
  std::vector<std::unique_ptr<nodes::UserAgent>> agents;
  std::vector<std::unique_ptr<nodes::Sbc>> sbcs;
  std::vector<std::unique_ptr<nodes::Carrier>> carriers;
  std::vector<std::unique_ptr<nodes::Proxy>> proxies;
  std::vector<std::unique_ptr<nodes::FraudScorer>> scorers;
  std::vector<std::unique_ptr<overload::Agent>> agents_of(scenario.nodes.size());
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
    sip::Endpoint* created = nullptr;
    std::visit(
        Overloaded{
            [&](const UserAgentParams&) {
              std::vector<const nodes::TrafficParams*> sources;
              for (const auto& t : scenario.traffic) {
                if (t.origin == i) sources.push_back(&t);
              }
              agents.push_back(std::make_unique<nodes::UserAgent>(ctx, i, sources, spec.end));
              created = agents.back().get();
            },
            [&](const nodes::SbcParams& p) {
              sbcs.push_back(std::make_unique<nodes::Sbc>(ctx, i, p));
              created = sbcs.back().get();
            },
            [&](const nodes::CarrierParams& p) {
              carriers.push_back(
                  std::make_unique<nodes::Carrier>(ctx, i, scenario.nodes[i].name, p));
              created = carriers.back().get();
            },
            [&](const nodes::ProxyParams& p) {
              proxies.push_back(std::make_unique<nodes::Proxy>(ctx, i, p));
              created = proxies.back().get();
            },
            [&](const nodes::FraudScorerParams& p) {
              scorers.push_back(std::make_unique<nodes::FraudScorer>(ctx, i, p));
              created = scorers.back().get();
            },
        },
        scenario.nodes[i].kind);
    const NodeParams& n = scenario.nodes[i];
    if (n.processing || n.overload_client) {
      agents_of[i] =
          std::make_unique<overload::Agent>(ctx, *created, n.processing, n.overload_client);
      sip.SetAgent(i, agents_of[i].get());
    }
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
  // A restart: the node crashes as its window starts (carriers, SBCs and
  // proxies; the loader refuses it elsewhere).
  std::vector<bool> restarted(scenario.nodes.size());
  auto schedule_restarts = [&](auto& node) {
    for (const sip::Outage& w : windows[node->id()]) {
      if (!w.restart) continue;
      restarted[node->id()] = true;
      auto* crashing = node.get();
      const uint32_t fault = w.fault;
      engine.ScheduleAt(
          w.start, [&faults, crashing, fault] { faults.OnRestart(fault, crashing->Restart()); });
    }
  };
  for (auto& c : carriers) schedule_restarts(c);
  for (auto& s : sbcs) schedule_restarts(s);
  for (auto& p : proxies) schedule_restarts(p);
  for (uint32_t i = 0; i < scenario.nodes.size(); ++i) {
    for (const sip::Outage& w : windows[i]) {
      if (w.restart && !restarted[i])
        sim::Fatal("RunSimulation: a restart of a node that cannot restart");
    }
  }
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

  for (const auto& a : agents_of) {
    if (a != nullptr)
      check(a->backlog() == 0, network.NodeName(a->id()) + ": messages still queued at the end");
  }

  result.nodes.resize(scenario.nodes.size());
  for (uint32_t i = 0; i < scenario.nodes.size(); ++i) {
    NodeResult& n = result.nodes[i];
    n.name = scenario.nodes[i].name;
    if (const overload::Agent* a = agents_of[i].get()) {
      n.processing = a->has_processing();
      if (n.processing) n.processing_counters = a->counters();
      n.overload_client = a->has_client();
      n.shed = a->shed();
    }
  }
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
  result.metrics.SetFaultTracker(nullptr);
  result.faults = faults.Results();
  return result;
}

}  // namespace crankback::models
