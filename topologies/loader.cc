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

#include "models/policy/dialect.h"
#include "models/policy/q850.h"
#include "topologies/distribution_param.h"
#include "topologies/field_path.h"
#include "topologies/simrun.pb.h"
#include "topologies/stack_param.h"

namespace crankback::topologies {

namespace {

using google::protobuf::Message;

constexpr int64_t kMaxSessions = 10'000'000;
constexpr double kMaxCallsPerSecond = 1e6;
constexpr double kMaxSeconds = 1e8;
constexpr double kMaxCallsPerRun = 2e9;
constexpr int kMaxReplications = 1'000'000;
constexpr size_t kMaxRoutes = 255;

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

std::string Num(double v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

// A node's outage windows: each starts at >= 0 s and lasts > 0 s, and one
// node's windows do not overlap (they are half-open: one may start as another ends).
std::optional<LoadError> Outages(const pb::Node& n, const FieldPath& at,
                                 std::vector<sip::Outage>& out) {
  std::vector<int> by_start;
  for (int k = 0; k < n.outages_size(); ++k) {
    const pb::Outage& o = n.outages(k);
    const FieldPath oa = at.Child(n, "outages", k);
    if (!std::isfinite(o.start_s()) || o.start_s() < 0 || o.start_s() > kMaxSeconds) {
      return oa.Child(o, "start_s")
          .Error("must be >= 0 and <= " + Num(kMaxSeconds) + " seconds (got " + Num(o.start_s()) +
                 ")");
    }
    if (!std::isfinite(o.duration_s()) || o.duration_s() > kMaxSeconds ||
        sim::SecondsToDuration(std::max(o.duration_s(), 0.0)) <= sim::Duration()) {
      return oa.Child(o, "duration_s")
          .Error("must be > 0 and <= " + Num(kMaxSeconds) + " seconds (got " + Num(o.duration_s()) +
                 ")");
    }
    if (!pb::OutageMode_IsValid(o.tcp_mode())) {
      return oa.Child(o, "tcp_mode").Error("unknown outage mode " + std::to_string(o.tcp_mode()));
    }
    sip::Outage w;
    w.start = sim::SimTime::Zero() + sim::SecondsToDuration(o.start_s());
    w.duration = sim::SecondsToDuration(o.duration_s());
    w.tcp_mode =
        o.tcp_mode() == pb::BLACKHOLE ? sip::OutageMode::kBlackhole : sip::OutageMode::kRefuse;
    w.udp_icmp_unreachable = o.udp_icmp_unreachable();
    out.push_back(w);
    by_start.push_back(k);
  }
  std::stable_sort(by_start.begin(), by_start.end(),
                   [&](int a, int b) { return out[a].start < out[b].start; });
  for (size_t i = 1; i < by_start.size(); ++i) {
    const sip::Outage& earlier = out[by_start[i - 1]];
    if (out[by_start[i]].start < earlier.end()) {
      return at.Child(n, "outages", by_start[i])
          .Error("overlaps outages[" + std::to_string(by_start[i - 1]) + "] (" +
                 Num(sim::ToSeconds(earlier.start)) + " to " + Num(sim::ToSeconds(earlier.end())) +
                 " s)");
    }
  }
  return std::nullopt;
}

// Validation and conversion, one function per message; each returns the first error.
class Builder {
 public:
  Builder(const pb::Simulation& sim, FieldPath root) : sim_(sim), root_(std::move(root)) {}

  Loaded<Study> Build();

 private:
  using Error = std::optional<LoadError>;

  Error Nodes();
  Error Links();
  Error Dialects();
  Error Sbc(uint32_t node, const pb::Sbc& sbc, const FieldPath& at);
  Error Carrier(uint32_t node, const pb::Carrier& c, const FieldPath& at,
                nodes::CarrierParams& out);
  Error Traffic();
  Error Policies();
  Error Experiment();
  Error ResolveDialect(const std::string& name, const FieldPath& at, uint32_t& out);
  Error NodeRef(const std::string& name, const FieldPath& at, uint32_t& out) const;
  Error Sessions(int64_t v, const FieldPath& at, uint32_t& out) const;
  Error Rule(const pb::CauseRule& r, const FieldPath& at, policy::CauseRule& out) const;
  Error Rules(const google::protobuf::RepeatedPtrField<pb::CauseRule>& rules, const Message& parent,
              const FieldPath& at, std::vector<policy::CauseRule>& out) const;
  Error ScopedNaps(const std::string& sbc, const std::string& nap, const FieldPath& sbc_at,
                   const FieldPath& nap_at, std::vector<std::pair<uint32_t, uint32_t>>& out) const;
  bool Linked(uint32_t a, uint32_t b) const {
    return links_.count({std::min(a, b), std::max(a, b)}) != 0;
  }

  const pb::Simulation& sim_;
  FieldPath root_;
  Study study_;
  std::map<std::string, uint32_t> node_index_;
  std::set<std::pair<uint32_t, uint32_t>> links_;
  std::map<std::string, uint32_t> dialect_index_;
  std::map<std::string, uint32_t> destination_index_;
  std::vector<std::vector<std::string>> carrier_prefixes_;  // per node
};

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
    }
  }
  for (Error e : {Traffic(), Policies(), Experiment()}) {
    if (e) return *e;
  }
  // Destinations are known once all traffic is read: which numbers each carrier serves.
  for (auto& n : study_.scenario.nodes) {
    auto* c = std::get_if<nodes::CarrierParams>(&n.kind);
    if (c == nullptr) continue;
    const auto& prefixes = carrier_prefixes_[&n - study_.scenario.nodes.data()];
    if (prefixes.empty()) continue;
    for (const std::string& number : study_.scenario.destinations) {
      bool served = false;
      for (const std::string& p : prefixes) served = served || number.rfind(p, 0) == 0 || p == "*";
      c->serves.push_back(served);
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
      return at.Error("a node needs a kind: user_agent, sbc or carrier");
    }
    models::NodeParams params{n.name(), models::UserAgentParams{}, {}};
    if (auto e = ToTimerProfile(n.stack(), at.Child(n, "stack"), params.timers)) return e;
    if (auto e = Outages(n, at, params.outages)) return e;
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

// The names of built-in presets, for "unknown preset" errors.
template <typename T>
std::string PresetNames(const std::vector<T>& presets) {
  std::string names;
  for (const T& p : presets) names += (names.empty() ? "" : ", ") + p.name;
  return names;
}

bool IsQ850Cause(int v) { return v >= policy::kMinQ850Cause && v <= policy::kMaxQ850Cause; }

std::string ConditionNames() {
  std::string names;
  for (int v = pb::Condition_MIN + 1; v <= pb::Condition_MAX; ++v) {
    if (pb::Condition_IsValid(v)) names += (names.empty() ? "" : ", ") + pb::Condition_Name(v);
  }
  return names;
}

// pb::Condition value v is policy::Condition v - 1.
static_assert(pb::Condition_ARRAYSIZE == policy::kConditionCount + 1);

Builder::Error Builder::Dialects() {
  for (policy::Dialect& d : policy::PresetDialects()) {
    dialect_index_[d.name] = static_cast<uint32_t>(study_.scenario.dialects.size());
    study_.scenario.dialects.push_back(std::move(d));
  }
  for (int i = 0; i < sim_.dialects_size(); ++i) {
    const pb::Dialect& d = sim_.dialects(i);
    const FieldPath at = root_.Child(sim_, "dialects", i, d.name());
    if (d.name().empty()) return at.Child(d, "name").Error("a dialect needs a name");
    if (dialect_index_.count(d.name())) {
      return at.Child(d, "name").Error("dialect \"" + d.name() + "\" is already defined");
    }
    policy::Dialect out;
    if (!d.preset().empty()) {
      std::optional<policy::Dialect> preset = policy::FindPresetDialect(d.preset());
      if (!preset) {
        return at.Child(d, "preset")
            .Error("unknown dialect preset \"" + d.preset() + "\" (one of " +
                   PresetNames(policy::PresetDialects()) + ")");
      }
      out = std::move(*preset);
    }
    out.name = d.name();
    const auto code_ok = [](int c) { return c >= 300 && c <= 699; };
    if (d.preset().empty() || d.fallback_code() != 0) {
      if (!code_ok(d.fallback_code())) {
        return at.Child(d, "fallback_code")
            .Error("must be a failure code in 300..699 (got " + std::to_string(d.fallback_code()) +
                   ")");
      }
      out.fallback = {d.fallback_code(), 0, 0};
    }
    for (int j = 0; j < d.entries_size(); ++j) {
      const pb::DialectEntry& e = d.entries(j);
      const FieldPath ea = at.Child(d, "entries", j);
      if (e.condition() <= pb::CONDITION_UNSPECIFIED || !pb::Condition_IsValid(e.condition())) {
        return ea.Child(e, "condition").Error("needs a condition (" + ConditionNames() + ")");
      }
      if (!code_ok(e.code())) {
        return ea.Child(e, "code").Error("must be a failure code in 300..699 (got " +
                                         std::to_string(e.code()) + ")");
      }
      if (e.retry_after_s() < 0 || e.retry_after_s() > 86400) {
        return ea.Child(e, "retry_after_s")
            .Error("must be in 0..86400 (got " + std::to_string(e.retry_after_s()) + ")");
      }
      if (e.q850_cause() != 0 && !IsQ850Cause(e.q850_cause())) {
        return ea.Child(e, "q850_cause")
            .Error("must be a Q.850 cause in 1..127 (0 = no Reason header; got " +
                   std::to_string(e.q850_cause()) + ")");
      }
      out.entries[e.condition() - 1] =
          policy::Rejection{e.code(), e.retry_after_s(), e.q850_cause()};
    }
    dialect_index_[d.name()] = static_cast<uint32_t>(study_.scenario.dialects.size());
    study_.scenario.dialects.push_back(std::move(out));
  }
  return std::nullopt;
}

Builder::Error Builder::ResolveDialect(const std::string& name, const FieldPath& at,
                                       uint32_t& out) {
  auto it = dialect_index_.find(name.empty() ? "rfc3398" : name);
  if (it == dialect_index_.end()) return at.Error("unknown dialect \"" + name + "\"");
  out = it->second;
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
      const FieldPath ra = na.Child(nap, "routes", k).Child(nap.routes(k), "nap");
      auto it = nap_index.find(nap.routes(k).nap());
      if (it == nap_index.end())
        return ra.Error("unknown NAP \"" + nap.routes(k).nap() + "\" in this SBC");
      if (it->second == static_cast<uint32_t>(j))
        return ra.Error("a route leads to another NAP than its own");
      p.routes.push_back(it->second);
    }
    out.naps.push_back(std::move(p));
  }
  study_.scenario.nodes[node].kind = std::move(out);
  return std::nullopt;
}

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

