#include "models/sip/server_non_invite_transaction.h"

namespace crankback::sip {

const char* StateName(ServerNonInviteTransaction::State s) {
  using State = ServerNonInviteTransaction::State;
  switch (s) {
    case State::kTrying:
      return "Trying";
    case State::kProceeding:
      return "Proceeding";
    case State::kCompleted:
      return "Completed";
    case State::kTerminated:
      return "Terminated";
  }
  return "?";
}

ServerNonInviteTransaction::ServerNonInviteTransaction(const TimerProfile& profile,
                                                       bool reliable_transport,
                                                       const Message& request)
    : profile_(&profile), reliable_(reliable_transport), request_(request) {}

Effects ServerNonInviteTransaction::Start(sim::SimTime /*now*/) {
  Effects out;
  out.PassToTu(request_);
  if (profile_->non_invite_trying) {  // E2, on every transport
    timers_.Start(out, TimerName::kTrying100, profile_->NonInviteTryingDelay());
  }
  return out;
}

Effects ServerNonInviteTransaction::OnInput(sim::SimTime /*now*/, const Input& in) {
  if (!TakeTimer(in)) return {};
  switch (state_) {
    case State::kTrying:
      return InTrying(in);
    case State::kProceeding:
      return InProceeding(in);
    case State::kCompleted:
      return InCompleted(in);
    case State::kTerminated:
      return Ignore();
  }
  return Ignore();  // not reached: the switch names every state
}

// Trying: retransmissions are absorbed silently; the RFC 4320 timer sends 100.
Effects ServerNonInviteTransaction::InTrying(const Input& in) {
  Effects out;
  switch (in.kind) {
    case Input::Kind::kReceived:
      return OnRetransmission(in);
    case Input::Kind::kFromTu:
      return OnTuResponse(in);
    case Input::Kind::kTimer:  // Trying100
      Send(out, Message::ResponseTo(request_, 100));
      state_ = State::kProceeding;
      return out;
    case Input::Kind::kTransportError:  // nothing has been sent
      return Ignore();
  }
  return Ignore();
}

Effects ServerNonInviteTransaction::InProceeding(const Input& in) {
  switch (in.kind) {
    case Input::Kind::kReceived:
      return OnRetransmission(in);
    case Input::Kind::kFromTu:
      return OnTuResponse(in);
    case Input::Kind::kTransportError:
      return OnTransportError();
    case Input::Kind::kTimer:
      return Ignore();
  }
  return Ignore();
}

// A response from the TU in Trying or Proceeding (E1, E2, E4).
Effects ServerNonInviteTransaction::OnTuResponse(const Input& in) {
  const Message& response = in.message;
  if (response.status < 100 || response.status > 699) return Ignore();
  if (response.status == 408) return Ignore();                          // RFC 4320 §4.2: never 408
  if (response.status > 100 && response.status < 200) return Ignore();  // §4.1: 100 only
  // §4.1: no 100 over UDP before the RFC 4320 timer, which will send it.
  if (response.status == 100 && !reliable_ && timers_.running(TimerName::kTrying100)) {
    return Ignore();
  }
  Effects out;
  timers_.Stop(out, TimerName::kTrying100);
  Send(out, response);
  if (response.status < 200) {
    state_ = State::kProceeding;
    return out;
  }
  state_ = State::kCompleted;
  if (reliable_) return Terminate(out);
  timers_.Start(out, TimerName::kJ, profile_->TimerJ());
  return out;
}

// Completed: resend the final on each retransmission, discard any other final
// from the TU, until Timer J (E1).
Effects ServerNonInviteTransaction::InCompleted(const Input& in) {
  switch (in.kind) {
    case Input::Kind::kReceived:
      return OnRetransmission(in);
    case Input::Kind::kTimer:
      return Terminate({});  // Timer J
    case Input::Kind::kTransportError:
      return OnTransportError();
    case Input::Kind::kFromTu:
      return Ignore();
  }
  return Ignore();
}

// A retransmitted request: absorbed in Trying, answered with the latest
// response in Proceeding and Completed (E1).
Effects ServerNonInviteTransaction::OnRetransmission(const Input& in) {
  if (!in.message.is_request() || in.message.method != request_.method) return Ignore();
  ++absorbed_;
  Effects out;
  if (last_response_.status != 0) out.Send(last_response_, true);
  return out;
}

// RFC 3261 §17.2.4 (RFC 6026 changed only the IST): tell the TU and end.
Effects ServerNonInviteTransaction::OnTransportError() {
  Effects out;
  out.Tell(Effect::Kind::kTransportError);
  return Terminate(out);
}

void ServerNonInviteTransaction::Send(Effects& out, const Message& response) {
  last_response_ = response;
  last_response_.retransmission = false;
  out.Send(last_response_, false);
}

Effects ServerNonInviteTransaction::Terminate(Effects out) {
  state_ = State::kTerminated;
  return End(out);
}

}  // namespace crankback::sip
