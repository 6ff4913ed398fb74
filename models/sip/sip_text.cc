#include "models/sip/sip_text.h"

#include <cctype>
#include <cstdio>

#include "sim/rng.h"

namespace crankback::sip {

namespace {

std::string Hex(uint64_t value, int digits) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%0*llx", digits, static_cast<unsigned long long>(value));
  return buf;
}

// A URI user part: unreserved characters as they are, the rest %-escaped (RFC 3261 25.1).
std::string UriUser(std::string_view user) {
  if (user.empty()) return "unknown";
  static constexpr std::string_view kUnreserved = "-_.!~*'()+";
  std::string out;
  for (const char c : user) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) != 0 || kUnreserved.find(c) != std::string_view::npos) {
      out += c;
    } else {
      out += '%' + Hex(u, 2);
    }
  }
  return out;
}

}  // namespace

std::string BranchOf(const Message& m, bool ack_for_2xx) {
  const bool request = m.is_request();
  const sim::NodeId client = request ? m.from : m.to;
  const sim::NodeId server = request ? m.to : m.from;
  Method method = m.method;
  if (method == Method::kCancel || (method == Method::kAck && !ack_for_2xx)) {
    method = Method::kInvite;
  }
  const uint64_t hop = uint64_t{client} << 32 | server;
  const uint64_t h = sim::Mix64(m.call_id ^ sim::Mix64(uint64_t{m.cseq} << 8 | uint64_t(method)) ^
                                sim::Mix64(hop + 0x9e3779b97f4a7c15ULL));
  return "z9hG4bK" + Hex(h, 16);
}

std::string TagOf(uint64_t call_id, bool caller) {
  return Hex(sim::Mix64(call_id ^ (caller ? 0x243f6a8885a308d3ULL : 0x13198a2e03707344ULL)) >> 32,
             8);
}

std::string CallIdText(uint64_t call_id) { return Hex(call_id, 1) + "@crankback"; }

const char* ReasonPhrase(int status) {
  switch (status) {
    // clang-format off
    case 100: return "Trying";
    case 180: return "Ringing";
    case 181: return "Call Is Being Forwarded";
    case 182: return "Queued";
    case 183: return "Session Progress";
    case 199: return "Early Dialog Terminated";
    case 200: return "OK";
    case 202: return "Accepted";
    case 204: return "No Notification";
    case 300: return "Multiple Choices";
    case 301: return "Moved Permanently";
    case 302: return "Moved Temporarily";
    case 305: return "Use Proxy";
    case 380: return "Alternative Service";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 402: return "Payment Required";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 406: return "Not Acceptable";
    case 407: return "Proxy Authentication Required";
    case 408: return "Request Timeout";
    case 410: return "Gone";
    case 412: return "Conditional Request Failed";
    case 413: return "Request Entity Too Large";
    case 414: return "Request-URI Too Long";
    case 415: return "Unsupported Media Type";
    case 416: return "Unsupported URI Scheme";
    case 417: return "Unknown Resource-Priority";
    case 420: return "Bad Extension";
    case 421: return "Extension Required";
    case 422: return "Session Interval Too Small";
    case 423: return "Interval Too Brief";
    case 428: return "Use Identity Header";
    case 429: return "Provide Referrer Identity";
    case 430: return "Flow Failed";
    case 433: return "Anonymity Disallowed";
    case 436: return "Bad Identity-Info";
    case 437: return "Unsupported Certificate";
    case 438: return "Invalid Identity Header";
    case 439: return "First Hop Lacks Outbound Support";
    case 440: return "Max-Breadth Exceeded";
    case 469: return "Bad Info Package";
    case 470: return "Consent Needed";
    case 480: return "Temporarily Unavailable";
    case 481: return "Call/Transaction Does Not Exist";
    case 482: return "Loop Detected";
    case 483: return "Too Many Hops";
    case 484: return "Address Incomplete";
    case 485: return "Ambiguous";
    case 486: return "Busy Here";
    case 487: return "Request Terminated";
    case 488: return "Not Acceptable Here";
    case 489: return "Bad Event";
    case 491: return "Request Pending";
    case 493: return "Undecipherable";
    case 494: return "Security Agreement Required";
    case 500: return "Server Internal Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Server Time-out";
    case 505: return "Version Not Supported";
    case 513: return "Message Too Large";
    case 580: return "Precondition Failure";
    case 600: return "Busy Everywhere";
    case 603: return "Decline";
    case 604: return "Does Not Exist Anywhere";
    case 606: return "Not Acceptable";
    case 607: return "Unwanted";
    case 608: return "Rejected";
      // clang-format on
  }
  if (status < 200) return "Informational";
  if (status < 300) return "Success";
  if (status < 400) return "Redirection";
  if (status < 500) return "Client Error";
  if (status < 600) return "Server Error";
  return "Global Failure";
}

