// Q.850 (ISUP) causes and SIP responses: the RFC 3398 tables both ways, and the
// names of the common causes for readable traces.
//
//   int code = SipCodeForQ850(34);                   // 503: no circuit available
//   int cause = Q850ForSipCode(486);                 // 17: user busy
//
// A gateway uses the first table when a REL arrives before it sent a final
// response (RFC 3398 section 7.2.4.1), the second when a failure response
// arrives to its INVITE (section 8.2.6.1). Both are RECOMMENDED, not required:
// real products differ (sip-semantics M7), which is what dialects are for.
#pragma once

#include <cstdint>
#include <string_view>

namespace crankback::policy {

inline constexpr int kMinQ850Cause = 1;
inline constexpr int kMaxQ850Cause = 127;

// Where the cause arose (the Q.850 location field). RFC 3398 7.2.4.1 note (+):
// cause 21 (call rejected) at the user gives 603 Decline instead of 403.
enum class CauseLocation : uint8_t { kNetwork, kUser };

// RFC 3398 section 7.2.4.1 (sip-semantics M3): the SIP response for a Q.850
// cause. 0 for cause 16 (normal clearing ends the call with BYE or CANCEL, not a
// response) and 44 (ISUP-internal); 500 for any cause the table does not list.
// Cause 22 gives 410: its 301 variant needs a new number in the diagnostic,
// which the simulator does not carry.
int SipCodeForQ850(int cause, CauseLocation location = CauseLocation::kNetwork);

// RFC 3398 section 8.2.6.1 (sip-semantics M4): the Q.850 cause for a SIP failure
// response. 0 for 487 (no mapping); 31 for 488 and 606 (chosen by the Warning
// header, 31 without one) and for any code the table does not list.
int Q850ForSipCode(int code);

// ITU-T Q.850's name for a cause, in lower case ("user busy"); "unknown cause"
// for a value outside the table.
std::string_view Q850CauseName(int cause);

}  // namespace crankback::policy
