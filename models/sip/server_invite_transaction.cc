#include "models/sip/server_invite_transaction.h"

namespace crankback::sip {

namespace {

bool IsInvite(const Message& m) { return m.is_request() && m.method == Method::kInvite; }
bool IsAck(const Message& m) { return m.is_request() && m.method == Method::kAck; }

}  // namespace

const char* StateName(ServerInviteTransaction::State s) {
  using State = ServerInviteTransaction::State;
  switch (s) {
    case State::kProceeding:
      return "Proceeding";
    case State::kCompleted:
      return "Completed";
    case State::kConfirmed:
      return "Confirmed";
    case State::kAccepted:
      return "Accepted";
    case State::kTerminated:
      return "Terminated";
  }
  return "?";
}

ServerInviteTransaction::ServerInviteTransaction(const TimerProfile& profile,
                                                 bool reliable_transport, const Message& request)
    : profile_(&profile), reliable_(reliable_transport), request_(request), interval_(profile.t1) {}

// C1: the INVITE goes to the TU; 100 Trying at once, or after a delay unless
// the TU has answered by then, or never, as the profile says.
Effects ServerInviteTransaction::Start(sim::SimTime /*now*/) {
  Effects out;
  out.PassToTu(request_);
  if (!profile_->invite_trying_delay) return out;
  if (*profile_->invite_trying_delay == sim::Duration()) {
    Send(out, Message::ResponseTo(request_, 100));
  } else {
    timers_.Start(out, TimerName::kTrying100, *profile_->invite_trying_delay);
  }
  return out;
}

Effects ServerInviteTransaction::OnInput(sim::SimTime /*now*/, const Input& in) {
  if (!TakeTimer(in)) return {};
  switch (state_) {
    case State::kProceeding:
      return InProceeding(in);
    case State::kCompleted:
      return InCompleted(in);
    case State::kConfirmed:
      return InConfirmed(in);
    case State::kAccepted:
      return InAccepted(in);
    case State::kTerminated:
      return Ignore();
  }
  return Ignore();  // not reached: the switch names every state
}

Effects ServerInviteTransaction::InProceeding(const Input& in) {
  Effects out;
  switch (in.kind) {
    case Input::Kind::kReceived:
      if (!IsInvite(in.message)) return Ignore();
      ++absorbed_;  // C2: the latest provisional again, if there is one
      return last_response_.status != 0 ? Resend() : out;
    case Input::Kind::kFromTu:
      return OnTuResponse(in.message);
    case Input::Kind::kTimer:  // Trying100: the TU has sent nothing yet (C1)
      Send(out, Message::ResponseTo(request_, 100));
      return out;
    case Input::Kind::kTransportError:  // C6: stay, tell the TU
      out.Tell(Effect::Kind::kTransportError);
      return out;
  }
  return Ignore();
}

// A response from the TU in Proceeding: 1xx stays (C2), 2xx to Accepted (C5,
// X1), 300-699 to Completed (C3).
Effects ServerInviteTransaction::OnTuResponse(const Message& response) {
  if (response.status < 100 || response.status > 699) return Ignore();
  Effects out;
  timers_.Stop(out, TimerName::kTrying100);
  Send(out, response);
  if (response.status < 200) return out;
  if (response.status < 300) {
    state_ = State::kAccepted;
    timers_.Start(out, TimerName::kL, profile_->TimerL());
    return out;
  }
  state_ = State::kCompleted;
  if (!reliable_) timers_.Start(out, TimerName::kG, interval_);
  timers_.Start(out, TimerName::kH, profile_->TimerH());
  return out;
}

// Completed: retransmit the final on G (capped at T2) and on each INVITE
// retransmission until the ACK; H gives up (C3, C4).
Effects ServerInviteTransaction::InCompleted(const Input& in) {
  Effects out;
  switch (in.kind) {
    case Input::Kind::kReceived:
      if (IsInvite(in.message)) {
        ++absorbed_;
        return Resend();
      }
      if (!IsAck(in.message)) return Ignore();
      timers_.StopAll(out);
      state_ = State::kConfirmed;
      if (reliable_) return Terminate(out);
      timers_.Start(out, TimerName::kI, profile_->TimerI());
      return out;
    case Input::Kind::kTimer:
      if (in.timer == TimerName::kG) {
        out = Resend();
        interval_ = NextInterval(interval_, profile_->t2, /*capped=*/true);
        timers_.Start(out, TimerName::kG, interval_);
        return out;
      }
      timers_.StopAll(out);  // Timer H: the ACK never came
      out.Tell(Effect::Kind::kNoAck, TimerName::kH);
      return Terminate(out);
    case Input::Kind::kTransportError:  // C6: stay; G and H end it
      out.Tell(Effect::Kind::kTransportError);
      return out;
    case Input::Kind::kFromTu:
      return Ignore();
  }
  return Ignore();
}

// Confirmed: absorb further ACKs until Timer I (C4).
Effects ServerInviteTransaction::InConfirmed(const Input& in) {
  switch (in.kind) {
    case Input::Kind::kReceived:
      if (!IsAck(in.message)) return Ignore();
      ++absorbed_;
      return {};
    case Input::Kind::kTimer:
      return Terminate({});  // Timer I
    case Input::Kind::kTransportError:
    case Input::Kind::kFromTu:
      return Ignore();
  }
  return Ignore();
}

// Accepted: absorb INVITEs, pass ACKs up, send the TU's 2xx retransmissions,
// never retransmit on its own; Timer L ends it (X1).
Effects ServerInviteTransaction::InAccepted(const Input& in) {
  Effects out;
  switch (in.kind) {
    case Input::Kind::kReceived:
      if (IsInvite(in.message)) {
        ++absorbed_;
        return out;
      }
      if (!IsAck(in.message)) return Ignore();
      out.PassToTu(in.message);
      return out;
    case Input::Kind::kFromTu:
      if (in.message.status < 200 || in.message.status >= 300) return Ignore();
      last_response_ = in.message;
      out.Send(in.message, in.message.retransmission);
      return out;
    case Input::Kind::kTimer:
      return Terminate(out);            // Timer L
    case Input::Kind::kTransportError:  // C6: stay
      out.Tell(Effect::Kind::kTransportError);
      return out;
  }
  return Ignore();
}

void ServerInviteTransaction::Send(Effects& out, const Message& response) {
  last_response_ = response;
  last_response_.retransmission = false;
  out.Send(last_response_, false);
}

Effects ServerInviteTransaction::Resend() {
  Effects out;
  out.Send(last_response_, true);
  return out;
}

Effects ServerInviteTransaction::Terminate(Effects out) {
  state_ = State::kTerminated;
  return End(out);
}

}  // namespace crankback::sip
