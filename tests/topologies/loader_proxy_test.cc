// The proxy in the input (topologies/simrun.proto, message Proxy): its fields
// reach ProxyParams with their defaults, each bad value is one error naming
// the line and field path, and, run end to end, the 503 -> 500 rewrite keeps
// an upstream SBC from advancing on a 503 from behind the proxy (guide case
// (g); sip-semantics.md P10, D9).
#include <gtest/gtest.h>

#include <string>

#include "models/simulation.h"
#include "tests/topologies/test_topology.h"
#include "topologies/loader.h"

namespace crankback::topologies {
namespace {

using namespace test_topology;

// callers -> proxy1 -> {carrier_a, carrier_b}; carrier_c is not linked to it.
constexpr const char* kProxyTopology = R"(nodes {
  name: "callers"
  user_agent {}
}
nodes {
  name: "proxy1"
  proxy {
    targets {
      node: "carrier_a"
    }
    targets {
      node: "carrier_b"
      q: 0.5
    }
  }
}
nodes {
  name: "carrier_a"
  carrier {
    max_sessions: 5
  }
}
nodes {
  name: "carrier_b"
  carrier {
    max_sessions: 6
  }
}
nodes {
  name: "carrier_c"
  carrier {
    max_sessions: 7
  }
}
links {
  a: "callers"
  b: "proxy1"
  latency_s: 0.005
}
links {
  a: "proxy1"
  b: "carrier_a"
  latency_s: 0.02
}
links {
  a: "proxy1"
  b: "carrier_b"
  latency_s: 0.03
}
links {
  a: "callers"
  b: "carrier_c"
  latency_s: 0.03
}
traffic {
  name: "busy_hour"
  origin: "callers"
  via: "proxy1"
  calls_per_second: 0.5
  holding_time { exponential_mean_s: 20 }
}
policies {
  name: "stop"
  fallback: STOP
}
experiment {
  duration_s: 300
  seed: 7
}
)";

const std::string kTargetB = "    targets {\n      node: \"carrier_b\"\n      q: 0.5\n    }\n";

// The proxy topology with `fields` added to the proxy message, after its targets.
std::string WithFields(const std::string& fields) {
  return Edit(kProxyTopology, kTargetB, kTargetB + fields);
}

const nodes::ProxyParams& ProxyOf(const Loaded<Study>& loaded) {
  return std::get<nodes::ProxyParams>(loaded.value().scenario.nodes.at(1).kind);
}

TEST(LoaderProxyTest, DefaultsReachTheParams) {
  const Loaded<Study> loaded = LoadStudy(kProxyTopology, kDisplayName);
  ASSERT_TRUE(loaded.ok()) << loaded.error().ToString();
  const nodes::ProxyParams& p = ProxyOf(loaded);
  ASSERT_EQ(p.targets.size(), 2u);
  EXPECT_EQ(p.targets[0].node, 2u);
  EXPECT_EQ(p.targets[0].q, 1.0);
  EXPECT_EQ(p.targets[1].node, 3u);
  EXPECT_EQ(p.targets[1].q, 0.5);
  EXPECT_EQ(p.forking, nodes::ProxyForking::kSerial);
  EXPECT_EQ(p.timer_c, sim::Duration::Seconds(185));
  EXPECT_TRUE(p.rewrite_503_to_500);
  EXPECT_TRUE(p.recurse_on_3xx);
  EXPECT_EQ(p.transport_error_code, 503);
  EXPECT_EQ(p.retry_after_max, sim::Duration::Seconds(3600));
  EXPECT_EQ(p.retry_after_default, sim::Duration());
  EXPECT_TRUE(loaded.value().scenario.nodes.at(1).timers.rewrite_503_to_500);
}

TEST(LoaderProxyTest, EveryFieldReachesTheParams) {
  const Loaded<Study> loaded = LoadStudy(
      WithFields("    forking: FAILOVER\n    timer_c_s: 181.5\n    rewrite_503_to_500: false\n"
                 "    recurse_on_3xx: false\n    transport_error_code: 408\n"
                 "    retry_after_max_s: 60\n    retry_after_default_s: 2.5\n"),
      kDisplayName);
  ASSERT_TRUE(loaded.ok()) << loaded.error().ToString();
  const nodes::ProxyParams& p = ProxyOf(loaded);
  EXPECT_EQ(p.forking, nodes::ProxyForking::kFailover);
  EXPECT_EQ(p.timer_c, sim::Duration::Millis(181500));
  EXPECT_FALSE(p.rewrite_503_to_500);
  EXPECT_FALSE(p.recurse_on_3xx);
  EXPECT_EQ(p.transport_error_code, 408);
  EXPECT_EQ(p.retry_after_max, sim::Duration::Seconds(60));
  EXPECT_EQ(p.retry_after_default, sim::Duration::Millis(2500));
  EXPECT_FALSE(loaded.value().scenario.nodes.at(1).timers.rewrite_503_to_500);
  const std::pair<const char*, nodes::ProxyForking> modes[] = {
      {"SERIAL", nodes::ProxyForking::kSerial},
      {"PARALLEL", nodes::ProxyForking::kParallel},
      {"Q_GROUPS", nodes::ProxyForking::kQGroups}};
  for (const auto& [mode, expected] : modes) {
    const Loaded<Study> m =
        LoadStudy(WithFields(std::string("    forking: ") + mode + "\n"), kDisplayName);
    ASSERT_TRUE(m.ok()) << m.error().ToString();
    EXPECT_EQ(ProxyOf(m).forking, expected) << mode;
  }
}

