// A SIP message as the simulator carries it: a compact struct, not text.
//
//   Message invite = Message::Request(Method::kInvite, call_id, /*cseq=*/1);
//   Message busy = Message::ResponseTo(invite, 486);
//
// Call-ID, CSeq and the answered method identify the transaction. `truth` is
// simulator-only ground truth that rides along with a rejection (why it really
// failed, which routes were tried); it never appears on the wire, and neither
// does `origin_call`, which ties every leg of a call to the call its user agent
// started (for traces).
#pragma once

#include <cstdint>

#include "sim/network.h"

namespace crankback::sip {

enum class Method : uint8_t { kInvite, kAck, kBye, kCancel, kPrack };
const char* MethodName(Method m);

// RFC 3262 on an INVITE: Supported: 100rel or Require: 100rel. On a 420 it
// stands for Unsupported: 100rel.
enum class Rel100 : uint8_t { kNone, kSupported, kRequired };

// Why a call really failed, whatever code a node chose to say it with.
enum class Cause : uint8_t {
  kNone,
  kCapacity,       // sessions or channels exhausted at a node
  kUnallocated,    // number not served by the node
  kTimeout,        // no final response in time (Timer B) or no ACK
  kNoRoute,        // the SBC has no route (left) for the call
  kUnreachable,    // transport error: connection refused, node down
  kUserBusy,       // the callee was busy
  kNoAnswer,       // the callee did not answer in time
  kDeclined,       // the callee rejected the call
  kCpsLimit,       // call attempts arrived faster than a node admits
  kOverload,       // a node's processing was saturated
  kServerFault,    // an internal failure of a node
  kFraudBlock,     // a fraud scorer (or control) blocked the call
  kCodecMismatch,  // no codec in common with the offer
  kRouteTimeout,   // an SBC's route-retry timer ran out on every route it tried
};
const char* CauseName(Cause c);
// True when the cause belongs to one route, so another route might succeed.
bool IsRouteLocal(Cause c);

struct GroundTruth {
  Cause cause = Cause::kNone;
  uint8_t routes_tried = 0;
  uint8_t routes_untried = 0;  // routes of the SBC's list still untried when it gave up
  bool fraud = false;          // the call is fraudulent: set by its user agent, kept on every leg
};

struct Message {  // 64 bytes, one cache line: keep the fields packed when adding one
  Method method = Method::kInvite;  // a request's method, or the CSeq method answered
  bool retransmission = false;
  int16_t status = 0;  // 0 for a request, 100-699 for a response
  uint32_t cseq = 1;
  uint32_t origin_call = 0;  // the originating call's serial at its user agent + 1; 0 = none
  uint32_t destination = 0;  // index of the dialled number (Request-URI) in the scenario
  uint64_t call_id = 0;
  int16_t reason_q850 = 0;  // Reason: Q.850;cause=N, 0 = absent
  Rel100 rel100 = Rel100::kNone;
  bool in_dialog = false;     // carries the To tag: BYE, PRACK, ACK of a 2xx, a re-INVITE
  int32_t retry_after_s = 0;  // 0 = absent
  int32_t contact = -1;       // a 3xx's Contact: the node index it names; -1 = none
  uint32_t rseq = 0;          // a reliable 1xx's RSeq (RFC 3262); 0 = sent unreliably
  uint32_t rack_rseq = 0;     // a PRACK's RAck: the RSeq and the INVITE's CSeq it confirms
  uint32_t rack_cseq = 0;
  int32_t session_expires_s =
      0;  // RFC 4028 Session-Expires (refresher=uac) on an INVITE; 0 = absent
  GroundTruth truth;
  sim::NodeId from = 0;  // set by the transport
  sim::NodeId to = 0;

  bool is_request() const { return status == 0; }
  bool is_final() const { return status >= 200; }

  static Message Request(Method m, uint64_t call_id, uint32_t cseq, uint32_t origin_call = 0) {
    Message msg;
    msg.method = m;
    msg.call_id = call_id;
    msg.cseq = cseq;
    msg.origin_call = origin_call;
    return msg;
  }
  static Message ResponseTo(const Message& request, int status) {
    Message msg;
    msg.method = request.method;
    msg.status = static_cast<int16_t>(status);
    msg.call_id = request.call_id;
    msg.cseq = request.cseq;
    msg.origin_call = request.origin_call;
    msg.destination = request.destination;
    msg.in_dialog = request.in_dialog;
    msg.session_expires_s = request.session_expires_s;  // a 2xx confirms it
    return msg;
  }
};

}  // namespace crankback::sip
