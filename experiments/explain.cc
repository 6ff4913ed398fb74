#include "experiments/explain.h"

#include <algorithm>
#include <cstdio>

#include "models/sip/sip_text.h"

namespace crankback::experiments {

namespace {

std::string Seconds(sim::SimTime t) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6f", static_cast<double>(t.nanos()) / 1e9);
  return buf;
}

std::string Pad(std::string s, size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s;
}

const std::string& Name(const models::ScenarioParams& scenario, uint32_t node) {
  static const std::string kUnknown = "?";
  return node < scenario.nodes.size() ? scenario.nodes[node].name : kUnknown;
}

std::string NapName(const models::ScenarioParams& scenario, uint32_t sbc, uint32_t nap) {
  if (sbc >= scenario.nodes.size()) return "?";
  const auto* p = std::get_if<nodes::SbcParams>(&scenario.nodes[sbc].kind);
  return p != nullptr && nap < p->naps.size() ? p->naps[nap].name : "?";
}

std::string MessageText(const sip::Message& m) {
  std::string s = m.is_request() ? sip::MethodName(m.method)
                                 : std::to_string(m.status) + " " + sip::ReasonPhrase(m.status);
  if (!m.is_request() && m.method != sip::Method::kInvite)
    s += std::string(" (") + sip::MethodName(m.method) + ")";
  if (m.method == sip::Method::kInvite && m.is_request() && m.in_dialog) s = "re-INVITE";
  if (m.retry_after_s != 0) s += "  Retry-After: " + std::to_string(m.retry_after_s);
  if (m.reason_q850 != 0) s += "  Reason: Q.850;cause=" + std::to_string(m.reason_q850);
  if (m.contact >= 0 && m.status >= 300 && m.status < 400)
    s += "  Contact: node " + std::to_string(m.contact);
  if (m.rseq != 0) s += "  RSeq: " + std::to_string(m.rseq);
  if (m.truth.cause != sip::Cause::kNone && m.status >= 300)
    s += "  [true cause: " + std::string(sip::CauseName(m.truth.cause)) + "]";
  return s;
}

std::string ActionText(const policy::Decision& d) {
  std::string s = policy::ActionName(d.action);
  if (d.action == policy::Action::kTranslate) s += " to " + std::to_string(d.code);
  if (d.q850_cause != 0) s += " with Reason: Q.850;cause=" + std::to_string(d.q850_cause);
  return s;
}

std::string RuleText(const policy::CauseMap& policy, const metrics::RouteStep& s) {
  const policy::Attempt at{s.sbc, s.in_nap, static_cast<uint32_t>(std::max(s.route, 0)), s.nap};
  const policy::CauseRule* rule = policy.RuleOf(at, s.decision);
  if (rule == nullptr) return "the policy's fallback";
  return std::string(policy::SourceName(s.decision.source)) + " rule " +
         std::to_string(s.decision.rule) + " (" + DescribeMatch(*rule) + ")";
}

std::string DecisionText(const models::ScenarioParams& scenario, const policy::CauseMap& policy,
                         const metrics::RouteStep& s) {
  using Event = metrics::RouteStep::Event;
  std::string route = s.route >= 0 ? "route " + std::to_string(s.route) + " " : "";
  route += "(NAP " + NapName(scenario, s.sbc, s.nap) + ")";
  const std::string who = Name(scenario, s.sbc) + " decides: ";
  switch (s.event) {
    case Event::kFailure:
      return who + route + " answered " + std::to_string(s.code) + " -> " + ActionText(s.decision) +
             ", by " + RuleText(policy, s) + " of policy \"" + policy.name + "\"";
    case Event::kCapacitySkip:
      return who + route + " skipped: the NAP is at its session cap";
    case Event::kCpsSkip:
      return who + route + " skipped: the NAP is at its CPS cap";
    case Event::kReservationSkip:
      return who + route + " skipped: an overflow call and the NAP's trunk reservation";
    case Event::kRetryTimeout:
      return who + route + " reached no minimum call state before its route-retry timeout -> " +
             "cancel it, next route";
    case Event::kRedirect:
      return who + "redirected to NAP " + NapName(scenario, s.sbc, s.nap) + " (the 3xx Contact)";
    case Event::kRedirectUnroutable:
      return who + route + " 3xx cannot be followed (no NAP reaches its Contact, or too many " +
             "redirects) -> stop";
    case Event::kAnswered:
      return who + route + " answered: connected";
  }
  return who;
}

const char* ResultName(metrics::Result r) {
  switch (r) {
    case metrics::Result::kAnswered:
      return "ANSWERED";
    case metrics::Result::kFailed:
      return "FAILED";
    case metrics::Result::kAbandoned:
      return "ABANDONED";
  }
  return "?";
}

}  // namespace