Builder::Error Builder::Traffic() {
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
    } else if (!sim_.nodes(p.via).has_carrier()) {
      return at.Child(t, "via").Error("\"" + t.via() + "\" is neither an sbc nor a carrier");
    }
    const double rate = t.calls_per_second();
    if (!std::isfinite(rate) || rate <= 0 || rate > kMaxCallsPerSecond) {
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
    if (dests.empty()) dests.emplace_back("*", 1.0);
    for (const auto& [number, weight] : dests) {
      auto [it, added] = destination_index_.emplace(number, study_.scenario.destinations.size());
      if (added) study_.scenario.destinations.push_back(number);
      p.destinations.push_back(it->second);
      p.weights.push_back(weight);
    }
    study_.scenario.traffic.push_back(std::move(p));
  }
  return std::nullopt;
}

Builder::Error Builder::Rule(const pb::CauseRule& r, const FieldPath& at,
                             policy::CauseRule& out) const {
  const auto code_ok = [](int c) { return c >= 100 && c <= 699; };
  switch (r.match_case()) {
    case pb::CauseRule::kCode:
      if (!code_ok(r.code())) {
        return at.Child(r, "code").Error("must be a SIP code in 100..699 (got " +
                                         std::to_string(r.code()) + ")");
      }
      out = policy::CauseRule::Code(r.code(), out.action);
      break;
    case pb::CauseRule::kCodeClass:
      if (r.code_class() < 1 || r.code_class() > 6) {
        return at.Child(r, "code_class")
            .Error("must be a class 1..6 (got " + std::to_string(r.code_class()) + ")");
      }
      out = policy::CauseRule::Class(r.code_class(), out.action);
      break;
    case pb::CauseRule::kRange:
      if (!code_ok(r.range().low()) || !code_ok(r.range().high()) ||
          r.range().low() > r.range().high()) {
        return at.Child(r, "range")
            .Error("must be low <= high, both in 100..699 (got " + std::to_string(r.range().low()) +
                   ".." + std::to_string(r.range().high()) + ")");
      }
      out = policy::CauseRule::Range(r.range().low(), r.range().high(), out.action);
      break;
    case pb::CauseRule::kQ850:
      if (!IsQ850Cause(r.q850())) {
        return at.Child(r, "q850").Error("must be a Q.850 cause in 1..127 (got " +
                                         std::to_string(r.q850()) + ")");
      }
      out = policy::CauseRule::Q850(r.q850(), out.action);
      break;
    case pb::CauseRule::MATCH_NOT_SET:
      return at.Error("a rule needs a match: code, code_class, range or q850");
  }
  switch (r.action()) {
    case pb::ADVANCE:
      out.action = policy::Action::kAdvance;
      break;
    case pb::STOP:
      out.action = policy::Action::kStop;
      break;
    case pb::REDIRECT:
      out.action = policy::Action::kRedirect;
      break;
    case pb::TRANSLATE:
      out.action = policy::Action::kTranslate;
      break;
    case pb::ADD_REASON:
      out.action = policy::Action::kAddReason;
      break;
    default:
      return at.Child(r, "action")
          .Error("needs an action: ADVANCE, STOP, REDIRECT, TRANSLATE or ADD_REASON");
  }
  const bool translate = out.action == policy::Action::kTranslate;
  const bool add_reason = out.action == policy::Action::kAddReason;
  if (translate && (r.translate_to() < 300 || r.translate_to() > 699)) {
    return at.Child(r, "translate_to")
        .Error("TRANSLATE needs a code in 300..699 (got " + std::to_string(r.translate_to()) + ")");
  }
  if (!translate && r.translate_to() != 0) {
    return at.Child(r, "translate_to").Error("only a TRANSLATE rule takes translate_to");
  }
  if ((add_reason || (translate && r.reason_q850() != 0)) && !IsQ850Cause(r.reason_q850())) {
    return at.Child(r, "reason_q850")
        .Error("must be a Q.850 cause in 1..127 (got " + std::to_string(r.reason_q850()) + ")");
  }
  if (!translate && !add_reason && r.reason_q850() != 0) {
    return at.Child(r, "reason_q850").Error("only TRANSLATE and ADD_REASON rules take reason_q850");
  }
  if (out.action == policy::Action::kRedirect &&
      (out.match == policy::MatchKind::kQ850 || out.low < 300 || out.high > 399)) {
    return at.Child(r, "action")
        .Error("REDIRECT needs a match within 300..399: only a 3xx carries a Contact");
  }
  out.translate_to = r.translate_to();
  out.q850_cause = r.reason_q850();
  return std::nullopt;
}

