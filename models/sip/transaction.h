// What the four RFC 3261 §17 transaction machines (with the RFC 6026 Accepted
// states) take in and give back. The machines are sans-IO: the node stack
// feeds them Inputs and applies the Effects they return, in order.
//
//   Effects out = ict.OnInput(now, Input::Received(response));
//   for (const Effect& e : out) adapter.Apply(e);   // send, TU, timers, terminated
//
// Timers: StartTimer(name, delay) arms `name` to fire at now + delay, replacing
// it if it is already running; StopTimer(name) only ever names a running
// timer. A timer is one-shot: when it fires, feed Input::Timer(name) once. A
// machine ignores (and counts) a firing of a timer it does not have running.
// Terminated is the last effect a machine gives; it stops every running timer
// before it, and ignores every later input.
#pragma once

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <type_traits>

#include "models/sip/message.h"
#include "sim/time.h"

namespace crankback::sip {

enum class TimerName : uint8_t {
  kA,              // ICT: INVITE retransmission (UDP)
  kB,              // ICT: give up in Calling
  kD,              // ICT: linger in Completed (UDP)
  kE,              // NICT: request retransmission (UDP)
  kF,              // NICT: give up
  kG,              // IST: final response retransmission (UDP)
  kH,              // IST: give up waiting for the ACK
  kI,              // IST: linger in Confirmed (UDP)
  kJ,              // NIST: linger in Completed (UDP)
  kK,              // NICT: linger in Completed (UDP)
  kL,              // IST: linger in Accepted (RFC 6026)
  kM,              // ICT: linger in Accepted (RFC 6026)
  kTrying100,      // IST (C1) and NIST (RFC 4320): send 100 if nothing sent yet
  kFinalResponse,  // client: Kamailio-like fr_timer, a local 408
};
inline constexpr int kTimerNameCount = 14;

constexpr const char* TimerNameString(TimerName t) {
  switch (t) {
    case TimerName::kA:
      return "A";
    case TimerName::kB:
      return "B";
    case TimerName::kD:
      return "D";
    case TimerName::kE:
      return "E";
    case TimerName::kF:
      return "F";
    case TimerName::kG:
      return "G";
    case TimerName::kH:
      return "H";
    case TimerName::kI:
      return "I";
    case TimerName::kJ:
      return "J";
    case TimerName::kK:
      return "K";
    case TimerName::kL:
      return "L";
    case TimerName::kM:
      return "M";
    case TimerName::kTrying100:
      return "Trying100";
    case TimerName::kFinalResponse:
      return "FinalResponse";
  }
  return "?";
}

struct Input {
  enum class Kind : uint8_t {
    kReceived,        // a message from the wire
    kFromTu,          // a response the TU wants sent (server transactions only)
    kTimer,           // a timer the machine started has fired
    kTransportError,  // sending failed (connection refused, ICMP unreachable, ...)
  };
  Kind kind = Kind::kReceived;
  Message message;                  // kReceived, kFromTu
  TimerName timer = TimerName::kA;  // kTimer

  static Input Received(const Message& m) { return Input{Kind::kReceived, m, TimerName::kA}; }
  static Input FromTu(const Message& m) { return Input{Kind::kFromTu, m, TimerName::kA}; }
  static Input Timer(TimerName t) { return Input{Kind::kTimer, Message{}, t}; }
  static Input TransportError() { return Input{Kind::kTransportError, Message{}, TimerName::kA}; }
};

struct Effect {
  enum class Kind : uint8_t {
    kStopTimer,       // timer
    kSend,            // message, with `retransmission` set when it is one
    kStartTimer,      // timer, delay (restarts it if running)
    kPassToTu,        // message: a request (server) or a response (client)
    kTimeout,         // timer (B, F, A/E when out of retransmissions, FinalResponse):
                      // no final response; the TU treats it as a local 408
    kTransportError,  // the TU treats it as a 503 (client) or notes it (server)
    kNoAck,           // timer H: the final response was never ACKed
    kTerminated,      // the transaction is over; destroy it
  };
  Kind kind = Kind::kTerminated;
  Message message;
  TimerName timer = TimerName::kA;
  sim::Duration delay;
};

// The effects of one input, at most kCapacity, kept in the order they are to
// be applied: stop timers, wire sends, start timers, TU notifications, then
// Terminated; within each group, in the order pushed. No heap allocation.
class Effects {
 public:
  static constexpr size_t kCapacity = 8;

  // Only the effects held are written or copied: a machine returns an Effects
  // by value for every input, and most hold one or two of the eight.
  Effects() {}  // user-provided, so that `return {}` leaves the storage unwritten
  Effects(const Effects& o) : size_(o.size_) {
    std::memcpy(storage_, o.storage_, size_ * sizeof(Effect));
  }
  Effects& operator=(const Effects& o) {
    size_ = o.size_;
    std::memmove(storage_, o.storage_, size_ * sizeof(Effect));
    return *this;
  }

