// The whole SIP path end to end: callers -> SBC -> one carrier, as
// models::RunSimulation runs it, with the scenario built in code the way the
// model tests build theirs (tests/models/scenario_fixture.h).
//
// UDP links with a fixed 1 ms one-way latency and no loss; the carrier has
// unlimited channels and answers at once (no ringing); holding times are
// exponential. Every call is therefore answered and takes the same 12 SIP
// messages: INVITE, 100, INVITE, 100, 200, ACK, 200, ACK, BYE, 200, BYE, 200.
//
// Each iteration runs one complete replication (arrivals over [0, end), then
// until every call has ended) and then, as a yardstick, as many events of PHOLD
// on a bare sim::Engine (phold.h), each timed by its own thread CPU clock
// (paired.h). `ratio` is the replication's events/s over the bare engine's: how
// much of the engine's speed the SIP path keeps. Counters per case: simulated
// calls per CPU second, engine events and SIP messages per call, the calls in
// progress at the busiest instant, and the heap at its peak per such call.
// main() prints the medians against the goals of >= 100,000 calls/s on one core
// and <= 2 KiB per call in progress. A goal missed is printed, never enforced.
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bench/engine_queue.h"
#include "bench/heap_counter.h"
#include "bench/paired.h"
#include "bench/phold.h"
#include "models/simulation.h"
#include "sim/distribution.h"
#include "sim/rng.h"
#include "sim/time.h"
#include "tests/models/scenario_fixture.h"

