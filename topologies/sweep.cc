// Field paths (`simrun --set`, sweep axes) and the expansion of a sweep into
// its points, each validated by the Builder like a file of its own.
#include <google/protobuf/descriptor.h>
#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/text_format.h>

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <memory>

#include "topologies/builder.h"

namespace crankback::topologies {

namespace loader_internal {

namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Reflection;

inline constexpr size_t kMaxPoints = 100'000;
inline constexpr size_t kMaxRuns = 10'000'000;

// One step of a path: `name`, `name[3]` or `name["key"]`.
struct Step {
  std::string name;
  bool indexed = false;
  long index = -1;  // when indexed by number
  std::string key;  // when indexed by name
};

std::string ParsePath(std::string_view path, std::vector<Step>& out) {
  size_t i = 0;
  if (path.empty()) return "the path is empty";
  while (i < path.size()) {
    Step step;
    while (i < path.size() && (std::isalnum(static_cast<unsigned char>(path[i])) || path[i] == '_'))
      step.name.push_back(path[i++]);
    if (step.name.empty()) return "expected a field name at column " + std::to_string(i + 1);
    if (i < path.size() && path[i] == '[') {
      const size_t close = path.find(']', i);
      if (close == std::string_view::npos) return "unclosed [ at column " + std::to_string(i + 1);
      std::string_view inside = path.substr(i + 1, close - i - 1);
      step.indexed = true;
      if (inside.size() >= 2 && inside.front() == '"' && inside.back() == '"') {
        step.key = std::string(inside.substr(1, inside.size() - 2));
      } else if (!inside.empty() && inside.find_first_not_of("0123456789") == std::string::npos &&
                 inside.size() < 10) {
        step.index = std::stol(std::string(inside));
      } else if (!inside.empty()) {
        step.key = std::string(inside);
      } else {
        return "empty [] at column " + std::to_string(i + 1);
      }
      i = close + 1;
    }
    out.push_back(std::move(step));
    if (i == path.size()) break;
    if (path[i] != '.') return "expected '.' at column " + std::to_string(i + 1);
    ++i;
    if (i == path.size()) return "the path ends with '.'";
  }
  return "";
}

// The element of repeated message field `f` that `step` names: by index, or by
// the value of its `name` field.
std::string Element(const google::protobuf::Message& m, const FieldDescriptor* f, const Step& step,
                    int& out) {
  const Reflection* r = m.GetReflection();
  const int size = r->FieldSize(m, f);
  if (step.key.empty()) {
    if (step.index >= size) {
      return f->name() + "[" + std::to_string(step.index) + "]: there are " + std::to_string(size) +
             " elements";
    }
    out = static_cast<int>(step.index);
    return "";
  }
  if (f->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) {
    return f->name() + " holds values, not named elements: index it by number";
  }
  const FieldDescriptor* name = f->message_type()->FindFieldByName("name");
  if (name == nullptr || name->cpp_type() != FieldDescriptor::CPPTYPE_STRING) {
    return "elements of " + f->name() + " have no name: index them by number";
  }
  for (int k = 0; k < size; ++k) {
    const auto& e = r->GetRepeatedMessage(m, f, k);
    if (e.GetReflection()->GetString(e, name) == step.key) {
      out = k;
      return "";
    }
  }
  return f->name() + ": no element named \"" + step.key + "\"";
}

bool ParseDouble(std::string_view s, double& out) {
  const std::string text(s);
  char* end = nullptr;
  errno = 0;
  out = std::strtod(text.c_str(), &end);
  return !text.empty() && end == text.c_str() + text.size() && errno == 0 && std::isfinite(out);
}

bool ParseInteger(std::string_view s, long double low, long double high, long double& out) {
  const std::string text(s);
  if (text.empty() || text.find_first_not_of("+-0123456789") != std::string::npos) return false;
  char* end = nullptr;
  errno = 0;
  out = std::strtold(text.c_str(), &end);
  return end == text.c_str() + text.size() && errno == 0 && out >= low && out <= high;
}

template <class T>
bool Integer(std::string_view s, T& out) {
  long double v = 0;
  if (!ParseInteger(s, static_cast<long double>(std::numeric_limits<T>::min()),
                    static_cast<long double>(std::numeric_limits<T>::max()), v))
    return false;
  out = static_cast<T>(v);
  return true;
}

}  // namespace

// A message-valued path takes its fields in text format, with or without
// braces ("{algorithm: RATE}"): they are merged into the message, so a value
// sets several fields at once and leaves the others as they were.
static std::string MergeText(google::protobuf::Message& m, const std::string& name,
                             std::string_view value) {
  std::string_view body = value;
  while (!body.empty() && std::isspace(static_cast<unsigned char>(body.front())))
    body.remove_prefix(1);
  while (!body.empty() && std::isspace(static_cast<unsigned char>(body.back())))
    body.remove_suffix(1);
  if (body.size() >= 2 && body.front() == '{' && body.back() == '}')
    body = body.substr(1, body.size() - 2);
  std::unique_ptr<google::protobuf::Message> copy(m.New());
  copy->CopyFrom(m);
  google::protobuf::TextFormat::Parser parser;
  google::protobuf::io::ArrayInputStream in(body.data(), static_cast<int>(body.size()));
  struct Quiet : google::protobuf::io::ErrorCollector {
    void AddError(int, int, const std::string&) override {}
  } quiet;
  parser.RecordErrorsTo(&quiet);
  if (!parser.Merge(&in, copy.get())) {
    return name + " is a message: name one of its fields, or give its fields in text format (\"" +
           std::string(value) + "\" is not a " + m.GetDescriptor()->name() + ")";
  }
  m.CopyFrom(*copy);
  return "";
}

std::string SetField(google::protobuf::Message& root, std::string_view path,
                     std::string_view value) {
  std::vector<Step> steps;
  if (std::string err = ParsePath(path, steps); !err.empty()) return err;
  google::protobuf::Message* m = &root;
  for (size_t s = 0; s < steps.size(); ++s) {
    const Step& step = steps[s];
    const Descriptor* type = m->GetDescriptor();
    const FieldDescriptor* f = type->FindFieldByName(step.name);
    if (f == nullptr) return "no field \"" + step.name + "\" in " + type->full_name();
    if (f->is_map()) return step.name + " is a map; not settable by path";
    if (f->is_repeated() != step.indexed) {
      return f->is_repeated()
                 ? step.name + " is repeated: name an element, e.g. " + step.name + "[0]"
                 : step.name + " is not repeated: drop the [...]";
    }
    const Reflection* r = m->GetReflection();
    int index = -1;
    if (f->is_repeated()) {
      if (std::string err = Element(*m, f, step, index); !err.empty()) return err;
    }
    const bool last = s + 1 == steps.size();
    if (f->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      google::protobuf::Message* sub =
          f->is_repeated() ? r->MutableRepeatedMessage(m, f, index) : r->MutableMessage(m, f);
      if (last) return MergeText(*sub, step.name, value);
      m = sub;
      continue;
    }
    if (!last) return step.name + " is a " + f->cpp_type_name() + ", not a message";
    const std::string bad = "\"" + std::string(value) + "\" is not a valid " +
                            std::string(f->cpp_type_name()) + " for " + step.name;
    const bool rep = f->is_repeated();
    switch (f->cpp_type()) {
      case FieldDescriptor::CPPTYPE_DOUBLE:
      case FieldDescriptor::CPPTYPE_FLOAT: {
        double v = 0;
        if (!ParseDouble(value, v)) return bad;
        if (f->cpp_type() == FieldDescriptor::CPPTYPE_FLOAT) {
          rep ? r->SetRepeatedFloat(m, f, index, static_cast<float>(v))
              : r->SetFloat(m, f, static_cast<float>(v));
        } else {
          rep ? r->SetRepeatedDouble(m, f, index, v) : r->SetDouble(m, f, v);
        }
        break;
      }
      case FieldDescriptor::CPPTYPE_INT32: {
        int32_t v = 0;
        if (!Integer(value, v)) return bad;
        rep ? r->SetRepeatedInt32(m, f, index, v) : r->SetInt32(m, f, v);
        break;
      }
      case FieldDescriptor::CPPTYPE_INT64: {
        int64_t v = 0;
        if (!Integer(value, v)) return bad;
        rep ? r->SetRepeatedInt64(m, f, index, v) : r->SetInt64(m, f, v);
        break;
      }
      case FieldDescriptor::CPPTYPE_UINT32: {
        uint32_t v = 0;
        if (!Integer(value, v)) return bad;
        rep ? r->SetRepeatedUInt32(m, f, index, v) : r->SetUInt32(m, f, v);
        break;
      }
      case FieldDescriptor::CPPTYPE_UINT64: {
        uint64_t v = 0;
        if (!Integer(value, v)) return bad;
        rep ? r->SetRepeatedUInt64(m, f, index, v) : r->SetUInt64(m, f, v);
        break;
      }
      case FieldDescriptor::CPPTYPE_BOOL: {
        if (value != "true" && value != "false" && value != "1" && value != "0") return bad;
        const bool v = value == "true" || value == "1";
        rep ? r->SetRepeatedBool(m, f, index, v) : r->SetBool(m, f, v);
        break;
      }
      case FieldDescriptor::CPPTYPE_ENUM: {
        const auto* e = f->enum_type()->FindValueByName(std::string(value));
        int32_t number = 0;
        if (e == nullptr && Integer(value, number)) e = f->enum_type()->FindValueByNumber(number);
        if (e == nullptr) {
          std::string names;
          for (int k = 0; k < f->enum_type()->value_count(); ++k)
            names += (k ? ", " : "") + f->enum_type()->value(k)->name();
          return "\"" + std::string(value) + "\" is not a value of " + f->enum_type()->name() +
                 " (" + names + ")";
        }
        rep ? r->SetRepeatedEnum(m, f, index, e) : r->SetEnum(m, f, e);
        break;
      }
      case FieldDescriptor::CPPTYPE_STRING: {
        std::string v(value);
        if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
        rep ? r->SetRepeatedString(m, f, index, v) : r->SetString(m, f, v);
        break;
      }
      case FieldDescriptor::CPPTYPE_MESSAGE:
        break;
    }
  }
  return "";
}

namespace {

// The values of one axis, as text; or the first error.
std::optional<LoadError> AxisValues(const pb::SweepAxis& axis, const FieldPath& at,
                                    std::vector<std::string>& out) {
  if (axis.values_size() > 0 && axis.has_range()) {
    return at.Child(axis, "range").Error("give either values or a range, not both");
  }
  for (const std::string& v : axis.values()) out.push_back(v);
  if (axis.has_range()) {
    const auto& g = axis.range();
    const FieldPath ra = at.Child(axis, "range");
    if (!std::isfinite(g.from()) || !std::isfinite(g.to()) || g.to() < g.from()) {
      return ra.Error("needs finite from <= to (got " + Num(g.from()) + " to " + Num(g.to()) + ")");
    }
    if (!std::isfinite(g.step()) || g.step() <= 0) {
      return ra.Child(g, "step").Error("must be > 0 (got " + Num(g.step()) + ")");
    }
    const double n = std::floor((g.to() - g.from()) / g.step() * (1 + 1e-12) + 1e-9) + 1;
    if (n > static_cast<double>(kMaxPoints)) {
      return ra.Error("makes " + Num(n) + " values; the limit is " + std::to_string(kMaxPoints));
    }
    for (int k = 0; k < static_cast<int>(n); ++k) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.12g", g.from() + k * g.step());
      out.push_back(buf);
    }
  }
  if (out.empty()) return at.Error("needs values or a range");
  return std::nullopt;
}

}  // namespace

}  // namespace loader_internal

