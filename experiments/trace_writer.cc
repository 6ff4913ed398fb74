#include "experiments/trace_writer.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <numeric>

#include "models/sip/sip_text.h"

namespace crankback::experiments {

namespace {

// Simulated time in seconds with every nanosecond: "12.000500000".
std::string Seconds(sim::SimTime t) {
  const int64_t ns = t.nanos();
  char buf[40];
  std::snprintf(buf, sizeof buf, "%lld.%09lld", static_cast<long long>(ns / 1'000'000'000),
                static_cast<long long>(ns % 1'000'000'000));
  return buf;
}

std::string MessageLabel(const sip::Message& m) {
  return m.is_request() ? sip::MethodName(m.method) : std::to_string(m.status);
}

const std::string& NodeName(const TraceLabels& labels, sim::NodeId n) {
  static const std::string kUnknown = "?";
  return n < labels.nodes.size() ? labels.nodes[n] : kUnknown;
}

std::string CsvField(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos) return s;
  std::string out = "\"";
  for (const char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string JsonString(const std::string& s) {
  std::string out = "\"";
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", u);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

// The fields every row shares, in column order.
struct Row {
  std::string call, time_s, arrival_s, from, to, message, cseq, call_id, branch;
  bool retransmission, lost;
};

Row RowOf(const sip::TraceEvent& e, const TraceLabels& labels) {
  const sip::Message& m = e.message;
  return Row{std::to_string(e.call),
             Seconds(e.sent),
             e.lost ? "" : Seconds(e.arrival),
             NodeName(labels, m.from),
             NodeName(labels, m.to),
             MessageLabel(m),
             std::to_string(m.cseq) + " " + sip::MethodName(m.method),
             sip::CallIdText(m.call_id),
             sip::BranchOf(m, e.ack_for_2xx),
             m.retransmission,
             e.lost};
}

// ------------------------------------------------------------------ pcap ----

void Put16(std::string& out, uint16_t v) {  // network byte order
  out += static_cast<char>(v >> 8);
  out += static_cast<char>(v & 0xff);
}
void Put32(std::string& out, uint32_t v) {
  Put16(out, static_cast<uint16_t>(v >> 16));
  Put16(out, static_cast<uint16_t>(v & 0xffff));
}
void PutLe32(std::string& out, uint32_t v) {  // the pcap headers: little-endian
  for (int i = 0; i < 4; ++i) out += static_cast<char>((v >> (8 * i)) & 0xff);
}
void PutLe16(std::string& out, uint16_t v) {
  out += static_cast<char>(v & 0xff);
  out += static_cast<char>(v >> 8);
}

// The Internet checksum (RFC 1071) over `data`, continuing from `sum`.
uint32_t SumWords(std::string_view data, uint32_t sum = 0) {
  for (size_t i = 0; i + 1 < data.size(); i += 2)
    sum += static_cast<uint32_t>(static_cast<unsigned char>(data[i]) << 8 |
                                 static_cast<unsigned char>(data[i + 1]));
  if (data.size() % 2 != 0)
    sum += static_cast<uint32_t>(static_cast<unsigned char>(data.back()) << 8);
  return sum;
}
uint16_t Fold(uint32_t sum) {
  while (sum >> 16 != 0) sum = (sum & 0xffff) + (sum >> 16);
  return static_cast<uint16_t>(~sum & 0xffff);
}

void PutMac(std::string& out, uint32_t address) {  // locally administered: 02:00 + the IPv4
  Put16(out, 0x0200);
  Put32(out, address);
}

constexpr uint16_t kSipPort = 5060;
constexpr uint8_t kEcnCongestionExperienced = 3;

// An Ethernet frame carrying `payload` in UDP/IPv4 from `src` to `dst`.
std::string Frame(uint32_t src, uint32_t dst, uint16_t ip_id, bool lost,
                  const std::string& payload) {
  const auto udp_length = static_cast<uint16_t>(8 + payload.size());
  std::string udp;
  Put16(udp, kSipPort);
  Put16(udp, kSipPort);
  Put16(udp, udp_length);
  Put16(udp, 0);  // checksum, filled below
  udp += payload;
  std::string pseudo;  // RFC 768 pseudo-header
  Put32(pseudo, src);
  Put32(pseudo, dst);
  Put16(pseudo, 17);
  Put16(pseudo, udp_length);
  uint16_t udp_sum = Fold(SumWords(udp, SumWords(pseudo)));
  if (udp_sum == 0) udp_sum = 0xffff;  // 0 would mean "no checksum"
  udp[6] = static_cast<char>(udp_sum >> 8);
  udp[7] = static_cast<char>(udp_sum & 0xff);

  std::string ip;
  ip += static_cast<char>(0x45);  // IPv4, 20-byte header
  ip += static_cast<char>(lost ? kEcnCongestionExperienced : 0);
  Put16(ip, static_cast<uint16_t>(20 + udp.size()));
  Put16(ip, ip_id);
  Put16(ip, 0);                 // no fragments
  ip += static_cast<char>(64);  // TTL
  ip += static_cast<char>(17);  // UDP
  Put16(ip, 0);                 // header checksum, filled below
  Put32(ip, src);
  Put32(ip, dst);
  const uint16_t ip_sum = Fold(SumWords(ip));
  ip[10] = static_cast<char>(ip_sum >> 8);
  ip[11] = static_cast<char>(ip_sum & 0xff);

  std::string frame;
  PutMac(frame, dst);
  PutMac(frame, src);
  Put16(frame, 0x0800);  // IPv4
  return frame + ip + udp;
}

}  // namespace

TraceLabels LabelsFor(const models::ScenarioParams& scenario) {
  TraceLabels labels;
  for (const models::NodeParams& n : scenario.nodes) labels.nodes.push_back(n.name);
  labels.destinations = scenario.destinations;
  return labels;
}

std::optional<TraceFormat> TraceFormatOf(const std::filesystem::path& file) {
  std::string ext = file.extension().string();
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (ext == ".csv") return TraceFormat::kCsv;
  if (ext == ".jsonl" || ext == ".json") return TraceFormat::kJsonLines;
  return std::nullopt;
}

std::string FormatTraceCsv(const std::vector<sip::TraceEvent>& trace, const TraceLabels& labels) {
  std::string out =
      "call,time_s,arrival_s,from,to,message,cseq,call_id,branch,retransmission,lost\n";
  for (const sip::TraceEvent& e : trace) {
    const Row r = RowOf(e, labels);
    out += r.call + ',' + r.time_s + ',' + r.arrival_s + ',' + CsvField(r.from) + ',' +
           CsvField(r.to) + ',' + r.message + ',' + r.cseq + ',' + r.call_id + ',' + r.branch +
           ',' + (r.retransmission ? '1' : '0') + ',' + (r.lost ? '1' : '0') + '\n';
  }
  return out;
}

std::string FormatTraceJsonLines(const std::vector<sip::TraceEvent>& trace,
                                 const TraceLabels& labels) {
  std::string out;
  for (const sip::TraceEvent& e : trace) {
    const Row r = RowOf(e, labels);
    out += "{\"call\":" + r.call + ",\"time_s\":" + r.time_s +
           ",\"arrival_s\":" + (r.lost ? std::string("null") : r.arrival_s) +
           ",\"from\":" + JsonString(r.from) + ",\"to\":" + JsonString(r.to) +
           ",\"message\":" + JsonString(r.message) + ",\"cseq\":" + JsonString(r.cseq) +
           ",\"call_id\":" + JsonString(r.call_id) + ",\"branch\":" + JsonString(r.branch) +
           ",\"retransmission\":" + (r.retransmission ? "true" : "false") +
           ",\"lost\":" + (r.lost ? "true" : "false") + "}\n";
  }
  return out;
}

std::string FormatPcap(const std::vector<sip::TraceEvent>& trace, const TraceLabels& labels) {
  std::string out;
  PutLe32(out, 0xa1b23c4d);  // classic pcap, nanosecond timestamps
  PutLe16(out, 2);
  PutLe16(out, 4);
  PutLe32(out, 0);       // GMT offset
  PutLe32(out, 0);       // timestamp accuracy
  PutLe32(out, 262144);  // snapshot length
  PutLe32(out, 1);       // LINKTYPE_ETHERNET

  auto stamp = [&](size_t i) { return trace[i].lost ? trace[i].sent : trace[i].arrival; };
  std::vector<size_t> order(trace.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return stamp(a) < stamp(b); });
  uint16_t ip_id = 0;
  for (const size_t i : order) {
    const sip::TraceEvent& e = trace[i];
    const sip::Message& m = e.message;
    const uint32_t src = NodeAddress(m.from), dst = NodeAddress(m.to);
    const std::string src_text = AddressText(src), dst_text = AddressText(dst);
    sip::WireContext ctx;
    ctx.from_host = src_text;
    ctx.to_host = dst_text;
    ctx.leg_caller = e.leg_caller;
    ctx.ack_for_2xx = e.ack_for_2xx;
    if (m.destination < labels.destinations.size())
      ctx.dialled = labels.destinations[m.destination];
    const std::string frame = Frame(src, dst, ++ip_id, e.lost, sip::RenderSip(m, ctx));
    const int64_t ns = stamp(i).nanos();
    PutLe32(out, static_cast<uint32_t>(ns / 1'000'000'000));
    PutLe32(out, static_cast<uint32_t>(ns % 1'000'000'000));
    PutLe32(out, static_cast<uint32_t>(frame.size()));
    PutLe32(out, static_cast<uint32_t>(frame.size()));
    out += frame;
  }
  return out;
}

uint32_t NodeAddress(sim::NodeId n) { return (10u << 24) + n + 1; }

std::string AddressText(uint32_t a) {
  return std::to_string(a >> 24) + '.' + std::to_string((a >> 16) & 0xff) + '.' +
         std::to_string((a >> 8) & 0xff) + '.' + std::to_string(a & 0xff);
}

}  // namespace crankback::experiments
