// A small valid topology for loader and simrun tests, and the helpers that
// break it one field at a time and locate the broken line.
//
//   std::string text = Edit(ValidTopology(), "max_sessions: 10", "max_sessions: -3");
//   EXPECT_EQ(ErrorOf(text).line, LineOf(text, "max_sessions: -3"));
//
// Every field sits on its own line, so a line that points at the enclosing
// message instead of the field is told apart.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

#include "topologies/loader.h"

namespace crankback::topologies::test_topology {

inline constexpr const char* kNodes = R"(nodes {
  name: "callers"
  user_agent {}
}
nodes {
  name: "sbc1"
  sbc {
    naps {
      name: "from_callers"
      peer: "callers"
      routes { nap: "to_a" }
      routes { nap: "to_b" }
    }
    naps {
      name: "to_a"
      peer: "carrier_a"
      max_sessions: 10
    }
    naps {
      name: "to_b"
      peer: "carrier_b"
    }
  }
}
nodes {
  name: "carrier_a"
  carrier {
    max_sessions: 5
    dialect: "custom"
  }
}
nodes {
  name: "carrier_b"
  carrier {
    max_sessions: 6
    dialect: "pbx-486"
  }
}
)";

inline constexpr const char* kLinks = R"(links {
  a: "callers"
  b: "sbc1"
  latency_s: 0.005
}
links {
  a: "sbc1"
  b: "carrier_a"
  latency_s: 0.02
}
links {
  a: "sbc1"
  b: "carrier_b"
  latency_s: 0.03
  loss: 0.01
}
)";

inline constexpr const char* kDialects = R"(dialects {
  name: "custom"
  fallback_code: 500
  entries {
    condition: SESSION_CAP
    code: 503
    retry_after_s: 30
  }
}
)";

inline constexpr const char* kTraffic = R"(traffic {
  name: "busy_hour"
  origin: "callers"
  via: "sbc1"
  calls_per_second: 0.5
  holding_time { exponential_mean_s: 20 }
}
)";

inline constexpr const char* kPolicies = R"(policies {
  name: "advance-on-5xx"
  rules { code_class: 5 action: ADVANCE }
  fallback: STOP
}
policies {
  name: "advance-on-everything"
  fallback: ADVANCE
}
)";

inline constexpr const char* kExperiment = R"(experiment {
  duration_s: 300
  warmup_s: 30
  replications: 2
  seed: 7
}
)";

inline std::string ValidTopology() {
  return std::string(kNodes) + kLinks + kDialects + kTraffic + kPolicies + kExperiment;
}

// `text` with the single occurrence of `from` replaced by `to`; fails the test
// (and returns `text` unchanged) when `from` is missing or not unique.
inline std::string Edit(std::string text, std::string_view from, std::string_view to) {
  const size_t at = text.find(from);
  if (at == std::string::npos || text.find(from, at + 1) != std::string::npos) {
    ADD_FAILURE() << "\"" << from << "\" does not occur exactly once";
    return text;
  }
  return text.replace(at, from.size(), to);
}

// The 1-based line of the single occurrence of `needle`, or 0 (and a failure).
inline int LineOf(std::string_view text, std::string_view needle) {
  const size_t at = text.find(needle);
  if (at == std::string::npos || text.find(needle, at + 1) != std::string::npos) {
    ADD_FAILURE() << "\"" << needle << "\" does not occur exactly once";
    return 0;
  }
  int line = 1;
  for (size_t i = 0; i < at; ++i) line += text[i] == '\n' ? 1 : 0;
  return line;
}

inline constexpr const char* kDisplayName = "topo.pbtxt";

// The error loading `text` gives; fails the test when it loads.
inline LoadError ErrorOf(std::string_view text, const Overrides& overrides = {}) {
  Loaded<Study> loaded = LoadStudy(text, kDisplayName, overrides);
  if (loaded.ok()) {
    ADD_FAILURE() << "the topology loaded";
    return {};
  }
  EXPECT_EQ(loaded.error().file, kDisplayName);
  return loaded.error();
}

inline ::testing::AssertionResult Contains(const std::string& text, std::string_view part) {
  if (text.find(part) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "\"" << text << "\" does not contain \"" << part << "\"";
}

// A fresh directory under the system temp directory, removed with its contents.
class TempDir {
 public:
  TempDir() {
    const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = "crankback_";
    name += test != nullptr ? std::string(test->test_suite_name()) + "_" + test->name() : "test";
    name += "_" + std::to_string(::getpid());
    for (char& c : name) c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
    path_ = std::filesystem::temp_directory_path() / name;
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(std::string_view name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

inline void WriteFile(const std::filesystem::path& file, std::string_view content) {
  std::ofstream out(file, std::ios::binary);
  out << content;
  ASSERT_TRUE(out.good()) << "cannot write " << file;
}

inline std::string ReadFile(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

}  // namespace crankback::topologies::test_topology
