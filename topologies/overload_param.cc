#include "topologies/overload_param.h"

#include <cmath>
#include <string>

#include "topologies/builder.h"

namespace crankback::topologies {

using loader_internal::Num;

namespace {

constexpr int64_t kMaxServers = 100'000;
constexpr int64_t kMaxQueue = 10'000'000;
constexpr double kMaxCostMs = 3.6e6;  // an hour
constexpr int32_t kMaxRetryAfter = 86'400;

std::optional<LoadError> Cost(const pb::Processing& p, const FieldPath& at, const char* field,
                              double ms, sim::Duration& out) {
  if (!std::isfinite(ms) || ms < 0 || ms > kMaxCostMs) {
    return at.Child(p, field).Error("must be in 0.." + Num(kMaxCostMs) + " milliseconds (got " +
                                    Num(ms) + ")");
  }
  out = sim::SecondsToDuration(ms / 1000);
  return std::nullopt;
}

std::optional<LoadError> Seconds(const google::protobuf::Message& m, const FieldPath& at,
                                 const char* field, double s, double max, sim::Duration& out) {
  if (!std::isfinite(s) || !(s > 0) || s > max || sim::SecondsToDuration(s) <= sim::Duration()) {
    return at.Child(m, field).Error("must be > 0 and <= " + Num(max) + " seconds (got " + Num(s) +
                                    ")");
  }
  out = sim::SecondsToDuration(s);
  return std::nullopt;
}

std::optional<LoadError> Control(const pb::OverloadControl& c, const FieldPath& at,
                                 overload::ControlParams& out) {
  if (!pb::OverloadControl::Algorithm_IsValid(c.algorithm()))
    return at.Child(c, "algorithm").Error("unknown algorithm " + std::to_string(c.algorithm()));
  out.algorithm = c.algorithm() == pb::OverloadControl::RATE ? overload::Algorithm::kRate
                                                             : overload::Algorithm::kLoss;
  if (c.has_target_utilization()) {
    const double t = c.target_utilization();
    if (!(t > 0 && t <= 1))
      return at.Child(c, "target_utilization").Error("must be in (0, 1] (got " + Num(t) + ")");
    out.target_utilization = t;
  }
  if (c.has_interval_s()) {
    if (auto e = Seconds(c, at, "interval_s", c.interval_s(), 3600, out.interval)) return e;
  }
  if (c.has_validity_s()) {
    if (auto e = Seconds(c, at, "validity_s", c.validity_s(), 3600, out.validity)) return e;
  }
  if (c.has_min_admit()) {
    const double m = c.min_admit();
    if (!(m > 0 && m <= 1))
      return at.Child(c, "min_admit").Error("must be in (0, 1] (got " + Num(m) + ")");
    out.min_admit = m;
  }
  return std::nullopt;
}

std::optional<LoadError> Processing(const pb::Processing& p, const FieldPath& at,
                                    overload::ProcessingParams& out) {
  if (p.servers() < 0 || p.servers() > kMaxServers) {
    return at.Child(p, "servers")
        .Error("must be in 1.." + std::to_string(kMaxServers) + " (0 = the default 1; got " +
               std::to_string(p.servers()) + ")");
  }
  if (p.servers() > 0) out.servers = static_cast<uint32_t>(p.servers());
  if (p.queue_limit() < 0 || p.queue_limit() > kMaxQueue) {
    return at.Child(p, "queue_limit")
        .Error("must be in 1.." + std::to_string(kMaxQueue) + " messages (0 = the default " +
               std::to_string(out.queue_limit) + "; got " + std::to_string(p.queue_limit()) + ")");
  }
  if (p.queue_limit() > 0) out.queue_limit = static_cast<uint32_t>(p.queue_limit());
  if (auto e = Cost(p, at, "invite_ms", p.invite_ms(), out.costs.invite)) return e;
  if (auto e = Cost(p, at, "ack_ms", p.ack_ms(), out.costs.ack)) return e;
  if (auto e = Cost(p, at, "request_ms", p.request_ms(), out.costs.request)) return e;
  if (auto e = Cost(p, at, "response_ms", p.response_ms(), out.costs.response)) return e;
  if (auto e = Cost(p, at, "reject_ms", p.reject_ms(), out.costs.reject)) return e;
  if (auto e = Cost(p, at, "discard_ms", p.discard_ms(), out.costs.discard)) return e;
  if (!pb::Processing::OnOverload_IsValid(p.on_overload()))
    return at.Child(p, "on_overload").Error("unknown behaviour " + std::to_string(p.on_overload()));
  switch (p.on_overload()) {
    case pb::Processing::REJECT:
      out.on_overload = overload::OnOverload::kReject;
      if (p.reject_queue() < 1 || static_cast<uint32_t>(p.reject_queue()) > out.queue_limit) {
        return at.Child(p, "reject_queue")
            .Error("REJECT needs 1.." + std::to_string(out.queue_limit) +
                   " waiting messages (the queue_limit; got " + std::to_string(p.reject_queue()) +
                   ")");
      }
      out.reject_queue = static_cast<uint32_t>(p.reject_queue());
      break;
    case pb::Processing::REJECT_ON_DELAY:
      out.on_overload = overload::OnOverload::kRejectOnDelay;
      if (auto e = Seconds(p, at, "max_delay_s", p.max_delay_s(), 3600, out.max_delay)) return e;
      break;
    default:
      out.on_overload = overload::OnOverload::kDrop;
      break;
  }
  if (p.has_reject_code()) {
    if (p.reject_code() < 300 || p.reject_code() > 699) {
      return at.Child(p, "reject_code")
          .Error("must be a final failure code in 300..699 (got " +
                 std::to_string(p.reject_code()) + ")");
    }
    out.reject_code = p.reject_code();
  }
  const int32_t lo = p.retry_after_min_s(), hi = p.retry_after_max_s();
  if (hi < 0 || hi > kMaxRetryAfter) {
    return at.Child(p, "retry_after_max_s")
        .Error("must be in 0.." + std::to_string(kMaxRetryAfter) +
               " seconds (0 = no Retry-After; got " + std::to_string(hi) + ")");
  }
  if (lo < 0 || lo > hi) {
    return at.Child(p, "retry_after_min_s")
        .Error("must be in 0..retry_after_max_s (" + std::to_string(hi) + "; got " +
               std::to_string(lo) + ")");
  }
  if (hi > 0 && lo == 0) {
    return at.Child(p, "retry_after_min_s")
        .Error("must be >= 1 when retry_after_max_s is set (Retry-After: 0 is no wait)");
  }
  out.retry_after_min_s = lo;
  out.retry_after_max_s = hi;
  if (p.has_control()) {
    overload::ControlParams c;
    if (auto e = Control(p.control(), at.Child(p, "control"), c)) return e;
    out.control = c;
  }
  return std::nullopt;
}

}  // namespace

std::optional<LoadError> ToOverload(const pb::Node& n, const FieldPath& at,
                                    models::NodeParams& out) {
  if (n.has_processing()) {
    overload::ProcessingParams p;
    if (auto e = Processing(n.processing(), at.Child(n, "processing"), p)) return e;
    out.processing = p;
  }
  if (n.has_overload_client()) {
    const pb::OverloadClient& c = n.overload_client();
    const FieldPath ca = at.Child(n, "overload_client");
    overload::ClientParams p;
    p.control = c.control();
    p.honour_retry_after = c.honour_retry_after();
    if (c.has_retry_after_max_s()) {
      if (auto e = Seconds(c, ca, "retry_after_max_s", c.retry_after_max_s(), kMaxRetryAfter,
                           p.retry_after_max))
        return e;
    }
    if (c.has_tau_factor()) {
      const double t = c.tau_factor();
      if (!std::isfinite(t) || !(t > 0) || t > 1000)
        return ca.Child(c, "tau_factor").Error("must be in (0, 1000] (got " + Num(t) + ")");
      p.tau_factor = t;
    }
    out.overload_client = p;
  }
  return std::nullopt;
}

}  // namespace crankback::topologies
