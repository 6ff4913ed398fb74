// A node's SIP timer values (RFC 3261 Table 4) and the transaction behaviours
// that real stacks configure differently (sip-semantics.md Appendix 2), never
// global. Timers derived from T1/T2/T4 stay derived unless overridden, so a
// profile with T1 = 1 s gets Timer B = 64 s, not 32 s (A1b).
//
//   TimerProfile kam = KamailioProfile();   // T1 = 0.5 s, fr_timer 30 s, ...
//   kam.t1 = sim::Duration::Seconds(1);     // every field can be overridden
#pragma once

#include <algorithm>
#include <optional>

#include "models/sip/message.h"
#include "sim/time.h"

namespace crankback::sip {

struct TimerProfile {
  sim::Duration t1 = sim::Duration::Millis(500);
  sim::Duration t2 = sim::Duration::Seconds(4);
  sim::Duration t4 = sim::Duration::Seconds(5);

  // --- Client request retransmission (Timers A and E) ---------------------
  // Appendix 2 item 4 (D1): Timer A doubles without a cap (RFC) or is capped
  // at T2 like Timer E (Kamailio, OpenSIPS, siphon-rs).
  bool invite_retransmit_capped_at_t2 = false;
  // Appendix 2 item 3 (B2): a 1xx in NICT Trying leaves the running Timer E
  // alone and its next firing resets it to T2 (RFC), or restarts E at T2 from
  // the 1xx (PJSIP, Kamailio).
  bool nict_provisional_restarts_e_at_t2 = false;
  // Give up (timeout to the TU) when Timer A/E fires after this many
  // retransmissions, like a tester that counts instead of running Timer B/F.
  // nullopt: retransmit until Timer B/F (RFC).
  std::optional<int> max_invite_retransmissions;
  std::optional<int> max_non_invite_retransmissions;

  // --- Local give-up timers beside Timer B/F -------------------------------
  // Kamailio fr_timer: a local 408 (timeout to the TU) when no final response
  // arrives in time; for an INVITE it stops at the first 1xx. Runs beside
  // Timer B/F; whichever fires first ends the transaction. nullopt: none.
  std::optional<sim::Duration> final_response_timeout;
  // Kamailio fr_inv_timer: a proxy's give-up for a ringing INVITE (P6, D3).
  // Not used by the transactions (an ICT has no timeout in Proceeding, A4).
  std::optional<sim::Duration> invite_final_response_timeout;
  // P10/D9: a proxy passes a 503 upstream as 500. Not used by transactions.
  bool rewrite_503_to_500 = false;

  // --- Server 100 Trying ------------------------------------------------------
  // C1: the IST sends 100 this long after the INVITE unless the TU has sent a
  // response by then; 0 sends it at once; nullopt never (the TU does).
  std::optional<sim::Duration> invite_trying_delay = sim::Duration::Millis(200);
  // E2 (RFC 4320 §4.1): the NIST sends 100 when it has not responded by the
  // time the client's Timer E reaches T2 (3.5 s with defaults).
  bool non_invite_trying = true;
  std::optional<sim::Duration> non_invite_trying_delay;  // nullopt: NonInviteTryingDelay()

  // --- UA core: reliable provisional responses (RFC 3262) -------------------
  // As a UAC: the 100rel header its INVITEs carry (kSupported, kRequired) or
  // none. As a UAS: with anything but kNone it sends 180/183 reliably when the
  // INVITE offers 100rel (R1); with kNone it answers Require: 100rel with 420,
  // and with kRequired an INVITE without 100rel gets 421.
  Rel100 rel100 = Rel100::kNone;
  // Appendix 2 item 8 (R3): the 5xx sent when no PRACK arrives by 64*T1
  // (sofia-sip 503 "Reliable Response Time-Out"; PJSIP 504, older PJSIP 500)
  // and whether the first retransmission waits T1 (RFC) or 2*T1 (PJSIP).
  int reliable_provisional_give_up_code = 503;
  bool reliable_provisional_first_retry_at_2t1 = false;

  // --- UA core: CANCEL --------------------------------------------------------
  // Appendix 2 item 9 (Y6): a CANCEL that arrives after the 2xx finds the
  // RFC 6026 IST in Accepted and gets 200 (false), or finds an RFC 3261-only
  // IST already destroyed and gets 481 (true).
  bool cancel_after_2xx_gets_481 = false;
  // Appendix 2 item 10 (Y7): a UAC whose INVITE has no final response this
  // long after its CANCEL treats it as cancelled and the TU sees a local 408.
  // nullopt: 64*T1 (RFC); reSIProcate waits 128*T1.
  std::optional<sim::Duration> cancel_cleanup;

  // --- UA core: session timer (RFC 4028) ---------------------------------------
  // As UAC, the Session-Expires its INVITEs carry (nullopt: none). A leg whose
  // INVITE carried one is refreshed by its UAC with a re-INVITE every SE/2;
  // its UAS ends the session with BYE at SE - min(32 s, SE/3) without a
  // refresh (RFC 4028 section 10).
  std::optional<sim::Duration> session_expires;

