// Renders a report for people (a terminal table) and for programs (CSV; JSON is
// topologies::ReportToJson, the protobuf mapping of the Report message).
//
//   std::cout << FormatTable(report);
//   WriteFileAtomically(dir / "report.csv", FormatCsv(report));
#pragma once

#include <filesystem>
#include <string>

#include "topologies/report_codec.h"

namespace crankback::experiments {

std::string FormatTable(const topologies::ReportData& report);
// Tidy CSV: one row per policy x metric, with mean, ci_low, ci_high and n.
std::string FormatCsv(const topologies::ReportData& report);

// Writes to a temporary file beside `path`, then renames it over `path`, so a
// reader never sees a partial file. Returns an error message, or "" on success.
std::string WriteFileAtomically(const std::filesystem::path& path, const std::string& content);

}  // namespace crankback::experiments
