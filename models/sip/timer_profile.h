// A node's SIP timer values (RFC 3261 Table 4), never global.
//
//   TimerProfile rfc;                 // T1 = 0.5 s, T2 = 4 s, T4 = 5 s
//   sim::Duration timer_b = 64 * rfc.t1;
#pragma once

#include "sim/time.h"

namespace crankback::sip {

struct TimerProfile {
  sim::Duration t1 = sim::Duration::Millis(500);
  sim::Duration t2 = sim::Duration::Seconds(4);
  sim::Duration t4 = sim::Duration::Seconds(5);
};

}  // namespace crankback::sip
