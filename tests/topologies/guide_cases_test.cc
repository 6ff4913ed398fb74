// The field guide's scenarios (sip-response-codes-guide.txt), end to end from
// a topology file: the same calls under each policy (common random numbers),
// so the calls a carrier refuses are the same calls whatever the policy does
// with them, and the figures compare exactly.
//
//   (a) 503 at a healthy primary's cap advances; the call completes on the backup.
//   (b) the same cap answered 486; a policy that stops on 4xx strands the call,
//       counted failed-but-retryable.
//   (h) translate 503 -> 486 upstream and add Reason: Q.850 cause 34.
//   (i) route-retry timeout on a carrier that answers 100 and goes silent.
#include <gtest/gtest.h>

#include <string>

#include "models/policy/dialect.h"
#include "models/simulation.h"
#include "tests/topologies/test_topology.h"
#include "topologies/loader.h"

namespace crankback::topologies {
namespace {

using test_topology::Edit;

// Callers -> sbc1 -> carrier_a (3 channels, dialect DIALECT) then carrier_b
// (room for every call). 2 calls/s of 10 s mean: 20 Erlangs on A's 3 channels.
std::string Topology(const std::string& dialect, const std::string& policies,
                     const std::string& carrier_a_extra = "", const std::string& nap_extra = "") {
  return R"(
nodes { name: "callers" user_agent {} }
nodes {
  name: "sbc1"
  sbc {
    naps { name: "from_callers" peer: "callers" routes { nap: "to_a" } routes { nap: "to_b" } )" +
         nap_extra + R"( }
    naps { name: "to_a" peer: "carrier_a" }
    naps { name: "to_b" peer: "carrier_b" }
  }
}
nodes { name: "carrier_a" carrier { max_sessions: 3 dialect: ")" +
         dialect + "\" " + carrier_a_extra + R"( } }
nodes { name: "carrier_b" carrier {} }
links { a: "callers" b: "sbc1" latency_s: 0.005 }
links { a: "sbc1" b: "carrier_a" latency_s: 0.01 }
links { a: "sbc1" b: "carrier_b" latency_s: 0.01 }
traffic {
  name: "offered" origin: "callers" via: "sbc1"
  calls_per_second: 2
  holding_time { exponential_mean_s: 10 }
}
)" + policies +
         R"(
experiment { duration_s: 300 seed: 11 }
)";
}

struct Figures {
  uint64_t attempts = 0, answered = 0, failed = 0, retryable = 0;
  uint64_t rejected_by_a = 0, invites_at_b = 0;
  std::map<int, uint64_t> failures;
};

// Replication 0 of every policy of the study, in the file's order.
std::vector<Figures> RunAll(const std::string& text) {
  Loaded<Study> loaded = LoadStudy(text, "guide.pbtxt");
  EXPECT_TRUE(loaded.ok()) << loaded.error().ToString();
  std::vector<Figures> out;
  if (!loaded.ok()) return out;
  const Study& study = loaded.value();
  for (const policy::CauseMap& p : study.policies) {
    models::RunSpec spec;
    spec.seed = study.experiment.seed;
    spec.end = sim::SimTime::Zero() + sim::SecondsToDuration(study.experiment.duration_s);
    spec.warmup = sim::SimTime::Zero();
    const models::RunResult run = models::RunSimulation(study.scenario, p, spec);
    EXPECT_TRUE(run.violations.empty()) << p.name << ": " << run.violations.front();
    Figures f;
    f.attempts = run.metrics.attempts();
    f.answered = run.metrics.answered();
    f.failed = run.metrics.failed();
    f.retryable = run.metrics.failed_retryable();
    f.rejected_by_a = run.nodes[2].counters.rejections;
    f.invites_at_b = run.nodes[3].counters.invites;
    f.failures = run.metrics.failures_by_code();
    out.push_back(f);
  }
  return out;
}

// (a) Carrier A answers 503 at its cap (rfc3398). prosbc-default continues on
// 5xx: every call A refuses is carried by B and nothing fails; a policy that
// stops on everything (freeswitch-default) fails exactly those calls, each
// one failed-but-retryable (cause capacity, route B untried).
TEST(GuideCases, A_503AtAHealthyPrimarysCapAdvancesToTheBackup) {
  const auto f = RunAll(Topology("rfc3398", R"(
policies { name: "prosbc" preset: "prosbc-default" }
policies { name: "freeswitch" preset: "freeswitch-default" })"));
  ASSERT_EQ(f.size(), 2u);
  ASSERT_GT(f[0].rejected_by_a, 100u);  // the cap matters in this run
  EXPECT_EQ(f[0].failed, 0u);
  EXPECT_EQ(f[0].answered, f[0].attempts);
  EXPECT_EQ(f[0].invites_at_b, f[0].rejected_by_a);
  EXPECT_EQ(f[1].attempts, f[0].attempts);
  EXPECT_EQ(f[1].rejected_by_a, f[0].rejected_by_a);  // the same calls meet the same cap
  EXPECT_EQ(f[1].failed, f[1].rejected_by_a);
  EXPECT_EQ(f[1].retryable, f[1].failed);
  EXPECT_EQ(f[1].failures, (std::map<int, uint64_t>{{503, f[1].failed}}));
  EXPECT_EQ(f[1].invites_at_b, 0u);
}

// (b) The same cap answered 486 Busy Here (a PBX dialect): prosbc-default
// stops on 4xx, so every call A refuses fails with 486 although B had room:
// all of them failed-but-retryable. advance-on-everything carries them on B.
TEST(GuideCases, B_486AtTheCapStopsOn4xxAndIsFailedButRetryable) {
  const auto f = RunAll(Topology("pbx-486", R"(
policies { name: "prosbc" preset: "prosbc-default" }
policies { name: "everything" preset: "advance-on-everything" })"));
  ASSERT_EQ(f.size(), 2u);
  ASSERT_GT(f[0].rejected_by_a, 100u);
  EXPECT_EQ(f[0].failed, f[0].rejected_by_a);
  EXPECT_EQ(f[0].failures, (std::map<int, uint64_t>{{486, f[0].failed}}));
  EXPECT_EQ(f[0].retryable, f[0].failed);
  EXPECT_EQ(f[1].failed, 0u);
  EXPECT_EQ(f[1].invites_at_b, f[0].rejected_by_a);
}

// (h) A 503 at A's cap is translated to 486 upstream with Reason: Q.850
// cause 34 (no circuit available): the caller sees 486 for exactly the calls
// A refused, and never a 503.
TEST(GuideCases, H_Translate503To486WithQ850Cause34) {
  const auto f = RunAll(Topology("rfc3398", R"(
policies {
  name: "translate"
  rules { code: 503 action: TRANSLATE translate_to: 486 reason_q850: 34 }
  fallback: STOP
})"));
  ASSERT_EQ(f.size(), 1u);
  ASSERT_GT(f[0].rejected_by_a, 100u);
  EXPECT_EQ(f[0].failures, (std::map<int, uint64_t>{{486, f[0].rejected_by_a}}));
  EXPECT_EQ(f[0].invites_at_b, 0u);
}

// (i) Carrier A takes every call with 100 Trying and then goes silent (a
// silent number range, no no-answer timer). With a 5 s route-retry timeout
// at minimum state 180, every call is cancelled on A at 5 s and answered on
// B; without it, every caller A took gives up at its 30 s patience (only the
// calls A refused at its 3-channel cap reach B).
TEST(GuideCases, I_RouteRetryTimeoutOnACarrierThatAnswers100AndGoesSilent) {
  const std::string policies = R"(policies { name: "prosbc" preset: "prosbc-default" })";
  const std::string silent = R"(ranges { prefix: "44" silent: true no_answer_timeout_s: 0 })";
  auto with_patience = [](std::string text) {
    return Edit(text, "holding_time { exponential_mean_s: 10 }",
                "holding_time { exponential_mean_s: 10 }\n  patience { deterministic_s: 30 }\n"
                "  destinations { number: \"4420\" }");
  };
  const auto timed = RunAll(with_patience(Topology(
      "rfc3398", policies, silent, "route_retry_timeout_s: 5 min_call_state: RINGING_180")));
  const auto untimed = RunAll(with_patience(Topology("rfc3398", policies, silent)));
  ASSERT_EQ(timed.size(), 1u);
  ASSERT_EQ(untimed.size(), 1u);
  ASSERT_GT(timed[0].attempts, 500u);
  EXPECT_EQ(timed[0].answered, timed[0].attempts);
  EXPECT_EQ(timed[0].invites_at_b, timed[0].attempts);
  EXPECT_EQ(untimed[0].attempts, timed[0].attempts);
  EXPECT_EQ(untimed[0].failed, 0u);
  EXPECT_EQ(untimed[0].answered, untimed[0].rejected_by_a);
  EXPECT_EQ(untimed[0].invites_at_b, untimed[0].rejected_by_a);
  // Each of A's 3 channels holds one silent call at a time, for the caller's
  // 30 s patience: about 3 x 300 / 30 abandoned calls over the run.
  const uint64_t abandoned = untimed[0].attempts - untimed[0].answered;
  EXPECT_GE(abandoned, 27u);
  EXPECT_LE(abandoned, 30u);
}

// (e) A fraud scorer answers 302 (Contact: carrier_b, a trunk group for
// suspect calls) to the fraudulent calls and 404 to the rest. fraud-integrated
// processes the 302 (every fraud call goes to B, whose NAP is in no route
// list) and continues on the 404 (clean calls go to A). prosbc-default stops
// on both: the 302 goes to the caller, who cannot follow it, and the scorer's
// 404 stops the clean calls too (ProSBC's default on 404, the guide's warning).
TEST(GuideCases, E_302ProcessedVersusStopped) {
  const std::string text = R"(
nodes { name: "callers" user_agent {} }
nodes {
  name: "sbc1"
  sbc {
    naps { name: "from_callers" peer: "callers" routes { nap: "to_scorer" } routes { nap: "to_a" } }
    naps { name: "to_scorer" peer: "scorer" }
    naps { name: "to_a" peer: "carrier_a" }
    naps { name: "to_b" peer: "carrier_b" }
  }
}
nodes { name: "scorer" fraud_scorer { on_detect: REDIRECT redirect_to: "carrier_b" } }
nodes { name: "carrier_a" carrier {} }
nodes { name: "carrier_b" carrier {} }
links { a: "callers" b: "sbc1" latency_s: 0.005 }
links { a: "sbc1" b: "scorer" latency_s: 0.002 }
links { a: "sbc1" b: "carrier_a" latency_s: 0.01 }
links { a: "sbc1" b: "carrier_b" latency_s: 0.01 }
traffic {
  name: "offered" origin: "callers" via: "sbc1"
  calls_per_second: 2
  holding_time { exponential_mean_s: 10 }
  fraud { fraction: 0.2 }
}
policies { name: "integrated" preset: "fraud-integrated" }
policies { name: "prosbc" preset: "prosbc-default" }
experiment { duration_s: 300 seed: 5 }
)";
  Loaded<Study> loaded = LoadStudy(text, "e.pbtxt");
  ASSERT_TRUE(loaded.ok()) << loaded.error().ToString();
  const Study& study = loaded.value();
  std::vector<models::RunResult> runs;
  for (const auto& p : study.policies) {
    models::RunSpec spec;
    spec.seed = study.experiment.seed;
    spec.end = sim::SimTime::Zero() + sim::SecondsToDuration(study.experiment.duration_s);
    runs.push_back(models::RunSimulation(study.scenario, p, spec));
    ASSERT_TRUE(runs.back().violations.empty()) << runs.back().violations.front();
  }
  const uint64_t fraud = runs[0].metrics.fraud_attempts();
  const uint64_t calls = runs[0].metrics.attempts();
  ASSERT_GT(fraud, 50u);
  EXPECT_EQ(runs[0].metrics.answered(), calls);
  EXPECT_EQ(runs[0].nodes[4].counters.invites, fraud);          // carrier_b: redirected
  EXPECT_EQ(runs[0].nodes[3].counters.invites, calls - fraud);  // carrier_a: cleared
  EXPECT_EQ(runs[1].metrics.fraud_attempts(), fraud);           // the same calls
  EXPECT_EQ(runs[1].metrics.answered(), 0u);
  EXPECT_EQ(runs[1].metrics.failures_by_code(),
            (std::map<int, uint64_t>{{302, fraud}, {404, calls - fraud}}));
}

// Every carrier dialect preset at its session cap, under prosbc-default
// (continue on 5xx, stop on 4xx) and kamailio-dispatcher (advance on 408 and
// 5xx): each preset's SESSION_CAP code decides which calls reach B, and the
// callers see that code for exactly the calls A refused when it stops.
TEST(GuideCases, EveryDialectPresetAtTheCapUnderTwoPolicies) {
  for (const char* name : {"rfc3398", "pbx-486", "carrier-408-no-answer", "freeswitch", "asterisk",
                           "ribbon", "audiocodes", "avaya"}) {
    const int code = policy::FindPresetDialect(name)->Reject(policy::Condition::kSessionCap).code;
    const auto f = RunAll(Topology(name, R"(
policies { name: "prosbc" preset: "prosbc-default" }
policies { name: "kamailio" preset: "kamailio-dispatcher" })"));
    ASSERT_EQ(f.size(), 2u);
    for (size_t p = 0; p < 2; ++p) {
      const bool advances = code / 100 == 5 || (p == 1 && code == 408);
      ASSERT_GT(f[p].rejected_by_a, 100u) << name;
      if (advances) {
        EXPECT_EQ(f[p].failed, 0u) << name << " policy " << p;
        EXPECT_EQ(f[p].invites_at_b, f[p].rejected_by_a) << name << " policy " << p;
      } else {
        EXPECT_EQ(f[p].failures, (std::map<int, uint64_t>{{code, f[p].rejected_by_a}}))
            << name << " policy " << p;
        EXPECT_EQ(f[p].invites_at_b, 0u) << name << " policy " << p;
      }
    }
  }
}

}  // namespace
}  // namespace crankback::topologies
