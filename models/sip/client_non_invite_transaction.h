// The non-INVITE client transaction (NICT) of RFC 3261 §17.1.2, sans-IO.
//
//   ClientNonInviteTransaction nict(profile, /*reliable_transport=*/false, bye);
//   Effects out = nict.Start(now);   // sends the BYE, arms Timers E and F
//
// Trying and Proceeding: the request is retransmitted on Timer E (T1,
// doubling, capped at T2; in Proceeding always T2) until a final response;
// Timer F ends it with a timeout in either state (B1-B3). A final goes to the
// TU once; Completed absorbs its retransmissions for Timer K (B4). Nothing is
// ever ACKed.
#pragma once

#include <cstdint>

#include "models/sip/message.h"
#include "models/sip/timer_profile.h"
#include "models/sip/transaction.h"
#include "sim/time.h"

namespace crankback::sip {

class ClientNonInviteTransaction : public TransactionCore {
 public:
  enum class State : uint8_t { kTrying, kProceeding, kCompleted, kTerminated };

  // `profile` is kept by address: it must outlive the machine.
  ClientNonInviteTransaction(const TimerProfile& profile, bool reliable_transport,
                             const Message& request);
  ClientNonInviteTransaction(TimerProfile&&, bool, const Message&) = delete;

  Effects Start(sim::SimTime now);
  Effects OnInput(sim::SimTime now, const Input& in);

  State state() const { return state_; }
  const Message& request() const { return request_; }

 private:
  Effects InTryingOrProceeding(const Input& in);
  Effects InCompleted(const Input& in);
  Effects OnTimer(TimerName timer);             // Trying or Proceeding
  Effects OnResponse(const Message& response);  // Trying or Proceeding
  Effects GiveUp(Effect::Kind tell, TimerName timer = TimerName::kA);
  Effects Terminate(Effects out);

  const TimerProfile* profile_;  // not copied: the caller's profile must outlive the machine
  bool reliable_;
  Message request_;
  State state_ = State::kTrying;
  sim::Duration interval_;  // the running Timer E's duration
  int retransmissions_ = 0;
};

const char* StateName(ClientNonInviteTransaction::State s);

}  // namespace crankback::sip
