// The SBC's routing: admission at the ingress NAP, the route order of each
// call, the attempt on each route with its egress caps, the cause-mapping
// decision on each failure (advance, redirect, stop), and ProSBC's
// route-retry timeout with the legs it abandons. The legs' dialogs (answer,
// CANCEL, BYE, session timers) are in sbc.cc.
#include <algorithm>
#include <cmath>
#include <numeric>

#include "models/nodes/sbc.h"

namespace crankback::nodes {

using sip::Message;
using sip::Method;

namespace {

// The order in which one call tries the routes of a WEIGHTED NAP: sorting by
// Exp(weight) keys draws each next route in proportion to the weights of the
// routes left (Efraimidis and Spirakis, 2006).
std::vector<uint8_t> WeightedOrder(const NapParams& nap, sim::RngStream random) {
  std::vector<uint8_t> order(nap.routes.size());
  std::iota(order.begin(), order.end(), uint8_t{0});
  std::vector<double> key(order.size());
  for (size_t i = 0; i < key.size(); ++i)
    key[i] = -std::log(random.NextOpenUniform()) / nap.routes[i].weight;
  std::stable_sort(order.begin(), order.end(),
                   [&](uint8_t a, uint8_t b) { return key[a] < key[b]; });
  return order;
}

}  // namespace

// A token bucket of `cps_burst` attempts refilled at `cps` per second.
bool Sbc::Nap::AdmitAttempt(sim::SimTime now) {
  if (params->cps <= 0) return true;
  tokens = std::min(params->cps_burst, tokens + params->cps * sim::ToSeconds(now - refilled));
  refilled = now;
  if (tokens < 1) return false;
  tokens -= 1;
  return true;
}

void Sbc::OnInvite(const Message& invite) {
  ++counters_.invites;
  const int32_t nap = invite.from < peer_nap_.size() ? peer_nap_[invite.from] : -1;
  if (nap >= 0 && Counting()) ++naps_[nap].counters.inbound;
  if (nap < 0 || naps_[nap].params->routes.empty()) {
    ++counters_.rejections;
    SendResponse(LocalRejection(invite, policy::Condition::kUnallocated, sip::Cause::kNoRoute));
    return;
  }
  Nap& in = naps_[nap];
  if (in.params->max_sessions != 0 && in.sessions >= in.params->max_sessions) {
    ++counters_.rejections;
    SendResponse(LocalRejection(invite, policy::Condition::kSessionCap, sip::Cause::kCapacity));
    return;
  }
  if (!in.AdmitAttempt(engine().Now())) {
    ++counters_.rejections;
    SendResponse(LocalRejection(invite, policy::Condition::kCpsLimit, sip::Cause::kCpsLimit));
    return;
  }
  TakeSession(static_cast<uint32_t>(nap));
  ++counters_.seizures;
  Call& call = calls_[invite.call_id];
  call.invite = ReceivedInvite(invite);
  call.in_nap = static_cast<uint32_t>(nap);
  if (in.params->selection == RouteSelection::kWeighted) {
    call.order = WeightedOrder(*in.params, ctx_.rng.Stream(ctx_.sip.network().NodeName(id()),
                                                           "route_order", invite.origin_call));
  }
  SendResponse(Message::ResponseTo(invite, 100));
  TryNextRoute(invite.call_id);
}

void Sbc::TryNextRoute(uint64_t key) {
  Call& call = calls_.at(key);
  const NapParams& in = *naps_[call.in_nap].params;
  while (call.next < in.routes.size()) {
    const std::vector<uint8_t>& order = call.order.empty() ? naps_[call.in_nap].order : call.order;
    const uint8_t route = order.empty() ? call.next : order[call.next];
    ++call.next;
    if (!in.routes[route].Serves(call.invite.destination)) continue;  // not for this number
    ++call.tried;
    if (SendOutbound(key, in.routes[route].nap, route)) return;
  }
  if (call.tried == 0) {  // no route serves the dialled number
    call.failure = LocalFailure(call, policy::Condition::kUnallocated, sip::Cause::kNoRoute);
  }
  FailUpstream(key);
}

// Sends the call's INVITE to egress NAP `egress` for route `route`, or says why
// not (the NAP is at its session or CPS cap) and returns false. Nothing may
// touch the call after a true return: a refused connection fails the attempt
// inside SendRequest, and the call may be over by then.
bool Sbc::SendOutbound(uint64_t key, uint32_t egress, int32_t route) {
  const auto it = calls_.find(key);
  Call& call = it->second;
  Nap& out = naps_[egress];
  metrics::RouteStep step;
  step.route = route;
  step.nap = egress;
  const bool counting = Counting();
  if (counting) ++out.counters.offered;
  if (out.params->max_sessions != 0 && out.sessions >= out.params->max_sessions) {
    if (counting) ++out.counters.capacity_skips;
    call.failure = LocalFailure(call, policy::Condition::kSessionCap, sip::Cause::kCapacity);
    call.upstream_code = call.upstream_q850 = 0;
    step.event = metrics::RouteStep::Event::kCapacitySkip;
    Log(call, step);
    return false;  // a full egress trunk group is skipped, whatever the policy
  }
  // Trunk reservation: an overflow call (not the call's first route here, or a
  // transit route marked overflow) needs more than `trunk_reservation` free.
  const NapParams& in = *naps_[call.in_nap].params;
  const uint32_t reserved = out.params->trunk_reservation;
  if (reserved != 0 && out.params->max_sessions != 0 &&
      (call.tried > 1 || (route >= 0 && in.routes[route].overflow)) &&
      out.params->max_sessions - out.sessions <= reserved) {
    if (counting) ++out.counters.reservation_skips;
    call.failure = LocalFailure(call, policy::Condition::kSessionCap, sip::Cause::kCapacity);
    call.upstream_code = call.upstream_q850 = 0;
    step.event = metrics::RouteStep::Event::kReservationSkip;
    Log(call, step);
    return false;
  }
  if (!out.AdmitAttempt(engine().Now())) {
    if (counting) ++out.counters.cps_skips;
    call.failure = LocalFailure(call, policy::Condition::kCpsLimit, sip::Cause::kCpsLimit);
    call.upstream_code = call.upstream_q850 = 0;
    step.event = metrics::RouteStep::Event::kCpsSkip;
    Log(call, step);
    return false;
  }
  TakeSession(egress);
  ++out.attempts;
  if (counting) {
    ++out.counters.attempts;
    ++naps_[call.in_nap].routes[route].attempts;
  }
  call.out_nap = egress;
  call.out_route = route;
  call.out_call_id = OutboundCallId(next_serial_++);
  call.out_provisional = false;
  call.cancel_pending = false;
  call.out_cseq = 1;
  call.out_state = CallState::kNone;
  by_out_.emplace(call.out_call_id, OutLeg{key, it.slot()});
  const uint64_t next = OutboundCallId(next_serial_);  // the next leg's records, ahead of it
  by_out_.prefetch_key(next);
  ExpectToSend(next, 1, Method::kInvite);
  if (in.route_retry_timeout > sim::Duration()) {
    call.retry_timer =
        engine().ScheduleIn(in.route_retry_timeout, [this, key] { OnRetryTimeout(key); });
  }
  Message invite = Message::Request(Method::kInvite, call.out_call_id, 1, call.invite.origin_call);
  invite.destination = call.invite.destination;
  invite.truth.fraud = call.invite.fraud;
  invite.rel100 = timers().rel100;
  invite.session_expires_s = SessionExpiresField(timers());
  SendRequest(out.params->peer, invite);
  return true;
}

// ProSBC's route-retry timeout: the route has not reached the minimum call
// state in time. Its leg is cancelled and left to end on its own while the
// call moves on to the next route.
void Sbc::OnRetryTimeout(uint64_t key) {
  auto it = calls_.find(key);
  if (it == calls_.end()) return;
  CountTimer(sip::ExtraTimer::kRouteRetry);
  Call& call = it->second;
  if (call.out_call_id == 0 || call.answered) return;
  const uint64_t out_id = call.out_call_id;
  Abandoned& a = abandoned_[out_id];
  a.nap = call.out_nap;
  a.origin_call = call.invite.origin_call;
  a.destination = call.invite.destination;
  a.cseq = call.out_cseq;
  a.provisional = call.out_provisional;
  by_out_.erase(out_id);
  call.out_call_id = 0;  // the NAP session stays with the abandoned leg until it ends
  metrics::RouteStep step;
  step.event = metrics::RouteStep::Event::kRetryTimeout;
  step.route = call.out_route;
  step.nap = call.out_nap;
  Log(call, step);
  call.failure = Failure{};
  call.failure.status = 408;
  call.failure.truth.cause = sip::Cause::kRouteTimeout;
  call.upstream_code = call.upstream_q850 = 0;
  if (a.provisional) {
    a.cancelled = true;
    Message cancel = Message::Request(Method::kCancel, out_id, 1, a.origin_call);
    cancel.destination = a.destination;
    SendRequest(naps_[a.nap].params->peer, cancel);
  }
  if (calls_.count(key) == 0) return;
  if (calls_.at(key).inbound_open) {
    TryNextRoute(key);
  } else {
    MaybeErase(key);
  }
}

// A leg given up by its route-retry timer: CANCEL it at its first 1xx, end it
// with ACK and BYE if it answers after all, release its NAP session at its end.
void Sbc::OnAbandonedResponse(uint64_t out_call_id, const Message& response) {
  Abandoned& a = abandoned_.at(out_call_id);
  const sim::NodeId peer = naps_[a.nap].params->peer;
  if (response.method == Method::kBye) {
    if (response.is_final()) ReleaseAbandoned(out_call_id);
    return;
  }
  if (response.method != Method::kInvite) return;  // the CANCEL's answer: the INVITE's decides
  if (response.status < 200) {
    a.provisional = true;
    if (!a.cancelled && !a.ended) {
      a.cancelled = true;
      Message cancel = Message::Request(Method::kCancel, out_call_id, 1, a.origin_call);
      cancel.destination = a.destination;
      SendRequest(peer, cancel);
    }
    return;
  }
  if (response.status >= 300) {
    ReleaseAbandoned(out_call_id);
    return;
  }
  if (a.ended) return;
  a.ended = true;
  SendAck(peer, Message::Request(Method::kAck, out_call_id, response.cseq, a.origin_call));
  Message bye = Message::Request(Method::kBye, out_call_id, ++a.cseq, a.origin_call);
  bye.in_dialog = true;
  bye.destination = a.destination;
  SendRequest(peer, bye);
}

void Sbc::ReleaseAbandoned(uint64_t out_call_id) {
  auto it = abandoned_.find(out_call_id);
  if (it == abandoned_.end()) return;
  ReleaseSession(it->second.nap);
  abandoned_.erase(it);
}

void Sbc::OnOutboundFailure(uint64_t key, const Message& failure) {
  Call& call = calls_.at(key);
  const uint32_t nap = call.out_nap;
  CloseOutbound(call);
  call.failure = FailureOf(failure);
  call.upstream_code = call.upstream_q850 = 0;
  const policy::Decision d =
      ctx_.policy.Decide({id(), call.in_nap, static_cast<uint32_t>(call.out_route), nap},
                         failure.status, failure.reason_q850);
  metrics::RouteStep step;
  step.route = call.out_route;
  step.nap = nap;
  step.code = failure.status;
  step.reason_q850 = failure.reason_q850;
  step.decision = d;
  Log(call, step);
  if (!call.inbound_open) {  // the caller has left: nothing more to try
    FailUpstream(key);
    return;
  }
  switch (d.action) {
    case policy::Action::kAdvance:
      TryNextRoute(key);
      return;
    case policy::Action::kRedirect: {
      // Process the 3xx: the call goes to the NAP whose peer the Contact names
      // (the attempt keeps the route it was redirected from, for the policy).
      const int32_t contact = failure.status < 400 ? failure.contact : -1;
      const int32_t target =
          contact >= 0 && static_cast<size_t>(contact) < peer_nap_.size() ? peer_nap_[contact] : -1;
      if (target >= 0 && call.redirects < params_.max_redirects) {
        ++call.redirects;
        step.event = metrics::RouteStep::Event::kRedirect;
        step.nap = static_cast<uint32_t>(target);
        Log(call, step);
        if (!SendOutbound(key, static_cast<uint32_t>(target), call.out_route)) TryNextRoute(key);
        return;
      }
      step.event = metrics::RouteStep::Event::kRedirectUnroutable;
      Log(call, step);
      FailUpstream(key);
      return;
    }
    case policy::Action::kStop:
    case policy::Action::kTranslate:
    case policy::Action::kAddReason:
      call.upstream_code = static_cast<int16_t>(d.UpstreamCode(failure.status));
      call.upstream_q850 = static_cast<int16_t>(d.UpstreamQ850(failure.reason_q850));
      FailUpstream(key);
      return;
  }
}

void Sbc::Log(const Call& call, metrics::RouteStep step) {
  if (ctx_.log == nullptr || !ctx_.log->Wants(call.invite.origin_call)) return;
  step.at = engine().Now();
  step.sbc = id();
  step.in_nap = call.in_nap;
  ctx_.log->Add(step);
}

}  // namespace crankback::nodes
