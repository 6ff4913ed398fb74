// SIP text for a compact Message, for traces and packet captures only: the
// simulator itself never formats or parses a message.
//
//   WireContext ctx{.from_host = "10.0.0.1", .to_host = "10.0.0.2", .leg_caller = 0};
//   std::string text = RenderSip(invite, ctx);   // "INVITE sip:...@10.0.0.2:5060 SIP/2.0\r\n..."
//
// What a Message does not carry is derived from it, the same way every time:
// the Via branch from (Call-ID, CSeq, transaction method, client, server) and
// the tags from the Call-ID and the side of the leg, so one transaction shows
// one branch and one dialog the same tags in every rendering of a run.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "models/sip/message.h"

namespace crankback::sip {

// Facts about one transmission that the compact Message leaves out.
struct WireContext {
  std::string_view from_host;  // where `message.from` is reached, e.g. "10.0.0.1"
  std::string_view to_host;    // where `message.to` is reached
  sim::NodeId leg_caller = 0;  // the node that sent the leg's INVITE: the dialog's From side
  bool ack_for_2xx = false;    // an ACK confirming a 2xx, not a non-2xx final
  std::string_view dialled;    // the Request-URI user (dialled number); empty = "unknown"
};

// The complete message: start line, headers and the empty line, CRLF line ends,
// no body ("Content-Length: 0").
std::string RenderSip(const Message& m, const WireContext& ctx);

// "z9hG4bK" + 16 hex digits. The transaction of a request is (Call-ID, CSeq,
// method, client, server); a response belongs to its request's transaction.
// An ACK for a non-2xx and a CANCEL share their INVITE's branch (RFC 3261
// 17.1.1.3, 9.1); an ACK for a 2xx is a transaction of its own (RFC 3261 13.2.2.4).
std::string BranchOf(const Message& m, bool ack_for_2xx);
// The dialog tag of the leg's caller (From of its INVITE) or callee (To).
std::string TagOf(uint64_t call_id, bool caller);
// The Call-ID header value: the 64-bit id in hex, "@crankback".
std::string CallIdText(uint64_t call_id);
// The reason phrase of a status code (RFC 3261 21 and later RFCs; the class
// name for codes without one).
const char* ReasonPhrase(int status);

}  // namespace crankback::sip