namespace crankback::bench {
namespace {

using sim::Duration;
using sim::SimTime;

constexpr uint64_t kSeed = 1;
constexpr Duration kLatency = Duration::Millis(1);  // one way, every link
constexpr const char* kTraffic = "offered";         // the fixture's traffic source
constexpr double kGoalCallsPerSecond = 100'000;
constexpr double kGoalBytesPerCall = 2048;
constexpr double kMemoryGoalMinCalls = 100'000;  // the memory goal needs this many in progress

struct Load {
  double calls_per_second;
  double holding_s;      // mean, exponential
  double end_s;          // arrivals stop here
  int yardstick_per_lp;  // PHOLD events pending per logical process (1000 processes)
};

// (a) A busy hour: 1,000 calls/s held 180 s on average. The steady state would
// hold 180,000 calls; arrivals stop after one mean holding time, when about
// 63% of that (114k) are in progress, so that a replication takes seconds.
// (b) Short calls: 2,000 calls/s held 60 s, stopped after two mean holding
// times with about 103k in progress: the same memory goal at a higher call rate.
// (c) A light load: 100 calls/s held 10 s, about 1,000 in progress.
// Of the events pending, the engine's queue holds a hang-up per call in
// progress and little else: the 6 timers per call set up in the last 32 s
// (64*T1: Timers L and M, the ACK kept for 2xx retransmissions) and the 4 per
// call torn down lately (Timers J and K) wait in sip::Endpoint's lanes, with
// only each lane's head queued. By Little's law they would add about 350k
// events at the end of the busy hour's arrivals, more with short calls, and
// 28k under the light load. The yardstick holds 300k or 25k, as it did when
// they were all queued, so that `ratio` compares with the earlier figures.
constexpr Load kBusyHour{1000, 180, 180, 300};
constexpr Load kShortCalls{2000, 60, 120, 300};
constexpr Load kLight{100, 10, 1000, 25};

models::ScenarioParams Scenario(const Load& load) {
  testing::ChainSpec spec;
  spec.carriers = {{"carrier", /*channels=*/0, "rfc3398"}};  // 0: unlimited
  spec.calls_per_second = load.calls_per_second;
  spec.holding = sim::Distribution::Exponential(load.holding_s);
  spec.link.latency = kLatency;  // UDP, no loss, no jitter by default
  return testing::Chain(spec);
}

models::RunSpec Spec(const Load& load) { return testing::Spec(kSeed, 0, load.end_s, 0); }

// The calls offered, replayed from the caller's own random streams in the
// order its user agent draws them (models/nodes/user_agent.cc): the gaps from
// "arrivals", one holding time per call from "holding_time". A call is in
// progress from its INVITE until its BYE: with no loss and no ringing it is
// answered 4 one-way latencies after its INVITE (caller -> SBC -> carrier and
// back) and the caller hangs up its holding time later.
struct OfferedCalls {
  uint64_t calls = 0;
  double holding_seconds = 0;  // summed in arrival order, as RunMetrics sums answered calls
  uint64_t peak_in_progress = 0;
};

OfferedCalls Replay(const Load& load) {
  const sim::RngFactory rng(kSeed, 0);
  sim::RngStream arrivals = rng.Stream(kTraffic, "arrivals");
  sim::RngStream holding = rng.Stream(kTraffic, "holding_time");
  const sim::Distribution gap = sim::Distribution::Exponential(1.0 / load.calls_per_second);
  const sim::Distribution hold = sim::Distribution::Exponential(load.holding_s);
  const SimTime end = Spec(load).end;
  OfferedCalls offered;
  std::vector<std::pair<int64_t, int>> changes;  // (time, +1 INVITE or -1 BYE)
  for (SimTime t = SimTime::Zero() + gap.SampleDuration(arrivals); t < end;
       t += gap.SampleDuration(arrivals)) {
    const Duration h = hold.SampleDuration(holding);
    ++offered.calls;
    offered.holding_seconds += sim::ToSeconds(h);
    changes.emplace_back(t.nanos(), +1);
    changes.emplace_back((t + 4 * kLatency + h).nanos(), -1);
  }
  std::sort(changes.begin(), changes.end());  // at a tie a BYE (-1) comes first
  int64_t in_progress = 0;
  for (const auto& [time, change] : changes) {
    in_progress += change;
    offered.peak_in_progress =
        std::max(offered.peak_in_progress, static_cast<uint64_t>(in_progress));
  }
  return offered;
}

// Empty when the replication is the one replayed: every offered call answered,
// with the same holding times, and the run sound.
std::string Mismatch(const models::RunResult& r, const OfferedCalls& offered) {
  if (!r.violations.empty()) return "run violated an invariant: " + r.violations.front();
  if (r.metrics.attempts() != offered.calls || r.metrics.answered() != offered.calls) {
    return "replayed " + std::to_string(offered.calls) + " calls, run had " +
           std::to_string(r.metrics.attempts()) + " with " + std::to_string(r.metrics.answered()) +
           " answered";
  }
  const double held = r.metrics.answered_seconds();
  if (std::abs(held - offered.holding_seconds) > 1e-9 * offered.holding_seconds) {
    return "replayed holding times differ from the run's";
  }
  return "";
}

bool& AllRunsMatched() {
  static bool matched = true;
  return matched;
}

// --no_yardstick (ours, not Google Benchmark's) leaves PHOLD out, so that a
// profiler sees only the SIP path; `ratio` is then not reported.
bool& YardstickOn() {
  static bool on = true;
  return on;
}

double MaxRssMiB() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024;  // Linux: KiB
}

// The yardstick: PHOLD on the bare engine, warmed up once per population.
Phold<EngineQueue>& Yardstick(int per_lp) {
  static std::map<int, std::unique_ptr<Phold<EngineQueue>>> cache;
  std::unique_ptr<Phold<EngineQueue>>& model = cache[per_lp];
  if (!model) model = WarmPhold<EngineQueue>(per_lp);
  return *model;
}

void BM_EndToEnd(benchmark::State& state, const Load& load) {
  const models::ScenarioParams scenario = Scenario(load);
  const policy::CauseMap policy = testing::Policy("stop", policy::Action::kStop);
  const models::RunSpec spec = Spec(load);
  const OfferedCalls offered = Replay(load);
  Phold<EngineQueue>* yardstick = YardstickOn() ? &Yardstick(load.yardstick_per_lp) : nullptr;

  ChunkCost run;
  ChunkCost bare;
  uint64_t calls = 0;
  uint64_t events = 0;
  uint64_t messages = 0;
  uint64_t retransmissions = 0;
  int64_t peak_heap = 0;
  for (auto _ : state) {
    const HeapSnapshot before = HeapNow();
    ResetHeapPeak();
    const double start = ThreadCpuSeconds();
    const models::RunResult r = models::RunSimulation(scenario, policy, spec);
    run.seconds += ThreadCpuSeconds() - start;
    const HeapSnapshot after = HeapNow();
    run.allocations += after.allocations - before.allocations;
    peak_heap = std::max(peak_heap, after.peak_live_bytes - before.live_bytes);
    if (const std::string why = Mismatch(r, offered); !why.empty()) {
      AllRunsMatched() = false;
      state.SkipWithError(why.c_str());
      return;
    }
    calls += r.metrics.attempts();
    events += r.events;
    messages += r.transport.sent;
    retransmissions += r.transport.retransmissions;
    if (yardstick != nullptr) RunChunk(*yardstick, static_cast<int64_t>(r.events), bare);
  }
  const auto per_call = [&](double x) { return x / static_cast<double>(calls); };
  const double peak_calls = static_cast<double>(offered.peak_in_progress);
  state.counters["calls_s"] = static_cast<double>(calls) / run.seconds;
  state.counters["ev_call"] = per_call(static_cast<double>(events));
  state.counters["msgs_call"] = per_call(static_cast<double>(messages));
  state.counters["retx_call"] = per_call(static_cast<double>(retransmissions));
  state.counters["allocs_call"] = per_call(static_cast<double>(run.allocations));
  state.counters["peak_calls"] = peak_calls;
  state.counters["heap_MiB"] = static_cast<double>(peak_heap) / (1 << 20);
  state.counters["B_call"] = static_cast<double>(peak_heap) / peak_calls;
  state.counters["ev_s"] = static_cast<double>(events) / run.seconds;
  if (yardstick != nullptr) {
    state.counters["bare_ev_s"] = static_cast<double>(events) / bare.seconds;
    state.counters["ratio"] = bare.seconds / run.seconds;
  }
  state.counters["max_rss_MiB"] = MaxRssMiB();
}

// One line per case: medians, and each goal met or missed (by what factor).
class GoalReporter : public SummaryReporter {
 public:
  GoalReporter()
      : SummaryReporter({"calls_s", "ev_call", "msgs_call", "peak_calls", "B_call", "ratio"}) {}

