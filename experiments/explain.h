// One call told the way a voice engineer reads a trace: its ladder of messages
// with the SBC's decision at each route, then how it ended and why.
//
//   RunSpec spec = SpecFor(study.experiment, 0);
//   spec.trace_first = spec.trace_calls = spec.explain_call = 17;
//   RunResult run = RunSimulation(study.scenario, study.policies[0], spec);
//   std::cout << FormatExplanation(study.scenario, study.policies[0], run);
//
// Every transmission of the call on every leg is shown in the order sent,
// retransmissions and lost messages marked; a decision line follows the
// response it was taken on, naming the policy rule that fired.
#pragma once

#include <string>

#include "models/simulation.h"
#include "topologies/loader.h"

namespace crankback::experiments {

// `run` must have recorded the call: RunSpec::trace_first, trace_calls and
// explain_call all set to its number.
std::string FormatExplanation(const models::ScenarioParams& scenario,
                              const policy::CauseMap& policy, const models::RunResult& run);

// "code 503", "class 5xx", "codes 480-489", "Q.850 cause 34".
std::string DescribeMatch(const policy::CauseRule& rule);

}  // namespace crankback::experiments