std::string DescribeMatch(const policy::CauseRule& rule) {
  switch (rule.match) {
    case policy::MatchKind::kCode:
      return "code " + std::to_string(rule.low);
    case policy::MatchKind::kClass:
      return "class " + std::to_string(rule.low / 100) + "xx";
    case policy::MatchKind::kRange:
      return "codes " + std::to_string(rule.low) + "-" + std::to_string(rule.high);
    case policy::MatchKind::kQ850:
      return "Q.850 cause " + std::to_string(rule.low);
  }
  return "?";
}

std::string FormatExplanation(const models::ScenarioParams& scenario,
                              const policy::CauseMap& policy, const models::RunResult& run) {
  const metrics::CallLog& log = run.explained;
  std::string out;
  if (log.outcomes().empty()) {
    return "Call " + std::to_string(log.call()) + ": no user agent placed that many calls.\n";
  }
  for (const auto& [agent, o] : log.outcomes()) {
    out += "Call " + std::to_string(log.call()) + " of \"" + Name(scenario, agent) +
           "\", arrived at " + Seconds(o.arrival) + " s" + (o.fraud ? ", FRAUDULENT" : "") + "\n";
    out += "  outcome: " + std::string(ResultName(o.result)) + " " + std::to_string(o.final_code) +
           " " + sip::ReasonPhrase(o.final_code);
    if (o.result == metrics::Result::kAnswered) {
      char buf[48];
      std::snprintf(buf, sizeof buf, ", %.1f s talked", o.answered_s);
      out += buf;
    } else {
      out += std::string(", true cause: ") + sip::CauseName(o.truth.cause);
    }
    out += "\n";
    if (o.truth.routes_tried != 0 || o.truth.routes_untried != 0) {
      out += "  routes tried: " + std::to_string(o.truth.routes_tried) +
             ", untried: " + std::to_string(o.truth.routes_untried);
      if (metrics::IsFailedRetryable(o)) out += " (failed although another route could carry it)";
      out += "\n";
    }
  }
  out += "\n  " + Pad("time (s)", 12) + Pad("from", 14) + Pad("to", 14) + "message\n";
  // Messages and decisions merged in time order. A decision is taken when the
  // response arrives, so it comes before whatever the SBC sent at that instant
  // (the ACK, the next route's INVITE), right after the response itself.
  const auto& trace = run.trace;
  const auto& steps = log.steps();
  size_t s = 0;
  auto flush_steps = [&](sim::SimTime until, bool inclusive) {
    while (s < steps.size() && (steps[s].at < until || (inclusive && steps[s].at == until))) {
      out += "  " + Pad("", 12) + "** " + DecisionText(scenario, policy, steps[s]) + "\n";
      ++s;
    }
  };
  for (const sip::TraceEvent& e : trace) {
    flush_steps(e.sent, true);
    std::string line = "  " + Pad(Seconds(e.sent), 12) + Pad(Name(scenario, e.message.from), 14) +
                       Pad(Name(scenario, e.message.to), 14) + MessageText(e.message);
    if (e.message.retransmission) line += "  (retransmission)";
    if (e.lost) line += "  (LOST)";
    out += line + "\n";
  }
  flush_steps(sim::SimTime::Zero() + sim::Duration::Seconds(1'000'000'000), true);
  return out;
}

}  // namespace crankback::experiments
