#include "models/overload/control.h"

#include <algorithm>

namespace crankback::overload {

void ServerControl::Measure(sim::Duration busy, sim::Duration offered, uint64_t accepted,
                            sim::Duration interval, uint32_t servers) {
  const double capacity_s = sim::ToSeconds(interval) * servers;
  const double rho = capacity_s > 0 ? sim::ToSeconds(std::max(busy, offered)) / capacity_s : 0;
  clients_ = std::max<uint32_t>(1, static_cast<uint32_t>(heard_.size()));
  heard_.clear();
  if (params_.algorithm == Algorithm::kLoss) {
    // An idle interval says nothing about the load: f stays, unless it can grow.
    if (rho > 0)
      admit_ = std::clamp(admit_ * params_.target_utilization / rho, params_.min_admit, 1.0);
    return;
  }
  if (accepted == 0) return;  // nothing to estimate a call's cost from
  const double per_call = sim::ToSeconds(busy) / static_cast<double>(accepted);
  // Smoothed over about five intervals: BYEs and ACKs of a call come later
  // than its INVITE, so one interval's ratio is noisy.
  call_cost_s_ = call_cost_s_ == 0 ? per_call : 0.8 * call_cost_s_ + 0.2 * per_call;
  rate_ = params_.target_utilization * servers / call_cost_s_;
}

void ServerControl::Heard(sim::NodeId client) {
  if (std::find(heard_.begin(), heard_.end(), client) == heard_.end()) heard_.push_back(client);
}

sip::OverloadFeedback ServerControl::FeedbackFor(sim::NodeId) {
  sip::OverloadFeedback via;
  via.algorithm = params_.algorithm;
  via.validity = params_.validity;
  via.seq = ++seq_;
  if (params_.algorithm == Algorithm::kLoss) {
    via.oc = 100 * (1 - admit_);
  } else if (rate_ > 0) {
    via.oc = rate_ / clients_;
  } else {
    via.validity = sim::Duration();  // not measured yet: supported, not active (O6)
  }
  return via;
}

ClientThrottle::Server& ClientThrottle::At(sim::NodeId server) {
  if (servers_.size() <= server) servers_.resize(server + 1);
  return servers_[server];
}

void ClientThrottle::OnResponse(sim::NodeId server, const sip::OverloadFeedback& via,
                                const sip::Message& response, sim::SimTime now) {
  Server& s = At(server);
  if (params_.honour_retry_after && response.status == 503 && response.retry_after_s > 0) {
    // F4: no new request to that server before Retry-After has passed.
    const sim::Duration wait =
        std::min(sim::Duration::Seconds(response.retry_after_s), params_.retry_after_max);
    s.retry_after_until = std::max(s.retry_after_until, now + wait);
  }
  if (!params_.control || via.algorithm == Algorithm::kNone) return;
  if (via.seq <= s.seq) return;  // O6: only a higher oc-seq updates the state
  const bool was_active = s.algorithm != Algorithm::kNone && now < s.valid_until;
  s.seq = via.seq;
  if (via.validity <= sim::Duration()) {  // O6, O9: oc-validity=0 stops the control
    s.algorithm = Algorithm::kNone;
    return;
  }
  s.algorithm = via.algorithm;
  s.oc = via.oc;
  s.valid_until = now + via.validity;  // the validity restarts on each update
  if (via.algorithm == Algorithm::kRate && !was_active) {
    s.x_s = 0;  // O9: X = TAU0 = 0 at activation
    s.last_conforming = now;
  }
}

bool ClientThrottle::Admit(sim::NodeId server, sim::SimTime now) {
  if (server >= servers_.size()) return true;
  Server& s = servers_[server];
  if (now < s.retry_after_until) {
    ++shed_.retry_after;
    return false;
  }
  if (s.algorithm == Algorithm::kNone || now >= s.valid_until) return true;
  if (s.algorithm == Algorithm::kLoss) {
    // O7 with every new INVITE in the shed-able category: drop with probability oc.
    if (s.oc <= 0 || random_.NextOpenUniform() * 100 >= s.oc) return true;
    ++shed_.loss;
    return false;
  }
  // O9: the leaky bucket of ITU-T I.371 with T = 1/oc and TAU = tau_factor x T.
  if (s.oc <= 0) {
    ++shed_.rate;
    return false;
  }
  const double t = 1 / s.oc;
  const double x = s.x_s - sim::ToSeconds(now - s.last_conforming);
  if (x > params_.tau_factor * t) {
    ++shed_.rate;
    return false;
  }
  s.x_s = std::max(x, 0.0) + t;
  s.last_conforming = now;
  return true;
}

}  // namespace crankback::overload
