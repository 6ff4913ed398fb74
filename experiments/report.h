// Renders a report for people (a terminal table) and for programs (CSV; JSON is
// topologies::ReportToJson, the protobuf mapping of the Report message), and
// the per-call detail records of a study.
//
//   std::cout << FormatTable(report);
//   WriteFileAtomically(dir / "report.csv", FormatCsv(report));
#pragma once

#include <filesystem>
#include <string>

#include "experiments/runner.h"
#include "topologies/report_codec.h"

namespace crankback::experiments {

// Per sweep point: one row per policy with the key metrics, their 95%
// intervals and the paired difference against the baseline; the failures by
// final code; the NAPs; the analytic predictions beside the simulated values.
std::string FormatTable(const topologies::ReportData& report);
// Tidy CSV: one row per point x policy x metric x statistic ("value", or
// "vs_baseline" for the paired difference), with mean, ci_low, ci_high and n.
std::string FormatCsv(const topologies::ReportData& report);
// One row per call of every run (point, policy, replication), in run order and,
// within a run, in the order the calls ended.
std::string FormatCdrCsv(const topologies::Plan& plan, const RunTable& runs);

// Writes to a temporary file beside `path`, then renames it over `path`, so a
// reader never sees a partial file. Returns an error message, or "" on success.
std::string WriteFileAtomically(const std::filesystem::path& path, const std::string& content);

}  // namespace crankback::experiments
