#include "topologies/loader.h"

#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/text_format.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>

#include "models/traffic/rate_function.h"
#include "topologies/builder.h"
#include "topologies/distribution_param.h"
#include "topologies/field_path.h"
#include "topologies/outage_param.h"
#include "topologies/overload_param.h"
#include "topologies/simrun.pb.h"
#include "topologies/stack_param.h"

namespace crankback::topologies {

namespace {

struct FirstSyntaxError : google::protobuf::io::ErrorCollector {
  void AddError(int at_line, google::protobuf::io::ColumnNumber column,
                const std::string& message) override {
    if (found) return;
    found = true;
    line = at_line + 1;
    text = "syntax error at column " + std::to_string(column + 1) + ": " + message;
  }
  bool found = false;
  int line = 0;
  std::string text;
};

// Text format is printable UTF-8 plus the whitespace its tokenizer skips (tab,
// LF, VT, FF, CR); binary protobuf almost never is, since tags and lengths below
// 32 are control bytes.
bool LooksLikeText(std::string_view s) {
  for (unsigned char c : s) {
    if (c < 0x20 && (c < '\t' || c > '\r')) return false;
    if (c == 0x7f) return false;
  }
  return true;
}

}  // namespace

namespace loader_internal {

std::string Num(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

Loaded<Study> Builder::Build() {
  if (sim_.nodes().empty()) return root_.Error("the topology has no nodes");
  if (sim_.traffic().empty()) return root_.Error("the topology has no traffic sources");
  for (Error e : {Nodes(), Links(), Dialects()}) {
    if (e) return *e;
  }
  // SBCs and carriers refer to dialects and links, so they are checked after both.
  for (int i = 0; i < sim_.nodes_size(); ++i) {
    const pb::Node& n = sim_.nodes(i);
    const FieldPath at = root_.Child(sim_, "nodes", i, n.name());
    auto& kind = study_.scenario.nodes[i].kind;
    if (n.has_sbc()) {
      if (Error e = Sbc(i, n.sbc(), at.Child(n, "sbc"))) return *e;
    } else if (n.has_carrier()) {
      nodes::CarrierParams c;
      if (Error e = Carrier(i, n.carrier(), at.Child(n, "carrier"), c)) return *e;
      kind = c;
    } else if (n.has_proxy()) {
      nodes::ProxyParams p;
      if (Error e = Proxy(i, n.proxy(), at.Child(n, "proxy"), p)) return *e;
      kind = p;
    } else if (n.has_fraud_scorer()) {
      nodes::FraudScorerParams f;
      if (Error e = FraudScorer(i, n.fraud_scorer(), at.Child(n, "fraud_scorer"), f)) return *e;
      kind = f;
    }
  }
  for (Error e : {Traffic(), Policies(), Experiment(), Theory(), Faults()}) {
    if (e) return *e;
  }
  // Destinations are known once all traffic is read: which numbers each carrier
  // serves, and the longest of its ranges that holds each number.
  for (auto& n : study_.scenario.nodes) {
    auto* c = std::get_if<nodes::CarrierParams>(&n.kind);
    if (c == nullptr) continue;
    const auto& prefixes = carrier_prefixes_[&n - study_.scenario.nodes.data()];
    for (const std::string& number : study_.scenario.destinations) {
      if (!prefixes.empty()) {
        bool served = false;
        for (const std::string& p : prefixes) served |= number.rfind(p, 0) == 0 || p == "*";
        c->serves.push_back(served);
      }
      if (c->ranges.empty()) continue;
      int32_t best = nodes::CarrierParams::kNoRange;
      size_t best_length = 0;
      for (size_t r = 0; r < c->ranges.size(); ++r) {
        const std::string& p = c->ranges[r].prefix;  // never empty, never duplicated
        if (number.rfind(p, 0) != 0 || p.size() <= best_length) continue;
        best = static_cast<int32_t>(r);
        best_length = p.size();
      }
      c->destination_range.push_back(best);
    }
  }
  for (const RouteNumbers& r : route_numbers_) {
    auto& route =
        std::get<nodes::SbcParams>(study_.scenario.nodes[r.node].kind).naps[r.nap].routes[r.route];
    for (const std::string& number : study_.scenario.destinations) {
      bool served = false;
      for (const std::string& p : r.prefixes) served |= number.rfind(p, 0) == 0 || p == "*";
      route.serves.push_back(served);
    }
  }
  google::protobuf::TextFormat::PrintToString(sim_, &study_.resolved_text);
  return std::move(study_);
}

Builder::Error Builder::NodeRef(const std::string& name, const FieldPath& at, uint32_t& out) const {
  if (name.empty()) return at.Error("must name a node");
  auto it = node_index_.find(name);
  if (it == node_index_.end()) return at.Error("unknown node \"" + name + "\"");
  out = it->second;
  return std::nullopt;
}

Builder::Error Builder::Sessions(int64_t v, const FieldPath& at, uint32_t& out) const {
  if (v < 0 || v > kMaxSessions) {
    return at.Error("must be in 0.." + std::to_string(kMaxSessions) + " (0 = unlimited; got " +
                    std::to_string(v) + ")");
  }
  out = static_cast<uint32_t>(v);
  return std::nullopt;
}

Builder::Error Builder::Nodes() {
  for (int i = 0; i < sim_.nodes_size(); ++i) {
    const pb::Node& n = sim_.nodes(i);
    const FieldPath at = root_.Child(sim_, "nodes", i, n.name());
    if (n.name().empty()) return at.Child(n, "name").Error("a node needs a name");
    if (!node_index_.emplace(n.name(), i).second) {
      return at.Child(n, "name").Error("duplicate node name \"" + n.name() + "\"");
    }
    if (n.kind_case() == pb::Node::KIND_NOT_SET) {
      return at.Error("a node needs a kind: user_agent, sbc, carrier, proxy or fraud_scorer");
    }
    models::NodeParams params{n.name(), models::UserAgentParams{}, {}};
    if (auto e = ToTimerProfile(n.stack(), at.Child(n, "stack"), params.timers)) return e;
    if (auto e = ToOutages(n, at, params.outages)) return e;
    if (auto e = ToOverload(n, at, params)) return e;
    study_.scenario.nodes.push_back(std::move(params));
  }
  carrier_prefixes_.resize(sim_.nodes_size());
  return std::nullopt;
}

Builder::Error Builder::Links() {
  for (int i = 0; i < sim_.links_size(); ++i) {
    const pb::Link& l = sim_.links(i);
    const FieldPath at = root_.Child(sim_, "links", i);
    models::LinkSpec spec;
    if (Error e = NodeRef(l.a(), at.Child(l, "a"), spec.a)) return e;
    if (Error e = NodeRef(l.b(), at.Child(l, "b"), spec.b)) return e;
    if (spec.a == spec.b) return at.Child(l, "b").Error("a link joins two different nodes");
    if (!links_.insert({std::min(spec.a, spec.b), std::max(spec.a, spec.b)}).second) {
      return at.Error("duplicate link between \"" + l.a() + "\" and \"" + l.b() + "\"");
    }
    if (!std::isfinite(l.latency_s()) || l.latency_s() < 0 || l.latency_s() > 3600) {
      return at.Child(l, "latency_s")
          .Error("must be in 0..3600 seconds (got " + Num(l.latency_s()) + ")");
    }
    if (!(l.loss() >= 0 && l.loss() < 1)) {
      return at.Child(l, "loss").Error("must be a probability in [0, 1) (got " + Num(l.loss()) +
                                       ")");
    }
    if (!pb::Transport_IsValid(l.transport())) {
      return at.Child(l, "transport").Error("unknown transport " + std::to_string(l.transport()));
    }
    spec.params.latency = sim::SecondsToDuration(l.latency_s());
    spec.params.loss = l.loss();
    spec.params.transport = static_cast<sim::Transport>(l.transport());
    if (l.has_jitter()) {
      sim::Distribution d;
      if (auto e = ToDistribution(l.jitter(), at.Child(l, "jitter"), d)) return e;
      spec.params.jitter = d;
    }
    study_.scenario.links.push_back(spec);
  }
  return std::nullopt;
}

Builder::Error Builder::Sbc(uint32_t node, const pb::Sbc& sbc, const FieldPath& at) {
  nodes::SbcParams out;
  if (Error e = ResolveDialect(sbc.dialect(), at.Child(sbc, "dialect"), out.dialect)) return e;
  std::map<std::string, uint32_t> nap_index;
  for (int j = 0; j < sbc.naps_size(); ++j) {
    const pb::Nap& nap = sbc.naps(j);
    if (nap.name().empty())
      return at.Child(sbc, "naps", j).Child(nap, "name").Error("a NAP needs a name");
    if (!nap_index.emplace(nap.name(), j).second) {
      return at.Child(sbc, "naps", j, nap.name())
          .Child(nap, "name")
          .Error("duplicate NAP name \"" + nap.name() + "\"");
    }
  }
  for (int j = 0; j < sbc.naps_size(); ++j) {
    const pb::Nap& nap = sbc.naps(j);
    const FieldPath na = at.Child(sbc, "naps", j, nap.name());
    nodes::NapParams p;
    p.name = nap.name();
    if (Error e = NodeRef(nap.peer(), na.Child(nap, "peer"), p.peer)) return e;
    if (p.peer == node) return na.Child(nap, "peer").Error("a NAP's peer is another node");
    if (!Linked(node, p.peer)) {
      return na.Child(nap, "peer")
          .Error("no link joins \"" + sim_.nodes(node).name() + "\" and \"" + nap.peer() + "\"");
    }
    if (Error e = Sessions(nap.max_sessions(), na.Child(nap, "max_sessions"), p.max_sessions))
      return e;
    if (static_cast<size_t>(nap.routes_size()) > kMaxRoutes) {
      return na.Child(nap, "routes").Error("at most " + std::to_string(kMaxRoutes) + " routes");
    }
    for (int k = 0; k < nap.routes_size(); ++k) {
      const pb::Route& r = nap.routes(k);
      const FieldPath rk = na.Child(nap, "routes", k);
      const FieldPath ra = rk.Child(r, "nap");
      auto it = nap_index.find(r.nap());
      if (it == nap_index.end()) return ra.Error("unknown NAP \"" + r.nap() + "\" in this SBC");
      if (it->second == static_cast<uint32_t>(j))
        return ra.Error("a route leads to another NAP than its own");
      nodes::RouteParams route{it->second};
      if (r.has_weight()) {
        if (!std::isfinite(r.weight()) || r.weight() <= 0 || r.weight() > 1e6) {
          return rk.Child(r, "weight")
              .Error("must be > 0 and <= 1e+06 (got " + Num(r.weight()) + ")");
        }
        route.weight = r.weight();
      }
      if (!std::isfinite(r.cost_per_minute()) || r.cost_per_minute() < 0 ||
          r.cost_per_minute() > 1e6) {
        return rk.Child(r, "cost_per_minute")
            .Error("must be in 0..1e+06 (got " + Num(r.cost_per_minute()) + ")");
      }
      route.cost_per_minute = r.cost_per_minute();
      route.overflow = r.overflow();
      if (r.numbers_size() > 0) {
        RouteNumbers numbers{node, static_cast<uint32_t>(j), static_cast<uint32_t>(k), {}};
        for (int m = 0; m < r.numbers_size(); ++m) {
          if (r.numbers(m).empty()) return rk.Child(r, "numbers", m).Error("must not be empty");
          numbers.prefixes.push_back(r.numbers(m));
        }
        route_numbers_.push_back(std::move(numbers));
      }
      p.routes.push_back(route);
    }
    if (!std::isfinite(nap.cps()) || nap.cps() < 0 || nap.cps() > kMaxCallsPerSecond) {
      return na.Child(nap, "cps")
          .Error("must be in 0.." + Num(kMaxCallsPerSecond) + " (0 = unlimited; got " +
                 Num(nap.cps()) + ")");
    }
    p.cps = nap.cps();
    p.cps_burst = std::max(1.0, p.cps);
    if (nap.cps_burst() != 0) {
      if (!std::isfinite(nap.cps_burst()) || nap.cps_burst() < 1 ||
          nap.cps_burst() > kMaxCallsPerSecond) {
        return na.Child(nap, "cps_burst")
            .Error("must be in 1.." + Num(kMaxCallsPerSecond) + " attempts (got " +
                   Num(nap.cps_burst()) + ")");
      }
      if (p.cps == 0) return na.Child(nap, "cps_burst").Error("needs a cps cap");
      p.cps_burst = nap.cps_burst();
    }
    if (!pb::RouteSelection_IsValid(nap.route_selection())) {
      return na.Child(nap, "route_selection")
          .Error("unknown route selection " + std::to_string(nap.route_selection()));
    }
    p.selection = static_cast<nodes::RouteSelection>(nap.route_selection());
    const double retry = nap.route_retry_timeout_s();
    if (!std::isfinite(retry) || retry < 0 || retry > 3600) {
      return na.Child(nap, "route_retry_timeout_s")
          .Error("must be in 0..3600 seconds (0 = none; got " + Num(retry) + ")");
    }
    p.route_retry_timeout = sim::SecondsToDuration(retry);
    if (!pb::CallState_IsValid(nap.min_call_state())) {
      return na.Child(nap, "min_call_state")
          .Error("unknown call state " + std::to_string(nap.min_call_state()));
    }
    if (nap.min_call_state() != pb::CALL_STATE_UNSPECIFIED) {
      if (retry == 0) return na.Child(nap, "min_call_state").Error("needs route_retry_timeout_s");
      p.min_call_state = static_cast<nodes::CallState>(nap.min_call_state());
    }
    const int64_t reserved = nap.trunk_reservation();
    if (reserved != 0) {
      const FieldPath ra = na.Child(nap, "trunk_reservation");
      if (reserved < 0) {
        return ra.Error("must be >= 0 (0 = none; got " + std::to_string(reserved) + ")");
      }
      if (p.max_sessions == 0) return ra.Error("needs max_sessions");
      if (reserved >= p.max_sessions) {
        return ra.Error("must be less than max_sessions, " + std::to_string(p.max_sessions) +
                        " (got " + std::to_string(reserved) + ")");
      }
      p.trunk_reservation = static_cast<uint32_t>(reserved);
    }
    out.naps.push_back(std::move(p));
  }
  if (sbc.has_max_redirects()) {
    if (sbc.max_redirects() < 0 || sbc.max_redirects() > 10) {
      return at.Child(sbc, "max_redirects")
          .Error("must be in 0..10 (got " + std::to_string(sbc.max_redirects()) + ")");
    }
    out.max_redirects = static_cast<uint8_t>(sbc.max_redirects());
  }
  study_.scenario.nodes[node].kind = std::move(out);
  return std::nullopt;
}

Builder::Error Builder::Traffic() {
  std::map<std::string, int> demand_rows;  // sources whose rate and numbers the demand sets
  if (Error e = DemandOrigins(demand_rows)) return e;
  std::set<std::string> names;
  for (int i = 0; i < sim_.traffic_size(); ++i) {
    const pb::TrafficSource& t = sim_.traffic(i);
    const FieldPath at = root_.Child(sim_, "traffic", i, t.name());
    if (t.name().empty()) return at.Child(t, "name").Error("a traffic source needs a name");
    if (!names.insert(t.name()).second) {
      return at.Child(t, "name").Error("duplicate traffic source name \"" + t.name() + "\"");
    }
    nodes::TrafficParams p;
    p.name = t.name();
    if (Error e = NodeRef(t.origin(), at.Child(t, "origin"), p.origin)) return e;
    if (!sim_.nodes(p.origin).has_user_agent()) {
      return at.Child(t, "origin").Error("\"" + t.origin() + "\" is not a user_agent node");
    }
    if (Error e = NodeRef(t.via(), at.Child(t, "via"), p.via)) return e;
    if (!Linked(p.origin, p.via)) {
      return at.Child(t, "via").Error("no link joins \"" + t.origin() + "\" and \"" + t.via() +
                                      "\"");
    }
    if (const auto* sbc = std::get_if<nodes::SbcParams>(&study_.scenario.nodes[p.via].kind)) {
      bool has_nap = false;
      for (const auto& nap : sbc->naps)
        has_nap = has_nap || (nap.peer == p.origin && !nap.routes.empty());
      if (!has_nap) {
        return at.Child(t, "via").Error(
            "SBC \"" + t.via() + "\" has no NAP with routes whose peer is \"" + t.origin() + "\"");
      }
    } else if (!sim_.nodes(p.via).has_carrier() && !sim_.nodes(p.via).has_proxy()) {
      return at.Child(t, "via").Error("\"" + t.via() + "\" is not an sbc, a carrier or a proxy");
    }
    const bool by_demand = demand_rows.count(t.name()) != 0;
    const double rate = t.calls_per_second();
    if (!by_demand && (!std::isfinite(rate) || rate <= 0 || rate > kMaxCallsPerSecond)) {
      return at.Child(t, "calls_per_second")
          .Error("must be > 0 and <= " + Num(kMaxCallsPerSecond) + " (got " + Num(rate) + ")");
    }
    p.calls_per_second = rate;
    if (!t.has_holding_time())
      return at.Child(t, "holding_time").Error("a traffic source needs a holding_time");
    if (auto e = ToDistribution(t.holding_time(), at.Child(t, "holding_time"), p.holding_time))
      return e;
    if (!(p.holding_time.Mean() > 0))
      return at.Child(t, "holding_time").Error("must have a mean > 0");
    if (t.has_patience()) {
      sim::Distribution patience;
      if (auto e = ToDistribution(t.patience(), at.Child(t, "patience"), patience)) return e;
      p.patience = patience;
    }
    std::vector<std::pair<std::string, double>> dests;
    for (int k = 0; k < t.destinations_size(); ++k) {
      const pb::Destination& d = t.destinations(k);
      const FieldPath da = at.Child(t, "destinations", k);
      if (d.number().empty()) return da.Child(d, "number").Error("a destination needs a number");
      if (!std::isfinite(d.weight()) || d.weight() < 0) {
        return da.Child(d, "weight").Error("must be >= 0 (got " + Num(d.weight()) + ")");
      }
      dests.emplace_back(d.number(), d.weight() == 0 ? 1.0 : d.weight());
    }
    if (dests.empty() && !by_demand) dests.emplace_back("*", 1.0);
    for (const auto& [number, weight] : dests) {
      auto [it, added] = destination_index_.emplace(number, study_.scenario.destinations.size());
      if (added) study_.scenario.destinations.push_back(number);
      p.destinations.push_back(it->second);
      p.weights.push_back(weight);
    }
    if (t.has_fraud()) {
      if (Error e = FraudMix(t.fraud(), at.Child(t, "fraud"), p)) return e;
    }
    if (Error e = TrafficShape(t, at, by_demand, p)) return e;
    study_.scenario.traffic.push_back(std::move(p));
  }
  return Demand(demand_rows);
}

Builder::Error Builder::Experiment() {
  const pb::Experiment& x = sim_.experiment();
  const FieldPath at = root_.Child(sim_, "experiment");
  ExperimentParams& out = study_.experiment;
  if (!std::isfinite(x.duration_s()) || x.duration_s() <= 0 || x.duration_s() > kMaxSeconds) {
    return at.Child(x, "duration_s")
        .Error("must be > 0 and <= " + Num(kMaxSeconds) + " seconds (got " + Num(x.duration_s()) +
               ")");
  }
  if (!std::isfinite(x.warmup_s()) || x.warmup_s() < 0 || x.warmup_s() >= x.duration_s()) {
    return at.Child(x, "warmup_s")
        .Error("must be >= 0 and < duration_s (got " + Num(x.warmup_s()) + ")");
  }
  if (x.replications() < 0 || x.replications() > kMaxReplications) {
    return at.Child(x, "replications")
        .Error("must be in 1.." + std::to_string(kMaxReplications) + " (0 = 1; got " +
               std::to_string(x.replications()) + ")");
  }
  const double scale = x.has_load_scale() ? x.load_scale() : 1.0;
  if (!std::isfinite(scale) || scale <= 0 || scale > 1e6) {
    return at.Child(x, "load_scale").Error("must be > 0 and <= 1e6 (got " + Num(scale) + ")");
  }
  double calls = 0;
  for (auto& t : study_.scenario.traffic) {
    t.calls_per_second *= scale;
    const traffic::RateFunction rate(t.calls_per_second, t.profile, t.flash_crowds);
    if (rate.PeakBound() > kMaxCallsPerSecond) {
      return at.Child(x, "load_scale")
          .Error("makes traffic \"" + t.name + "\" offer up to " + Num(rate.PeakBound()) +
                 " calls per second; the limit is " + Num(kMaxCallsPerSecond));
    }
    // Every first attempt may be redialled max_redials times: count the bound.
    const double attempts = t.redial ? 1.0 + t.redial->max_redials : 1.0;
    calls += rate.Intensity(0, x.duration_s()) * attempts;
  }
  if (calls > kMaxCallsPerRun) {
    return at.Child(x, "duration_s")
        .Error("offers " + Num(calls) + " calls per run; the limit is " + Num(kMaxCallsPerRun));
  }
  out.duration_s = x.duration_s();
  out.warmup_s = x.warmup_s();
  out.replications = x.replications() == 0 ? 1 : x.replications();
  out.seed = x.seed();
  return std::nullopt;
}

}  // namespace loader_internal

using loader_internal::Builder;
using loader_internal::kMaxReplications;
using loader_internal::SetField;

namespace loader_internal {

std::optional<LoadError> Parse(std::string_view content, const std::string& display_name,
                               pb::Simulation& sim, FieldPath::Tree& tree, bool& text) {
  text = LooksLikeText(content);
  if (text) {
    google::protobuf::TextFormat::Parser parser;
    FirstSyntaxError errors;
    parser.RecordErrorsTo(&errors);
    parser.WriteLocationsTo(&tree);
    if (!parser.ParseFromString(std::string(content), &sim)) {
      return LoadError{display_name, errors.line, "", errors.found ? errors.text : "cannot parse"};
    }
  } else if (!sim.ParseFromArray(content.data(), static_cast<int>(content.size()))) {
    return LoadError{display_name, 0, "", "neither protobuf text format nor a binary Simulation"};
  }
  return std::nullopt;
}

std::optional<LoadError> ApplyOverrides(const Overrides& overrides, const std::string& display_name,
                                        pb::Simulation& sim) {
  // An override is checked here, without the file's line: 0 would otherwise pass
  // as the file's "0 = 1", and the file's line would point at the value it replaced.
  if (overrides.replications &&
      (*overrides.replications < 1 || *overrides.replications > kMaxReplications)) {
    return LoadError{display_name, 0, "experiment.replications",
                     "the command-line value must be in 1.." + std::to_string(kMaxReplications) +
                         " (got " + std::to_string(*overrides.replications) + ")"};
  }
  if (overrides.seed) sim.mutable_experiment()->set_seed(*overrides.seed);
  if (overrides.replications) sim.mutable_experiment()->set_replications(*overrides.replications);
  if (!overrides.policies.empty()) {
    sim.mutable_experiment()->clear_policies();
    for (const std::string& p : overrides.policies) sim.mutable_experiment()->add_policies(p);
  }
  for (const auto& [path, value] : overrides.sets) {
    if (std::string err = SetField(sim, path, value); !err.empty()) {
      return LoadError{"--set", 0, path, err};
    }
  }
  return std::nullopt;
}

}  // namespace loader_internal

Loaded<Study> LoadStudy(std::string_view content, const std::string& display_name,
                        const Overrides& overrides) {
  pb::Simulation sim;
  FieldPath::Tree tree;
  bool text = false;
  if (auto e = loader_internal::Parse(content, display_name, sim, tree, text)) return *e;
  if (auto e = loader_internal::ApplyOverrides(overrides, display_name, sim)) return *e;
  return Builder(sim, FieldPath(display_name, text ? &tree : nullptr)).Build();
}

Loaded<std::string> ReadInputFile(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return LoadError{file, 0, "", "cannot open the file"};
  std::ostringstream content;
  content << in.rdbuf();
  if (in.bad()) return LoadError{file, 0, "", "cannot read the file"};
  std::string s = content.str();
  if (s.size() > (size_t{256} << 20)) return LoadError{file, 0, "", "larger than 256 MiB"};
  return s;
}

Loaded<Study> LoadStudyFile(const std::string& file, const Overrides& overrides) {
  Loaded<std::string> content = ReadInputFile(file);
  if (!content.ok()) return content.error();
  return LoadStudy(content.value(), file, overrides);
}

}  // namespace crankback::topologies