// P10: the proxy's switch and the stack's are one: the proxy field, else the
// stack field set in the file, else on; a preset's value is not consulted.
TEST(LoaderProxyTest, P10_RewriteFollowsTheProxyThenTheStackFieldThenDefaultsOn) {
  const std::string proxy_open = "  proxy {\n";
  struct Case {
    const char* stack;  // inserted before the proxy message
    const char* field;  // inserted in it
    bool rewrite;
  };
  for (const Case& c :
       {Case{"", "", true}, Case{"  stack { preset: \"rfc3261\" }\n", "", true},
        Case{"  stack { preset: \"kamailio\" }\n", "", true},
        Case{"  stack { rewrite_503_to_500: false }\n", "", false},
        Case{"  stack { preset: \"kamailio\" rewrite_503_to_500: false }\n", "", false},
        Case{"", "    rewrite_503_to_500: false\n", false},
        Case{"  stack { rewrite_503_to_500: true }\n", "    rewrite_503_to_500: true\n", true}}) {
    const std::string text =
        Edit(WithFields(c.field), proxy_open, std::string(c.stack) + proxy_open);
    const Loaded<Study> loaded = LoadStudy(text, kDisplayName);
    ASSERT_TRUE(loaded.ok()) << loaded.error().ToString();
    EXPECT_EQ(ProxyOf(loaded).rewrite_503_to_500, c.rewrite) << c.stack << c.field;
    EXPECT_EQ(loaded.value().scenario.nodes.at(1).timers.rewrite_503_to_500, c.rewrite);
  }
}

struct BadProxy {
  const char* name;
  const char* from;  // replaced in the proxy topology ...
  const char* to;    // ... by this
  const char* at;    // the line the error names
  const char* path;
  const char* message;
};

void PrintTo(const BadProxy& c, std::ostream* os) { *os << c.name; }

constexpr const char* kTargets =
    "    targets {\n      node: \"carrier_a\"\n    }\n    targets {\n      node: "
    "\"carrier_b\"\n      q: 0.5\n    }\n";