Builder::Error Builder::Rules(const google::protobuf::RepeatedPtrField<pb::CauseRule>& rules,
                              const Message& parent, const FieldPath& at,
                              std::vector<policy::CauseRule>& out) const {
  for (int k = 0; k < rules.size(); ++k) {
    policy::CauseRule rule;
    if (Error e = Rule(rules[k], at.Child(parent, "rules", k), rule)) return e;
    out.push_back(rule);
  }
  return std::nullopt;
}

// The (SBC node, NAP index) pairs a scope names: NAP `nap` of SBC `sbc`, or of
// every SBC when `sbc` is empty.
Builder::Error Builder::ScopedNaps(const std::string& sbc, const std::string& nap,
                                   const FieldPath& sbc_at, const FieldPath& nap_at,
                                   std::vector<std::pair<uint32_t, uint32_t>>& out) const {
  uint32_t only = 0;
  if (!sbc.empty()) {
    if (Error e = NodeRef(sbc, sbc_at, only)) return e;
    if (!sim_.nodes(only).has_sbc()) return sbc_at.Error("\"" + sbc + "\" is not an sbc node");
  }
  for (uint32_t n = 0; n < study_.scenario.nodes.size(); ++n) {
    const auto* params = std::get_if<nodes::SbcParams>(&study_.scenario.nodes[n].kind);
    if (params == nullptr || (!sbc.empty() && n != only)) continue;
    for (uint32_t j = 0; j < params->naps.size(); ++j) {
      if (params->naps[j].name == nap) out.emplace_back(n, j);
    }
  }
  if (!out.empty()) return std::nullopt;
  if (sbc.empty()) return nap_at.Error("no SBC has a NAP (trunk group) named \"" + nap + "\"");
  return nap_at.Error("SBC \"" + sbc + "\" has no NAP (trunk group) named \"" + nap + "\"");
}

