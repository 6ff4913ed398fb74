// The non-INVITE server transaction (NIST) of RFC 3261 §17.2.2 with the
// RFC 4320 rules for 100 Trying and 408, sans-IO.
//
//   ServerNonInviteTransaction nist(profile, /*reliable_transport=*/false, bye);
//   Effects out = nist.Start(now);   // the BYE to the TU; RFC 4320 100 timer
//
// Trying: request retransmissions are absorbed; if the TU has not answered
// when the client's Timer E reaches T2 (3.5 s), the transaction sends 100
// itself (E2). Proceeding resends the latest 1xx, Completed the final, on each
// request retransmission, until Timer J (E1). It never sends a 408 or any 1xx
// other than 100 (E4), and has no timeout of its own before the TU answers.
#pragma once

#include <cstdint>

#include "models/sip/message.h"
#include "models/sip/timer_profile.h"
#include "models/sip/transaction.h"
#include "sim/time.h"

namespace crankback::sip {

class ServerNonInviteTransaction : public TransactionCore {
 public:
  enum class State : uint8_t { kTrying, kProceeding, kCompleted, kTerminated };

  // `profile` is kept by address: it must outlive the machine.
  ServerNonInviteTransaction(const TimerProfile& profile, bool reliable_transport,
                             const Message& request);
  ServerNonInviteTransaction(TimerProfile&&, bool, const Message&) = delete;

  Effects Start(sim::SimTime now);
  Effects OnInput(sim::SimTime now, const Input& in);

  State state() const { return state_; }
  const Message& request() const { return request_; }
  // The latest response sent (status 0: none yet).
  const Message& last_response() const { return last_response_; }

 private:
  Effects InTrying(const Input& in);
  Effects InProceeding(const Input& in);
  Effects InCompleted(const Input& in);
  Effects OnTuResponse(const Input& in);  // Trying or Proceeding
  Effects OnRetransmission(const Input& in);
  Effects OnTransportError();
  Effects Terminate(Effects out);
  void Send(Effects& out, const Message& response);

  const TimerProfile* profile_;  // not copied: the caller's profile must outlive the machine
  bool reliable_;
  Message request_;
  Message last_response_;
  State state_ = State::kTrying;
};

const char* StateName(ServerNonInviteTransaction::State s);

}  // namespace crankback::sip