std::string RenderSip(const Message& m, const WireContext& ctx) {
  const bool request = m.is_request();
  // A response travels back along its request: the request's sender is the client.
  const std::string_view client_host = request ? ctx.from_host : ctx.to_host;
  const std::string_view server_host = request ? ctx.to_host : ctx.from_host;
  const bool caller_asks = (request ? m.from : m.to) == ctx.leg_caller;
  const std::string_view caller_host = caller_asks ? client_host : server_host;
  const std::string_view callee_host = caller_asks ? server_host : client_host;
  const std::string user = UriUser(ctx.dialled);
  const bool in_dialog =
      m.in_dialog || m.method == Method::kBye || (m.method == Method::kAck && ctx.ack_for_2xx);
  // RFC 3261 8.2.6.2: every response but 100 tags To; an ACK copies the To of
  // the response it confirms; in-dialog requests carry both tags.
  const bool to_tagged = request ? m.method == Method::kAck || in_dialog : m.status != 100;

  const std::string caller_uri = "<sip:caller@" + std::string(caller_host) + ">";
  const std::string callee_uri = "<sip:" + user + "@" + std::string(callee_host) + ">";
  const std::string caller_tag = ";tag=" + TagOf(m.call_id, true);
  const std::string callee_tag = ";tag=" + TagOf(m.call_id, false);
  std::string from, to;
  if (caller_asks) {
    from = caller_uri + caller_tag;
    to = callee_uri + (to_tagged ? callee_tag : "");
  } else {  // a request from the callee (its BYE) is always in the dialog
    from = callee_uri + callee_tag;
    to = caller_uri + caller_tag;
  }

  std::string text;
  text.reserve(512);
  auto line = [&text](std::string_view a, std::string_view b = {}, std::string_view c = {}) {
    text.append(a).append(b).append(c).append("\r\n");
  };
  if (request) {
    const std::string target = in_dialog ? "sip:" + std::string(ctx.to_host)
                                         : "sip:" + user + "@" + std::string(ctx.to_host);
    line(MethodName(m.method), " " + target + ":5060", " SIP/2.0");
  } else {
    line("SIP/2.0 ", std::to_string(m.status) + " ", ReasonPhrase(m.status));
  }
  line("Via: SIP/2.0/UDP ",
       std::string(client_host) + ":5060;branch=", BranchOf(m, ctx.ack_for_2xx));
  if (request) line("Max-Forwards: 70");
  line("From: ", from);
  line("To: ", to);
  line("Call-ID: ", CallIdText(m.call_id));
  line("CSeq: ", std::to_string(m.cseq) + " ", MethodName(m.method));
  // A reliable 1xx creates the dialog, like a 2xx (RFC 3262 4), so it names the target too.
  const bool contact = m.method == Method::kInvite &&
                       (request || (m.status >= 200 && m.status < 300) || m.rseq != 0);
  if (contact) line("Contact: <sip:", ctx.from_host, ":5060>");  // the sender's own address
  if (request && m.method == Method::kInvite && m.rel100 == Rel100::kSupported) {
    line("Supported: 100rel");
  }
  if ((request && m.rel100 == Rel100::kRequired && m.method == Method::kInvite) || m.rseq != 0 ||
      (m.status == 421 && m.rel100 == Rel100::kRequired)) {
    line("Require: 100rel");
  }
  if (m.status == 420 && m.rel100 == Rel100::kRequired) line("Unsupported: 100rel");
  if (m.rseq != 0) line("RSeq: ", std::to_string(m.rseq));
  if (m.session_expires_s > 0 && m.method == Method::kInvite &&
      (request || (m.status >= 200 && m.status < 300))) {
    line("Session-Expires: ", std::to_string(m.session_expires_s), ";refresher=uac");
  }
  if (m.method == Method::kPrack && request) {
    line("RAck: ", std::to_string(m.rack_rseq) + " " + std::to_string(m.rack_cseq), " INVITE");
  }
  if (m.reason_q850 > 0) line("Reason: Q.850;cause=", std::to_string(m.reason_q850));
  if (m.retry_after_s > 0) line("Retry-After: ", std::to_string(m.retry_after_s));
  line("Content-Length: 0");
  line("");
  return text;
}

}  // namespace crankback::sip
