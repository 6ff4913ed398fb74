// SIP text rendering: every message kind is a well-formed RFC 3261 message
// (CRLF lines, an empty line, a Content-Length that matches the body), with the
// headers its kind needs, and branches and tags that tie transactions and
// dialogs together.
#include "models/sip/sip_text.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

namespace crankback::sip {
namespace {

constexpr sim::NodeId kCaller = 0;  // 10.0.0.1, sends the leg's INVITE
constexpr sim::NodeId kCallee = 1;  // 10.0.0.2
constexpr uint64_t kCallId = (uint64_t{1} << 40) | 5;

Message Sent(Message m, sim::NodeId from, sim::NodeId to) {
  m.from = from;
  m.to = to;
  return m;
}

Message Invite() {
  Message m = Sent(Message::Request(Method::kInvite, kCallId, 1), kCaller, kCallee);
  m.destination = 0;
  return m;
}

Message Response(int status, const Message& request = Invite()) {
  return Sent(Message::ResponseTo(request, status), request.to, request.from);
}

std::string Render(const Message& m, bool ack_for_2xx = false) {
  WireContext ctx;
  ctx.from_host = m.from == kCaller ? "10.0.0.1" : "10.0.0.2";
  ctx.to_host = m.to == kCaller ? "10.0.0.1" : "10.0.0.2";
  ctx.leg_caller = kCaller;
  ctx.ack_for_2xx = ack_for_2xx;
  ctx.dialled = "+44 20";
  return RenderSip(m, ctx);
}

// The start line and the header lines; fails the test unless the text is
// CRLF-terminated lines, one empty line, and a body of Content-Length bytes.
std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t at = 0;
  while (true) {
    const size_t end = text.find("\r\n", at);
    if (end == std::string::npos) {
      ADD_FAILURE() << "no empty line ends the headers:\n" << text;
      return lines;
    }
    std::string line = text.substr(at, end - at);
    at = end + 2;
    EXPECT_EQ(line.find_first_of("\r\n"), std::string::npos) << "bare CR or LF in: " << line;
    if (line.empty()) break;
    lines.push_back(line);
  }
  const std::string body = text.substr(at);
  bool has_length = false;
  for (const std::string& l : lines) {
    if (l.rfind("Content-Length: ", 0) == 0) {
      has_length = true;
      EXPECT_EQ(l.substr(16), std::to_string(body.size()));
    }
  }
  EXPECT_TRUE(has_length) << text;
  return lines;
}

std::optional<std::string> Header(const std::string& text, const std::string& name) {
  std::optional<std::string> value;
  for (const std::string& l : Lines(text)) {
    if (l.rfind(name + ": ", 0) == 0) {
      EXPECT_FALSE(value.has_value()) << "two " << name << " headers";
      value = l.substr(name.size() + 2);
    }
  }
  return value;
}

std::string StartLine(const std::string& text) { return Lines(text).at(0); }

std::string BranchIn(const std::string& text) {
  const std::string via = Header(text, "Via").value_or("");
  const size_t at = via.find(";branch=");
  return at == std::string::npos ? "" : via.substr(at + 8);
}

bool ToTagged(const std::string& text) {
  return Header(text, "To").value_or("").find(";tag=") != std::string::npos;
}

struct Kind {
  const char* name;
  Message message;
  bool ack_for_2xx;
  const char* start_line;
  bool to_tag;
  bool contact;
};

TEST(SipText, EveryKindIsWellFormedWithTheHeadersItNeeds) {
  Message bye = Sent(Message::Request(Method::kBye, kCallId, 2), kCaller, kCallee);
  Message busy = Response(486);
  busy.reason_q850 = 17;
  Message unavailable = Response(503);
  unavailable.reason_q850 = 34;
  unavailable.retry_after_s = 30;
  const Message ack = Sent(Message::Request(Method::kAck, kCallId, 1), kCaller, kCallee);
  const Message cancel = Sent(Message::Request(Method::kCancel, kCallId, 1), kCaller, kCallee);
  const std::vector<Kind> kinds = {
      {"INVITE", Invite(), false, "INVITE sip:+44%2020@10.0.0.2:5060 SIP/2.0", false, true},
      {"100", Response(100), false, "SIP/2.0 100 Trying", false, false},
      {"180", Response(180), false, "SIP/2.0 180 Ringing", true, false},
      {"200 INVITE", Response(200), false, "SIP/2.0 200 OK", true, true},
      {"486", busy, false, "SIP/2.0 486 Busy Here", true, false},
      {"503", unavailable, false, "SIP/2.0 503 Service Unavailable", true, false},
      {"ACK non-2xx", ack, false, "ACK sip:+44%2020@10.0.0.2:5060 SIP/2.0", true, false},
      {"ACK 2xx", ack, true, "ACK sip:10.0.0.2:5060 SIP/2.0", true, false},
      {"CANCEL", cancel, false, "CANCEL sip:+44%2020@10.0.0.2:5060 SIP/2.0", false, false},
      {"BYE", bye, false, "BYE sip:10.0.0.2:5060 SIP/2.0", true, false},
      {"200 BYE", Response(200, bye), false, "SIP/2.0 200 OK", true, false},
  };
  for (const Kind& k : kinds) {
    SCOPED_TRACE(k.name);
    const std::string text = Render(k.message, k.ack_for_2xx);
    EXPECT_EQ(text.substr(text.size() - 4), "\r\n\r\n");
    EXPECT_EQ(StartLine(text), k.start_line);
    const bool request = k.message.is_request();
    EXPECT_EQ(Header(text, "Max-Forwards"),
              request ? std::optional<std::string>("70") : std::nullopt);
    EXPECT_EQ(Header(text, "Via").value_or("").rfind("SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK", 0),
              0u);  // the client's address, for a response too
    EXPECT_EQ(Header(text, "From").value_or("").rfind("<sip:caller@10.0.0.1>;tag=", 0), 0u);
    EXPECT_EQ(Header(text, "To").value_or("").rfind("<sip:+44%2020@10.0.0.2>", 0), 0u);
    EXPECT_EQ(ToTagged(text), k.to_tag);
    EXPECT_EQ(Header(text, "Call-ID"), "10000000005@crankback");
    EXPECT_EQ(Header(text, "CSeq"),
              std::to_string(k.message.cseq) + " " + MethodName(k.message.method));
    EXPECT_EQ(Header(text, "Contact").has_value(), k.contact);
    EXPECT_EQ(Header(text, "Content-Length"), "0");
  }
  EXPECT_EQ(Header(Render(Invite()), "Contact"), "<sip:10.0.0.1:5060>");
  EXPECT_EQ(Header(Render(Response(200)), "Contact"), "<sip:10.0.0.2:5060>");
  EXPECT_EQ(Header(Render(busy), "Reason"), "Q.850;cause=17");
  EXPECT_EQ(Header(Render(busy), "Retry-After"), std::nullopt);
  EXPECT_EQ(Header(Render(unavailable), "Reason"), "Q.850;cause=34");
  EXPECT_EQ(Header(Render(unavailable), "Retry-After"), "30");
  EXPECT_EQ(Header(Render(Invite()), "Reason"), std::nullopt);
}

// RFC 3261 17.1.1.3 and 9.1: the ACK for a non-2xx and a CANCEL belong to the
// INVITE's transaction; 13.2.2.4: the ACK for a 2xx is a transaction of its own.
TEST(SipText, BranchesFollowTransactions) {
  const std::string invite = BranchIn(Render(Invite()));
  const Message ack = Sent(Message::Request(Method::kAck, kCallId, 1), kCaller, kCallee);
  const Message bye = Sent(Message::Request(Method::kBye, kCallId, 2), kCaller, kCallee);
  EXPECT_EQ(invite.size(), 7u + 16u);
  for (int status : {100, 180, 200, 486}) EXPECT_EQ(BranchIn(Render(Response(status))), invite);
  EXPECT_EQ(BranchIn(Render(ack, false)), invite);
  EXPECT_NE(BranchIn(Render(ack, true)), invite);
  EXPECT_EQ(BranchIn(Render(Sent(Message::Request(Method::kCancel, kCallId, 1), kCaller, kCallee))),
            invite);
  EXPECT_NE(BranchIn(Render(bye)), invite);
  EXPECT_NE(BranchIn(Render(bye)), BranchIn(Render(ack, true)));
  EXPECT_EQ(BranchIn(Render(Response(200, bye))), BranchIn(Render(bye)));
  // Another leg of the same call (another Call-ID) has other branches.
  Message other = Invite();
  other.call_id = kCallId + 1;
  EXPECT_NE(BranchIn(Render(other)), invite);
  // A retransmission is the same transaction.
  Message again = Invite();
  again.retransmission = true;
  EXPECT_EQ(BranchIn(Render(again)), invite);
}

TEST(SipText, TagsStayWithTheirSideOfTheDialog) {
  const std::string caller_tag = ";tag=" + TagOf(kCallId, true);
  const std::string callee_tag = ";tag=" + TagOf(kCallId, false);
  EXPECT_NE(caller_tag, callee_tag);
  EXPECT_EQ(Header(Render(Invite()), "From"), "<sip:caller@10.0.0.1>" + caller_tag);
  EXPECT_EQ(Header(Render(Response(200)), "To"), "<sip:+44%2020@10.0.0.2>" + callee_tag);
  // A BYE from the callee: From is the callee's side, To the caller's.
  const Message bye = Sent(Message::Request(Method::kBye, kCallId, 2), kCallee, kCaller);
  const std::string text = Render(bye);
  EXPECT_EQ(StartLine(text), "BYE sip:10.0.0.1:5060 SIP/2.0");
  EXPECT_EQ(Header(text, "Via"), "SIP/2.0/UDP 10.0.0.2:5060;branch=" + BranchIn(text));
  EXPECT_EQ(Header(text, "From"), "<sip:+44%2020@10.0.0.2>" + callee_tag);
  EXPECT_EQ(Header(text, "To"), "<sip:caller@10.0.0.1>" + caller_tag);
  EXPECT_EQ(Header(Render(Response(200, bye)), "From"), "<sip:+44%2020@10.0.0.2>" + callee_tag);
}

TEST(SipText, ReasonPhrases) {
  EXPECT_STREQ(ReasonPhrase(183), "Session Progress");
  EXPECT_STREQ(ReasonPhrase(404), "Not Found");
  EXPECT_STREQ(ReasonPhrase(487), "Request Terminated");
  EXPECT_STREQ(ReasonPhrase(603), "Decline");
  EXPECT_STREQ(ReasonPhrase(499), "Client Error");  // no phrase of its own: the class
  EXPECT_STREQ(ReasonPhrase(599), "Server Error");
  EXPECT_EQ(CallIdText(0x20000000001), "20000000001@crankback");
}

}  // namespace
}  // namespace crankback::sip
