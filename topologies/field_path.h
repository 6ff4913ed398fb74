// The place of one field in an input file: its path and, for text input, its line.
//
//   FieldPath root(tree, "");                       // tree: TextFormat's parse-info tree
//   FieldPath p = root.Child(sim, "nodes", 2, "sbc1").Child(node, "sbc");
//   p.Error("must name an existing node")          // -> {line, "nodes[\"sbc1\"].sbc", ...}
//
// A field that is absent from the file takes the line of its enclosing message.
#pragma once

#include <google/protobuf/message.h>
#include <google/protobuf/text_format.h>

#include <string>
#include <string_view>

#include "topologies/load_error.h"

namespace crankback::topologies {

class FieldPath {
 public:
  using Tree = google::protobuf::TextFormat::ParseInfoTree;

  FieldPath(std::string file, const Tree* tree) : file_(std::move(file)), tree_(tree) {}

  // The field `name` of `parent` (the message this path points at); `index` for
  // a repeated field, and `key` (a name) to show instead of the index.
  FieldPath Child(const google::protobuf::Message& parent, std::string_view name, int index = -1,
                  std::string_view key = {}) const;

  LoadError Error(std::string message) const {
    return LoadError{file_, line_, path_, std::move(message)};
  }
  const std::string& path() const { return path_; }

 private:
  std::string file_;
  const Tree* tree_;  // null for binary input or a field absent from the file
  int line_ = 0;
  std::string path_;
};

}  // namespace crankback::topologies
