// The message trace of a run, as a table (CSV), as JSON lines, and as a packet
// capture that Wireshark and tshark decode as SIP.
//
//   TraceLabels labels = LabelsFor(study.scenario);
//   WriteFileAtomically("calls.pcap", FormatPcap(run.trace, labels));
//
// One row or packet per transmission, retransmissions and lost messages
// included. Node i is labelled with the IPv4 address 10.0.0.0 + i + 1 (node 0
// is 10.0.0.1); the addresses exist only inside the file. A delivered packet is
// stamped with its arrival time, a lost one with its send time (as a capture at
// the sender would see it) and marked ECN "Congestion Experienced" (display
// filter `ip.dsfield.ecn == 3`). Every hop is shown as UDP port 5060, whatever
// the link's transport. Timestamps are simulated time (t = 0 shows as the epoch).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "models/simulation.h"
#include "models/sip/trace_recorder.h"

namespace crankback::experiments {

struct TraceLabels {
  std::vector<std::string> nodes;         // by node index
  std::vector<std::string> destinations;  // dialled numbers, by index
};
TraceLabels LabelsFor(const models::ScenarioParams& scenario);

enum class TraceFormat { kCsv, kJsonLines };
// By the file's extension: .csv, or .jsonl / .json; nullopt for any other.
std::optional<TraceFormat> TraceFormatOf(const std::filesystem::path& file);

// Columns: call, time_s (sent), arrival_s (empty when lost), from, to, message
// (method or status code), cseq, call_id, branch, retransmission, lost (0/1).
std::string FormatTraceCsv(const std::vector<sip::TraceEvent>& trace, const TraceLabels& labels);
// One JSON object per line with the CSV's fields (arrival_s null when lost).
std::string FormatTraceJsonLines(const std::vector<sip::TraceEvent>& trace,
                                 const TraceLabels& labels);
// A classic libpcap file (nanosecond timestamps, Ethernet), packets in time order.
std::string FormatPcap(const std::vector<sip::TraceEvent>& trace, const TraceLabels& labels);

// The IPv4 address labelling node `n` (host byte order), and its dotted text.
uint32_t NodeAddress(sim::NodeId n);
std::string AddressText(uint32_t address);

}  // namespace crankback::experiments
