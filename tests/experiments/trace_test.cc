// Traces and captures: the recorded ladder of one call, lost messages on a
// lossy link, the CSV / JSON lines / pcap renderings, and (when tshark is
// installed) Wireshark's own reading of a capture against the simulator's trace.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "experiments/trace_writer.h"
#include "models/sip/sip_text.h"
#include "tests/models/scenario_fixture.h"
#include "tests/topologies/test_topology.h"

namespace crankback {
namespace {

using sip::Method;
using sip::TraceEvent;
using topologies::test_topology::ReadFile;
using topologies::test_topology::TempDir;
using topologies::test_topology::WriteFile;

// callers -> sbc -> carrier_a: 10 ms links, a 2 s ring, 30 s calls.
models::ScenarioParams OneCarrier(uint32_t channels, double loss) {
  testing::ChainSpec spec;
  spec.carriers = {{"carrier_a", channels, "rfc3398"}};
  spec.calls_per_second = 0.2;
  spec.holding = sim::Distribution::Deterministic(30);
  spec.link.latency = sim::Duration::Millis(10);
  spec.link.loss = loss;
  models::ScenarioParams s = testing::Chain(spec);
  std::get<nodes::CarrierParams>(s.nodes[2].kind).ring_time = sim::Distribution::Deterministic(2);
  return s;
}

models::RunResult RunTraced(const models::ScenarioParams& s, uint32_t trace_calls,
                            double end_s = 200) {
  models::RunSpec spec = testing::Spec(3, 0, end_s, 0);
  spec.trace_calls = trace_calls;
  return models::RunSimulation(s, testing::Policy("stop", policy::Action::kStop), spec);
}

std::string Label(const TraceEvent& e, const experiments::TraceLabels& labels) {
  const sip::Message& m = e.message;
  return labels.nodes[m.from] + ">" + labels.nodes[m.to] + " " +
         (m.is_request() ? sip::MethodName(m.method)
                         : std::to_string(m.status) + "/" + sip::MethodName(m.method));
}

std::vector<TraceEvent> OfCall(const std::vector<TraceEvent>& trace, uint32_t call) {
  std::vector<TraceEvent> out;
  for (const TraceEvent& e : trace) {
    if (e.call == call) out.push_back(e);
  }
  return out;
}

std::string Branch(const TraceEvent& e) { return sip::BranchOf(e.message, e.ack_for_2xx); }

std::vector<std::string> Split(const std::string& text, char sep) {
  std::vector<std::string> out;
  std::string item;
  std::istringstream in(text);
  while (std::getline(in, item, sep)) out.push_back(item);
  return out;
}

TEST(Trace, OneAnsweredCallIsTheFullLadderInOrder) {
  const models::ScenarioParams s = OneCarrier(10, 0);
  const models::RunResult r = RunTraced(s, 1);
  ASSERT_TRUE(r.violations.empty());
  ASSERT_GT(r.metrics.recorded(), 1u);  // later calls ran, and are not in the trace
  const experiments::TraceLabels labels = experiments::LabelsFor(s);
  const std::vector<std::string> expected = {
      "callers>sbc INVITE",       "sbc>callers 100/INVITE",   "sbc>carrier_a INVITE",
      "carrier_a>sbc 100/INVITE", "carrier_a>sbc 180/INVITE", "sbc>callers 180/INVITE",
      "carrier_a>sbc 200/INVITE", "sbc>carrier_a ACK",        "sbc>callers 200/INVITE",
      "callers>sbc ACK",          "callers>sbc BYE",          "sbc>callers 200/BYE",
      "sbc>carrier_a BYE",        "carrier_a>sbc 200/BYE",
  };
  std::vector<std::string> got;
  for (const TraceEvent& e : r.trace) got.push_back(Label(e, labels));
  EXPECT_EQ(got, expected);
  for (const TraceEvent& e : r.trace) {
    EXPECT_EQ(e.call, 0u);
    EXPECT_FALSE(e.lost);
    EXPECT_FALSE(e.message.retransmission);
    EXPECT_EQ(e.arrival - e.sent, sim::Duration::Millis(10));
    EXPECT_EQ(e.leg_caller, e.message.call_id >> 40 == 1 ? 0u : 1u);  // callers, or the SBC
  }
  ASSERT_EQ(r.trace.size(), expected.size());
  EXPECT_EQ(r.trace[10].sent - r.trace[9].sent, sim::Duration::Seconds(30));  // the holding time
  // Each leg: the INVITE's responses share its branch, the ACK of the 2xx and
  // the BYE are transactions of their own.
  for (const auto& [invite, responses, ack, bye] :
       {std::tuple{0, std::vector{1, 5, 8}, 9, 10}, std::tuple{2, std::vector{3, 4, 6}, 7, 12}}) {
    for (int i : responses) EXPECT_EQ(Branch(r.trace[i]), Branch(r.trace[invite])) << i;
    EXPECT_TRUE(r.trace[ack].ack_for_2xx);
    EXPECT_NE(Branch(r.trace[ack]), Branch(r.trace[invite]));
    EXPECT_NE(Branch(r.trace[bye]), Branch(r.trace[invite]));
    EXPECT_NE(Branch(r.trace[bye]), Branch(r.trace[ack]));
  }
  EXPECT_EQ(Branch(r.trace[11]), Branch(r.trace[10]));
  EXPECT_EQ(Branch(r.trace[13]), Branch(r.trace[12]));

  const std::vector<std::string> csv = Split(experiments::FormatTraceCsv(r.trace, labels), '\n');
  ASSERT_EQ(csv.size(), expected.size() + 1);
  EXPECT_EQ(csv[0],
            "call,time_s,arrival_s,from,to,message,cseq,call_id,branch,retransmission,lost");
  const std::vector<std::string> first = Split(csv[1], ',');
  ASSERT_EQ(first.size(), 11u);
  EXPECT_EQ(first[0], "0");
  EXPECT_EQ(first[3] + first[4] + first[5] + first[6], "callerssbcINVITE1 INVITE");
  EXPECT_EQ(first[7], "10000000000@crankback");
  EXPECT_EQ(first[8], Branch(r.trace[0]));
  EXPECT_EQ(first[9] + first[10], "00");
  EXPECT_NEAR(std::stod(first[2]) - std::stod(first[1]), 0.01, 1e-9);
}

// The transaction layer ACKs a non-2xx itself, on the INVITE's branch.
TEST(Trace, RejectedCallIsAckedOnTheInviteBranch) {
  const models::ScenarioParams s = OneCarrier(1, 0);  // one channel, held 32 s per call
  const models::RunResult r = RunTraced(s, 10, 100);
  ASSERT_TRUE(r.violations.empty());
  std::vector<TraceEvent> call;
  for (uint32_t c = 0; c < 10 && call.empty(); ++c) {
    call = OfCall(r.trace, c);
    if (call.size() < 4 || call[3].message.status != 503) call.clear();
  }
  ASSERT_FALSE(call.empty()) << "no call was rejected";
  const experiments::TraceLabels labels = experiments::LabelsFor(s);
  std::vector<std::string> got;
  for (const TraceEvent& e : call) got.push_back(Label(e, labels));
  EXPECT_EQ(got, (std::vector<std::string>{"callers>sbc INVITE", "sbc>callers 100/INVITE",
                                           "sbc>carrier_a INVITE", "carrier_a>sbc 503/INVITE",
                                           "sbc>carrier_a ACK", "sbc>callers 503/INVITE",
                                           "callers>sbc ACK"}));
  ASSERT_EQ(call.size(), 7u);
  EXPECT_EQ(call[3].message.reason_q850, 34);
  for (const auto& [invite, ack] : {std::pair{0, 6}, std::pair{2, 4}}) {
    EXPECT_FALSE(call[ack].ack_for_2xx);
    EXPECT_EQ(Branch(call[ack]), Branch(call[invite]));
  }
}

TEST(Trace, LossyLinkMarksLostEventsAndTracingEverythingMatchesTheTransport) {
  const models::ScenarioParams s = OneCarrier(10, 0.2);
  const models::RunResult r = RunTraced(s, 1'000'000);
  const models::RunResult untraced = RunTraced(s, 0);
  ASSERT_TRUE(r.violations.empty());
  EXPECT_TRUE(untraced.trace.empty());
  EXPECT_EQ(r.metrics.trajectory_hash(), untraced.metrics.trajectory_hash());
  EXPECT_EQ(r.events, untraced.events);
  ASSERT_GT(r.transport.lost, 10u);
  uint64_t lost = 0, retransmissions = 0;
  for (const TraceEvent& e : r.trace) {
    lost += e.lost;
    retransmissions += e.message.retransmission;
    if (e.lost) {
      EXPECT_EQ(e.arrival, e.sent);
    }
  }
  EXPECT_EQ(r.trace.size(), r.transport.sent);
  EXPECT_EQ(lost, r.transport.lost);
  EXPECT_EQ(retransmissions, r.transport.retransmissions);
  // A lost INVITE is sent again on the same branch.
  for (size_t i = 0; i < r.trace.size(); ++i) {
    const sip::Message& m = r.trace[i].message;
    if (!r.trace[i].lost || !m.is_request() || m.method != Method::kInvite) continue;
    bool resent = false;
    for (size_t j = i + 1; j < r.trace.size() && !resent; ++j) {
      resent = r.trace[j].message.retransmission && r.trace[j].message.call_id == m.call_id &&
               Branch(r.trace[j]) == Branch(r.trace[i]);
    }
    EXPECT_TRUE(resent) << "lost INVITE " << sip::CallIdText(m.call_id) << " never resent";
  }

  const experiments::TraceLabels labels = experiments::LabelsFor(s);
  const std::vector<std::string> csv = Split(experiments::FormatTraceCsv(r.trace, labels), '\n');
  const std::vector<std::string> json =
      Split(experiments::FormatTraceJsonLines(r.trace, labels), '\n');
  ASSERT_EQ(csv.size(), r.trace.size() + 1);
  ASSERT_EQ(json.size(), r.trace.size());
  uint64_t csv_lost = 0, json_lost = 0;
  for (size_t i = 1; i < csv.size(); ++i) {
    const std::vector<std::string> row = Split(csv[i], ',');
    ASSERT_EQ(row.size(), 11u) << csv[i];
    EXPECT_EQ(row[10], r.trace[i - 1].lost ? "1" : "0");
    EXPECT_EQ(row[2].empty(), r.trace[i - 1].lost);  // no arrival time
    csv_lost += row[10] == "1";
  }
  for (const std::string& line : json) {
    EXPECT_EQ(line.front(), '{');
    EXPECT_EQ(line.back(), '}');
    if (line.find("\"lost\":true") != std::string::npos) {
      ++json_lost;
      EXPECT_NE(line.find("\"arrival_s\":null"), std::string::npos) << line;
    }
  }
  EXPECT_EQ(csv_lost, r.transport.lost);
  EXPECT_EQ(json_lost, r.transport.lost);
}

// ------------------------------------------------------------------ pcap ----

uint32_t Le32(const std::string& b, size_t at) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = v << 8 | static_cast<unsigned char>(b[at + i]);
  return v;
}
uint32_t Be16(const std::string& b, size_t at) {
  return static_cast<uint32_t>(static_cast<unsigned char>(b[at]) << 8 |
                               static_cast<unsigned char>(b[at + 1]));
}
// The one's-complement sum of `data`, folded; 0xffff when a checksum inside it is right.
uint32_t OnesSum(const std::string& data, uint32_t sum = 0) {
  for (size_t i = 0; i < data.size(); i += 2) {
    sum += static_cast<uint32_t>(static_cast<unsigned char>(data[i]) << 8);
    if (i + 1 < data.size()) sum += static_cast<unsigned char>(data[i + 1]);
  }
  while (sum >> 16 != 0) sum = (sum & 0xffff) + (sum >> 16);
  return sum;
}

TEST(Pcap, PacketsAreEthernetIpv4UdpWithRightChecksumsInTimeOrder) {
  const models::ScenarioParams s = OneCarrier(10, 0.2);
  const models::RunResult r = RunTraced(s, 5);
  ASSERT_FALSE(r.trace.empty());
  const std::string pcap = experiments::FormatPcap(r.trace, experiments::LabelsFor(s));
  ASSERT_GE(pcap.size(), 24u);
  EXPECT_EQ(Le32(pcap, 0), 0xa1b23c4du);  // nanosecond timestamps
  EXPECT_EQ(Le32(pcap, 20), 1u);          // Ethernet
  size_t at = 24, packets = 0, lost = 0;
  int64_t last_ns = -1;
  while (at < pcap.size()) {
    ASSERT_LE(at + 16, pcap.size());
    const int64_t ns = int64_t{Le32(pcap, at)} * 1'000'000'000 + Le32(pcap, at + 4);
    EXPECT_GE(ns, last_ns);
    last_ns = ns;
    const uint32_t length = Le32(pcap, at + 8);
    EXPECT_EQ(Le32(pcap, at + 12), length);
    const std::string frame = pcap.substr(at + 16, length);
    ASSERT_EQ(frame.size(), length);
    at += 16 + length;
    ++packets;
    EXPECT_EQ(Be16(frame, 12), 0x0800u);
    const std::string ip = frame.substr(14, 20);
    EXPECT_EQ(static_cast<unsigned char>(ip[0]), 0x45);
    EXPECT_EQ(OnesSum(ip), 0xffffu) << "IPv4 header checksum";
    EXPECT_EQ(Be16(ip, 2), length - 14);
    EXPECT_EQ(static_cast<unsigned char>(ip[9]), 17);
    EXPECT_EQ(ip.substr(12, 1), "\x0a");  // 10.x.y.z
    lost += (static_cast<unsigned char>(ip[1]) & 3) == 3;
    const std::string udp = frame.substr(34);
    EXPECT_EQ(Be16(udp, 0), 5060u);
    EXPECT_EQ(Be16(udp, 2), 5060u);
    EXPECT_EQ(Be16(udp, 4), udp.size());
    std::string pseudo = ip.substr(12, 8) + std::string("\0\x11", 2);
    pseudo += udp.substr(4, 2);
    EXPECT_EQ(OnesSum(udp, OnesSum(pseudo)), 0xffffu) << "UDP checksum";
    const std::string sip = udp.substr(8);
    EXPECT_TRUE(sip.rfind("SIP/2.0 ", 0) == 0 || sip.find(" SIP/2.0\r\n") != std::string::npos);
    EXPECT_EQ(sip.substr(sip.size() - 4), "\r\n\r\n");
    EXPECT_NE(sip.find("\r\nContent-Length: 0\r\n"), std::string::npos);
  }
  EXPECT_EQ(packets, r.trace.size());
  size_t trace_lost = 0;
  for (const TraceEvent& e : r.trace) trace_lost += e.lost;
  EXPECT_EQ(lost, trace_lost);
}

// ------------------------------------------------------------ simrun, tshark ----

int Status(const std::string& command) {
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string Quote(const std::filesystem::path& p) { return "'" + p.string() + "'"; }

// What `command` prints on standard output.
std::string Output(const TempDir& dir, const std::string& command) {
  const std::filesystem::path out = dir / "output.txt";
  EXPECT_EQ(Status(command + " >" + Quote(out)), 0) << command;
  return ReadFile(out);
}

// Two carriers at small caps (503 with Reason and Retry-After, 486) behind lossy UDP links.
constexpr const char* kLossyTopology = R"(
nodes { name: "callers" user_agent {} }
nodes {
  name: "sbc1"
  sbc {
    naps { name: "from_callers" peer: "callers" routes { nap: "to_a" } routes { nap: "to_b" } }
    naps { name: "to_a" peer: "carrier_a" }
    naps { name: "to_b" peer: "carrier_b" }
  }
}
nodes { name: "carrier_a" carrier { max_sessions: 2 dialect: "custom" ring_time { uniform { min_s: 1 max_s: 3 } } } }
nodes { name: "carrier_b" carrier { max_sessions: 2 dialect: "pbx-486" } }
links { a: "callers" b: "sbc1" latency_s: 0.005 loss: 0.1 }
links { a: "sbc1" b: "carrier_a" latency_s: 0.02 loss: 0.1 jitter { exponential_mean_s: 0.002 } }
links { a: "sbc1" b: "carrier_b" latency_s: 0.03 loss: 0.1 }
dialects {
  name: "custom"
  fallback_code: 500
  entries { condition: SESSION_CAP code: 503 retry_after_s: 30 q850_cause: 34 }
}
traffic {
  name: "t"
  origin: "callers"
  via: "sbc1"
  calls_per_second: 0.5
  holding_time { exponential_mean_s: 10 }
  destinations { number: "+442071838750" }
}
policies { name: "advance-on-5xx" rules { code_class: 5 action: ADVANCE } fallback: STOP }
policies { name: "stop" fallback: STOP }
experiment { duration_s: 120 warmup_s: 0 replications: 2 seed: 5 }
)";

TEST(SimrunTrace, WritesCsvJsonLinesAndPcapOfTheSameMessages) {
  TempDir dir;
  WriteFile(dir / "lossy.pbtxt", kLossyTopology);
  const std::string simrun = std::string("'") + CRANKBACK_SIMRUN + "' " +
                             Quote(dir / "lossy.pbtxt") + " --jobs 2 --trace-calls 10 ";
  ASSERT_EQ(Status(simrun + "--trace " + Quote(dir / "t.csv") + " --pcap " + Quote(dir / "t.pcap") +
                   " >/dev/null"),
            0);
  ASSERT_EQ(Status(simrun + "--trace " + Quote(dir / "t.jsonl") + " >/dev/null"), 0);
  const std::vector<std::string> csv = Split(ReadFile(dir / "t.csv"), '\n');
  const std::vector<std::string> json = Split(ReadFile(dir / "t.jsonl"), '\n');
  ASSERT_GT(csv.size(), 50u);
  EXPECT_EQ(json.size() + 1, csv.size());
  std::set<std::string> calls;
  for (size_t i = 1; i < csv.size(); ++i) calls.insert(Split(csv[i], ',')[0]);
  EXPECT_EQ(calls.size(), 10u);
  EXPECT_FALSE(std::filesystem::exists(dir / "t.csv.tmp"));
  // Bad requests are bad input: exit 2, nothing written.
  EXPECT_EQ(Status(simrun + "--trace " + Quote(dir / "t.txt") + " 2>/dev/null"), 2);
  EXPECT_EQ(Status(std::string("'") + CRANKBACK_SIMRUN + "' " + Quote(dir / "lossy.pbtxt") +
                   " --trace-calls 3 >/dev/null 2>&1"),
            2);
  EXPECT_FALSE(std::filesystem::exists(dir / "t.txt"));
}

// What tshark decodes must be what the simulator sent: every packet SIP, no
// malformed packet or expert warning (checksums verified), and the same
// messages, code by code and method by method.
void ExpectTsharkAgrees(const std::string& topology) {
  TempDir dir;
  WriteFile(dir / "lossy.pbtxt", topology);
  ASSERT_EQ(Status(std::string("'") + CRANKBACK_SIMRUN + "' " + Quote(dir / "lossy.pbtxt") +
                   " --jobs 2 --trace-calls 40 --trace " + Quote(dir / "t.csv") + " --pcap " +
                   Quote(dir / "t.pcap") + " >/dev/null"),
            0);
  const std::string tshark = "tshark -r " + Quote(dir / "t.pcap") +
                             " -o ip.check_checksum:TRUE -o udp.check_checksum:TRUE ";

  // The simulator's own counts, from its trace.
  std::map<std::string, int> ours;  // status code or method -> messages
  std::multiset<std::tuple<std::string, std::string, std::string, bool>> our_messages;
  int rows = 0, our_lost = 0, our_resent = 0;
  const std::vector<std::string> csv = Split(ReadFile(dir / "t.csv"), '\n');
  for (size_t i = 1; i < csv.size(); ++i) {
    const std::vector<std::string> f = Split(csv[i], ',');
    ASSERT_EQ(f.size(), 11u) << csv[i];
    ++rows;
    ++ours[f[5]];
    our_lost += f[10] == "1";
    our_resent += f[9] == "1";
    our_messages.emplace(f[7], f[6], f[5], f[10] == "1");
  }
  ASSERT_GT(our_lost, 0);

  const std::string fields = Output(
      dir,
      tshark +
          "-T fields -E separator=, -e frame.number -e sip.Call-ID -e sip.CSeq -e sip.Status-Code "
          "-e sip.Method -e ip.dsfield.ecn 2>/dev/null");
  std::multiset<std::tuple<std::string, std::string, std::string, bool>> their_messages;
  int frames = 0;
  for (const std::string& line : Split(fields, '\n')) {
    const std::vector<std::string> f = Split(line + ",", ',');
    ASSERT_GE(f.size(), 6u) << line;
    ++frames;
    const std::string& code = f[3];
    const std::string& method = f[4];
    EXPECT_NE(code.empty(), method.empty()) << "frame " << f[0] << " is not a SIP message";
    their_messages.emplace(f[1], f[2], code.empty() ? method : code, f[5] == "3");
  }
  EXPECT_EQ(frames, rows);
  EXPECT_EQ(their_messages, our_messages);
  const std::string flagged =
      Output(dir, tshark + "-Y '!sip || _ws.malformed || _ws.expert' 2>/dev/null");
  EXPECT_TRUE(flagged.empty()) << flagged.substr(0, 2000);
  const std::string expert = Output(dir, tshark + "-q -z expert,note 2>/dev/null");
  EXPECT_EQ(expert.find("Errors"), std::string::npos) << expert;
  EXPECT_EQ(expert.find("Warns"), std::string::npos) << expert;
  EXPECT_EQ(expert.find("Notes"), std::string::npos) << expert;

  // tshark's SIP statistics against the trace, code by code and method by method.
  const std::string stat = Output(dir, tshark + "-q -z sip,stat 2>/dev/null");
  std::map<std::string, int> theirs;
  const std::regex code_line(R"(^\s*SIP (\d{3}) .*:\s*(\d+) Packets)");
  const std::regex method_line(R"(^\s*([A-Z]+)\s*:\s*(\d+) Packets)");
  const std::regex total_line(R"(Number of (resent )?SIP messages: (\d+))");
  int total = -1, resent = -1;
  for (const std::string& line : Split(stat, '\n')) {
    std::smatch m;
    if (std::regex_search(line, m, code_line) || std::regex_search(line, m, method_line)) {
      theirs[m[1]] += std::stoi(m[2]);
    } else if (std::regex_search(line, m, total_line)) {
      (m[1].matched ? resent : total) = std::stoi(m[2]);
    }
  }
  EXPECT_EQ(theirs, ours) << stat;
  EXPECT_EQ(total, rows);
  // Wireshark's resend heuristic keeps one state per direction of a Call-ID, so
  // it sees fewer resends than there are retransmissions; never more.
  EXPECT_LE(resent, our_resent);
  std::ostringstream counts;
  for (const auto& [k, n] : ours) counts << k << "=" << n << " ";
  ::testing::Test::RecordProperty("simulator_counts", counts.str());
  std::printf("trace: %d messages (%d lost, %d retransmissions; tshark resent %d): %s\n", rows,
              our_lost, our_resent, resent, counts.str().c_str());
}

TEST(SimrunTrace, TsharkDecodesEveryPacketAsTheTracedSipMessage) {
  if (Status("command -v tshark >/dev/null 2>&1") != 0) GTEST_SKIP() << "tshark is not on PATH";
  ExpectTsharkAgrees(kLossyTopology);
}

// The same with 100rel on every node: reliable 180s with RSeq, PRACKs with
// RAck, and their 200s, all decoded as what the simulator sent.
TEST(SimrunTrace, TsharkDecodesReliableProvisionalsAndPracks) {
  if (Status("command -v tshark >/dev/null 2>&1") != 0) GTEST_SKIP() << "tshark is not on PATH";
  std::string topology = kLossyTopology;
  for (size_t at = topology.find("nodes {"); at != std::string::npos;
       at = topology.find("nodes {", at + 1)) {
    topology.insert(at + 7, " stack { rel100: REL100_SUPPORTED }");
  }
  ExpectTsharkAgrees(topology);
}

}  // namespace
}  // namespace crankback
