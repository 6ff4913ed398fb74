// A stateful proxy's parameters: its target set, forking mode, Timer C, the
// 503 -> 500 rewrite, 3xx recursion, the transport-error code and the
// Retry-After windows (pb::Proxy).
#include <cmath>
#include <set>

#include "topologies/builder.h"

namespace crankback::topologies::loader_internal {

namespace {

constexpr double kMaxTimerC = 86400;
constexpr double kMaxRetryAfter = 86400;

}  // namespace

Builder::Error Builder::Proxy(uint32_t node, const pb::Proxy& p, const FieldPath& at,
                              nodes::ProxyParams& out) {
  const std::string& self = sim_.nodes(node).name();
  if (p.targets_size() == 0)
    return at.Child(p, "targets").Error("a proxy needs at least one target");
  std::set<uint32_t> seen;
  for (int k = 0; k < p.targets_size(); ++k) {
    const pb::ProxyTarget& t = p.targets(k);
    const FieldPath ta = at.Child(p, "targets", k, t.node());
    nodes::ProxyTarget target;
    if (Error e = NodeRef(t.node(), ta.Child(t, "node"), target.node)) return e;
    if (target.node == node) return ta.Child(t, "node").Error("a proxy's target is another node");
    if (!Linked(node, target.node)) {
      return ta.Child(t, "node").Error("no link joins \"" + self + "\" and \"" + t.node() + "\"");
    }
    if (sim_.nodes(target.node).has_user_agent()) {
      return ta.Child(t, "node").Error("\"" + t.node() +
                                       "\" is a user_agent node, which takes no calls");
    }
    if (!seen.insert(target.node).second) {  // RFC 3261 16.5: a URI enters the set once
      return ta.Child(t, "node").Error("\"" + t.node() + "\" is already a target");
    }
    if (t.has_q()) {
      if (!std::isfinite(t.q()) || t.q() < 0 || t.q() > 1)
        return ta.Child(t, "q").Error("must be in 0..1 (got " + Num(t.q()) + ")");
      target.q = t.q();
    }
    out.targets.push_back(target);
  }
  if (!pb::ProxyForking_IsValid(p.forking())) {
    return at.Child(p, "forking").Error("unknown forking mode " + std::to_string(p.forking()));
  }
  out.forking = static_cast<nodes::ProxyForking>(p.forking());
  if (p.has_timer_c_s()) {
    const double v = p.timer_c_s();
    if (!std::isfinite(v) || v <= 180 || v > kMaxTimerC) {
      return at.Child(p, "timer_c_s")
          .Error("must be > 180 and <= " + Num(kMaxTimerC) +
                 " seconds (RFC 3261 16.6 item 11: more than 3 minutes; got " + Num(v) + ")");
    }
    out.timer_c = sim::SecondsToDuration(v);
  }
  // One switch under two names: the proxy's own field, or the node's stack
  // field when only that one is set; true when neither is (RFC 3261 16.7 step 6).
  const pb::StackProfile& stack = sim_.nodes(node).stack();
  if (p.has_rewrite_503_to_500() && stack.has_rewrite_503_to_500() &&
      p.rewrite_503_to_500() != stack.rewrite_503_to_500()) {
    return at.Child(p, "rewrite_503_to_500")
        .Error(std::string("contradicts stack.rewrite_503_to_500 (") +
               (stack.rewrite_503_to_500() ? "true" : "false") + "); set one of them");
  }
  out.rewrite_503_to_500 = p.has_rewrite_503_to_500()       ? p.rewrite_503_to_500()
                           : stack.has_rewrite_503_to_500() ? stack.rewrite_503_to_500()
                                                            : true;
  study_.scenario.nodes[node].timers.rewrite_503_to_500 = out.rewrite_503_to_500;
  if (p.has_recurse_on_3xx()) out.recurse_on_3xx = p.recurse_on_3xx();
  if (p.has_transport_error_code()) {
    const int32_t code = p.transport_error_code();
    if (code != 503 && code != 408) {
      return at.Child(p, "transport_error_code")
          .Error("must be 503 (RFC 3261 16.9) or 408 (16.6 step 7; got " + std::to_string(code) +
                 ")");
    }
    out.transport_error_code = code;
  }
  double max_s = 3600;
  if (p.has_retry_after_max_s()) {
    max_s = p.retry_after_max_s();
    if (!std::isfinite(max_s) || max_s < 0 || max_s > kMaxRetryAfter) {
      return at.Child(p, "retry_after_max_s")
          .Error("must be in 0.." + Num(kMaxRetryAfter) + " seconds (0 = never skip; got " +
                 Num(max_s) + ")");
    }
  }
  const double default_s = p.retry_after_default_s();
  if (!std::isfinite(default_s) || default_s < 0 || default_s > max_s) {
    return at.Child(p, "retry_after_default_s")
        .Error("must be in 0..retry_after_max_s (" + Num(max_s) + ") seconds (got " +
               Num(default_s) + ")");
  }
  out.retry_after_max = sim::SecondsToDuration(max_s);
  out.retry_after_default = sim::SecondsToDuration(default_s);
  return std::nullopt;
}

}  // namespace crankback::topologies::loader_internal
