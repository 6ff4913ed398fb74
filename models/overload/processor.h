// A node's message processing and its overload behaviour (sip-semantics O1,
// O5-O9): the node's agent between the transport and its SIP stack.
//
//   ProcessingParams p;  p.costs.invite = sim::Duration::Millis(4);  p.queue_limit = 500;
//   Agent agent(ctx, endpoint, p, std::nullopt);   // sip.SetAgent(id, &agent)
//
// Every message that reaches a node with processing waits in one FIFO queue
// for one of `servers` processors and holds it for the cost of its kind; a
// message finding the queue full is dropped unread. Its stack sees it when the
// processing ends. Retransmissions of unanswered requests arrive as work like
// any other message, so a queue slower than T1 multiplies its own load (the
// regenerative UDP retransmission of RFC 6357, O5). An overloaded node may
// instead answer new INVITEs itself with a rejection (503, optionally with
// Retry-After), which costs less processor time than accepting them, and may
// tell its clients how much to send (RFC 7339 loss, RFC 7415 rate).
#pragma once

#include <cstdint>
#include <deque>
#include <optional>
#include <vector>

#include "models/metrics/log_histogram.h"
#include "models/nodes/node_context.h"
#include "models/overload/control.h"
#include "models/sip/endpoint.h"
#include "models/sip/transport.h"

namespace crankback::overload {

// Processor time per message, by kind.
struct Costs {
  sim::Duration invite;    // an INVITE outside a dialog (a retransmitted one too)
  sim::Duration ack;       // ACK
  sim::Duration request;   // any other request: BYE, CANCEL, PRACK, a re-INVITE
  sim::Duration response;  // any response
  sim::Duration reject;    // an INVITE answered with the overload rejection instead
  // A message discarded because the queue is full: reading and parsing it
  // before the overload decision (RFC 6357 section 5.1). 0: dropped unread,
  // as a full socket buffer drops.
  sim::Duration discard;
};

enum class OnOverload : uint8_t {
  kDrop,           // only the full queue sheds: arrivals are dropped unread
  kReject,         // a new INVITE served while >= reject_queue messages wait is rejected
  kRejectOnDelay,  // a new INVITE that waited longer than max_delay is rejected
};

struct ProcessingParams {
  uint32_t servers = 1;
  uint32_t queue_limit = 1000;  // messages waiting (not in service); >= 1
  Costs costs;
  OnOverload on_overload = OnOverload::kDrop;
  uint32_t reject_queue = 0;  // kReject
  sim::Duration max_delay;    // kRejectOnDelay
  int reject_code = 503;
  // Retry-After on the rejection: whole seconds drawn uniformly in [min, max];
  // max 0 = none.
  int32_t retry_after_min_s = 0;
  int32_t retry_after_max_s = 0;
  std::optional<ControlParams> control;  // feedback to clients; none = no oc parameters
};

// What a node's processing did, from the warm-up to the end of arrivals.
struct ProcessingCounters {
  uint64_t arrived = 0;           // messages that reached the node
  uint64_t dropped = 0;           // ... found the queue full
  uint64_t processed = 0;         // ... served
  uint64_t retransmissions = 0;   // served messages that were retransmissions
  uint64_t invites = 0;           // INVITEs outside a dialog served, first copies
  uint64_t accepted = 0;          // ... passed to the node
  uint64_t rejected = 0;          // ... answered with the overload rejection
  uint64_t shed_for_clients = 0;  // ... of them rejected for the control (O7)
  double busy_s = 0;              // processor time used
  double retransmission_s = 0;    // ... on retransmissions
  double rejection_s = 0;         // ... on rejections
  double discard_s = 0;           // ... on discarding messages that found the queue full
  double window_s = 0;            // the counted window
  uint32_t servers = 1;
  uint32_t max_queue = 0;             // the longest queue seen
  metrics::LogHistogram queue_delay;  // arrival to start of processing, every message served
};

class Agent : public sip::NodeAgent {
 public:
  // `processing` and `client` are optional; with neither the agent does nothing.
  Agent(const nodes::NodeContext& ctx, sip::Endpoint& endpoint,
        std::optional<ProcessingParams> processing, std::optional<ClientParams> client);

  bool Arrive(const sip::Message& m, const sip::OverloadFeedback& feedback) override;
  sip::OverloadFeedback FeedbackFor(sim::NodeId client) override;
  bool Admit(sim::NodeId server) override;
  bool SupportsControl() const override { return client_ && client_->params().control; }

  sim::NodeId id() const { return endpoint_.id(); }
  // Messages waiting or in service (0 once the run is over).
  size_t backlog() const { return queue_.size() + busy_; }
  const ProcessingCounters& counters() const { return counters_; }
  ShedCounters shed() const { return client_ ? client_->shed() : ShedCounters{}; }
  bool has_processing() const { return processing_.has_value(); }
  bool has_client() const { return client_.has_value(); }

 private:
  struct Waiting {
    sip::Message message;
    sim::SimTime arrival;
  };
  struct InService {
    sip::Message message;
    bool reject = false;
  };
  void Start(const Waiting& w);
  void Done(uint32_t slot);
  bool Counting() const;
  void Tick();
  sip::Message Rejection(const sip::Message& invite);

  sim::Engine& engine_;
  sip::SipNetwork& sip_;
  sip::Endpoint& endpoint_;
  sim::SimTime warmup_;
  sim::SimTime end_;
  std::optional<ProcessingParams> processing_;
  std::optional<ClientThrottle> client_;
  std::optional<ServerControl> control_;
  // The control's throttle for clients that do not take part (O7).
  std::optional<ClientThrottle> for_clients_;
  sim::RngStream retry_after_random_;
  std::deque<Waiting> queue_;
  std::vector<InService> in_service_;  // by slot
  std::vector<uint32_t> free_slots_;
  uint32_t busy_ = 0;
  // Processor time owed for discarded messages, taken with the next service.
  sim::Duration discard_debt_;
  ProcessingCounters counters_;
  // The control's measurement interval.
  bool ticking_ = false;
  bool heard_ = false;  // a message arrived since the last tick
  sim::Duration interval_busy_;
  sim::Duration interval_offered_;
  uint64_t interval_accepted_ = 0;
};

}  // namespace crankback::overload
