#include "experiments/report.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

namespace crankback::experiments {

namespace {

using topologies::Estimate;
using topologies::Metric;
using topologies::PolicyReport;

std::string Fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string PlusMinus(const Estimate& e, double scale, int decimals, bool sign = false) {
  const double half = 0.5 * (e.ci_high - e.ci_low) * scale;
  std::string s = (sign && e.mean * scale >= 0 ? "+" : "") + Fixed(e.mean * scale, decimals);
  s += std::isfinite(half) ? " ± " + Fixed(half, decimals) : " (n=1)";
  return s;
}

std::string Pad(const std::string& s, size_t width) {
  size_t shown = 0;  // count code points, so "±" takes one column
  for (unsigned char c : s) shown += (c & 0xC0) != 0x80;
  return s + std::string(width > shown ? width - shown : 1, ' ');
}

// A column of the main table: a whole-run metric, its scale and decimals.
struct Column {
  const char* metric;
  const char* title;
  double scale;
  int decimals;
};

constexpr Column kColumns[] = {
    {"attempts", "attempts", 1, 1},
    {"completion", "ASR %", 100, 2},
    {"ner", "NER %", 100, 2},
    {"failed", "failed", 1, 1},
    {"retryable_rate", "retryable %", 100, 2},
    {"abandoned", "abandoned", 1, 1},
    {"redials", "redials", 1, 1},
    {"fraud_minutes", "fraud minutes", 1, 1},
    {"fraud_blocked", "fraud blocked", 1, 1},
    {"clean_blocked", "clean blocked", 1, 1},
    {"pdd_p95_s", "PDD p95 s", 1, 3},
};

bool AnyHas(const topologies::PointReport& point, const char* metric) {
  for (const PolicyReport& p : point.policies) {
    if (p.Find(metric) != nullptr) return true;
  }
  return false;
}

bool AnyNonZero(const topologies::PointReport& point, const char* metric) {
  for (const PolicyReport& p : point.policies) {
    const Metric* m = p.Find(metric);
    if (m != nullptr && m->value.mean != 0) return true;
  }
  return false;
}

// Scope "fault NAME": the time to detect and to route around each fault, and
// the calls it lost, per policy (README, "Faults").
void FaultTable(std::ostream& os, const topologies::PointReport& point, size_t name_width) {
  std::vector<std::string> scopes;
  for (const PolicyReport& p : point.policies) {
    for (const Metric& m : p.metrics) {
      if (m.scope.rfind("fault ", 0) == 0 &&
          std::find(scopes.begin(), scopes.end(), m.scope) == scopes.end())
        scopes.push_back(m.scope);
    }
  }
  if (scopes.empty()) return;
  os << "\nfaults (from each fault's start; calls lost = in progress on it + failed because of "
        "it)\n  "
     << Pad("policy", name_width) << Pad("fault", 18) << Pad("detect s", 18)
     << Pad("route around s", 18) << Pad("calls lost", 18) << Pad("in progress", 13)
     << Pad("failed", 11) << "rescued\n";
  for (const PolicyReport& p : point.policies) {
    for (const std::string& scope : scopes) {
      auto cell = [&](const char* metric, int decimals, size_t width) {
        const Metric* m = p.Find(metric, scope);
        return Pad(m ? PlusMinus(m->value, 1, decimals) : "-", width);
      };
      auto mean = [&](const char* metric, size_t width) {
        const Metric* m = p.Find(metric, scope);
        return Pad(m ? Fixed(m->value.mean, 1) : "-", width);
      };
      os << "  " << Pad(p.policy, name_width) << Pad(scope.substr(6), 18) << cell("detect_s", 2, 18)
         << cell("route_around_s", 2, 18) << cell("calls_lost", 1, 18)
         << mean("lost_in_progress", 13) << mean("failed_calls", 11) << mean("rescued_calls", 0)
         << "\n";
    }
  }
}

void PointTable(std::ostringstream& os, const topologies::PointReport& point) {
  size_t name_width = 8;
  for (const auto& p : point.policies) name_width = std::max(name_width, p.policy.size() + 2);
  std::vector<const Column*> columns;
  for (const Column& c : kColumns) {
    // Redials and abandoned calls show only when there are some; the rest whenever measured.
    const std::string name = c.metric;
    if (name == "redials" || name == "abandoned" ? AnyNonZero(point, c.metric)
                                                 : AnyHas(point, c.metric))
      columns.push_back(&c);
  }
  const bool paired = point.policies.size() > 1;
  const std::string baseline = point.policies.empty() ? "" : point.policies[0].policy;
  os << Pad("policy", name_width);
  for (const Column* c : columns) {
    os << Pad(c->title, 18);
    if (paired && std::string(c->metric) == "completion") os << Pad("ASR vs baseline, pp", 22);
  }
  os << "\n";
  for (const PolicyReport& p : point.policies) {
    os << Pad(p.policy, name_width);
    for (const Column* c : columns) {
      const Metric* m = p.Find(c->metric);
      os << Pad(m ? PlusMinus(m->value, c->scale, c->decimals) : "-", 18);
      if (paired && std::string(c->metric) == "completion") {
        os << Pad(m && m->vs_baseline ? PlusMinus(*m->vs_baseline, 100, 2, true) : "(baseline)",
                  22);
      }
    }
    os << "\n";
  }
  os << "\nfailures by final code (per replication)\n";
  for (const PolicyReport& p : point.policies) {
    std::vector<std::pair<int, double>> by_code;
    for (const Metric& m : p.metrics) {
      if (!m.scope.empty() || m.name.rfind("failed_", 0) != 0 || m.name == "failed_retryable")
        continue;
      if (m.value.mean > 0) by_code.emplace_back(std::atoi(m.name.c_str() + 7), m.value.mean);
    }
    std::sort(by_code.begin(), by_code.end());
    std::string codes;
    for (const auto& [code, mean] : by_code) {
      if (!codes.empty()) codes += ", ";
      codes += std::to_string(code) + ": " + Fixed(mean, 1);
    }
    os << "  " << Pad(p.policy, name_width) << (codes.empty() ? "-" : codes) << "\n";
  }
  bool naps = false;
  for (const PolicyReport& p : point.policies) {
    for (const Metric& m : p.metrics) naps = naps || m.scope.rfind("nap ", 0) == 0;
  }
  if (naps) {
    bool costs = false;
    for (const PolicyReport& p : point.policies) {
      for (const Metric& m : p.metrics) costs = costs || (m.name == "cost" && m.value.mean != 0);
    }
    os << "\nNAPs (trunk groups, as egress)\n  " << Pad("policy", name_width) << Pad("NAP", 22)
       << Pad("attempts", 14) << Pad("answered", 14) << "Erlangs"
       << (costs ? "           cost" : "") << "\n";
    for (const PolicyReport& p : point.policies) {
      std::vector<std::string> scopes;
      for (const Metric& m : p.metrics) {
        if (m.scope.rfind("nap ", 0) == 0 &&
            std::find(scopes.begin(), scopes.end(), m.scope) == scopes.end())
          scopes.push_back(m.scope);
      }
      for (const std::string& scope : scopes) {
        const Metric* attempts = p.Find("attempts", scope);
        const Metric* answered = p.Find("answered", scope);
        const Metric* erlangs = p.Find("erlangs", scope);
        const Metric* cost = p.Find("cost", scope);
        if (attempts == nullptr || attempts->value.mean == 0) continue;  // ingress, or unused
        os << "  " << Pad(p.policy, name_width) << Pad(scope.substr(4), 22)
           << Pad(attempts ? Fixed(attempts->value.mean, 1) : "-", 14)
           << Pad(answered ? Fixed(answered->value.mean, 1) : "-", 14)
           << (costs ? Pad(erlangs ? PlusMinus(erlangs->value, 1, 2) : "-", 18) +
                           (cost ? Fixed(cost->value.mean, 2) : "-")
               : erlangs ? PlusMinus(erlangs->value, 1, 2)
                         : "-")
           << "\n";
      }
    }
  }
  FaultTable(os, point, name_width);
  if (!point.theory.empty()) {
    os << "\ntheory beside the simulation\n  " << Pad("metric", 18) << Pad("theory", 12)
       << Pad("simulated (95% CI)", 28) << "model\n";
    for (const topologies::TheoryValue& t : point.theory) {
      for (const PolicyReport& p : point.policies) {
        const Metric* m = p.Find(t.metric, "theory");
        if (m == nullptr) continue;
        os << "  " << Pad(t.metric, 18) << Pad(Fixed(t.value, 5), 12)
           << Pad(PlusMinus(m->value, 1, 5) +
                      (point.policies.size() > 1 ? " (" + p.policy + ")" : std::string()),
                  28)
           << t.model << "\n";
      }
    }
  }
}

std::string CsvField(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace

std::string FormatTable(const topologies::ReportData& r) {
  std::ostringstream os;
  os << "Crankback: " << r.input << "\n"
     << "seed " << r.seed << ", " << r.replications << " replication"
     << (r.replications == 1 ? "" : "s") << " of " << r.duration_s << " s offered traffic (warm-up "
     << r.warmup_s << " s); means per replication with 95% confidence intervals\n";
  for (size_t p = 0; p < r.points.size(); ++p) {
    if (!r.axes.empty()) {
      os << "\n== point " << p + 1 << " of " << r.points.size() << ":";
      for (size_t a = 0; a < r.axes.size(); ++a)
        os << (a ? "," : "") << " " << r.axes[a] << " = " << r.points[p].values[a];
      os << "\n";
    }
    os << "\n";
    PointTable(os, r.points[p]);
  }
  os << "\nASR: answered / attempts. NER (RFC 6076 SEER): calls answered or ended by the callee\n"
        "     (480, 486, 600, 603) over attempts, less 3xx finals and calls the caller abandoned.\n"
        "retryable: failed at the caller although the true cause was local to one route "
        "(capacity,\n"
        "     CPS, overload, server fault, timeout, unreachable, codec, route timeout) and the "
        "SBC\n"
        "     had an untried route left.\n"
        "vs baseline: this policy minus the first, paired on the same calls, in percentage "
        "points.\n";
  bool fraud = false;
  for (const auto& point : r.points) fraud = fraud || AnyHas(point, "fraud_minutes");
  if (fraud) {
    os << "fraud minutes: answered minutes of fraudulent calls (ground truth), the leakage.\n"
          "clean blocked: clean calls that failed because a fraud scorer flagged them.\n";
  }
  return os.str();
}

std::string FormatCsv(const topologies::ReportData& r) {
  std::ostringstream os;
  os.precision(10);
  os << "point";
  for (const std::string& a : r.axes) os << ',' << CsvField(a);
  os << ",policy,scope,metric,statistic,mean,ci_low,ci_high,n\n";
  auto row = [&](size_t p, const std::string& policy, const Metric& m, const char* statistic,
                 const Estimate& e) {
    os << p;
    for (const std::string& v : r.points[p].values) os << ',' << CsvField(v);
    os << ',' << CsvField(policy) << ',' << CsvField(m.scope) << ',' << CsvField(m.name) << ','
       << statistic << ',' << e.mean << ',' << e.ci_low << ',' << e.ci_high << ',' << e.n << '\n';
  };
  for (size_t p = 0; p < r.points.size(); ++p) {
    for (const PolicyReport& policy : r.points[p].policies) {
      for (const Metric& m : policy.metrics) {
        row(p, policy.policy, m, "value", m.value);
        if (m.vs_baseline) row(p, policy.policy, m, "vs_baseline", *m.vs_baseline);
      }
    }
  }
  return os.str();
}

std::string FormatCdrCsv(const topologies::Plan& plan, const RunTable& runs) {
  std::ostringstream os;
  os.precision(10);
  os << "point,replication,policy,caller,call,redial,arrival_s,result,final_code,true_cause,"
        "routes_tried,routes_untried,fraud,pdd_s,setup_s,answered_s\n";
  for (size_t p = 0; p < runs.size(); ++p) {
    const topologies::Study& s = plan.points[p].study;
    for (size_t q = 0; q < runs[p].size(); ++q) {
      for (size_t r = 0; r < runs[p][q].size(); ++r) {
        for (const metrics::CallOutcome& o : runs[p][q][r].outcomes) {
          const char* result = o.result == metrics::Result::kAnswered    ? "answered"
                               : o.result == metrics::Result::kAbandoned ? "abandoned"
                                                                         : "failed";
          os << p << ',' << r << ',' << CsvField(s.policies[q].name) << ','
             << CsvField(s.scenario.nodes[o.origin].name) << ',' << o.serial << ',' << o.redial
             << ',' << sim::ToSeconds(o.arrival - sim::SimTime::Zero()) << ',' << result << ','
             << o.final_code << ',' << sip::CauseName(o.truth.cause) << ','
             << int{o.truth.routes_tried} << ',' << int{o.truth.routes_untried} << ','
             << (o.fraud ? 1 : 0) << ',';
          if (o.pdd_s >= 0) os << o.pdd_s;
          os << ',';
          if (o.setup_s >= 0) os << o.setup_s;
          os << ',' << o.answered_s << '\n';
        }
      }
    }
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
