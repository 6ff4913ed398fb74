// A carrier's parameters: trunk groups, call admission, processing delay,
// callee behaviour, the numbers it serves and its number ranges.
#include <cmath>
#include <map>

#include "topologies/builder.h"
#include "topologies/distribution_param.h"

namespace crankback::topologies::loader_internal {

namespace {

using Error = std::optional<LoadError>;

// The longest call a carrier may be set to allow: a week.
constexpr double kMaxCallDurationS = 7 * 86400.0;

Error Probability(double v, const Message& m, const char* field, const FieldPath& at) {
  if (std::isfinite(v) && v >= 0 && v <= 1) return std::nullopt;
  return at.Child(m, field).Error("must be a probability in [0, 1] (got " + Num(v) + ")");
}

Error NoAnswerTimeout(double v, const Message& m, const FieldPath& at, sim::Duration& out) {
  if (!std::isfinite(v) || v < 0 || v > 86400) {
    return at.Child(m, "no_answer_timeout_s")
        .Error("must be in 0..86400 seconds (0 = none; got " + Num(v) + ")");
  }
  out = sim::SecondsToDuration(v);
  return std::nullopt;
}

// What the carrier-level fields and a range's must satisfy together.
Error Consistent(const nodes::CalleeBehaviour& b, const Message& m, const FieldPath& at) {
  if (b.kind != nodes::CalleeBehaviour::Kind::kCallees) return std::nullopt;
  if (b.busy_probability + b.decline_probability > 1) {
    return at.Child(m, "decline_probability")
        .Error("busy_probability + decline_probability must be <= 1");
  }
  if (b.answer_probability < 1 && b.no_answer_timeout == sim::Duration()) {
    return at.Child(m, "no_answer_timeout_s")
        .Error("unanswered calls need a no-answer timer when answer_probability < 1");
  }
  return std::nullopt;
}

// A call attempt rate cap and its token bucket depth (as the SBC's NAPs have).
Error CallRate(double cps, double burst, const Message& m, const FieldPath& at, double& out_cps,
               double& out_burst) {
  if (!std::isfinite(cps) || cps < 0 || cps > kMaxCallsPerSecond) {
    return at.Child(m, "cps").Error("must be in 0.." + Num(kMaxCallsPerSecond) +
                                    " (0 = unlimited; got " + Num(cps) + ")");
  }
  out_cps = cps;
  if (burst == 0) return std::nullopt;  // the default, max(1, cps)
  if (!std::isfinite(burst) || burst < 1 || burst > kMaxCallsPerSecond) {
    return at.Child(m, "cps_burst")
        .Error("must be in 1.." + Num(kMaxCallsPerSecond) + " attempts (got " + Num(burst) + ")");
  }
  if (cps == 0) return at.Child(m, "cps_burst").Error("needs a cps cap");
  out_burst = burst;
  return std::nullopt;
}

// A range's callees: the carrier-level ones (`out` on entry) with the fields
// the range sets.
Error RangeCallees(const pb::NumberRange& r, const FieldPath& at, nodes::CalleeBehaviour& out) {
  using Kind = nodes::CalleeBehaviour::Kind;
  if (r.unallocated() && r.silent()) {
    return at.Child(r, "silent").Error("a range is unallocated or silent, not both");
  }
  out.kind = r.unallocated() ? Kind::kUnallocated : r.silent() ? Kind::kSilent : Kind::kCallees;
  if (out.kind != Kind::kCallees) {
    const char* what = r.unallocated() ? "unallocated" : "silent";
    const std::pair<bool, const char*> callee_fields[] = {
        {r.has_busy_probability(), "busy_probability"},
        {r.has_decline_probability(), "decline_probability"},
        {r.has_answer_probability(), "answer_probability"},
        {r.has_ring_time(), "ring_time"},
        {r.unallocated() && r.has_no_answer_timeout_s(), "no_answer_timeout_s"},
    };
    for (const auto& [set, field] : callee_fields) {
      if (set) {
        return at.Child(r, field).Error(std::string("means nothing in a range that is ") + what);
      }
    }
  }
  if (r.has_busy_probability()) {
    if (Error e = Probability(r.busy_probability(), r, "busy_probability", at)) return e;
    out.busy_probability = r.busy_probability();
  }
  if (r.has_decline_probability()) {
    if (Error e = Probability(r.decline_probability(), r, "decline_probability", at)) return e;
    out.decline_probability = r.decline_probability();
  }
  if (r.has_answer_probability()) {
    if (Error e = Probability(r.answer_probability(), r, "answer_probability", at)) return e;
    out.answer_probability = r.answer_probability();
  }
  if (r.has_ring_time()) {
    if (auto e = ToDistribution(r.ring_time(), at.Child(r, "ring_time"), out.ring_time)) return e;
  }
  if (r.has_no_answer_timeout_s()) {
    if (Error e = NoAnswerTimeout(r.no_answer_timeout_s(), r, at, out.no_answer_timeout)) return e;
  }
  return Consistent(out, r, at);
}

}  // namespace

Builder::Error Builder::Carrier(uint32_t node, const pb::Carrier& c, const FieldPath& at,
                                nodes::CarrierParams& out) {
  if (Error e = Sessions(c.max_sessions(), at.Child(c, "max_sessions"), out.max_sessions)) return e;
  if (Error e = ResolveDialect(c.dialect(), at.Child(c, "dialect"), out.dialect)) return e;
  if (c.has_ring_time()) {
    if (auto e = ToDistribution(c.ring_time(), at.Child(c, "ring_time"), out.ring_time)) return e;
  }
  if (Error e = Probability(c.busy_probability(), c, "busy_probability", at)) return e;
  if (Error e = Probability(c.decline_probability(), c, "decline_probability", at)) return e;
  out.busy_probability = c.busy_probability();
  out.decline_probability = c.decline_probability();
  if (c.has_answer_probability()) {
    if (Error e = Probability(c.answer_probability(), c, "answer_probability", at)) return e;
    out.answer_probability = c.answer_probability();
  }
  if (c.has_no_answer_timeout_s()) {
    if (Error e = NoAnswerTimeout(c.no_answer_timeout_s(), c, at, out.no_answer_timeout)) return e;
  }
  if (Error e = Consistent(out, c, at)) return e;
  for (int k = 0; k < c.prefixes_size(); ++k) {
    if (c.prefixes(k).empty()) return at.Child(c, "prefixes", k).Error("must not be empty");
    carrier_prefixes_[node].push_back(c.prefixes(k));
  }

  if (Error e = CallRate(c.cps(), c.cps_burst(), c, at, out.cps, out.cps_burst)) return e;
  std::map<std::string, int> group_names;
  std::map<uint32_t, std::string> group_of_peer;
  for (int g = 0; g < c.trunk_groups_size(); ++g) {
    const pb::TrunkGroup& tg = c.trunk_groups(g);
    const FieldPath ga = at.Child(c, "trunk_groups", g, tg.name());
    if (tg.name().empty()) return ga.Child(tg, "name").Error("a trunk group needs a name");
    if (!group_names.emplace(tg.name(), g).second) {
      return ga.Child(tg, "name").Error("duplicate trunk group name \"" + tg.name() + "\"");
    }
    nodes::TrunkGroupParams p;
    p.name = tg.name();
    if (tg.peers().empty()) return ga.Child(tg, "peers").Error("a trunk group needs a peer");
    for (int k = 0; k < tg.peers_size(); ++k) {
      const FieldPath pa = ga.Child(tg, "peers", k);
      const std::string& name = tg.peers(k);
      uint32_t peer = 0;
      if (Error e = NodeRef(name, pa, peer)) return e;
      if (peer == node) return pa.Error("a trunk group's peer is another node");
      if (!Linked(node, peer)) {
        return pa.Error("no link joins \"" + sim_.nodes(node).name() + "\" and \"" + name + "\"");
      }
      auto [it, added] = group_of_peer.emplace(peer, tg.name());
      if (!added) {
        return pa.Error("\"" + name + "\" is already in trunk group \"" + it->second + "\"");
      }
      p.peers.push_back(peer);
    }
    if (Error e = Sessions(tg.max_sessions(), ga.Child(tg, "max_sessions"), p.max_sessions))
      return e;
    if (Error e = CallRate(tg.cps(), tg.cps_burst(), tg, ga, p.cps, p.cps_burst)) return e;
    out.trunk_groups.push_back(std::move(p));
  }

  if (c.has_processing_delay()) {
    sim::Distribution d;
    if (auto e = ToDistribution(c.processing_delay(), at.Child(c, "processing_delay"), d)) return e;
    out.processing_delay = d;
  }
  const double max_call = c.max_call_duration_s();
  if (!std::isfinite(max_call) || max_call < 0 || max_call > kMaxCallDurationS) {
    return at.Child(c, "max_call_duration_s")
        .Error("must be in 0.." + Num(kMaxCallDurationS) + " seconds (0 = none; got " +
               Num(max_call) + ")");
  }
  out.max_call_duration = sim::SecondsToDuration(max_call);

  std::map<std::string, int> prefixes;
  for (int k = 0; k < c.ranges_size(); ++k) {
    const pb::NumberRange& r = c.ranges(k);
    const FieldPath ra = at.Child(c, "ranges", k, r.prefix());
    if (r.prefix().empty()) return ra.Child(r, "prefix").Error("a range needs a prefix");
    if (r.prefix() == "*") {
      return ra.Child(r, "prefix")
          .Error("\"*\" would hold every number: set the carrier-level callee fields instead");
    }
    auto [it, added] = prefixes.emplace(r.prefix(), k);
    if (!added) {
      return ra.Child(r, "prefix")
          .Error("duplicate prefix \"" + r.prefix() + "\" (ranges[" + std::to_string(it->second) +
                 "] has it)");
    }
    nodes::NumberRangeParams range{r.prefix(), static_cast<const nodes::CalleeBehaviour&>(out)};
    if (Error e = RangeCallees(r, ra, range.callees)) return e;
    out.ranges.push_back(std::move(range));
  }
  return std::nullopt;
}

}  // namespace crankback::topologies::loader_internal
