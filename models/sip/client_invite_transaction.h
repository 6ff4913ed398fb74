// The INVITE client transaction (ICT) of RFC 3261 §17.1.1 with the Accepted
// state of RFC 6026 §7.2 (Figure 5 of RFC 6026), sans-IO.
//
//   ClientInviteTransaction ict(profile, /*reliable_transport=*/false, invite);
//   Effects out = ict.Start(now);   // sends the INVITE, arms Timers A and B
//
// Calling: the INVITE is retransmitted on Timer A (T1, doubling; capped at T2
// if the profile says so) until a response; Timer B ends it with a timeout.
// Proceeding: no timer at all (A4). A 300-699 is ACKed here (A5, A6); a 2xx
// is never ACKed here: it and every later 2xx go to the TU (A7, X2), whose
// core ACKs each 2xx itself, straight to transport.
#pragma once

#include <cstdint>

#include "models/sip/message.h"
#include "models/sip/timer_profile.h"
#include "models/sip/transaction.h"
#include "sim/time.h"

namespace crankback::sip {

class ClientInviteTransaction : public TransactionCore {
 public:
  enum class State : uint8_t { kCalling, kProceeding, kCompleted, kAccepted, kTerminated };

  // `profile` is kept by address: it must outlive the machine.
  ClientInviteTransaction(const TimerProfile& profile, bool reliable_transport,
                          const Message& request);
  ClientInviteTransaction(TimerProfile&&, bool, const Message&) = delete;

  Effects Start(sim::SimTime now);
  Effects OnInput(sim::SimTime now, const Input& in);

  State state() const { return state_; }
  const Message& request() const { return request_; }

 private:
  Effects InCalling(const Input& in);
  Effects InProceeding(const Input& in);
  Effects InCompleted(const Input& in);
  Effects InAccepted(const Input& in);
  Effects OnTimerA();
  Effects OnResponse(const Message& response);  // Calling or Proceeding
  Effects GiveUp(Effect::Kind tell, TimerName timer = TimerName::kA);
  Effects Terminate(Effects out);
  Message BuildAck() const;

  const TimerProfile* profile_;  // not copied: the caller's profile must outlive the machine
  bool reliable_;
  Message request_;
  State state_ = State::kCalling;
  sim::Duration interval_;  // the running Timer A's duration
  int retransmissions_ = 0;
};

const char* StateName(ClientInviteTransaction::State s);

}  // namespace crankback::sip
