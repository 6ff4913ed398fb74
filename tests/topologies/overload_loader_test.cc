// A node's processing, overload behaviour and overload-control client in the
// input: valid fields reach the node's params, and every bad value is an
// error naming the line and field path.
#include <gtest/gtest.h>

#include <string>

#include "tests/topologies/test_topology.h"
#include "topologies/loader.h"

namespace crankback::topologies {
namespace {

using namespace test_topology;

// The valid topology with `fields` (text) on carrier_a.
std::string WithFields(const std::string& fields) {
  const std::string carrier_a_end = "    dialect: \"custom\"\n  }\n";
  return Edit(ValidTopology(), carrier_a_end, carrier_a_end + fields);
}

TEST(OverloadLoaderTest, ProcessingAndClientLoadIntoTheNodeParams) {
  const std::string text = WithFields(R"(  processing {
    servers: 2
    queue_limit: 50
    invite_ms: 4
    ack_ms: 1
    request_ms: 2.5
    response_ms: 0.5
    reject_ms: 1
    discard_ms: 0.25
    on_overload: REJECT
    reject_queue: 10
    retry_after_min_s: 2
    retry_after_max_s: 9
    control { algorithm: RATE target_utilization: 0.95 interval_s: 0.25 validity_s: 2 }
  }
  overload_client { control: true honour_retry_after: true retry_after_max_s: 60 tau_factor: 2 }
)");
  const Loaded<Study> loaded = LoadStudy(text, kDisplayName);
  ASSERT_TRUE(loaded.ok()) << loaded.error().ToString();
  const models::NodeParams& n = loaded.value().scenario.nodes[2];  // carrier_a
  ASSERT_TRUE(n.processing.has_value());
  const overload::ProcessingParams& p = *n.processing;
  EXPECT_EQ(p.servers, 2u);
  EXPECT_EQ(p.queue_limit, 50u);
  EXPECT_EQ(p.costs.invite, sim::Duration::Millis(4));
  EXPECT_EQ(p.costs.request, sim::Duration::Micros(2500));
  EXPECT_EQ(p.costs.discard, sim::Duration::Micros(250));
  EXPECT_EQ(p.on_overload, overload::OnOverload::kReject);
  EXPECT_EQ(p.reject_queue, 10u);
  EXPECT_EQ(p.reject_code, 503);
  EXPECT_EQ(p.retry_after_min_s, 2);
  EXPECT_EQ(p.retry_after_max_s, 9);
  ASSERT_TRUE(p.control.has_value());
  EXPECT_EQ(p.control->algorithm, overload::Algorithm::kRate);
  EXPECT_DOUBLE_EQ(p.control->target_utilization, 0.95);
  EXPECT_EQ(p.control->interval, sim::Duration::Millis(250));
  EXPECT_EQ(p.control->validity, sim::Duration::Seconds(2));
  ASSERT_TRUE(n.overload_client.has_value());
  EXPECT_TRUE(n.overload_client->control);
  EXPECT_TRUE(n.overload_client->honour_retry_after);
  EXPECT_EQ(n.overload_client->retry_after_max, sim::Duration::Seconds(60));
  EXPECT_DOUBLE_EQ(n.overload_client->tau_factor, 2);
  EXPECT_FALSE(loaded.value().scenario.nodes[1].processing.has_value());
}

struct BadField {
  const char* fields;  // on carrier_a
  const char* line;    // the text of the bad line
  const char* error;   // after "topo.pbtxt:LINE: "
};

void PrintTo(const BadField& b, std::ostream* os) { *os << b.line; }

class BadOverload : public testing::TestWithParam<BadField> {};

TEST_P(BadOverload, ErrorNamesLineAndPath) {
  const std::string text = WithFields(GetParam().fields);
  EXPECT_EQ(
      ErrorOf(text).ToString(),
      "topo.pbtxt:" + std::to_string(LineOf(text, GetParam().line)) + ": " + GetParam().error);
}

INSTANTIATE_TEST_SUITE_P(
    Fields, BadOverload,
    testing::Values(
        BadField{"  processing {\n    servers: -1\n  }\n", "servers: -1",
                 "nodes[\"carrier_a\"].processing.servers: must be in 1..100000 (0 = the "
                 "default 1; got -1)"},
        BadField{"  processing {\n    queue_limit: -5\n  }\n", "queue_limit: -5",
                 "nodes[\"carrier_a\"].processing.queue_limit: must be in 1..10000000 messages "
                 "(0 = the default 1000; got -5)"},
        BadField{"  processing {\n    invite_ms: -4\n  }\n", "invite_ms: -4",
                 "nodes[\"carrier_a\"].processing.invite_ms: must be in 0..3.6e+06 "
                 "milliseconds (got -4)"},
        BadField{"  processing {\n    on_overload: REJECT\n  }\n", "processing {",
                 "nodes[\"carrier_a\"].processing.reject_queue: REJECT needs 1..1000 waiting "
                 "messages (the "
                 "queue_limit; got 0)"},
        BadField{"  processing {\n    on_overload: REJECT_ON_DELAY\n    max_delay_s: -1\n  }\n",
                 "max_delay_s: -1",
                 "nodes[\"carrier_a\"].processing.max_delay_s: must be > 0 and <= 3600 seconds "
                 "(got -1)"},
        BadField{"  processing {\n    reject_code: 99\n  }\n", "reject_code: 99",
                 "nodes[\"carrier_a\"].processing.reject_code: must be a final failure code in "
                 "300..699 (got 99)"},
        BadField{"  processing {\n    retry_after_min_s: 5\n    retry_after_max_s: 3\n  }\n",
                 "retry_after_min_s: 5",
                 "nodes[\"carrier_a\"].processing.retry_after_min_s: must be in "
                 "0..retry_after_max_s (3; got 5)"},
        BadField{"  processing {\n    control {\n      target_utilization: 1.5\n    }\n  }\n",
                 "target_utilization: 1.5",
                 "nodes[\"carrier_a\"].processing.control.target_utilization: must be in (0, 1] "
                 "(got 1.5)"},
        BadField{"  overload_client {\n    tau_factor: 0\n  }\n", "tau_factor: 0",
                 "nodes[\"carrier_a\"].overload_client.tau_factor: must be in (0, 1000] (got 0)"}));

}  // namespace
}  // namespace crankback::topologies