// Adds `add` to the entry for the same scope, so each scope has one rule list
// and a decision's rule index is unambiguous.
bool SameScope(const policy::NapRules& a, const policy::NapRules& b) {
  return a.sbc == b.sbc && a.nap == b.nap;
}
bool SameScope(const policy::RouteRules& a, const policy::RouteRules& b) {
  return a.sbc == b.sbc && a.in_nap == b.in_nap && a.route == b.route;
}
template <typename Scope>
void AddScope(std::vector<Scope>& scopes, Scope add) {
  for (Scope& s : scopes) {
    if (!SameScope(s, add)) continue;
    s.rules.insert(s.rules.end(), add.rules.begin(), add.rules.end());
    return;
  }
  scopes.push_back(std::move(add));
}

Builder::Error Builder::Policies() {
  std::map<std::string, size_t> by_name;
  std::vector<policy::CauseMap> all;
  for (int i = 0; i < sim_.policies_size(); ++i) {
    const pb::Policy& p = sim_.policies(i);
    const FieldPath at = root_.Child(sim_, "policies", i, p.name());
    if (p.name().empty()) return at.Child(p, "name").Error("a policy needs a name");
    if (!by_name.emplace(p.name(), i).second) {
      return at.Child(p, "name").Error("duplicate policy name \"" + p.name() + "\"");
    }
    policy::CauseMap map;
    if (!p.preset().empty()) {
      std::optional<policy::CauseMap> preset = policy::FindPresetPolicy(p.preset());
      if (!preset) {
        return at.Child(p, "preset")
            .Error("unknown policy preset \"" + p.preset() + "\" (one of " +
                   PresetNames(policy::PresetPolicies()) + ")");
      }
      map = std::move(*preset);
    }
    map.name = p.name();
    if (p.fallback() == pb::ADVANCE || p.fallback() == pb::STOP) {
      map.fallback = p.fallback() == pb::ADVANCE ? policy::Action::kAdvance : policy::Action::kStop;
    } else if (p.fallback() != pb::ACTION_UNSPECIFIED && pb::Action_IsValid(p.fallback())) {
      return at.Child(p, "fallback")
          .Error("must be ADVANCE or STOP (got " + pb::Action_Name(p.fallback()) + ")");
    } else if (p.preset().empty() || p.fallback() != pb::ACTION_UNSPECIFIED) {
      return at.Child(p, "fallback").Error("a policy needs an explicit fallback: ADVANCE or STOP");
    }
    std::vector<policy::CauseRule> rules;  // the file's go before the preset's
    if (Error e = Rules(p.rules(), p, at, rules)) return e;
    map.rules.insert(map.rules.begin(), rules.begin(), rules.end());
    for (int k = 0; k < p.naps_size(); ++k) {
      const pb::NapRules& nr = p.naps(k);
      const FieldPath na = at.Child(p, "naps", k, nr.nap());
      std::vector<std::pair<uint32_t, uint32_t>> naps;
      if (Error e = ScopedNaps(nr.sbc(), nr.nap(), na.Child(nr, "sbc"), na.Child(nr, "nap"), naps))
        return e;
      std::vector<policy::CauseRule> nap_rules;
      if (Error e = Rules(nr.rules(), nr, na, nap_rules)) return e;
      for (const auto& [n, j] : naps) AddScope(map.naps, policy::NapRules{n, j, nap_rules});
    }
    for (int k = 0; k < p.routes_size(); ++k) {
      const pb::RouteRules& rr = p.routes(k);
      const FieldPath ra = at.Child(p, "routes", k);
      std::vector<std::pair<uint32_t, uint32_t>> naps;
      if (Error e = ScopedNaps(rr.sbc(), rr.nap(), ra.Child(rr, "sbc"), ra.Child(rr, "nap"), naps))
        return e;
      for (const auto& [n, j] : naps) {
        const auto& routes =
            std::get<nodes::SbcParams>(study_.scenario.nodes[n].kind).naps[j].routes;
        if (rr.route() < 0 || static_cast<size_t>(rr.route()) >= routes.size()) {
          return ra.Child(rr, "route")
              .Error("must index the routes of NAP \"" + rr.nap() + "\" of \"" +
                     sim_.nodes(n).name() + "\" (" +
                     (routes.empty() ? "it has none" : "0.." + std::to_string(routes.size() - 1)) +
                     "; got " + std::to_string(rr.route()) + ")");
        }
      }
      std::vector<policy::CauseRule> route_rules;
      if (Error e = Rules(rr.rules(), rr, ra, route_rules)) return e;
      for (const auto& [n, j] : naps) {
        AddScope(map.routes,
                 policy::RouteRules{n, j, static_cast<uint32_t>(rr.route()), route_rules});
      }
    }
    all.push_back(std::move(map));
  }
  const pb::Experiment& x = sim_.experiment();
  const FieldPath xa = root_.Child(sim_, "experiment");
  if (x.policies().empty()) {
    if (all.empty())
      return root_.Child(sim_, "policies").Error("the topology defines no policy to run");
    study_.policies = std::move(all);
    return std::nullopt;
  }
  std::set<std::string> chosen;
  for (int k = 0; k < x.policies_size(); ++k) {
    const FieldPath pa = xa.Child(x, "policies", k);
    auto it = by_name.find(x.policies(k));
    if (it == by_name.end()) return pa.Error("unknown policy \"" + x.policies(k) + "\"");
    if (!chosen.insert(x.policies(k)).second)
      return pa.Error("policy \"" + x.policies(k) + "\" is listed twice");
    study_.policies.push_back(all[it->second]);
  }
  return std::nullopt;
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
  double calls = 0;
  for (const auto& t : study_.scenario.traffic) calls += t.calls_per_second * x.duration_s();
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

}  // namespace

Loaded<Study> LoadStudy(std::string_view content, const std::string& display_name,
                        const Overrides& overrides) {
  pb::Simulation sim;
  FieldPath::Tree tree;
  const bool text = LooksLikeText(content);
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
  return Builder(sim, FieldPath(display_name, text ? &tree : nullptr)).Build();
}

Loaded<Study> LoadStudyFile(const std::string& file, const Overrides& overrides) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return LoadError{file, 0, "", "cannot open the file"};
  std::ostringstream content;
  content << in.rdbuf();
  if (in.bad()) return LoadError{file, 0, "", "cannot read the file"};
  const std::string s = content.str();
  if (s.size() > (size_t{256} << 20)) return LoadError{file, 0, "", "larger than 256 MiB"};
  return LoadStudy(s, file, overrides);
}

}  // namespace crankback::topologies
