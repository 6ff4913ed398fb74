// Turns a StackProfile message into a node's sip::TimerProfile: the preset,
// then each field the file sets.
//
//   sip::TimerProfile timers;
//   if (auto e = ToTimerProfile(node.stack(), at.Child(node, "stack"), timers)) return e;
#pragma once

#include <optional>

#include "models/sip/timer_profile.h"
#include "topologies/field_path.h"
#include "topologies/simrun.pb.h"

namespace crankback::topologies {

std::optional<LoadError> ToTimerProfile(const pb::StackProfile& s, const FieldPath& at,
                                        sip::TimerProfile& out);

}  // namespace crankback::topologies
