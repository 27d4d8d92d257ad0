#include "services/homework/core/templates/library.h"

#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/io/tokenizer.h"
#include "google/protobuf/text_format.h"

namespace therapy::homework {
namespace {

// Keeps the parser's first error, 1-based, instead of letting protobuf log it.
class FirstError : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, google::protobuf::io::ColumnNumber column,
                const std::string& message) override {
    if (!error_.empty()) return;
    error_ = absl::StrCat("line ", line + 1, ":", column + 1, ": ", message);
  }
  const std::string& error() const { return error_; }

 private:
  std::string error_;
};

}  // namespace

absl::StatusOr<templates::TemplateLibrary> ParseTemplateLibrary(absl::string_view text) {
  FirstError errors;
  google::protobuf::TextFormat::Parser parser;
  parser.RecordErrorsTo(&errors);
  templates::TemplateLibrary library;
  if (!parser.ParseFromString(std::string(text), &library)) {
    return absl::InvalidArgumentError(errors.error().empty()
                                          ? "the text format parser failed without naming a line"
                                          : errors.error());
  }
  return library;
}

}  // namespace therapy::homework
