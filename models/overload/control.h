// Overload control between SIP nodes (sip-semantics O6-O9): what an overloaded
// server tells its clients in the Via of its responses, and how a client obeys
// it and Retry-After.
//
//   ServerControl control(params);           // RFC 7339 loss or RFC 7415 rate
//   control.Measure(busy, accepted, window, servers);   // once per interval
//   OverloadFeedback via = control.FeedbackFor(client);  // stamped on a response
//
//   ClientThrottle throttle(params, rng.Stream("caller1", "overload"));
//   throttle.OnResponse(server, via, response, now);  // oc and Retry-After
//   if (!throttle.Admit(server, now)) ...             // a local 503 instead
#pragma once

#include <cstdint>
#include <vector>

#include "models/sip/message.h"
#include "models/sip/transport.h"
#include "sim/rng.h"
#include "sim/time.h"

namespace crankback::overload {

using Algorithm = sip::OverloadFeedback::Algorithm;

// A server's feedback loop. Every `interval` it measures its load rho: the
// larger of the processor time used and the processor time the arrivals asked
// for, over servers x interval, so that rho sees past 100%. It also measures
// the processor time per accepted call, and sets:
// - kLoss (RFC 7339): the admitted fraction f <- f x target / rho, within
//   [min_admit, 1] (the occupancy algorithm of Cortes et al., used in Hilt and
//   Widjaja's SIP overload studies); oc = 100 (1 - f) percent;
// - kRate (RFC 7415): oc = target x servers / (processor seconds per call),
//   shared equally among the clients heard from in the interval; the
//   processor time per call is smoothed over intervals.
struct ControlParams {
  Algorithm algorithm = Algorithm::kLoss;
  double target_utilization = 0.9;                      // (0, 1]
  sim::Duration interval = sim::Duration::Millis(500);  // measurement interval
  sim::Duration validity = sim::Duration::Millis(500);  // oc-validity (O6 default)
  double min_admit = 0.01;  // kLoss: the smallest admitted fraction, so feedback keeps flowing
};

class ServerControl {
 public:
  explicit ServerControl(const ControlParams& params) : params_(params) {}

  // One interval's figures: processor time used, processor time the messages
  // that arrived would take (discarded ones included), new INVITEs accepted,
  // the interval's length and the number of servers.
  void Measure(sim::Duration busy, sim::Duration offered, uint64_t accepted, sim::Duration interval,
               uint32_t servers);
  // A request from `client` reached the server (for the rate's shares).
  void Heard(sim::NodeId client);
  // The Via parameters of the next response to `client` (oc-seq increases on each).
  sip::OverloadFeedback FeedbackFor(sim::NodeId client);

  double admitted_fraction() const { return admit_; }
  double total_rate() const { return rate_; }

 private:
  ControlParams params_;
  double admit_ = 1;        // kLoss
  double rate_ = 0;         // kRate: requests/s for all clients; 0 until measured
  double call_cost_s_ = 0;  // kRate: smoothed processor seconds per accepted call
  uint64_t seq_ = 0;
  std::vector<sim::NodeId> heard_;  // clients in the current interval
  uint32_t clients_ = 1;            // ... in the last complete one (>= 1)
};

// A client's side, per server it sends to.
struct ClientParams {
  bool control = false;             // an RFC 7339 client: `oc` in its Vias, obeys the answer
  bool honour_retry_after = false;  // a 503 with Retry-After stops new INVITEs to that server
  sim::Duration retry_after_max = sim::Duration::Seconds(3600);  // clamp on Retry-After
  double tau_factor = 4;  // kRate: TAU = tau_factor x T (O9 suggests 4)
};

// Why a client kept a request off the wire.
struct ShedCounters {
  uint64_t loss = 0;         // RFC 7339 oc draw
  uint64_t rate = 0;         // RFC 7415 leaky bucket
  uint64_t retry_after = 0;  // inside a Retry-After window
  uint64_t total() const { return loss + rate + retry_after; }
};

class ClientThrottle {
 public:
  ClientThrottle(const ClientParams& params, sim::RngStream random)
      : params_(params), random_(random) {}

  // A response from `server` with its Via parameters.
  void OnResponse(sim::NodeId server, const sip::OverloadFeedback& via,
                  const sip::Message& response, sim::SimTime now);
  // Whether a new dialog-forming request may go to `server` now.
  bool Admit(sim::NodeId server, sim::SimTime now);
  const ShedCounters& shed() const { return shed_; }
  const ClientParams& params() const { return params_; }

 private:
  struct Server {
    Algorithm algorithm = Algorithm::kNone;
    double oc = 0;
    sim::SimTime valid_until;
    uint64_t seq = 0;
    double x_s = 0;                // kRate: the leaky bucket's X (I.371), seconds
    sim::SimTime last_conforming;  // kRate: LCT
    sim::SimTime retry_after_until;
  };
  Server& At(sim::NodeId server);

  ClientParams params_;
  sim::RngStream random_;
  std::vector<Server> servers_;  // by node id
  ShedCounters shed_;
};

}  // namespace crankback::overload
