#include "models/nodes/fraud_scorer.h"

namespace crankback::nodes {

using sip::Message;
using sip::Method;

FraudScorer::FraudScorer(const NodeContext& ctx, sim::NodeId id, const FraudScorerParams& params)
    : sip::Endpoint(ctx.sip, id, ctx.timers,
                    ctx.rng.Stream(ctx.sip.network().NodeName(id), "sip_stack")),
      ctx_(ctx),
      params_(params),
      dialect_(ctx.dialects.at(params.dialect)),
      name_(ctx.sip.network().NodeName(id)) {
  ctx.sip.Attach(id, this);
}

void FraudScorer::OnRequest(const Message& request) {
  switch (request.method) {
    case Method::kInvite:
      if (request.in_dialog) {  // it never answers 2xx, so it has no dialog to refresh
        SendResponse(Message::ResponseTo(request, 481));
        return;
      }
      OnInvite(request);
      return;
    case Method::kBye:  // no dialog either (RFC 3261 15.1.2)
      SendResponse(Message::ResponseTo(request, 481));
      return;
    case Method::kCancel:
      OnCancel(request);
      return;
    case Method::kAck:
    case Method::kPrack:  // answered by the stack
      return;
  }
}

// The verdict and the latency come from one stream per (scorer, call): the
// same call meets the same verdict under every policy, and again if it is
// scored twice.
void FraudScorer::OnInvite(const Message& invite) {
  ++counters_.invites;
  sim::RngStream score = ctx_.rng.Stream(name_, "score", invite.origin_call);
  const double u = score.NextOpenUniform();
  const sim::Duration latency = params_.latency.SampleDuration(score);
  Pending& p = pending_[invite.call_id];
  p.invite = ReceivedInvite(invite);
  p.flagged = u < (invite.truth.fraud ? params_.detection_rate : params_.false_positive_rate);
  const uint64_t call_id = invite.call_id;
  if (latency <= sim::Duration()) {
    SendVerdict(call_id);
    return;
  }
  p.verdict = engine().ScheduleIn(latency, [this, call_id] { SendVerdict(call_id); });
}

void FraudScorer::SendVerdict(uint64_t call_id) {
  auto it = pending_.find(call_id);
  if (it == pending_.end()) return;
  const ReceivedInvite invite = it->second.invite;
  const bool flagged = it->second.flagged;
  pending_.erase(it);

  ++scores_.scored;
  if (invite.fraud) ++scores_.fraud_scored;
  if (flagged) {
    ++scores_.flagged;
    ++(invite.fraud ? scores_.fraud_detected : scores_.false_positives);
  }
  const bool redirect = flagged && params_.on_detect == FraudAction::kRedirect;
  const policy::Condition condition = !flagged   ? policy::Condition::kFraudClear
                                      : redirect ? policy::Condition::kFraudRedirect
                                                 : policy::Condition::kFraudBlock;
  const policy::Rejection r = dialect_.Reject(condition);
  Message response = invite.Response(r.code);
  response.retry_after_s = r.retry_after_s;
  response.reason_q850 = static_cast<int16_t>(r.q850_cause);
  response.truth.fraud = invite.fraud;
  if (redirect) response.contact = params_.redirect_to;
  if (flagged && !redirect) response.truth.cause = sip::Cause::kFraudBlock;
  ++counters_.rejections;
  SendResponse(response);
}

// RFC 3261 9.2: the stack has answered the CANCEL with 200; a query still
// waiting for its verdict gets 487 and is forgotten.
void FraudScorer::OnCancel(const Message& cancel) {
  auto it = pending_.find(cancel.call_id);
  if (it == pending_.end()) return;
  engine().Cancel(it->second.verdict);
  const ReceivedInvite invite = it->second.invite;
  pending_.erase(it);
  ++scores_.cancelled;
  SendResponse(invite.Response(487));
}

}  // namespace crankback::nodes
