// Binary input and command-line overrides: a binary Simulation loads like its
// text form whatever the file is called, and overrides are validated like the
// file's own values.
#include <google/protobuf/text_format.h>
#include <gtest/gtest.h>

#include <string>

#include "tests/topologies/test_topology.h"
#include "topologies/loader.h"
#include "topologies/simrun.pb.h"

namespace crankback::topologies {
namespace {

using namespace test_topology;

pb::Simulation ValidSimulation() {
  pb::Simulation sim;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(ValidTopology(), &sim));
  return sim;
}

std::string Binary(const pb::Simulation& sim) {
  std::string bytes;
  EXPECT_TRUE(sim.SerializeToString(&bytes));
  return bytes;
}

void ExpectSameStudy(const Study& a, const Study& b) {
  ASSERT_EQ(a.scenario.nodes.size(), b.scenario.nodes.size());
  for (size_t i = 0; i < a.scenario.nodes.size(); ++i) {
    EXPECT_EQ(a.scenario.nodes[i].name, b.scenario.nodes[i].name);
    EXPECT_EQ(a.scenario.nodes[i].kind.index(), b.scenario.nodes[i].kind.index());
  }
  EXPECT_EQ(a.scenario.links.size(), b.scenario.links.size());
  EXPECT_EQ(a.scenario.traffic.size(), b.scenario.traffic.size());
  EXPECT_EQ(a.scenario.dialects.size(), b.scenario.dialects.size());
  ASSERT_EQ(a.policies.size(), b.policies.size());
  for (size_t i = 0; i < a.policies.size(); ++i) {
    EXPECT_EQ(a.policies[i].name, b.policies[i].name);
    EXPECT_EQ(a.policies[i].fallback, b.policies[i].fallback);
    EXPECT_EQ(a.policies[i].rules.size(), b.policies[i].rules.size());
  }
  EXPECT_EQ(a.experiment.duration_s, b.experiment.duration_s);
  EXPECT_EQ(a.experiment.warmup_s, b.experiment.warmup_s);
  EXPECT_EQ(a.experiment.replications, b.experiment.replications);
  EXPECT_EQ(a.experiment.seed, b.experiment.seed);
  EXPECT_EQ(a.resolved_text, b.resolved_text);
}

TEST(LoaderBinaryTest, BinaryFileLoadsLikeTextWhateverItsName) {
  const Loaded<Study> text = LoadStudy(ValidTopology(), kDisplayName);
  ASSERT_TRUE(text.ok()) << text.error().ToString();
  TempDir dir;
  const std::string bytes = Binary(ValidSimulation());
  for (const char* name : {"topo.pb", "x.pbtxt"}) {
    SCOPED_TRACE(name);
    WriteFile(dir / name, bytes);
    const Loaded<Study> binary = LoadStudyFile(dir / name);
    ASSERT_TRUE(binary.ok()) << binary.error().ToString();
    ExpectSameStudy(binary.value(), text.value());
  }
  // The text form loads from a file too, and the same.
  WriteFile(dir / "topo.pbtxt", ValidTopology());
  const Loaded<Study> text_file = LoadStudyFile(dir / "topo.pbtxt");
  ASSERT_TRUE(text_file.ok()) << text_file.error().ToString();
  ExpectSameStudy(text_file.value(), text.value());
}

TEST(LoaderBinaryTest, SemanticErrorInBinaryHasNoLineButAPath) {
  pb::Simulation sim = ValidSimulation();
  sim.mutable_nodes(1)->mutable_sbc()->mutable_naps(1)->set_max_sessions(-3);
  TempDir dir;
  const std::filesystem::path file = dir / "bad.pb";
  WriteFile(file, Binary(sim));
  const Loaded<Study> loaded = LoadStudyFile(file);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().file, file.string());
  EXPECT_EQ(loaded.error().line, 0);
  EXPECT_EQ(loaded.error().path, "nodes[\"sbc1\"].sbc.naps[\"to_a\"].max_sessions");
  EXPECT_TRUE(Contains(loaded.error().message, "got -3"));
  EXPECT_EQ(loaded.error().ToString(),
            file.string() + ": " + loaded.error().path + ": " + loaded.error().message);
}