constexpr BadProxy kBadProxies[] = {
    {"EmptyTargetList", kTargets, "    # no targets\n", "proxy {",
     R"(nodes["proxy1"].proxy.targets)", "a proxy needs at least one target"},
    {"UnknownTargetNode", "node: \"carrier_a\"", "node: \"nowhere\"", "node: \"nowhere\"",
     R"(nodes["proxy1"].proxy.targets["nowhere"].node)", "unknown node \"nowhere\""},
    {"EmptyTargetNode", "node: \"carrier_a\"", "node: \"\"", "node: \"\"",
     R"(nodes["proxy1"].proxy.targets[0].node)", "must name a node"},
    {"TargetIsItself", "node: \"carrier_a\"", "node: \"proxy1\"", "node: \"proxy1\"",
     R"(nodes["proxy1"].proxy.targets["proxy1"].node)", "a proxy's target is another node"},
    {"NoLinkToTarget", "node: \"carrier_a\"", "node: \"carrier_c\"", "node: \"carrier_c\"",
     R"(nodes["proxy1"].proxy.targets["carrier_c"].node)",
     "no link joins \"proxy1\" and \"carrier_c\""},
    {"TargetIsAUserAgent", "node: \"carrier_a\"", "node: \"callers\"", "node: \"callers\"",
     R"(nodes["proxy1"].proxy.targets["callers"].node)",
     "\"callers\" is a user_agent node, which takes no calls"},
    {"DuplicateTarget", "node: \"carrier_b\"", "node: \"carrier_a\"  # again", "# again",
     R"(nodes["proxy1"].proxy.targets["carrier_a"].node)", "\"carrier_a\" is already a target"},
    {"QAboveOne", "q: 0.5", "q: 1.5", "q: 1.5", R"(nodes["proxy1"].proxy.targets["carrier_b"].q)",
     "must be in 0..1 (got 1.5)"},
    {"QNegative", "q: 0.5", "q: -0.1", "q: -0.1", R"(nodes["proxy1"].proxy.targets["carrier_b"].q)",
     "must be in 0..1 (got -0.1)"},
    {"UnknownForkingMode", "      q: 0.5\n    }\n", "      q: 0.5\n    }\n    forking: 9\n",
     "forking: 9", R"(nodes["proxy1"].proxy.forking)", "unknown forking mode 9"},
    {"TimerCAtThreeMinutes", "      q: 0.5\n    }\n", "      q: 0.5\n    }\n    timer_c_s: 180\n",
     "timer_c_s: 180", R"(nodes["proxy1"].proxy.timer_c_s)",
     "must be > 180 and <= 86400 seconds (RFC 3261 16.6 item 11: more than 3 minutes; got 180)"},
    {"TimerCNegative", "      q: 0.5\n    }\n", "      q: 0.5\n    }\n    timer_c_s: -5\n",
     "timer_c_s: -5", R"(nodes["proxy1"].proxy.timer_c_s)",
     "must be > 180 and <= 86400 seconds (RFC 3261 16.6 item 11: more than 3 minutes; got -5)"},
    {"TimerCAbsurd", "      q: 0.5\n    }\n", "      q: 0.5\n    }\n    timer_c_s: 1e9\n",
     "timer_c_s: 1e9", R"(nodes["proxy1"].proxy.timer_c_s)",
     "must be > 180 and <= 86400 seconds (RFC 3261 16.6 item 11: more than 3 minutes; got 1e+09)"},
    {"TimerCNotANumber", "      q: 0.5\n    }\n", "      q: 0.5\n    }\n    timer_c_s: nan\n",
     "timer_c_s: nan", R"(nodes["proxy1"].proxy.timer_c_s)",
     "must be > 180 and <= 86400 seconds (RFC 3261 16.6 item 11: more than 3 minutes; got nan)"},
    {"RewriteContradictsStack", "  proxy {\n",
     "  stack { rewrite_503_to_500: true }\n  proxy {\n    rewrite_503_to_500: false\n",
     "    rewrite_503_to_500: false", R"(nodes["proxy1"].proxy.rewrite_503_to_500)",
     "contradicts stack.rewrite_503_to_500 (true); set one of them"},
    {"TransportErrorCode500", "      q: 0.5\n    }\n",
     "      q: 0.5\n    }\n    transport_error_code: 500\n", "transport_error_code: 500",
     R"(nodes["proxy1"].proxy.transport_error_code)",
     "must be 503 (RFC 3261 16.9) or 408 (16.6 step 7; got 500)"},
    {"RetryAfterMaxNegative", "      q: 0.5\n    }\n",
     "      q: 0.5\n    }\n    retry_after_max_s: -1\n", "retry_after_max_s: -1",
     R"(nodes["proxy1"].proxy.retry_after_max_s)",
     "must be in 0..86400 seconds (0 = never skip; got -1)"},
    {"RetryAfterMaxAbsurd", "      q: 0.5\n    }\n",
     "      q: 0.5\n    }\n    retry_after_max_s: 1e6\n", "retry_after_max_s: 1e6",
     R"(nodes["proxy1"].proxy.retry_after_max_s)",
     "must be in 0..86400 seconds (0 = never skip; got 1e+06)"},
    {"RetryAfterDefaultAboveMax", "      q: 0.5\n    }\n",
     "      q: 0.5\n    }\n    retry_after_max_s: 30\n    retry_after_default_s: 60\n",
     "retry_after_default_s: 60", R"(nodes["proxy1"].proxy.retry_after_default_s)",
     "must be in 0..retry_after_max_s (30) seconds (got 60)"},
    {"RetryAfterDefaultNegative", "      q: 0.5\n    }\n",
     "      q: 0.5\n    }\n    retry_after_default_s: -2\n", "retry_after_default_s: -2",
     R"(nodes["proxy1"].proxy.retry_after_default_s)",
     "must be in 0..retry_after_max_s (3600) seconds (got -2)"},
};

class LoaderProxyError : public ::testing::TestWithParam<BadProxy> {};

TEST_P(LoaderProxyError, NamesFileLinePathAndProblem) {
  const BadProxy& c = GetParam();
  const std::string text = Edit(kProxyTopology, c.from, c.to);
  const LoadError e = ErrorOf(text);
  EXPECT_EQ(e.ToString(), std::string(kDisplayName) + ":" + std::to_string(LineOf(text, c.at)) +
                              ": " + c.path + ": " + c.message);
}

INSTANTIATE_TEST_SUITE_P(Proxy, LoaderProxyError, ::testing::ValuesIn(kBadProxies),
                         [](const auto& p) { return std::string(p.param.name); });

