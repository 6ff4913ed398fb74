#include "models/nodes/carrier.h"

namespace crankback::nodes {

using sip::Message;
using sip::Method;

Carrier::Carrier(const NodeContext& ctx, sim::NodeId id, const std::string& name,
                 const CarrierParams& params)
    : sip::Endpoint(ctx.sip, id, ctx.timers, ctx.rng.Stream(name, "sip_stack")),
      ctx_(ctx),
      params_(params),
      dialect_(ctx.dialects.at(params.dialect)),
      name_(name) {
  ctx.sip.Attach(id, this);
}

void Carrier::OnRequest(const Message& request) {
  switch (request.method) {
    case Method::kInvite: {
      if (request.in_dialog) {  // a re-INVITE (session refresh): accepted as it is
        SendResponse(Message::ResponseTo(request, calls_.count(request.call_id) != 0 ? 200 : 481));
        return;
      }
      ++counters_.invites;
      if (!params_.serves.empty() && !params_.serves[request.destination]) {
        Reject(request, policy::Condition::kUnallocated, sip::Cause::kUnallocated);
        return;
      }
      if (params_.max_sessions != 0 && busy_ >= params_.max_sessions) {
        Reject(request, policy::Condition::kSessionCap, sip::Cause::kCapacity);
        return;
      }
      // The callee: one stream per call (keyed by the originating call), so
      // the same call meets the same callee under every policy.
      sim::RngStream callee = ctx_.rng.Stream(name_, "callee", request.origin_call);
      const double u = callee.NextOpenUniform();
      const double answer_u = callee.NextOpenUniform();
      const sim::Duration ring = params_.ring_time.SampleDuration(callee);
      if (u < params_.busy_probability) {
        Reject(request, policy::Condition::kUserBusy, sip::Cause::kUserBusy);
        return;
      }
      ++busy_;
      ++counters_.seizures;
      calls_.emplace(request.call_id, request);
      SendResponse(Message::ResponseTo(request, 100));
      const uint64_t call_id = request.call_id;
      if (u < params_.busy_probability + params_.decline_probability) {
        SendResponse(Message::ResponseTo(request, 180));
        engine().ScheduleIn(ring, [this, call_id] {
          Decline(call_id, policy::Condition::kDeclined, sip::Cause::kDeclined);
        });
        return;
      }
      if (answer_u >= params_.answer_probability) {  // rings until the no-answer timer
        SendResponse(Message::ResponseTo(request, 180));
        if (params_.no_answer_timeout > sim::Duration()) {
          engine().ScheduleIn(params_.no_answer_timeout, [this, call_id] {
            Decline(call_id, policy::Condition::kNoAnswer, sip::Cause::kNoAnswer);
          });
        }
        return;
      }
      if (ring <= sim::Duration()) {
        Answer(request.call_id);
        return;
      }
      SendResponse(Message::ResponseTo(request, 180));
      engine().ScheduleIn(ring, [this, call_id] { Answer(call_id); });
      return;
    }
    case Method::kBye: {
      const bool known = calls_.count(request.call_id) != 0;
      if (known) Release(request.call_id);
      SendResponse(Message::ResponseTo(request, known ? 200 : 481));
      return;
    }
    case Method::kCancel:
      OnCancel(request);
      return;
    case Method::kAck:
    case Method::kPrack:  // answered by the stack
      return;
  }
}

// RFC 3261 9.2: the stack has answered the CANCEL with 200; the INVITE, still
// unanswered, gets 487.
void Carrier::OnCancel(const Message& cancel) {
  auto it = calls_.find(cancel.call_id);
  if (it == calls_.end() || answered_.count(cancel.call_id) != 0) return;
  const Message invite = it->second;
  Release(cancel.call_id);
  SendResponse(Message::ResponseTo(invite, 487));
}

void Carrier::Decline(uint64_t call_id, policy::Condition condition, sip::Cause cause) {
  auto it = calls_.find(call_id);
  if (it == calls_.end() || answered_.count(call_id) != 0) return;
  const Message invite = it->second;
  Release(call_id);
  Reject(invite, condition, cause);
}

void Carrier::Reject(const Message& invite, policy::Condition condition, sip::Cause cause) {
  ++counters_.rejections;
  const policy::Rejection r = dialect_.Reject(condition);
  Message response = Message::ResponseTo(invite, r.code);
  response.retry_after_s = r.retry_after_s;
  response.reason_q850 = static_cast<int16_t>(r.q850_cause);
  response.truth.cause = cause;
  SendResponse(response);
}

void Carrier::Answer(uint64_t call_id) {
  auto it = calls_.find(call_id);
  if (it == calls_.end()) return;
  if (!answered_.insert(call_id).second) return;
  ++counters_.answered;
  SendResponse(Message::ResponseTo(it->second, 200));
  StartSessionTimer(it->second, it->second.from, /*refresher=*/false);
}

// RFC 4028: no refresh came in time: the callee ends the session.
void Carrier::OnSessionExpired(uint64_t call_id) {
  auto it = calls_.find(call_id);
  if (it == calls_.end()) return;
  Message bye = Message::Request(Method::kBye, call_id, NextCseq(call_id), it->second.origin_call);
  bye.in_dialog = true;
  bye.destination = it->second.destination;
  SendRequest(it->second.from, bye);
  Release(call_id);
}

// X4: our 2xx was never ACKed: the callee ends the session with a BYE of its
// own. Any other final never confirmed (Timer H, the reliable-1xx give-up)
// just frees the channel.
void Carrier::OnAckTimeout(const Message& response) {
  auto it = calls_.find(response.call_id);
  if (it == calls_.end()) return;
  if (response.status >= 200 && response.status < 300) {
    Message bye = Message::Request(Method::kBye, response.call_id, NextCseq(response.call_id),
                                   it->second.origin_call);
    bye.in_dialog = true;
    bye.destination = it->second.destination;
    SendRequest(response.to, bye);
  }
  Release(response.call_id);
}

void Carrier::Release(uint64_t call_id) {
  StopSessionTimer(call_id);
  calls_.erase(call_id);
  answered_.erase(call_id);
  --busy_;
}

}  // namespace crankback::nodes
