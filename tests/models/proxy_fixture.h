// Shared by the proxy tests (sip-semantics.md sections P and F): a caller, a
// stateful proxy and scripted callees on a small network, in virtual time.
//
//   ProxyWorld w(3, params);            // node 0 caller, 1 proxy, 2.. callees
//   w.callee(0).script = {{0, 180}, {1000, 200}};
//   w.caller.Invite(1);  w.h.engine.Run();
//   w.h.wire.Sent(1, Method::kInvite, 200)    // when the proxy sent 200 upstream (ms)
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "models/nodes/proxy.h"
#include "tests/models/sip/endpoint_harness.h"

namespace crankback::testing::proxy {

using nodes::ProxyForking;
using nodes::ProxyParams;
using sim::Duration;
using sip::Message;
using sip::Method;
using sip::testing::Harness;
using sip::testing::Peer;
using sip::testing::WireEvent;

using V = std::vector<int64_t>;  // send times, ms

constexpr sim::NodeId kCaller = 0, kProxy = 1;

inline sim::SimTime At(int64_t ms) { return sim::SimTime::Zero() + Duration::Millis(ms); }

// One response of a callee's script, `at_ms` after the INVITE reached it.
struct Step {
  int64_t at_ms = 0;
  int status = 0;
  int32_t contact = -1;       // a 3xx's Contact (node index)
  int32_t retry_after_s = 0;  // Retry-After
};

// A UAS that answers every INVITE by its script: responses at fixed delays, a
// step after the final skipped; 487 to a CANCEL that comes first; 200 to BYE
// and to re-INVITEs.
class Callee : public Peer {
 public:
  Callee(Harness& h, sim::NodeId id, const sip::TimerProfile& profile)
      : Peer(h.sip, id, profile, h.rng.Stream(h.net.NodeName(id), "sip_stack")) {
    on_request = [this](const Message& m) { OnScripted(m); };
  }

  std::vector<Step> script;
  // The INVITEs (not re-INVITEs) that reached it, and the finals it sent.
  std::vector<Message> invites;
  std::vector<int> finals;

 private:
  void OnScripted(const Message& m) {
    switch (m.method) {
      case Method::kInvite:
        if (m.in_dialog) {
          Respond(m, 200);
          return;
        }
        invites.push_back(m);
        pending_[m.call_id] = m;
        for (const Step& s : script) {
          engine().ScheduleIn(Duration::Millis(s.at_ms),
                              [this, call = m.call_id, s] { Answer(call, s); });
        }
        return;
      case Method::kCancel:
        Answer(m.call_id, Step{0, 487});
        return;
      case Method::kBye:
        Respond(m, 200);
        return;
      case Method::kAck:
      case Method::kPrack:
        return;
    }
  }
  void Answer(uint64_t call_id, const Step& s) {
    auto it = pending_.find(call_id);
    if (it == pending_.end() || done_.count(call_id) != 0) return;
    Message r = Message::ResponseTo(it->second, s.status);
    r.contact = s.contact;
    r.retry_after_s = s.retry_after_s;
    if (s.status >= 200) {
      done_.insert(call_id);
      finals.push_back(s.status);
    }
    SendResponse(r);
  }

  std::unordered_map<uint64_t, Message> pending_;
  std::unordered_set<uint64_t> done_;
};

// A callee that sends nothing of its own accord: no automatic 100 Trying.
inline sip::TimerProfile Silent(sip::TimerProfile p = {}) {
  p.invite_trying_delay = std::nullopt;
  return p;
}

// Node 0 a caller (a Peer that ACKs 2xx and answers BYE and re-INVITEs with
// 200), node 1 the proxy, nodes 2..2+callees-1 scripted callees, each linked
// to the proxy; `extra` more nodes, linked to the proxy or not, for 3xx
// Contacts. Every link has `link` (10 ms, UDP by default).
struct ProxyWorld {
  ProxyWorld(size_t callees, nodes::ProxyParams params, sip::TimerProfile proxy_profile = {},
             sip::TimerProfile callee_profile = {},
             sim::LinkParams link = {.latency = Duration::Millis(10)}, size_t unlinked = 0)
      : h(2 + callees + unlinked, Links(callees), link),
        metrics(sim::SimTime::Zero()),
        dialects(policy::PresetDialects()),
        ctx{h.sip, h.rng, metrics, dialects, policy, proxy_profile},
        caller(h.AddPeer(kCaller, sip::TimerProfile{})) {
    caller.on_request = [this](const Message& m) {
      if (m.method == Method::kBye || (m.method == Method::kInvite && m.in_dialog))
        caller.Respond(m, 200);
    };
    for (size_t i = 0; i < callees; ++i) {
      callees_.push_back(
          std::make_unique<Callee>(h, static_cast<sim::NodeId>(2 + i), callee_profile));
    }
    if (params.targets.empty()) {
      for (size_t i = 0; i < callees; ++i) params.targets.push_back({static_cast<uint32_t>(2 + i)});
    }
    proxy = std::make_unique<nodes::Proxy>(ctx, kProxy, params);
  }