 protected:
  void Summarize(std::ostream& out, const std::vector<Case>& cases) override {
    char line[320];
    std::snprintf(line, sizeof line, "\n%-24s %9s %8s %9s %10s %8s %6s  %s\n", "case (median)",
                  "calls/s", "ev/call", "msgs/call", "peak calls", "B/call", "ratio", "goals");
    out << line;
    for (const Case& c : cases) {
      auto median = [&](const char* counter) {
        const auto it = c.values.find(counter);
        return it == c.values.end() ? 0.0 : Median(it->second);
      };
      const double calls_s = median("calls_s");
      const double bytes = median("B_call");
      const double peak = median("peak_calls");
      std::string goals =
          Goal(">= 100k calls/s", calls_s >= kGoalCallsPerSecond, calls_s / kGoalCallsPerSecond);
      if (peak >= kMemoryGoalMinCalls) {
        goals +=
            "; " + Goal("<= 2 KiB/call", bytes <= kGoalBytesPerCall, bytes / kGoalBytesPerCall);
      }
      char ratio[16] = "-";
      if (c.values.count("ratio") != 0) std::snprintf(ratio, sizeof ratio, "%.3f", median("ratio"));
      std::snprintf(line, sizeof line, "%-24s %8.1fk %8.2f %9.2f %9.1fk %8.0f %6s  %s\n",
                    c.name.c_str(), calls_s / 1e3, median("ev_call"), median("msgs_call"),
                    peak / 1e3, bytes, ratio, goals.c_str());
      out << line;
    }
  }

 private:
  static std::string Goal(const std::string& goal, bool met, double factor) {
    char text[64];
    std::snprintf(text, sizeof text, " (%.2fx)", factor);
    return goal + (met ? " met" : " MISSED") + text;
  }
};

}  // namespace
}  // namespace crankback::bench

int main(int argc, char** argv) {
  using namespace crankback::bench;
  const auto ours = std::remove_if(argv + 1, argv + argc, [](const char* arg) {
    return std::string_view(arg) == "--no_yardstick";
  });
  if (ours != argv + argc) YardstickOn() = false;
  argc = static_cast<int>(ours - argv);
  benchmark::RegisterBenchmark("e2e/busy_hour", BM_EndToEnd, kBusyHour)
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("e2e/short_calls", BM_EndToEnd, kShortCalls)
      ->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("e2e/light", BM_EndToEnd, kLight)->Unit(benchmark::kMillisecond);
  GoalReporter reporter;
  const int status = RunWithSummary(argc, argv, reporter);
  if (!AllRunsMatched()) {
    std::fprintf(stderr, "%s: a run differs from the calls replayed; its figures are void\n",
                 argv[0]);
    return 1;
  }
  return status;
}
