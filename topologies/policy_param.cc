// The dialects and cause-mapping policies of a topology file: presets, rules,
// their scopes (route, NAP, global) and the experiment's choice of policies.
#include <algorithm>

#include "models/policy/dialect.h"
#include "models/policy/q850.h"
#include "topologies/builder.h"

namespace crankback::topologies::loader_internal {

namespace {

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

}  // namespace

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

}  // namespace crankback::topologies::loader_internal
