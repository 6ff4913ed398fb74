#include "models/sip/message.h"

namespace crankback::sip {

const char* MethodName(Method m) {
  switch (m) {
    case Method::kInvite:
      return "INVITE";
    case Method::kAck:
      return "ACK";
    case Method::kBye:
      return "BYE";
    case Method::kCancel:
      return "CANCEL";
    case Method::kPrack:
      return "PRACK";
  }
  return "?";
}

const char* CauseName(Cause c) {
  switch (c) {
    case Cause::kNone:
      return "none";
    case Cause::kCapacity:
      return "capacity";
    case Cause::kUnallocated:
      return "unallocated";
    case Cause::kTimeout:
      return "timeout";
    case Cause::kNoRoute:
      return "no_route";
    case Cause::kUnreachable:
      return "unreachable";
    case Cause::kUserBusy:
      return "user_busy";
    case Cause::kNoAnswer:
      return "no_answer";
    case Cause::kDeclined:
      return "declined";
    case Cause::kCpsLimit:
      return "cps_limit";
    case Cause::kOverload:
      return "overload";
    case Cause::kServerFault:
      return "server_fault";
    case Cause::kFraudBlock:
      return "fraud_block";
    case Cause::kCodecMismatch:
      return "codec_mismatch";
    case Cause::kRouteTimeout:
      return "route_timeout";
  }
  return "?";
}

bool IsRouteLocal(Cause c) {
  switch (c) {
    case Cause::kCapacity:
    case Cause::kTimeout:
    case Cause::kUnreachable:
    case Cause::kCpsLimit:
    case Cause::kOverload:
    case Cause::kServerFault:
    case Cause::kCodecMismatch:
    case Cause::kRouteTimeout:
      return true;
    case Cause::kNone:
    case Cause::kUnallocated:
    case Cause::kNoRoute:
    case Cause::kUserBusy:
    case Cause::kNoAnswer:
    case Cause::kDeclined:
    case Cause::kFraudBlock:
      return false;
  }
  return false;
}

}  // namespace crankback::sip
