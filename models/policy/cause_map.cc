#include "models/policy/cause_map.h"

namespace crankback::policy {

const char* ActionName(Action a) {
  switch (a) {
    case Action::kAdvance:
      return "advance";
    case Action::kStop:
      return "stop";
    case Action::kRedirect:
      return "redirect";
    case Action::kTranslate:
      return "translate";
    case Action::kAddReason:
      return "add_reason";
  }
  return "?";
}

const char* SourceName(Decision::Source s) {
  switch (s) {
    case Decision::Source::kRoute:
      return "route";
    case Decision::Source::kNap:
      return "nap";
    case Decision::Source::kGlobal:
      return "global";
    case Decision::Source::kFallback:
      return "fallback";
  }
  return "?";
}

namespace {

int FirstMatch(const std::vector<CauseRule>& rules, int code, int reason_q850) {
  for (size_t i = 0; i < rules.size(); ++i) {
    if (rules[i].Matches(code, reason_q850)) return static_cast<int>(i);
  }
  return -1;
}

const std::vector<CauseRule>* RouteScope(const CauseMap& m, const Attempt& at) {
  for (const RouteRules& r : m.routes) {
    if (r.sbc == at.sbc && r.in_nap == at.in_nap && r.route == at.route) return &r.rules;
  }
  return nullptr;
}

const std::vector<CauseRule>* NapScope(const CauseMap& m, const Attempt& at) {
  for (const NapRules& n : m.naps) {
    if (n.sbc == at.sbc && n.nap == at.nap) return &n.rules;
  }
  return nullptr;
}

const std::vector<CauseRule>* Scope(const CauseMap& m, const Attempt& at, Decision::Source s) {
  switch (s) {
    case Decision::Source::kRoute:
      return RouteScope(m, at);
    case Decision::Source::kNap:
      return NapScope(m, at);
    case Decision::Source::kGlobal:
      return &m.rules;
    case Decision::Source::kFallback:
      return nullptr;
  }
  return nullptr;
}

Decision Fired(const CauseRule& r, Decision::Source source, int index) {
  Decision d{r.action, source, static_cast<int16_t>(index)};
  if (r.action == Action::kTranslate) d.code = static_cast<int16_t>(r.translate_to);
  if (r.action == Action::kTranslate || r.action == Action::kAddReason) {
    d.q850_cause = static_cast<int16_t>(r.q850_cause);
  }
  return d;
}

}  // namespace

Decision CauseMap::Decide(const Attempt& at, int code, int reason_q850) const {
  for (Decision::Source s :
       {Decision::Source::kRoute, Decision::Source::kNap, Decision::Source::kGlobal}) {
    const std::vector<CauseRule>* scope = Scope(*this, at, s);
    if (scope == nullptr) continue;
    if (const int i = FirstMatch(*scope, code, reason_q850); i >= 0) {
      return Fired((*scope)[i], s, i);
    }
  }
  return {fallback, Decision::Source::kFallback, -1};
}

const CauseRule* CauseMap::RuleOf(const Attempt& at, const Decision& d) const {
  const std::vector<CauseRule>* scope = Scope(*this, at, d.source);
  if (scope == nullptr || d.rule < 0 || static_cast<size_t>(d.rule) >= scope->size()) {
    return nullptr;
  }
  return &(*scope)[d.rule];
}

// ------------------------------------------------------------------ presets ----

namespace {

CauseMap Preset(std::string name, std::vector<CauseRule> rules, Action fallback) {
  CauseMap m;
  m.name = std::move(name);
  m.rules = std::move(rules);
  m.fallback = fallback;
  return m;
}

}  // namespace

std::vector<CauseMap> PresetPolicies() {
  using A = Action;
  return {
      // ProSBC's default Reason Cause Mapping: 5xx continues the call on the next
      // route, 4xx stops it (404 included, "commonly overridden" for fraud
      // scorers), and 603 continues ("ProSBC's default of 'continue call' on
      // 603"). 3xx and the other 6xx stop. Source: the response-codes guide,
      // sections 4xx (404), 6xx (603) and "How an SBC normalizes response codes".
      Preset("prosbc-default",
             {CauseRule::Class(5, A::kAdvance), CauseRule::Code(603, A::kAdvance)}, A::kStop),
      // ProSBC deployed in front of a fraud scorer, as the guide configures it:
      // the scorer's 404 ("no fraud detected") continues, its 603 ("block")
      // stops dead, and its 302 is processed (the SBC follows the Contact);
      // otherwise the ProSBC defaults. The codes are ClearIP's
      // (docs.clearip.com, "Call Flow Diagrams" and "General Setup").
      Preset("fraud-integrated",
             {CauseRule::Code(404, A::kAdvance), CauseRule::Code(603, A::kStop),
              CauseRule::Code(302, A::kRedirect), CauseRule::Class(5, A::kAdvance)},
             A::kStop),
      // Kamailio's dispatcher README failure_route: t_check_status("408|5[0-9][0-9]")
      // -> ds_next_dst() (sip-semantics D5; carrierroute's example is the same).
      Preset("kamailio-dispatcher",
             {CauseRule::Code(408, A::kAdvance), CauseRule::Class(5, A::kAdvance)}, A::kStop),
      // FreeSWITCH bridge without continue_on_fail: a failed bridge ends the
      // call whatever the cause (switch_ivr_originate.c; sip-semantics D5). Its
      // dialplan still runs the next action after NO_ANSWER, NO_USER_RESPONSE
      // and ORIGINATOR_CANCEL; this preset models a single bridge per call.
      Preset("freeswitch-default", {}, A::kStop),
      // Route advance on any failure: FreeSWITCH sequential dial strings (a|b|c)
      // or continue_on_fail=true, as mod_lcr sets it (sip-semantics D5).
      Preset("advance-on-everything", {}, A::kAdvance),
  };
}

std::optional<CauseMap> FindPresetPolicy(std::string_view name) {
  for (CauseMap& m : PresetPolicies()) {
    if (m.name == name) return std::move(m);
  }
  return std::nullopt;
}

}  // namespace crankback::policy
