// Issue 6 section 3.1: the congestion collapse of RFC 6357 (sip-semantics O5)
// and the controls that prevent it (O1, O6-O9), on topologies/rfc6357_collapse.pbtxt:
// one server of 140 calls/s behind callers over UDP, offered 0.5x to 5x.
// Every comparison uses the run's own 95% intervals.
#include <gtest/gtest.h>

#include <string>

#include "experiments/runner.h"
#include "topologies/loader.h"

namespace crankback {
namespace {

using topologies::Metric;
using topologies::PointReport;

constexpr double kCapacity = 140;  // calls per second
constexpr int kLoads = 6;          // 0.5 1 1.5 2 3 5
constexpr int kVariants = 5;       // none, 503, 503 + Retry-After, RFC 7339, RFC 7415
enum Variant { kNone, k503, k503RetryAfter, kLoss, kRate };
enum Load { kHalf, kOne, kOneAndHalf, kTwo, kThree, kFive };

class Collapse : public testing::Test {
 protected:
  static void SetUpTestSuite() {
    const std::string file =
        std::string(CRANKBACK_SOURCE_DIR) + "/topologies/rfc6357_collapse.pbtxt";
    const auto plan = topologies::LoadPlanFile(file, {});
    ASSERT_TRUE(plan.ok()) << plan.error().ToString();
    ASSERT_EQ(plan.value().points.size(), static_cast<size_t>(kLoads * kVariants));
    const auto runs = experiments::RunPlan(plan.value(), {.jobs = 2});
    for (const auto& point : runs) {
      for (const auto& run : point.front())
        ASSERT_TRUE(run.violations.empty()) << run.violations[0];
    }
    report_ = new topologies::ReportData(experiments::Summarize(plan.value(), runs, file));
  }
  static void TearDownTestSuite() {
    delete report_;
    report_ = nullptr;
  }
  // The last axis varies fastest: point = load x variants + variant.
  static const topologies::Estimate& Get(Load load, Variant v, const char* metric,
                                         const char* scope = "") {
    const PointReport& p = report_->points.at(load * kVariants + v);
    const Metric* m = p.policies.front().Find(metric, scope);
    if (m == nullptr) {
      ADD_FAILURE() << "no metric " << scope << " " << metric;
      static const topologies::Estimate none;
      return none;
    }
    return m->value;
  }
  static topologies::ReportData* report_;
};

topologies::ReportData* Collapse::report_ = nullptr;

// One run of the file (it takes seconds), four sets of checks.
TEST_F(Collapse, O1_O5_O7_O9_CollapseAndItsControls) {
  // Below capacity every variant carries the offered 70 calls/s.
  {
    for (Variant v : {kNone, k503, k503RetryAfter, kLoss, kRate}) {
      const auto& g = Get(kHalf, v, "goodput");
      EXPECT_GT(g.ci_high, 0.5 * kCapacity * 0.97) << v;
      EXPECT_LT(g.ci_low, 0.5 * kCapacity * 1.03) << v;
    }
  }
  // The goal: with either RFC control goodput at 3x stays at or above 90% of capacity.
  {
    for (Variant v : {kLoss, kRate}) {
      for (Load l : {kTwo, kThree, kFive}) {
        EXPECT_GE(Get(l, v, "goodput").ci_low, 0.9 * kCapacity) << v << " at load " << l;
        EXPECT_LT(Get(l, v, "retransmissions_per_call").mean, 0.5) << v;
      }
      // The callers shed what the server cannot take; the server never drops.
      EXPECT_GT(Get(kThree, v, v == kLoss ? "shed_loss" : "shed_rate", "node callers").ci_low, 0);
      EXPECT_EQ(Get(kThree, v, "dropped", "node server").mean, 0);
    }
  }
  // O5: without control, retransmissions rise as the queue grows past T1, the
  // processor's time goes to retransmitted copies and to discarding what finds
  // the queue full, and goodput collapses.
  {
    EXPECT_LT(Get(kHalf, kNone, "retransmissions_per_call").ci_high, 0.1);
    EXPECT_GT(Get(kOneAndHalf, kNone, "retransmissions_per_call").ci_low, 5);
    EXPECT_GT(Get(kOneAndHalf, kNone, "queue_delay_mean_s", "node server").ci_low, 0.5);  // > T1
    EXPECT_GT(Get(kOneAndHalf, kNone, "retransmission_cpu", "node server").ci_low, 0.1);
    EXPECT_LT(Get(kOneAndHalf, kNone, "goodput").ci_high, 0.7 * kCapacity);
    EXPECT_LT(Get(kThree, kNone, "goodput").ci_high, 0.3 * kCapacity);
    EXPECT_LT(Get(kFive, kNone, "goodput").ci_high, 0.05 * kCapacity);
    EXPECT_GT(Get(kFive, kNone, "discard_cpu", "node server").ci_low, 0.5);
  }
  // O1, O5: 503 without Retry-After costs the server a rejection per refused
  // call, which at high load is more than its capacity: it collapses later than
  // no control, and still collapses. With Retry-After the callers go silent for
  // seconds at a time (on/off control), which keeps it from collapsing but
  // wastes most of the capacity.
  {
    EXPECT_GT(Get(kOneAndHalf, k503, "goodput").ci_low, Get(kOneAndHalf, kNone, "goodput").ci_high);
    EXPECT_LT(Get(kFive, k503, "goodput").ci_high, 0.05 * kCapacity);
    EXPECT_GT(Get(kThree, k503, "rejection_cpu", "node server").ci_low, 0.2);
    EXPECT_EQ(Get(kThree, k503, "retransmissions_per_call").mean, 0);
    EXPECT_GT(Get(kFive, k503RetryAfter, "shed_retry_after", "node callers").ci_low, 0);
    EXPECT_GT(Get(kFive, k503RetryAfter, "goodput").ci_low, Get(kFive, k503, "goodput").ci_high);
    EXPECT_LT(Get(kThree, k503RetryAfter, "goodput").ci_high, 0.5 * kCapacity);
  }
}

}  // namespace
}  // namespace crankback