using loader_internal::Builder;

Loaded<Plan> LoadPlan(std::string_view content, const std::string& display_name,
                      const Overrides& overrides) {
  pb::Simulation sim;
  FieldPath::Tree tree;
  bool text = false;
  if (auto e = loader_internal::Parse(content, display_name, sim, tree, text)) return *e;
  if (auto e = loader_internal::ApplyOverrides(overrides, display_name, sim)) return *e;
  const FieldPath root(display_name, text ? &tree : nullptr);
  auto mark_override = [&](LoadError e) {
    for (const auto& [path, value] : overrides.sets) {
      if (e.path == path) {
        e.file = "--set";
        e.line = 0;
        e.message += " (" + path + "=" + value + ")";
      }
    }
    return e;
  };
  // The file itself, without its sweep, is a study; each point is another.
  Loaded<Study> base = Builder(sim, root).Build();
  if (!base.ok()) return mark_override(base.error());

  Plan plan;
  google::protobuf::TextFormat::PrintToString(sim, &plan.resolved_text);
  const pb::Experiment& x = sim.experiment();
  const FieldPath xa = root.Child(sim, "experiment");
  std::vector<std::vector<std::string>> values;
  size_t points = 1;
  for (int a = 0; a < x.sweep_size(); ++a) {
    const pb::SweepAxis& axis = x.sweep(a);
    const FieldPath at = xa.Child(x, "sweep", a);
    for (const char* fixed :
         {"experiment.sweep", "experiment.replications", "experiment.policies"}) {
      if (axis.path().rfind(fixed, 0) == 0) {
        return at.Child(axis, "path").Error(std::string(fixed) + " cannot be swept");
      }
    }
    for (int b = 0; b < a; ++b) {
      if (x.sweep(b).path() == axis.path()) {
        return at.Child(axis, "path").Error("\"" + axis.path() + "\" is swept twice");
      }
    }
    std::vector<std::string> v;
    if (auto e = loader_internal::AxisValues(axis, at, v)) return *e;
    // The path must name a settable field: try it on a scratch copy.
    pb::Simulation scratch = sim;
    if (std::string err = loader_internal::SetField(scratch, axis.path(), v.front()); !err.empty())
      return at.Child(axis, "path").Error(err);
    points *= v.size();
    if (points > loader_internal::kMaxPoints) {
      return at.Error("the sweep has more than " + std::to_string(loader_internal::kMaxPoints) +
                      " points");
    }
    plan.axes.push_back(axis.path());
    values.push_back(std::move(v));
  }
  const Study& b = base.value();
  if (points * static_cast<size_t>(b.experiment.replications) * b.policies.size() >
      loader_internal::kMaxRuns) {
    return xa.Error("the experiment makes " +
                    std::to_string(points * static_cast<size_t>(b.experiment.replications) *
                                   b.policies.size()) +
                    " runs (points x replications x policies); the limit is " +
                    std::to_string(loader_internal::kMaxRuns));
  }
  if (values.empty()) {
    plan.points.push_back({{}, std::move(base.value())});
    return plan;
  }
  for (size_t p = 0; p < points; ++p) {
    SweepPoint point;
    pb::Simulation at_point = sim;
    size_t rest = p;
    point.values.resize(values.size());
    for (size_t a = values.size(); a-- > 0;) {  // the last axis varies fastest
      point.values[a] = values[a][rest % values[a].size()];
      rest /= values[a].size();
    }
    for (size_t a = 0; a < values.size(); ++a) {
      const FieldPath at = xa.Child(x, "sweep", static_cast<int>(a));
      if (std::string err = loader_internal::SetField(at_point, plan.axes[a], point.values[a]);
          !err.empty()) {
        return at.Child(x.sweep(static_cast<int>(a)), "values").Error(err);
      }
    }
    Loaded<Study> study = Builder(at_point, root).Build();
    if (!study.ok()) {
      LoadError e = mark_override(study.error());
      std::string where;
      for (size_t a = 0; a < values.size(); ++a)
        where += (a ? ", " : "") + plan.axes[a] + " = " + point.values[a];
      e.message += " (at sweep point " + std::to_string(p) + ": " + where + ")";
      return e;
    }
    point.study = std::move(study.value());
    plan.points.push_back(std::move(point));
  }
  return plan;
}

Loaded<Plan> LoadPlanFile(const std::string& file, const Overrides& overrides) {
  Loaded<std::string> content = ReadInputFile(file);
  if (!content.ok()) return content.error();
  return LoadPlan(content.value(), file, overrides);
}

}  // namespace crankback::topologies
