#include "topologies/field_path.h"

#include <google/protobuf/descriptor.h>

namespace crankback::topologies {

namespace {

using google::protobuf::FieldDescriptor;

// The first line (0-based) where `tree`, a message of `type`, records a field; -1 if none.
int FirstLine(const FieldPath::Tree& tree, const google::protobuf::Descriptor& type) {
  int first = -1;
  for (int f = 0; f < type.field_count(); ++f) {
    const FieldDescriptor* field = type.field(f);
    const int line = tree.GetLocation(field, field->is_repeated() ? 0 : -1).line;
    if (line >= 0 && (first < 0 || line < first)) first = line;
  }
  return first;
}

}  // namespace

FieldPath FieldPath::Child(const google::protobuf::Message& parent, std::string_view name,
                           int index, std::string_view key) const {
  FieldPath child = *this;
  if (!path_.empty()) child.path_.push_back('.');
  child.path_.append(name);
  if (!key.empty()) {
    child.path_.append("[\"").append(key).append("\"]");
  } else if (index >= 0) {
    child.path_.append("[").append(std::to_string(index)).append("]");
  }
  const FieldDescriptor* field = parent.GetDescriptor()->FindFieldByName(std::string(name));
  child.tree_ = nullptr;
  if (tree_ == nullptr || field == nullptr) return child;
  const int size = field->is_repeated() ? parent.GetReflection()->FieldSize(parent, field) : 0;
  if (field->is_repeated() && (index < 0 || index >= size)) return child;
  const int i = field->is_repeated() ? index : -1;
  const bool message = field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE;
  if (message) child.tree_ = tree_->GetTreeForNested(field, i);
  int line = tree_->GetLocation(field, i).line;
  // List syntax (`links: [{...}, {...}]`) records one location for all its
  // elements, so an index would find another element's line. A message element
  // still has its own fields' lines; a scalar keeps the enclosing message's.
  if (field->is_repeated() &&
      (tree_->GetLocation(field, size - 1).line < 0 || tree_->GetLocation(field, size).line >= 0)) {
    line = message && child.tree_ != nullptr ? FirstLine(*child.tree_, *field->message_type()) : -1;
  }
  if (line >= 0) child.line_ = line + 1;
  return child;
}

}  // namespace crankback::topologies