// ------------------------------------------------- guide case (g), end to end --

// callers -> sbc1 -> route 0: proxy1 -> carrier_a (1 channel, rfc3398: 503 at
// its cap); route 1: backup. The SBC advances on 503 only. The first call holds
// carrier_a's channel for the whole run, so every later call meets its 503.
std::string CaseG(const std::string& proxy_fields) {
  return R"(nodes { name: "callers" user_agent {} }
nodes {
  name: "sbc1"
  sbc {
    naps { name: "from_callers" peer: "callers" routes { nap: "to_proxy" } routes { nap: "to_backup" } }
    naps { name: "to_proxy" peer: "proxy1" }
    naps { name: "to_backup" peer: "backup" }
  }
}
nodes { name: "proxy1" proxy { targets { node: "carrier_a" } )" +
         proxy_fields + R"( } }
nodes { name: "carrier_a" carrier { max_sessions: 1 dialect: "rfc3398" } }
nodes { name: "backup" carrier {} }
links { a: "callers" b: "sbc1" latency_s: 0.005 }
links { a: "sbc1" b: "proxy1" latency_s: 0.01 }
links { a: "proxy1" b: "carrier_a" latency_s: 0.02 }
links { a: "sbc1" b: "backup" latency_s: 0.02 }
traffic {
  name: "offered"
  origin: "callers"
  via: "sbc1"
  calls_per_second: 0.5
  holding_time { deterministic_s: 1000 }
}
policies { name: "advance-on-503" rules { code: 503 action: ADVANCE } fallback: STOP }
experiment { duration_s: 100 seed: 3 }
)";
}

models::RunResult RunCaseG(const std::string& proxy_fields) {
  const Loaded<Study> loaded = LoadStudy(CaseG(proxy_fields), kDisplayName);
  EXPECT_TRUE(loaded.ok()) << loaded.error().ToString();
  const Study& study = loaded.value();
  models::RunSpec spec;
  spec.seed = study.experiment.seed;
  spec.end = sim::SimTime::Zero() + sim::SecondsToDuration(study.experiment.duration_s);
  spec.warmup = sim::SimTime::Zero();
  return models::RunSimulation(study.scenario, study.policies.at(0), spec);
}

constexpr size_t kSbc = 1, kProxy = 2, kCarrierA = 3, kBackup = 4;

// Guide case (g), P10, D9: with the rewrite (the default) carrier_a's 503
// reaches the SBC as 500, which its policy does not advance on: every call but
// the first fails with 500 and the backup carries none. Without it the 503
// reaches the SBC, which advances, and the backup carries them all.
TEST(LoaderProxyRun, G_RewriteTo500StopsAnUpstreamAdvanceOn503) {
  const models::RunResult on = RunCaseG("");
  ASSERT_TRUE(on.violations.empty()) << on.violations.front();
  const uint64_t calls = on.metrics.attempts();
  ASSERT_GT(calls, 30u);  // about 50
  EXPECT_EQ(on.metrics.answered(), 1u);
  EXPECT_EQ(on.metrics.failed(), calls - 1);
  EXPECT_EQ(on.metrics.failures_by_code(), (std::map<int, uint64_t>{{500, calls - 1}}));
  EXPECT_EQ(on.metrics.failed_retryable(), calls - 1);  // the backup was never tried
  EXPECT_EQ(on.nodes[kCarrierA].counters.invites, calls);
  EXPECT_EQ(on.nodes[kCarrierA].counters.rejections, calls - 1);
  EXPECT_EQ(on.nodes[kProxy].counters.invites, calls);
  EXPECT_EQ(on.nodes[kProxy].counters.rejections, calls - 1);
  EXPECT_EQ(on.nodes[kProxy].counters.answered, 1u);
  EXPECT_EQ(on.nodes[kBackup].counters.invites, 0u);
  EXPECT_EQ(on.nodes[kSbc].counters.rejections, calls - 1);

  const models::RunResult off = RunCaseG("rewrite_503_to_500: false");
  ASSERT_TRUE(off.violations.empty()) << off.violations.front();
  EXPECT_EQ(off.metrics.attempts(), calls);  // the same calls
  EXPECT_EQ(off.metrics.answered(), calls);
  EXPECT_EQ(off.metrics.failed(), 0u);
  EXPECT_EQ(off.nodes[kProxy].counters.rejections, calls - 1);  // 503 passed as 503
  EXPECT_EQ(off.nodes[kBackup].counters.invites, calls - 1);
  EXPECT_EQ(off.nodes[kBackup].counters.answered, calls - 1);
  EXPECT_EQ(off.nodes[kSbc].counters.answered, calls);
}

}  // namespace
}  // namespace crankback::topologies
