#include "experiments/report.h"

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

namespace crankback::experiments {

namespace {

std::string Fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string PlusMinus(const topologies::Estimate& e, double scale, int decimals) {
  const double half = 0.5 * (e.ci_high - e.ci_low) * scale;
  std::string s = Fixed(e.mean * scale, decimals);
  s += std::isfinite(half) ? " ± " + Fixed(half, decimals) : " (n=1)";
  return s;
}

std::string Pad(const std::string& s, size_t width) {
  size_t shown = 0;  // count code points, so "±" takes one column
  for (unsigned char c : s) shown += (c & 0xC0) != 0x80;
  return s + std::string(width > shown ? width - shown : 1, ' ');
}

void CsvRow(std::ostringstream& os, const std::string& policy, const std::string& metric,
            const topologies::Estimate& e) {
  os << policy << ',' << metric << ',' << e.mean << ',' << e.ci_low << ',' << e.ci_high << ','
     << e.n << '\n';
}

}  // namespace

std::string FormatTable(const topologies::ReportData& r) {
  std::ostringstream os;
  os << "Crankback: " << r.input << "\n"
     << "seed " << r.seed << ", " << r.replications << " replication"
     << (r.replications == 1 ? "" : "s") << " of " << r.duration_s << " s offered traffic (warm-up "
     << r.warmup_s << " s); means per replication with 95% confidence intervals\n\n";
  size_t name_width = 8;
  bool fraud = false;  // the study has fraud traffic or a scorer: show the fraud columns
  for (const auto& p : r.policies) {
    name_width = std::max(name_width, p.policy.size() + 2);
    fraud = fraud || p.fraud.has_value();
  }
  os << Pad("policy", name_width) << Pad("attempts", 20) << Pad("answered", 20)
     << Pad("completion %", 18) << Pad("failed", 18) << Pad("retryable", 16);
  if (fraud) {
    os << Pad("fraud calls", 16) << Pad("fraud answered", 16) << Pad("fraud minutes", 20)
       << Pad("clean blocked", 16);
  }
  os << "failures by final code\n";
  for (const auto& p : r.policies) {
    std::string codes;
    for (const auto& [code, e] : p.failures) {
      if (!codes.empty()) codes += ", ";
      codes += std::to_string(code) + ": " + Fixed(e.mean, 1);
    }
    os << Pad(p.policy, name_width) << Pad(PlusMinus(p.attempts, 1, 1), 20)
       << Pad(PlusMinus(p.answered, 1, 1), 20) << Pad(PlusMinus(p.completion, 100, 2), 18)
       << Pad(PlusMinus(p.failed, 1, 1), 18) << Pad(PlusMinus(p.failed_retryable, 1, 1), 16);
    if (fraud) {
      const topologies::FraudFigures f = p.fraud.value_or(topologies::FraudFigures{});
      os << Pad(PlusMinus(f.attempts, 1, 1), 16) << Pad(PlusMinus(f.answered, 1, 1), 16)
         << Pad(PlusMinus(f.minutes, 1, 1), 20) << Pad(PlusMinus(f.clean_blocked, 1, 1), 16);
    }
    os << (codes.empty() ? "-" : codes) << "\n";
  }
  os << "\nretryable: failed at the caller although the true cause was local to one route\n"
        "           (capacity, timeout) and the SBC had an untried route left.\n";
  if (fraud) {
    os << "fraud minutes: answered minutes of fraudulent calls (ground truth), the leakage.\n"
          "clean blocked: clean calls that failed because a fraud scorer flagged them.\n";
  }
  return os.str();
}

std::string FormatCsv(const topologies::ReportData& r) {
  std::ostringstream os;
  os.precision(10);
  os << "policy,metric,mean,ci_low,ci_high,n\n";
  for (const auto& p : r.policies) {
    CsvRow(os, p.policy, "attempts", p.attempts);
    CsvRow(os, p.policy, "answered", p.answered);
    CsvRow(os, p.policy, "completion", p.completion);
    CsvRow(os, p.policy, "failed", p.failed);
    CsvRow(os, p.policy, "abandoned", p.abandoned);
    CsvRow(os, p.policy, "failed_retryable", p.failed_retryable);
    if (p.fraud) {
      CsvRow(os, p.policy, "fraud_attempts", p.fraud->attempts);
      CsvRow(os, p.policy, "fraud_answered", p.fraud->answered);
      CsvRow(os, p.policy, "fraud_minutes", p.fraud->minutes);
      CsvRow(os, p.policy, "clean_blocked", p.fraud->clean_blocked);
    }
    for (const auto& [code, e] : p.failures)
      CsvRow(os, p.policy, "failed_" + std::to_string(code), e);
  }
  return os.str();
}

std::string WriteFileAtomically(const std::filesystem::path& path, const std::string& content) {
  std::filesystem::path tmp = path;
  tmp += ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << content;
    out.flush();
    if (!out) return path.string() + ": cannot write: " + std::strerror(errno);
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    return path.string() + ": cannot rename into place";
  }
  return "";
}

}  // namespace crankback::experiments