  void Push(const Effect& e) {
    if (size_ == kCapacity) {
      std::fputs("crankback: sip::Effects capacity exceeded\n", stderr);
      std::abort();
    }
    size_t at = size_;
    while (at > 0 && Rank(items()[at - 1].kind) > Rank(e.kind)) --at;
    std::memmove(storage_ + (at + 1) * sizeof(Effect), storage_ + at * sizeof(Effect),
                 (size_ - at) * sizeof(Effect));
    ::new (static_cast<void*>(storage_ + at * sizeof(Effect))) Effect(e);
    ++size_;
  }
  void Send(const Message& m, bool retransmission) {
    Effect e{Effect::Kind::kSend, m, TimerName::kA, {}};
    e.message.retransmission = retransmission;
    Push(e);
  }
  void PassToTu(const Message& m) { Push(Effect{Effect::Kind::kPassToTu, m, TimerName::kA, {}}); }
  void Tell(Effect::Kind kind, TimerName t = TimerName::kA) { Push(Effect{kind, {}, t, {}}); }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const Effect& operator[](size_t i) const { return items()[i]; }
  const Effect* begin() const { return items(); }
  const Effect* end() const { return items() + size_; }

 private:
  static int Rank(Effect::Kind k) {
    switch (k) {
      case Effect::Kind::kStopTimer:
        return 0;
      case Effect::Kind::kSend:
        return 1;
      case Effect::Kind::kStartTimer:
        return 2;
      case Effect::Kind::kPassToTu:
      case Effect::Kind::kTimeout:
      case Effect::Kind::kTransportError:
      case Effect::Kind::kNoAck:
        return 3;
      case Effect::Kind::kTerminated:
        return 4;
    }
    return 4;
  }

  static_assert(std::is_trivially_copyable_v<Effect> && std::is_trivially_destructible_v<Effect>);
  Effect* items() { return std::launder(reinterpret_cast<Effect*>(storage_)); }
  const Effect* items() const { return std::launder(reinterpret_cast<const Effect*>(storage_)); }

  size_t size_ = 0;
  alignas(Effect) unsigned char storage_[kCapacity * sizeof(Effect)];  // size_ constructed
};

// The timers a machine has running, so that it stops only those, stops all of
// them on Terminated, and recognises a stale firing.
class RunningTimers {
 public:
  void Start(Effects& out, TimerName t, sim::Duration delay) {
    mask_ |= Bit(t);
    out.Push(Effect{Effect::Kind::kStartTimer, {}, t, delay});
  }
  void Stop(Effects& out, TimerName t) {
    if ((mask_ & Bit(t)) == 0) return;
    mask_ &= static_cast<uint16_t>(~Bit(t));
    out.Push(Effect{Effect::Kind::kStopTimer, {}, t, {}});
  }
  void StopAll(Effects& out) {
    for (int i = 0; i < kTimerNameCount; ++i) Stop(out, static_cast<TimerName>(i));
  }
  // True when `t` was running: it has now fired and runs no more.
  bool Fired(TimerName t) {
    if ((mask_ & Bit(t)) == 0) return false;
    mask_ &= static_cast<uint16_t>(~Bit(t));
    return true;
  }
  bool running(TimerName t) const { return (mask_ & Bit(t)) != 0; }
  bool any() const { return mask_ != 0; }

 private:
  static uint16_t Bit(TimerName t) { return static_cast<uint16_t>(1u << static_cast<int>(t)); }
  uint16_t mask_ = 0;
};

// What the four machines share besides the Input/Effect vocabulary: their
// running timers, their counters, and the two ends of an input that are not
// a transition: ignoring it (counted) and terminating.
class TransactionCore {
 public:
  // Inputs the machine has no transition for (counted, never silent).
  uint64_t ignored_inputs() const { return ignored_; }
  // Retransmissions absorbed by design (answered or not, as the RFC says).
  uint64_t absorbed_inputs() const { return absorbed_; }

 protected:
  // False (and counted as ignored) for a firing of a timer not running.
  bool TakeTimer(const Input& in) {
    if (in.kind != Input::Kind::kTimer || timers_.Fired(in.timer)) return true;
    ++ignored_;
    return false;
  }
  Effects Ignore() {
    ++ignored_;
    return {};
  }
  // Stops every running timer and ends with Terminated.
  Effects End(Effects out) {
    timers_.StopAll(out);
    out.Tell(Effect::Kind::kTerminated);
    return out;
  }

  RunningTimers timers_;
  uint64_t absorbed_ = 0;

 private:
  uint64_t ignored_ = 0;
};

// Request retransmission interval (Timers A, E, G): starts at T1 and doubles,
// capped at T2 when `capped`.
inline sim::Duration NextInterval(sim::Duration interval, sim::Duration t2, bool capped) {
  const sim::Duration doubled = interval * 2;
  return capped && doubled > t2 ? t2 : doubled;
}

}  // namespace crankback::sip
