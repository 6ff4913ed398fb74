#include "models/nodes/carrier.h"

namespace crankback::nodes {

using sip::Message;
using sip::Method;

Carrier::Carrier(const NodeContext& ctx, sim::NodeId id, const std::string& name,
                 const CarrierParams& params)
    : sip::Endpoint(ctx.sip, id, ctx.timers),
      ctx_(ctx),
      params_(params),
      dialect_(ctx.dialects.at(params.dialect)),
      name_(name) {
  ctx.sip.Attach(id, this);
}

void Carrier::OnRequest(const Message& request) {
  switch (request.method) {
    case Method::kInvite: {
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
      return;
  }
}

// RFC 3261 9.2: 200 to the CANCEL; if the INVITE is still unanswered, 487 to it.
void Carrier::OnCancel(const Message& cancel) {
  auto it = calls_.find(cancel.call_id);
  SendResponse(Message::ResponseTo(cancel, it == calls_.end() ? 481 : 200));
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
}

void Carrier::OnAckTimeout(const Message& response) {
  if (calls_.count(response.call_id) != 0) Release(response.call_id);
}

void Carrier::Release(uint64_t call_id) {
  calls_.erase(call_id);
  answered_.erase(call_id);
  --busy_;
}

}  // namespace crankback::nodes
