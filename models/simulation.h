// One simulation run: a scenario, one cause-mapping policy, one replication.
//
//   RunResult r = RunSimulation(scenario, policy, {.seed = 7, .replication = 0, ...});
//   double asr = double(r.metrics.answered()) / r.metrics.attempts();
//
// Builds the network and the nodes on a fresh engine, offers traffic over
// [0, end), runs until every call has ended, and checks that each call ended in
// exactly one outcome and that no node holds a session or transaction.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "models/metrics/call_outcome.h"
#include "models/metrics/fault_report.h"
#include "models/nodes/carrier.h"
#include "models/nodes/fraud_scorer.h"
#include "models/nodes/node_context.h"
#include "models/nodes/proxy.h"
#include "models/nodes/sbc.h"
#include "models/nodes/user_agent.h"
#include "models/overload/processor.h"
#include "models/policy/cause_map.h"
#include "models/policy/dialect.h"
#include "models/sip/endpoint.h"
#include "models/sip/trace_recorder.h"
#include "models/sip/transport.h"
#include "sim/network.h"

namespace crankback::models {

struct UserAgentParams {};

struct NodeParams {
  std::string name;
  std::variant<UserAgentParams, nodes::SbcParams, nodes::CarrierParams, nodes::ProxyParams,
               nodes::FraudScorerParams>
      kind;
  sip::TimerProfile timers = sip::Rfc3261Profile();  // the node's SIP stack
  std::vector<sip::Outage> outages = {};             // when it is cut off; no overlaps
  // Its message processing and overload behaviour; none = every message at once.
  std::optional<overload::ProcessingParams> processing = {};
  // How it obeys its next hops' overload signals (RFC 7339/7415, Retry-After).
  std::optional<overload::ClientParams> overload_client = {};
};

struct LinkSpec {
  uint32_t a = 0;
  uint32_t b = 0;
  sim::LinkParams params;
};

// A validated scenario: every name already resolved to an index.
struct ScenarioParams {
  std::vector<NodeParams> nodes;
  std::vector<LinkSpec> links;
  std::vector<nodes::TrafficParams> traffic;
  std::vector<std::string> destinations;  // dialled numbers
  std::vector<policy::Dialect> dialects;
  // Scheduled faults (Experiment.faults); an outage's node carries no window of
  // its own that overlaps it, and one link's faults do not overlap.
  std::vector<metrics::FaultParams> faults = {};
};

struct RunSpec {
  uint64_t seed = 1;
  uint32_t replication = 0;
  sim::SimTime end;     // arrivals stop here
  sim::SimTime warmup;  // calls arriving earlier are not counted
  // Record the messages of the first trace_calls calls of each user agent into
  // RunResult::trace (0 = none). Observing does not change the run.
  uint32_t trace_calls = 0;
  uint32_t trace_first = 1;  // ... from this call on (1 = the first)
  // Record the decision trace of the explain_call-th call of each user agent
  // into RunResult::explained (0 = none). Observing does not change the run.
  uint32_t explain_call = 0;
  // Keep every call's outcome in RunResult::outcomes (call detail records).
  bool keep_outcomes = false;
};

struct NodeResult {
  std::string name;
  nodes::NodeCounters counters;
  // SBC: one per NAP, in its order; from the warm-up on.
  std::vector<nodes::NapCounters> naps = {};
  // SBC: per NAP, one per route of its route list; from the warm-up on.
  std::vector<std::vector<nodes::RouteCounters>> routes = {};
  // Final responses to dialog-creating INVITEs the node sent, first
  // transmissions only, from the warm-up on: {code, count} by ascending code.
  std::vector<std::pair<int, uint64_t>> codes_sent = {};
  // NodeParams::processing: what its processing did; `processing` is false without one.
  bool processing = false;
  overload::ProcessingCounters processing_counters = {};
  // NodeParams::overload_client: new INVITEs its throttle kept off the wire.
  bool overload_client = false;
  overload::ShedCounters shed = {};
};

struct RunResult {
  metrics::RunMetrics metrics{sim::SimTime::Zero()};
  std::vector<NodeResult> nodes;
  sip::TransportCounters transport;
  // Timer expirations of every node from the warm-up on, by timer name
  // (sip::TimerNameString, sip::ExtraTimerString); only timers that fired.
  std::map<std::string, uint64_t> timer_expirations = {};
  // Engine events run; a warm-up adds one (the tally of codes and timers then).
  uint64_t events = 0;
  sim::SimTime finished;                // when the last call ended
  std::vector<std::string> violations;  // broken end-of-run invariants; empty when sound
  // One per ScenarioParams::faults, from ground truth, warm-up included.
  std::vector<metrics::FaultResult> faults = {};
  std::vector<sip::TraceEvent> trace;  // RunSpec::trace_calls; in the order sent
  metrics::CallLog explained{0};       // RunSpec::explain_call
  std::vector<metrics::CallOutcome> outcomes =
      {};  // RunSpec::keep_outcomes; in the order they ended
};

RunResult RunSimulation(const ScenarioParams& scenario, const policy::CauseMap& policy,
                        const RunSpec& spec);

}  // namespace crankback::models