TEST(LoaderBinaryTest, GarbageBytesAreRejected) {
  const std::string truncated = Binary(ValidSimulation());
  for (const std::string& bytes : {std::string("\x00\x01\x02", 3), std::string("\x08\xff\xff", 3),
                                   truncated.substr(0, truncated.size() - 1)}) {
    SCOPED_TRACE(bytes.size());
    const LoadError e = ErrorOf(bytes);
    EXPECT_EQ(e.line, 0);
    EXPECT_EQ(e.path, "");
    EXPECT_EQ(e.message, "neither protobuf text format nor a binary Simulation");
  }
  // Without control bytes the content is taken for text, and its first byte is
  // a syntax error.
  const LoadError e = ErrorOf(std::string("\xff\xfe\xfd"));
  EXPECT_EQ(e.line, 1);
  EXPECT_EQ(e.path, "");
  EXPECT_TRUE(Contains(e.message, "syntax error at column 1"));
}

TEST(LoaderBinaryTest, TextWithPageBreaksIsText) {
  // Form feed and vertical tab are whitespace to the text-format tokenizer.
  std::string text = ValidTopology();
  text.insert(text.find("links {"), "\f\n");
  text.insert(text.find("traffic {"), "\v\n");
  const Loaded<Study> loaded = LoadStudy(text, kDisplayName);
  ASSERT_TRUE(loaded.ok()) << loaded.error().ToString();
  const std::string bad = Edit(text, "calls_per_second: 0.5", "calls_per_second: 0");
  const LoadError e = ErrorOf(bad);
  EXPECT_EQ(e.line, LineOf(bad, "calls_per_second: 0"));
  EXPECT_EQ(e.path, "traffic[\"busy_hour\"].calls_per_second");
}

TEST(LoaderBinaryTest, MissingFile) {
  TempDir dir;
  const std::filesystem::path file = dir / "absent.pbtxt";
  const Loaded<Study> loaded = LoadStudyFile(file);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().ToString(), file.string() + ": cannot open the file");
}

TEST(LoaderOverridesTest, SeedAndReplicationsReplaceTheFile) {
  const Loaded<Study> loaded =
      LoadStudy(ValidTopology(), kDisplayName, {.seed = 12345, .replications = 5});
  ASSERT_TRUE(loaded.ok()) << loaded.error().ToString();
  EXPECT_EQ(loaded.value().experiment.seed, 12345u);
  EXPECT_EQ(loaded.value().experiment.replications, 5);
  // The resolved input reproduces the run, overrides included.
  EXPECT_TRUE(Contains(loaded.value().resolved_text, "seed: 12345"));
  EXPECT_TRUE(Contains(loaded.value().resolved_text, "replications: 5"));
}

TEST(LoaderOverridesTest, WithoutOverridesTheFileDecides) {
  const Loaded<Study> loaded = LoadStudy(ValidTopology(), kDisplayName);
  ASSERT_TRUE(loaded.ok()) << loaded.error().ToString();
  EXPECT_EQ(loaded.value().experiment.seed, 7u);
  EXPECT_EQ(loaded.value().experiment.replications, 2);
}

TEST(LoaderOverridesTest, OverrideReplacesAnOutOfRangeFileValue) {
  const std::string text = Edit(ValidTopology(), "replications: 2", "replications: 10000000");
  const Loaded<Study> loaded = LoadStudy(text, kDisplayName, {.replications = 3});
  ASSERT_TRUE(loaded.ok()) << loaded.error().ToString();
  EXPECT_EQ(loaded.value().experiment.replications, 3);
}

TEST(LoaderOverridesTest, ReplicationsOverrideMustBePositive) {
  for (int replications : {0, -1, 1'000'001}) {
    SCOPED_TRACE(replications);
    const LoadError e = ErrorOf(ValidTopology(), {.replications = replications});
    // The value comes from the command line, not from a line of the file.
    EXPECT_EQ(e.line, 0);
    EXPECT_EQ(e.path, "experiment.replications");
    EXPECT_TRUE(Contains(e.message, "(got " + std::to_string(replications) + ")"));
  }
}

TEST(LoaderOverridesTest, OverridesApplyToBinaryInput) {
  const Loaded<Study> loaded =
      LoadStudy(Binary(ValidSimulation()), kDisplayName, {.seed = 99, .replications = 4});
  ASSERT_TRUE(loaded.ok()) << loaded.error().ToString();
  EXPECT_EQ(loaded.value().experiment.seed, 99u);
  EXPECT_EQ(loaded.value().experiment.replications, 4);
  const LoadError e = ErrorOf(Binary(ValidSimulation()), {.replications = 0});
  EXPECT_EQ(e.line, 0);
  EXPECT_EQ(e.path, "experiment.replications");
}

}  // namespace
}  // namespace crankback::topologies
