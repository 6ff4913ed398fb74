// A node's processing, overload behaviour and overload-control client from the
// topology file (pb::Processing, pb::OverloadClient), validated.
//
//   if (auto e = ToOverload(node, at, params)) return e;   // e names file, line, path
#pragma once

#include <optional>

#include "models/simulation.h"
#include "topologies/field_path.h"
#include "topologies/load_error.h"
#include "topologies/simrun.pb.h"

namespace crankback::topologies {

// Sets `out.processing` and `out.overload_client` from the node's fields.
std::optional<LoadError> ToOverload(const pb::Node& n, const FieldPath& at,
                                    models::NodeParams& out);

}  // namespace crankback::topologies
