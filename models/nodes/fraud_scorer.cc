#include "models/nodes/fraud_scorer.h"

namespace crankback::nodes {

FraudScorer::FraudScorer(const NodeContext& ctx, sim::NodeId id, const FraudScorerParams&)
    : sip::Endpoint(ctx.sip, id, ctx.timers,
                    ctx.rng.Stream(ctx.sip.network().NodeName(id), "sip_stack")) {
  ctx.sip.Attach(id, this);
}

}  // namespace crankback::nodes
