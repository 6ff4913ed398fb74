#include "models/sip/client_non_invite_transaction.h"

namespace crankback::sip {

const char* StateName(ClientNonInviteTransaction::State s) {
  using State = ClientNonInviteTransaction::State;
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

ClientNonInviteTransaction::ClientNonInviteTransaction(const TimerProfile& profile,
                                                       bool reliable_transport,
                                                       const Message& request)
    : profile_(&profile), reliable_(reliable_transport), request_(request), interval_(profile.t1) {
  request_.retransmission = false;
}

Effects ClientNonInviteTransaction::Start(sim::SimTime /*now*/) {
  Effects out;
  out.Send(request_, false);
  if (!reliable_) timers_.Start(out, TimerName::kE, interval_);
  timers_.Start(out, TimerName::kF, profile_->TimerF());
  if (profile_->final_response_timeout) {
    timers_.Start(out, TimerName::kFinalResponse, *profile_->final_response_timeout);
  }
  return out;
}

Effects ClientNonInviteTransaction::OnInput(sim::SimTime /*now*/, const Input& in) {
  if (!TakeTimer(in)) return {};
  switch (state_) {
    case State::kTrying:
    case State::kProceeding:
      return InTryingOrProceeding(in);
    case State::kCompleted:
      return InCompleted(in);
    case State::kTerminated:
      return Ignore();
  }
  return Ignore();  // not reached: the switch names every state
}

// Trying and Proceeding differ only in how Timer E is rearmed (OnTimer) and in
// the 1xx that moves Trying to Proceeding (OnResponse).
Effects ClientNonInviteTransaction::InTryingOrProceeding(const Input& in) {
  switch (in.kind) {
    case Input::Kind::kReceived:
      return OnResponse(in.message);
    case Input::Kind::kTimer:
      return OnTimer(in.timer);
    case Input::Kind::kTransportError:
      return GiveUp(Effect::Kind::kTransportError);  // B6
    case Input::Kind::kFromTu:
      return Ignore();
  }
  return Ignore();
}

// Timer E: retransmit, doubling up to T2 in Trying, T2 in Proceeding (B1, B2).
// Timer F (or fr_timer): a timeout in either state (B1, B3).
Effects ClientNonInviteTransaction::OnTimer(TimerName timer) {
  if (timer != TimerName::kE) return GiveUp(Effect::Kind::kTimeout, timer);
  if (profile_->max_non_invite_retransmissions &&
      retransmissions_ >= *profile_->max_non_invite_retransmissions) {
    return GiveUp(Effect::Kind::kTimeout, TimerName::kE);
  }
  Effects out;
  out.Send(request_, true);
  ++retransmissions_;
  interval_ = state_ == State::kProceeding ? profile_->t2
                                           : NextInterval(interval_, profile_->t2, /*capped=*/true);
  timers_.Start(out, TimerName::kE, interval_);
  return out;
}

Effects ClientNonInviteTransaction::OnResponse(const Message& response) {
  if (response.status < 100 || response.status > 699) return Ignore();
  Effects out;
  if (response.status < 200) {
    out.PassToTu(response);
    if (state_ == State::kTrying) {
      state_ = State::kProceeding;
      // RFC: the running E is left alone (B2); PJSIP and Kamailio restart it at T2.
      if (profile_->nict_provisional_restarts_e_at_t2 && timers_.running(TimerName::kE)) {
        interval_ = profile_->t2;
        timers_.Start(out, TimerName::kE, interval_);
      }
    }
    return out;
  }
  timers_.StopAll(out);
  out.PassToTu(response);
  state_ = State::kCompleted;  // B4
  if (reliable_) return Terminate(out);
  timers_.Start(out, TimerName::kK, profile_->TimerK());
  return out;
}

// Completed: absorb retransmitted finals until Timer K (B4).
Effects ClientNonInviteTransaction::InCompleted(const Input& in) {
  switch (in.kind) {
    case Input::Kind::kReceived:
      if (in.message.is_final()) {
        ++absorbed_;
        return {};
      }
      return Ignore();
    case Input::Kind::kTimer:
      return Terminate({});  // Timer K
    case Input::Kind::kTransportError:
    case Input::Kind::kFromTu:
      return Ignore();
  }
  return Ignore();
}

Effects ClientNonInviteTransaction::GiveUp(Effect::Kind tell, TimerName timer) {
  Effects out;
  out.Tell(tell, timer);
  return Terminate(out);
}

Effects ClientNonInviteTransaction::Terminate(Effects out) {
  state_ = State::kTerminated;
  return End(out);
}

}  // namespace crankback::sip
