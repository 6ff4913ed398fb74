#include "models/policy/dialect.h"

#include <initializer_list>
#include <utility>

namespace crankback::policy {

const char* ConditionName(Condition c) {
  switch (c) {
    case Condition::kSessionCap:
      return "session_cap";
    case Condition::kUnallocated:
      return "unallocated";
    case Condition::kUserBusy:
      return "user_busy";
    case Condition::kNoAnswer:
      return "no_answer";
    case Condition::kDeclined:
      return "declined";
    case Condition::kCpsLimit:
      return "cps_limit";
    case Condition::kOverload:
      return "overload";
    case Condition::kServerFault:
      return "server_fault";
    case Condition::kFraudBlock:
      return "fraud_block";
    case Condition::kFraudClear:
      return "fraud_clear";
    case Condition::kFraudRedirect:
      return "fraud_redirect";
    case Condition::kCodecMismatch:
      return "codec_mismatch";
  }
  return "?";
}

namespace {

using C = Condition;

struct Entry {
  Condition condition;
  Rejection rejection;
};

// The RFC 3398 base every preset starts from: each condition's Q.850 cause and
// the code section 7.2.4.1 gives it (sip-semantics M3). Fraud clear and fraud
// redirect have no ISUP meaning, so only a scorer's dialect names them.
constexpr Entry kRfc3398[] = {
    {C::kSessionCap, {503, 0, 34}},     // no circuit/channel available
    {C::kUnallocated, {404, 0, 1}},     // unallocated number
    {C::kUserBusy, {486, 0, 17}},       // user busy
    {C::kNoAnswer, {480, 0, 19}},       // no answer from user (ISUP T9, 7.2.8)
    {C::kDeclined, {603, 0, 21}},       // call rejected, location "user" -> 603
    {C::kCpsLimit, {503, 0, 47}},       // resource unavailable, unspecified
    {C::kOverload, {503, 0, 42}},       // switching equipment congestion
    {C::kServerFault, {500, 0, 127}},   // interworking, unspecified
    {C::kFraudBlock, {603, 0, 21}},     // call rejected, location "user"
    {C::kCodecMismatch, {488, 0, 65}},  // bearer capability not implemented
};

// The RFC 3398 base with `overrides` on top, and 500 for conditions neither names.
Dialect Make(std::string name, std::initializer_list<Entry> overrides) {
  Dialect d;
  d.name = std::move(name);
  for (const Entry& e : kRfc3398) d.entries[static_cast<size_t>(e.condition)] = e.rejection;
  for (const Entry& e : overrides) d.entries[static_cast<size_t>(e.condition)] = e.rejection;
  d.fallback = Rejection{500, 0, 0};
  return d;
}

}  // namespace

std::vector<Dialect> PresetDialects() {
  return {
      // RFC 3398 section 7.2.4.1: ISUP cause 34 (no circuit available) -> 503,
      // cause 1 (unallocated number) -> 404, and the rest of the base above.
      Make("rfc3398", {}),
      // A PBX at its line or channel limit answering 486 Busy Here (commonly
      // reported; sip-semantics D2), the code that stops most SBC route lists;
      // a logged-out or unknown user is 404 (the guide: "another returns 404").
      Make("pbx-486", {{C::kSessionCap, {486, 0, 17}}}),
      // A carrier whose no-answer timer answers 408 (RFC 3398: Q.850 cause 18,
      // no user responding -> 408; Kamailio's fr_inv_timer does the same).
      Make("carrier-408-no-answer", {{C::kNoAnswer, {408, 0, 18}}}),
      // FreeSWITCH (signalwire/freeswitch src/mod/endpoints/mod_sofia/sofia.c,
      // sofia_event_callback): past max-sessions, or when the core refuses new
      // sessions (sessions-per-second), "503 Maximum Calls In Progress" with
      // Retry-After: 300; a message queue past its critical mark gives "503 System
      // Busy", Retry-After: 300. No Reason: no channel exists yet. The callee side
      // follows mod_sofia.c hangup_cause_to_sip (sip-semantics M7): 21 -> 603,
      // 19 -> 480, and INCOMPATIBLE_DESTINATION (88) -> 488 for a codec mismatch.
      Make("freeswitch", {{C::kSessionCap, {503, 300, 0}},
                          {C::kCpsLimit, {503, 300, 0}},
                          {C::kOverload, {503, 300, 0}},
                          {C::kCodecMismatch, {488, 0, 88}}}),
      // Asterisk chan_pjsip (asterisk/asterisk channels/chan_pjsip.c,
      // hangup_cause2sip): a call limit hangs up with cause 42 -> 503
      // (sip-semantics D2); 21 -> 403, not 603; AST_CAUSE_FAILURE (38) -> 500;
      // BEARERCAPABILITY_NOTAVAIL (58, "can't find codec") -> 488.
      Make("asterisk", {{C::kSessionCap, {503, 0, 42}},
                        {C::kCpsLimit, {503, 0, 42}},
                        {C::kOverload, {503, 0, 42}},
                        {C::kDeclined, {403, 0, 21}},
                        {C::kFraudBlock, {403, 0, 21}},
                        {C::kServerFault, {500, 0, 38}},
                        {C::kCodecMismatch, {488, 0, 58}}}),
      // Ribbon (Sonus) SBC 1000/2000 Call Admission Control Profile: it limits
      // call attempts per second and detects overload, and "when rejecting calls
      // or sessions on account of admission-control, SBC sends 480 Temporarily
      // Unavailable" (SBC 1000/2000 4.1 docs; sip-semantics D2).
      Make("ribbon", {{C::kSessionCap, {480, 0, 0}},
                      {C::kCpsLimit, {480, 0, 0}},
                      {C::kOverload, {480, 0, 0}}}),
      // AudioCodes Mediant SBC Call Admission Control: requests past the limit
      // ("maximum concurrent calls and/or call rate") with no alternative route
      // are rejected with 480 Temporarily Unavailable (Mediant user's manuals,
      // "Configuring Call Admission Control"; sip-semantics D2).
      Make("audiocodes", {{C::kSessionCap, {480, 0, 0}}, {C::kCpsLimit, {480, 0, 0}}}),
      // Avaya Session Manager call admission control rejects with 488 Not
      // Acceptable Here (sip-semantics D2).
      Make("avaya", {{C::kSessionCap, {488, 0, 0}}}),
      // ClearIP, a fraud scorer queried as a redirect server: 404 Not Found when
      // no fraud is detected (route advance; it can be set to 503 instead), 603
      // to block, 302 to divert (docs.clearip.com "Call Flow Diagrams" and the
      // call processing table of "General Setup"; the guide's 404/603/302).
      Make("clearip", {{C::kFraudClear, {404, 0, 0}},
                       {C::kFraudBlock, {603, 0, 0}},
                       {C::kFraudRedirect, {302, 0, 0}}}),
  };
}

std::optional<Dialect> FindPresetDialect(std::string_view name) {
  for (Dialect& d : PresetDialects()) {
    if (d.name == name) return std::move(d);
  }
  return std::nullopt;
}

}  // namespace crankback::policy
