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
      ring_rng_(ctx.rng.Stream(name, "ring_time")) {
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
      ++busy_;
      ++counters_.seizures;
      calls_.emplace(request.call_id, request);
      SendResponse(Message::ResponseTo(request, 100));
      const sim::Duration ring = params_.ring_time.SampleDuration(ring_rng_);
      if (ring <= sim::Duration()) {
        Answer(request.call_id);
        return;
      }
      SendResponse(Message::ResponseTo(request, 180));
      const uint64_t call_id = request.call_id;
      engine().ScheduleIn(ring, [this, call_id] { Answer(call_id); });
      return;
    }
    case Method::kBye: {
      const bool known = calls_.count(request.call_id) != 0;
      if (known) Release(request.call_id);
      SendResponse(Message::ResponseTo(request, known ? 200 : 481));
      return;
    }
    case Method::kAck:
    case Method::kCancel:
      return;
  }
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
  ++counters_.answered;
  SendResponse(Message::ResponseTo(it->second, 200));
}

void Carrier::OnAckTimeout(const Message& response) {
  if (calls_.count(response.call_id) != 0) Release(response.call_id);
}

void Carrier::Release(uint64_t call_id) {
  calls_.erase(call_id);
  --busy_;
}

}  // namespace crankback::nodes
