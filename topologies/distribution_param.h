// Turns a Distribution message into a sim::Distribution, or says what is wrong.
//
//   sim::Distribution hold;
//   if (auto e = ToDistribution(t.holding_time(), at.Child(t, "holding_time"), hold)) return e;
#pragma once

#include <optional>

#include "sim/distribution.h"
#include "topologies/field_path.h"
#include "topologies/simrun.pb.h"

namespace crankback::topologies {

std::optional<LoadError> ToDistribution(const pb::Distribution& d, const FieldPath& at,
                                        sim::Distribution& out);

}  // namespace crankback::topologies
