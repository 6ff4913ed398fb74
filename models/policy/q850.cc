#include "models/policy/q850.h"

#include <array>

namespace crankback::policy {

namespace {

struct Row {
  int16_t from;
  int16_t to;
};

// RFC 3398 section 7.2.4.1, "ISUP Cause value -> SIP response", row by row.
// Notes kept from the RFC: 16 usually results in BYE or CANCEL (*); 21 is 403,
// or 603 when the cause location is "user" (+); 26 is ANSI's misrouted ported
// number (=); 22 is 301 with a Contact when the diagnostic carries the new
// number. Cause 44 is ISUP-internal (re-select the circuit) and answers nothing
// (sip-semantics M3). Some copies of the table print 29 -> "510 Not
// implemented": SIP has no 510, and the phrase is 501's.
constexpr Row kQ850ToSip[] = {
    {1, 404},  {2, 404},  {3, 404},   {16, 0},    {17, 486},  {18, 408}, {19, 480},
    {20, 480}, {21, 403}, {22, 410},  {23, 410},  {26, 404},  {27, 502}, {28, 484},
    {29, 501}, {31, 480}, {34, 503},  {38, 503},  {41, 503},  {42, 503}, {44, 0},
    {47, 503}, {55, 403}, {57, 403},  {58, 503},  {65, 488},  {70, 488}, {79, 501},
    {87, 403}, {88, 503}, {102, 504}, {111, 500}, {127, 500},
};
constexpr int kDefaultSipCode = 500;  // "any other cause value": 500 Server internal error

// RFC 3398 section 8.2.6.1, "Response received -> Cause value in the REL".
// 487 has no mapping (0 here); 488 and 606 take their cause from the Warning
// header, 31 without one. The RFC's "504 Version Not Supported" row is 505.
constexpr Row kSipToQ850[] = {
    {400, 41},  {401, 21}, {402, 21},  {403, 21},  {404, 1},  {405, 63},  {406, 79},  {407, 21},
    {408, 102}, {410, 22}, {413, 127}, {414, 127}, {415, 79}, {416, 127}, {420, 127}, {421, 127},
    {423, 127}, {480, 18}, {481, 41},  {482, 25},  {483, 25}, {484, 28},  {485, 1},   {486, 17},
    {487, 0},   {488, 31}, {500, 41},  {501, 79},  {502, 38}, {503, 41},  {504, 102}, {505, 127},
    {513, 127}, {600, 17}, {603, 21},  {604, 1},   {606, 31},
};
constexpr int kDefaultQ850Cause = 31;  // "normal, unspecified"

struct Name {
  int16_t cause;
  const char* name;
};

// ITU-T Q.850 Table 1, the causes carriers actually send.
constexpr Name kNames[] = {
    {1, "unallocated (unassigned) number"},
    {2, "no route to specified transit network"},
    {3, "no route to destination"},
    {4, "send special information tone"},
    {5, "misdialled trunk prefix"},
    {6, "channel unacceptable"},
    {7, "call awarded and being delivered in an established channel"},
    {8, "preemption"},
    {9, "preemption - circuit reserved for reuse"},
    {16, "normal call clearing"},
    {17, "user busy"},
    {18, "no user responding"},
    {19, "no answer from user (user alerted)"},
    {20, "subscriber absent"},
    {21, "call rejected"},
    {22, "number changed"},
    {23, "redirection to new destination"},
    {25, "exchange routing error"},
    {26, "non-selected user clearing"},
    {27, "destination out of order"},
    {28, "invalid number format (address incomplete)"},
    {29, "facility rejected"},
    {30, "response to status enquiry"},
    {31, "normal, unspecified"},
    {34, "no circuit/channel available"},
    {38, "network out of order"},
    {41, "temporary failure"},
    {42, "switching equipment congestion"},
    {43, "access information discarded"},
    {44, "requested circuit/channel not available"},
    {47, "resource unavailable, unspecified"},
    {49, "quality of service not available"},
    {50, "requested facility not subscribed"},
    {55, "incoming calls barred within CUG"},
    {57, "bearer capability not authorized"},
    {58, "bearer capability not presently available"},
    {63, "service or option not available, unspecified"},
    {65, "bearer capability not implemented"},
    {66, "channel type not implemented"},
    {69, "requested facility not implemented"},
    {70, "only restricted digital information bearer capability is available"},
    {79, "service or option not implemented, unspecified"},
    {81, "invalid call reference value"},
    {87, "user not member of CUG"},
    {88, "incompatible destination"},
    {95, "invalid message, unspecified"},
    {96, "mandatory information element is missing"},
    {97, "message type non-existent or not implemented"},
    {99, "information element / parameter non-existent or not implemented"},
    {100, "invalid information element contents"},
    {102, "recovery on timer expiry"},
    {111, "protocol error, unspecified"},
    {127, "interworking, unspecified"},
};

// Direct lookup over the whole key range, filled from the rows above.
template <size_t N, size_t K>
constexpr std::array<int16_t, N> Index(const Row (&rows)[K], int offset, int fallback) {
  std::array<int16_t, N> out{};
  out.fill(static_cast<int16_t>(fallback));
  for (const Row& r : rows) out[static_cast<size_t>(r.from - offset)] = r.to;
  return out;
}

constexpr auto kSipByCause = Index<kMaxQ850Cause + 1>(kQ850ToSip, 0, kDefaultSipCode);
constexpr int kFirstCode = 100;
constexpr auto kCauseByCode = Index<700 - kFirstCode>(kSipToQ850, kFirstCode, kDefaultQ850Cause);

}  // namespace

int SipCodeForQ850(int cause, CauseLocation location) {
  if (cause == 21 && location == CauseLocation::kUser) return 603;
  if (cause < 0 || cause > kMaxQ850Cause) return kDefaultSipCode;
  return kSipByCause[static_cast<size_t>(cause)];
}

int Q850ForSipCode(int code) {
  if (code < kFirstCode || code >= 700) return kDefaultQ850Cause;
  return kCauseByCode[static_cast<size_t>(code - kFirstCode)];
}

std::string_view Q850CauseName(int cause) {
  for (const Name& n : kNames) {
    if (n.cause == cause) return n.name;
  }
  return "unknown cause";
}

}  // namespace crankback::policy
