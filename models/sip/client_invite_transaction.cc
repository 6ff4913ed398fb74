#include "models/sip/client_invite_transaction.h"

namespace crankback::sip {

const char* StateName(ClientInviteTransaction::State s) {
  using State = ClientInviteTransaction::State;
  switch (s) {
    case State::kCalling:
      return "Calling";
    case State::kProceeding:
      return "Proceeding";
    case State::kCompleted:
      return "Completed";
    case State::kAccepted:
      return "Accepted";
    case State::kTerminated:
      return "Terminated";
  }
  return "?";
}

ClientInviteTransaction::ClientInviteTransaction(const TimerProfile& profile,
                                                 bool reliable_transport, const Message& request)
    : profile_(&profile), reliable_(reliable_transport), request_(request), interval_(profile.t1) {
  request_.retransmission = false;
}

Effects ClientInviteTransaction::Start(sim::SimTime /*now*/) {
  Effects out;
  out.Send(request_, false);
  if (!reliable_) timers_.Start(out, TimerName::kA, interval_);
  timers_.Start(out, TimerName::kB, profile_->TimerB());
  if (profile_->final_response_timeout) {
    timers_.Start(out, TimerName::kFinalResponse, *profile_->final_response_timeout);
  }
  return out;
}

Effects ClientInviteTransaction::OnInput(sim::SimTime /*now*/, const Input& in) {
  if (!TakeTimer(in)) return {};
  switch (state_) {
    case State::kCalling:
      return InCalling(in);
    case State::kProceeding:
      return InProceeding(in);
    case State::kCompleted:
      return InCompleted(in);
    case State::kAccepted:
      return InAccepted(in);
    case State::kTerminated:
      return Ignore();
  }
  return Ignore();  // not reached: the switch names every state
}

// Calling: Timer A retransmits, Timer B (or fr_timer) gives up (A1, A2, D1).
Effects ClientInviteTransaction::InCalling(const Input& in) {
  switch (in.kind) {
    case Input::Kind::kReceived:
      return OnResponse(in.message);
    case Input::Kind::kTimer:
      if (in.timer == TimerName::kA) return OnTimerA();
      return GiveUp(Effect::Kind::kTimeout, in.timer);  // B or FinalResponse
    case Input::Kind::kTransportError:
      return GiveUp(Effect::Kind::kTransportError);  // A8
    case Input::Kind::kFromTu:
      return Ignore();
  }
  return Ignore();
}

// Timer A: retransmit and double (A1; capped at T2 for Kamailio, D1), or give
// up when the profile's retransmission budget is spent (SIPp).
Effects ClientInviteTransaction::OnTimerA() {
  if (profile_->max_invite_retransmissions &&
      retransmissions_ >= *profile_->max_invite_retransmissions) {
    return GiveUp(Effect::Kind::kTimeout, TimerName::kA);
  }
  Effects out;
  out.Send(request_, true);
  ++retransmissions_;
  interval_ = NextInterval(interval_, profile_->t2, profile_->invite_retransmit_capped_at_t2);
  timers_.Start(out, TimerName::kA, interval_);
  return out;
}

// Proceeding: no timer runs; the TU or a proxy's Timer C ends a silent call (A4).
Effects ClientInviteTransaction::InProceeding(const Input& in) {
  if (in.kind == Input::Kind::kReceived) return OnResponse(in.message);
  return Ignore();
}

// A response in Calling or Proceeding (A3, A5, A7).
Effects ClientInviteTransaction::OnResponse(const Message& response) {
  if (response.status < 100 || response.status > 699) return Ignore();
  Effects out;
  timers_.StopAll(out);  // A, B and fr_timer act in Calling only (A3, A4)
  out.PassToTu(response);
  if (response.status < 200) {
    state_ = State::kProceeding;
    return out;
  }
  if (response.status < 300) {  // never ACKed here (A7)
    state_ = State::kAccepted;
    timers_.Start(out, TimerName::kM, profile_->TimerM());
    return out;
  }
  out.Send(BuildAck(), false);
  state_ = State::kCompleted;
  if (reliable_) return Terminate(out);
  timers_.Start(out, TimerName::kD, profile_->TimerD());
  return out;
}

// Completed: re-ACK every retransmitted final, tell the TU nothing (A6).
Effects ClientInviteTransaction::InCompleted(const Input& in) {
  switch (in.kind) {
    case Input::Kind::kReceived:
      if (in.message.status >= 300 && in.message.status <= 699) {
        ++absorbed_;
        Effects out;
        out.Send(BuildAck(), true);
        return out;
      }
      return Ignore();
    case Input::Kind::kTimer:
      return Terminate({});  // Timer D
    case Input::Kind::kTransportError:
      return GiveUp(Effect::Kind::kTransportError);  // RFC 6026 Figure 5
    case Input::Kind::kFromTu:
      return Ignore();
  }
  return Ignore();
}

// Accepted: every 2xx goes to the TU, which ACKs it; Timer M ends it (X2).
// A transport error leaves it here (X2 [UNCERTAIN]; RFC 6026 Figure 5 draws no exit).
Effects ClientInviteTransaction::InAccepted(const Input& in) {
  switch (in.kind) {
    case Input::Kind::kReceived:
      if (in.message.status >= 200 && in.message.status < 300) {
        Effects out;
        out.PassToTu(in.message);
        return out;
      }
      return Ignore();
    case Input::Kind::kTimer:
      return Terminate({});  // Timer M
    case Input::Kind::kTransportError:
    case Input::Kind::kFromTu:
      return Ignore();
  }
  return Ignore();
}

Effects ClientInviteTransaction::GiveUp(Effect::Kind tell, TimerName timer) {
  Effects out;
  out.Tell(tell, timer);
  return Terminate(out);
}

Effects ClientInviteTransaction::Terminate(Effects out) {
  state_ = State::kTerminated;
  return End(out);
}

// A5: the INVITE's Call-ID, CSeq number, Request-URI and peer, method ACK.
// Copied from the INVITE so that whatever else rides along (trace ids) does
// too; what belongs to a rejection does not.
Message ClientInviteTransaction::BuildAck() const {
  Message ack = request_;
  ack.method = Method::kAck;
  ack.retransmission = false;
  ack.reason_q850 = 0;
  ack.retry_after_s = 0;
  ack.truth = GroundTruth{};
  return ack;
}

}  // namespace crankback::sip
