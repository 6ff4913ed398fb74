// Shared by the outage tests (sip-semantics section N): outage windows,
// an RFC 3261 profile at a given T1, and names for T1-parameterized tests.
#pragma once

#include <string>

#include "models/sip/timer_profile.h"
#include "models/sip/transport.h"
#include "sim/time.h"

namespace crankback::testing::outage {

using sim::Duration;
using sim::SimTime;
using sip::Message;
using sip::Method;
using sip::OutageMode;

inline constexpr Duration kLatency = Duration::Millis(10);

inline SimTime At(double s) { return SimTime::Zero() + sim::SecondsToDuration(s); }
inline Duration T1s(int64_t t1_ms, int64_t k) { return Duration::Millis(t1_ms * k); }

inline sip::Outage Down(double start_s, double duration_s, OutageMode tcp_mode, bool icmp) {
  sip::Outage o;
  o.start = At(start_s);
  o.duration = sim::SecondsToDuration(duration_s);
  o.tcp_mode = tcp_mode;
  o.udp_icmp_unreachable = icmp;
  return o;
}

inline sip::TimerProfile Rfc(int64_t t1_ms) {
  sip::TimerProfile p = sip::Rfc3261Profile();
  p.t1 = Duration::Millis(t1_ms);
  return p;
}

inline std::string T1Name(int64_t t1_ms) { return "T1_" + std::to_string(t1_ms) + "ms"; }

}  // namespace crankback::testing::outage
