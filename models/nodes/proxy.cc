#include "models/nodes/proxy.h"

namespace crankback::nodes {

Proxy::Proxy(const NodeContext& ctx, sim::NodeId id, const ProxyParams&)
    : sip::Endpoint(ctx.sip, id, ctx.timers,
                    ctx.rng.Stream(ctx.sip.network().NodeName(id), "sip_stack")) {
  ctx.sip.Attach(id, this);
}

}  // namespace crankback::nodes
