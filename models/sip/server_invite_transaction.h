// The INVITE server transaction (IST) of RFC 3261 §17.2.1 with the Accepted
// state and transport-error rule of RFC 6026 §7.1 (Figure 7), sans-IO.
//
//   ServerInviteTransaction ist(profile, /*reliable_transport=*/false, invite);
//   Effects out = ist.Start(now);   // INVITE to the TU; 100 Trying per profile
//
// Proceeding: the TU's responses go out; a retransmitted INVITE gets the
// latest provisional again (C1, C2). A 300-699 is retransmitted on Timer G
// until the ACK or Timer H (C3, C4). A 2xx goes out once and the transaction
// waits in Accepted for Timer L, sending every further 2xx the TU passes (its
// own 2xx retransmissions) and passing every ACK up (C5, X1).
#pragma once

#include <cstdint>

#include "models/sip/message.h"
#include "models/sip/timer_profile.h"
#include "models/sip/transaction.h"
#include "sim/time.h"

namespace crankback::sip {

class ServerInviteTransaction : public TransactionCore {
 public:
  enum class State : uint8_t { kProceeding, kCompleted, kConfirmed, kAccepted, kTerminated };

  // `profile` is kept by address: it must outlive the machine.
  ServerInviteTransaction(const TimerProfile& profile, bool reliable_transport,
                          const Message& request);
  ServerInviteTransaction(TimerProfile&&, bool, const Message&) = delete;

  Effects Start(sim::SimTime now);
  Effects OnInput(sim::SimTime now, const Input& in);

  State state() const { return state_; }
  const Message& request() const { return request_; }
  // The latest response sent (status 0: none yet).
  const Message& last_response() const { return last_response_; }

 private:
  Effects InProceeding(const Input& in);
  Effects InCompleted(const Input& in);
  Effects InConfirmed(const Input& in);
  Effects InAccepted(const Input& in);
  Effects OnTuResponse(const Message& response);  // Proceeding
  Effects Resend();
  Effects Terminate(Effects out);
  void Send(Effects& out, const Message& response);

  const TimerProfile* profile_;  // not copied: the caller's profile must outlive the machine
  bool reliable_;
  Message request_;
  Message last_response_;
  State state_ = State::kProceeding;
  sim::Duration interval_;  // the running Timer G's duration
};

const char* StateName(ServerInviteTransaction::State s);

}  // namespace crankback::sip
