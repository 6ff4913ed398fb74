#include "topologies/field_path.h"

#include <google/protobuf/descriptor.h>

namespace crankback::topologies {

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
  const google::protobuf::FieldDescriptor* field =
      parent.GetDescriptor()->FindFieldByName(std::string(name));
  child.tree_ = nullptr;
  if (tree_ == nullptr || field == nullptr) return child;
  const int i = field->is_repeated() ? index : -1;
  if (field->is_repeated() && index < 0) return child;
  const auto location = tree_->GetLocation(field, i);
  if (location.line >= 0) child.line_ = location.line + 1;
  if (field->cpp_type() == google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) {
    child.tree_ = tree_->GetTreeForNested(field, i);
  }
  return child;
}

}  // namespace crankback::topologies