  static std::vector<std::pair<sim::NodeId, sim::NodeId>> Links(size_t callees) {
    std::vector<std::pair<sim::NodeId, sim::NodeId>> links = {{kCaller, kProxy}};
    for (size_t i = 0; i < callees; ++i) links.push_back({kProxy, static_cast<sim::NodeId>(2 + i)});
    return links;
  }

  Callee& callee(size_t i) { return *callees_[i]; }
  // The caller sends `m` (a BYE, a CANCEL, ...) to the proxy at `ms`.
  void CallerSendsAt(int64_t ms, const Message& m) {
    outbox_.push_back(m);  // events capture an index, not a message
    h.engine.ScheduleAt(At(ms),
                        [this, i = outbox_.size() - 1] { caller.Request(kProxy, outbox_[i]); });
  }
  // The caller hangs up every answered call `hold_ms` after its 2xx.
  void HangUpAfter(int64_t hold_ms) {
    caller.on_response = [this, hold_ms](const Message& m) {
      if (m.method == Method::kInvite && !m.in_dialog && m.status >= 200 && m.status < 300)
        ByeAt((h.engine.Now() - sim::SimTime::Zero()).nanos() / 1'000'000 + hold_ms, m);
    };
  }
  // A new call from the caller at `ms`.
  void CallAt(int64_t ms) {
    h.engine.ScheduleAt(At(ms), [this] { caller.Invite(kProxy); });
  }
  // The caller hangs up its call `invite` at `ms`.
  void ByeAt(int64_t ms, const Message& invite, uint32_t cseq = 2) {
    Message bye = Message::Request(Method::kBye, invite.call_id, cseq);
    bye.in_dialog = true;
    CallerSendsAt(ms, bye);
  }
  static sim::NodeId Node(size_t callee) { return static_cast<sim::NodeId>(2 + callee); }

  // The caller's final responses to its INVITEs (not re-INVITEs), in order.
  std::vector<int> CallerFinals() const {
    std::vector<int> out;
    for (const Message& m : caller.responses) {
      if (m.method == Method::kInvite && !m.in_dialog && m.is_final()) out.push_back(m.status);
    }
    return out;
  }
  // First transmissions from the proxy of `method` / `status`, sent to `to`.
  std::vector<int64_t> ProxySent(sim::NodeId to, Method method, int status) const {
    std::vector<int64_t> out;
    for (const WireEvent& e : h.wire.events) {
      if (e.message.from == kProxy && e.message.to == to && e.message.method == method &&
          e.message.status == status && !e.message.retransmission)
        out.push_back(e.sent_ms);
    }
    return out;
  }
  // Nothing left open anywhere once the engine has run dry.
  void ExpectAllClosed() {
    EXPECT_EQ(proxy->active_calls(), 0u);
    EXPECT_EQ(proxy->open_transactions(), 0u);
    EXPECT_EQ(caller.open_transactions(), 0u);
    for (const auto& c : callees_) {
      EXPECT_EQ(c->open_transactions(), 0u) << "callee " << c->id();
    }
  }

  Harness h;
  metrics::RunMetrics metrics;
  std::vector<policy::Dialect> dialects;
  policy::CauseMap policy;
  nodes::NodeContext ctx;
  Peer& caller;
  std::vector<std::unique_ptr<Callee>> callees_;
  std::unique_ptr<nodes::Proxy> proxy;
  std::vector<Message> outbox_;
};

}  // namespace crankback::testing::proxy