  // --- Overrides of derived timers (nullopt: the RFC value) --------------------
  std::optional<sim::Duration> timer_b, timer_d, timer_f, timer_h, timer_i, timer_j, timer_k,
      timer_l, timer_m;

  sim::Duration TimerB() const { return timer_b.value_or(64 * t1); }
  // RFC: "at least 32 s" over UDP; 64*T1 when that is longer, as sofia-sip
  // does, so that it outlives the peer's Timer G retransmissions (A6).
  sim::Duration TimerD() const {
    return timer_d.value_or(std::max(sim::Duration::Seconds(32), 64 * t1));
  }
  sim::Duration TimerF() const { return timer_f.value_or(64 * t1); }
  sim::Duration TimerH() const { return timer_h.value_or(64 * t1); }
  sim::Duration TimerI() const { return timer_i.value_or(t4); }
  sim::Duration TimerJ() const { return timer_j.value_or(64 * t1); }
  sim::Duration TimerK() const { return timer_k.value_or(t4); }
  sim::Duration TimerL() const { return timer_l.value_or(64 * t1); }
  sim::Duration TimerM() const { return timer_m.value_or(64 * t1); }
  sim::Duration CancelCleanup() const { return cancel_cleanup.value_or(64 * t1); }
  // R3: no PRACK for a reliable 1xx by then: the INVITE gets the give-up 5xx.
  sim::Duration ReliableProvisionalTimeout() const { return 64 * t1; }
  // RFC 4320 §4.1: when a client's Timer E, fired at T1, 3*T1, 7*T1, ...,
  // is first set to T2 (3.5 s with defaults, 3 s with T1 = 1 s).
  sim::Duration NonInviteTryingDelay() const {
    if (non_invite_trying_delay) return *non_invite_trying_delay;
    sim::Duration at;
    sim::Duration interval = t1;
    do {
      at += interval;
      interval = interval * 2;
    } while (interval < t2);
    return at;
  }
};

// The Session-Expires value (seconds) a UAC with this profile puts on its INVITEs; 0: none.
inline int32_t SessionExpiresField(const TimerProfile& p) {
  return p.session_expires ? static_cast<int32_t>(p.session_expires->nanos() / 1'000'000'000) : 0;
}

// RFC 3261 Table 4 with RFC 6026 and RFC 4320: the defaults above.
inline TimerProfile Rfc3261Profile() { return TimerProfile{}; }

// Kamailio tm module defaults: kamailio:src/modules/tm/config.h (FR_TIME_OUT
// 30000, INV_FR_TIME_OUT 120000, WT_TIME_OUT 5000, RETR_T1 500, RETR_T2 4000);
// INVITE retransmissions capped at T2 (src/modules/tm/timer.c
// retr_buf_handler); NICT retransmit switched to T2 on a 1xx
// (src/modules/tm/t_reply.c switch_rb_retr_to_t2); auto_inv_100 = 1
// (src/modules/tm/config.c) and no automatic 100 for other methods; 503
// passed upstream as 500 (sip-semantics.md D9). D1: 10 INVITE transmissions
// (0, 0.5, 1.5, 3.5, 7.5, 11.5, ..., 27.5) then a local 408 at 30.0 s.
inline TimerProfile KamailioProfile() {
  TimerProfile p;
  p.invite_retransmit_capped_at_t2 = true;
  p.nict_provisional_restarts_e_at_t2 = true;
  p.final_response_timeout = sim::Duration::Seconds(30);
  p.invite_final_response_timeout = sim::Duration::Seconds(120);
  p.rewrite_503_to_500 = true;
  p.invite_trying_delay = sim::Duration();
  p.non_invite_trying = false;
  p.timer_d = sim::Duration::Seconds(5);  // wt_timer: state kept after a final
  p.timer_j = sim::Duration::Seconds(5);
  return p;
}

// SIPp as a load tester: SIPp/sipp include/call.hpp
// (UDP_MAX_RETRANS_INVITE_TRANSACTION 5, UDP_MAX_RETRANS_NON_INVITE_TRANSACTION
// 9, DEFAULT_T2_TIMER_VALUE 4000; the -max_retrans help text still says "7
// for others", the code says 9); the scenarios' retrans="500" is T1.
// src/call.cpp call::run() doubles the delay on each retransmission, capped
// at T2 for non-INVITE only, and when the retransmit timer fires with
// ++nb_retrans > max it gives up ("timeout on max UDP retrans") instead of
// sending. So an unanswered INVITE goes out 6 times (0, 0.5, 1.5, 3.5, 7.5,
// 15.5) and a non-INVITE 10 times (0, 0.5, 1.5, 3.5, 7.5, ..., 27.5), both
// given up at 31.5 s, before Timer B/F. SIPp sends no 100 of its own (its
// scenarios do).
inline TimerProfile SippProfile() {
  TimerProfile p;
  p.max_invite_retransmissions = 5;
  p.max_non_invite_retransmissions = 9;
  p.invite_trying_delay = std::nullopt;
  p.non_invite_trying = false;
  return p;
}

}  // namespace crankback::sip
