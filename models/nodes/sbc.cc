#include "models/nodes/sbc.h"

#include <algorithm>
#include <numeric>

namespace crankback::nodes {

using sip::Message;
using sip::Method;

const char* CallStateName(CallState s) {
  switch (s) {
    case CallState::kNone:
      return "none";
    case CallState::kTrying:
      return "100";
    case CallState::kProgress:
      return "183";
    case CallState::kRinging:
      return "180";
    case CallState::kAnswered:
      return "200";
  }
  return "?";
}

namespace {

CallState StateOf(int status) {
  if (status >= 200) return CallState::kAnswered;
  if (status == 180) return CallState::kRinging;
  if (status == 100) return CallState::kTrying;
  return CallState::kProgress;  // 181, 182, 183 and the rest: progress, not alerting
}

}  // namespace

Sbc::Sbc(const NodeContext& ctx, sim::NodeId id, const SbcParams& params)
    : sip::Endpoint(ctx.sip, id, ctx.timers,
                    ctx.rng.Stream(ctx.sip.network().NodeName(id), "sip_stack")),
      ctx_(ctx),
      params_(params),
      dialect_(ctx.dialects.at(params.dialect)) {
  ctx.sip.Attach(id, this);
  peer_nap_.assign(ctx.sip.network().node_count(), -1);
  for (uint32_t i = 0; i < params.naps.size(); ++i) {
    naps_.push_back(Nap{&params.naps[i]});
    Nap& nap = naps_.back();
    nap.tokens = params.naps[i].cps_burst;
    nap.routes.resize(params.naps[i].routes.size());
    if (params.naps[i].selection == RouteSelection::kLeastCost) {
      const std::vector<RouteParams>& routes = params.naps[i].routes;
      nap.order.resize(routes.size());
      std::iota(nap.order.begin(), nap.order.end(), uint8_t{0});
      std::stable_sort(nap.order.begin(), nap.order.end(), [&](uint8_t a, uint8_t b) {
        return routes[a].cost_per_minute < routes[b].cost_per_minute;
      });
    }
    if (peer_nap_[params.naps[i].peer] < 0)
      peer_nap_[params.naps[i].peer] = static_cast<int32_t>(i);
  }
}

Message Sbc::LocalRejection(const Message& invite, policy::Condition condition,
                            sip::Cause cause) const {
  const policy::Rejection r = dialect_.Reject(condition);
  Message m = Message::ResponseTo(invite, r.code);
  m.retry_after_s = r.retry_after_s;
  m.reason_q850 = static_cast<int16_t>(r.q850_cause);
  m.truth.cause = cause;
  return m;
}

void Sbc::OnRequest(const Message& request) {
  switch (request.method) {
    case Method::kInvite:
      if (request.in_dialog) {  // a re-INVITE (session refresh): each leg answers its own
        const bool known = calls_.count(request.call_id) != 0 ||
                           by_out_.count(request.call_id) != 0 ||
                           abandoned_.count(request.call_id) != 0;
        SendResponse(Message::ResponseTo(request, known ? 200 : 481));
        return;
      }
      OnInvite(request);
      return;
    case Method::kBye:
      OnBye(request);
      return;
    case Method::kCancel:
      OnCancel(request);
      return;
    case Method::kAck:
    case Method::kPrack:  // answered by the stack
      return;
  }
}

uint32_t Sbc::NextCseq(uint64_t call_id) {
  if (auto a = abandoned_.find(call_id); a != abandoned_.end()) return ++a->second.cseq;
  if (auto out = by_out_.find(call_id); out != by_out_.end()) return ++CallOf(out->second).out_cseq;
  if (auto in = calls_.find(call_id); in != calls_.end()) return ++in->second.in_cseq;
  return 1;
}

void Sbc::OnResponse(const Message& response) {
  if (abandoned_.count(response.call_id) != 0) {
    OnAbandonedResponse(response.call_id, response);
    return;
  }
  auto out = by_out_.find(response.call_id);
  if (out == by_out_.end()) return;
  const uint64_t key = out->second.key;
  Call& call = CallOf(out->second);
  if (response.method == Method::kBye) {
    if (response.is_final()) {
      CloseOutbound(call);
      MaybeErase(key);
    }
    return;
  }
  if (response.method != Method::kInvite) return;
  call.out_state = std::max(call.out_state, StateOf(response.status));
  if (call.out_state >= naps_[call.in_nap].params->min_call_state)
    engine().Cancel(call.retry_timer);
  if (response.status < 200) {
    call.out_provisional = true;  // 100 Trying too: CANCEL may go (RFC 3261 9.1)
    if (call.cancel_pending) CancelOutbound(call);
    if (response.status != 100 && call.inbound_open)
      SendResponse(call.invite.Response(response.status));
    return;
  }
  if (response.status >= 300) {
    OnOutboundFailure(key, response);
    return;
  }
  call.answered = true;
  call.answered_at = engine().Now();
  ++counters_.answered;
  if (Counting()) {
    ++naps_[call.out_nap].counters.answered;
    ++naps_[call.in_nap].routes[call.out_route].answered;
  }
  metrics::RouteStep step;
  step.event = metrics::RouteStep::Event::kAnswered;
  step.route = call.out_route;
  step.nap = call.out_nap;
  step.code = response.status;
  Log(call, step);
  SendAck(naps_[call.out_nap].params->peer,
          Message::Request(Method::kAck, call.out_call_id, response.cseq, call.invite.origin_call));
  if (!call.inbound_open) {  // the caller left while we waited: end the outbound leg
    ByeOutbound(call);
    return;
  }
  StartSessionTimer(response, response.from, /*refresher=*/true);
  Message ok = call.invite.Response(200);
  ok.session_expires_s = call.invite.session_expires_s;
  SendResponse(ok);
  StartSessionTimer(call.invite.ToMessage(), call.invite.from, /*refresher=*/false);
}

void Sbc::OnTimeout(const Message& request) {
  if (abandoned_.count(request.call_id) != 0) {
    if (request.method != Method::kCancel) ReleaseAbandoned(request.call_id);
    return;
  }
  auto out = by_out_.find(request.call_id);
  if (out == by_out_.end()) return;
  const uint64_t key = out->second.key;
  if (request.method == Method::kInvite) {
    Message timeout = Message::ResponseTo(request, 408);
    timeout.truth.cause = sip::Cause::kTimeout;
    OnOutboundFailure(key, timeout);
    return;
  }
  if (request.method != Method::kBye) return;  // a CANCEL: the INVITE's own outcome decides
  CloseOutbound(CallOf(out->second));          // BYE unanswered: the outbound dialog is gone
  MaybeErase(key);
}

// RFC 3261 9.2 and 16.10: the stack has answered the CANCEL with 200; the
// unanswered INVITE gets 487 upstream, and the CANCEL goes on downstream once
// that leg has had a 1xx.
void Sbc::OnCancel(const Message& cancel) {
  auto it = calls_.find(cancel.call_id);
  if (it == calls_.end() || it->second.answered || !it->second.inbound_open) return;
  Call& call = it->second;
  Message terminated = call.invite.Response(487);
  SendResponse(terminated);
  CloseInbound(call);
  if (call.out_call_id == 0) {
    MaybeErase(cancel.call_id);
  } else if (call.out_provisional) {
    CancelOutbound(call);
  } else {
    call.cancel_pending = true;
  }
}

void Sbc::CancelOutbound(Call& call) {
  call.cancel_pending = false;
  Message cancel = Message::Request(Method::kCancel, call.out_call_id, 1, call.invite.origin_call);
  cancel.destination = call.invite.destination;
  SendRequest(naps_[call.out_nap].params->peer, cancel);
}

void Sbc::FailUpstream(uint64_t key) {
  Call& call = calls_.at(key);
  if (call.inbound_open) {
    ++counters_.rejections;
    const Failure& f = call.failure;
    const int received = f.status == 0 ? 503 : f.status;
    const int code = call.upstream_code != 0 ? call.upstream_code : received;
    Message m = call.invite.Response(code);
    if (code == received) {  // as received: its Retry-After and Contact go with it
      m.retry_after_s = f.retry_after_s;
      if (code < 400) m.contact = f.contact;
    }
    m.reason_q850 = call.upstream_q850 != 0 ? call.upstream_q850 : f.reason_q850;
    m.truth = f.truth;
    m.truth.fraud = call.invite.fraud;
    if (f.status == 0) m.truth.cause = sip::Cause::kNoRoute;
    const auto& routes = naps_[call.in_nap].params->routes;
    m.truth.routes_tried = call.tried;
    const std::vector<uint8_t>& order = call.order.empty() ? naps_[call.in_nap].order : call.order;
    uint8_t untried = 0;  // routes left that serve the call's number
    for (size_t i = call.next; i < routes.size(); ++i) {
      untried += routes[order.empty() ? i : order[i]].Serves(call.invite.destination) ? 1 : 0;
    }
    m.truth.routes_untried = untried;
    SendResponse(m);
    CloseInbound(call);
  }
  MaybeErase(key);
}

void Sbc::OnBye(const Message& bye) {
  if (IsOutbound(bye.call_id)) {
    if (abandoned_.count(bye.call_id) != 0) {  // an abandoned leg's callee hung up
      SendResponse(Message::ResponseTo(bye, 200));
      ReleaseAbandoned(bye.call_id);
      return;
    }
    if (auto out = by_out_.find(bye.call_id); out != by_out_.end()) {
      OnCalleeBye(bye, out->second.key);
      return;
    }
  }
  auto it = calls_.find(bye.call_id);
  if (it == calls_.end() || !it->second.inbound_open) {
    SendResponse(Message::ResponseTo(bye, 481));
    return;
  }
  Call& call = it->second;
  SendResponse(Message::ResponseTo(bye, 200));
  CloseInbound(call);
  if (call.out_call_id != 0 && call.answered) ByeOutbound(call);
  MaybeErase(bye.call_id);
}

// The callee hung up (or gave up waiting for our ACK): end the inbound leg too.
void Sbc::OnCalleeBye(const Message& bye, uint64_t key) {
  Call& call = calls_.at(key);
  SendResponse(Message::ResponseTo(bye, 200));
  EndTalk(call);
  CloseOutbound(call);
  if (call.inbound_open) {
    CloseInbound(call);
    if (call.answered) {
      ByeUpstream(call);
    } else {  // BYE before our 2xx upstream: no dialog to end there yet
      Message gone = call.invite.Response(480);
      gone.truth = bye.truth;
      SendResponse(gone);
    }
  }
  MaybeErase(key);
}

void Sbc::ByeOutbound(Call& call) {
  EndTalk(call);
  Message bye =
      Message::Request(Method::kBye, call.out_call_id, ++call.out_cseq, call.invite.origin_call);
  bye.in_dialog = true;
  bye.destination = call.invite.destination;
  SendRequest(naps_[call.out_nap].params->peer, bye);
}

void Sbc::ByeUpstream(Call& call) {
  Message bye =
      Message::Request(Method::kBye, call.invite.call_id, ++call.in_cseq, call.invite.origin_call);
  bye.in_dialog = true;
  bye.destination = call.invite.destination;
  SendRequest(call.invite.from, bye);
}

// The caller never confirmed our 2xx (X4): BYE on both legs. Or our reliable
// 1xx was never PRACKed and the stack rejected the INVITE (R3): the outbound
// leg is ended or cancelled.
void Sbc::OnAckTimeout(const Message& response) {
  auto it = calls_.find(response.call_id);
  if (it == calls_.end() || !it->second.inbound_open) return;
  Call& call = it->second;
  CloseInbound(call);
  if (response.status >= 200 && response.status < 300) ByeUpstream(call);
  if (call.out_call_id == 0) {
    MaybeErase(response.call_id);
  } else if (call.answered) {
    ByeOutbound(call);
  } else if (call.out_provisional) {
    CancelOutbound(call);
  } else {
    call.cancel_pending = true;
  }
}

void Sbc::CloseInbound(Call& call) {
  call.inbound_open = false;
  ReleaseSession(call.in_nap);
  StopSessionTimer(call.invite.call_id);
}

// RFC 4028: a leg's refresh failed or never came. End that leg's dialog and
// the other leg with it.
void Sbc::OnSessionExpired(uint64_t call_id) {
  if (auto out = by_out_.find(call_id); out != by_out_.end()) {
    const uint64_t key = out->second.key;
    Call& call = CallOf(out->second);
    ByeOutbound(call);
    CloseOutbound(call);
    if (call.inbound_open) {
      CloseInbound(call);
      ByeUpstream(call);
    }
    MaybeErase(key);
    return;
  }
  auto it = calls_.find(call_id);
  if (it == calls_.end() || !it->second.inbound_open) return;
  Call& call = it->second;
  CloseInbound(call);
  ByeUpstream(call);
  if (call.out_call_id != 0 && call.answered) ByeOutbound(call);
  MaybeErase(call_id);
}

void Sbc::CloseOutbound(Call& call) {
  if (call.out_call_id == 0) return;
  engine().Cancel(call.retry_timer);
  StopSessionTimer(call.out_call_id);
  by_out_.erase(call.out_call_id);
  EndTalk(call);
  ReleaseSession(call.out_nap);
  call.out_call_id = 0;
}

void Sbc::MaybeErase(uint64_t key) {
  auto it = calls_.find(key);
  if (it != calls_.end() && !it->second.inbound_open && it->second.out_call_id == 0)
    calls_.erase(it);
}

}  // namespace crankback::nodes
