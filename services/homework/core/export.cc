// ExportClientRecord: the client's homework as a FHIR R4 Bundle for the platform's EHR.

#include <algorithm>
#include <iterator>
#include <utility>
#include <vector>

#include "services/homework/core/formats/fhir/bundle.h"
#include "services/homework/core/homework.h"
#include "services/homework/core/homework_internal.h"
#include "services/homework/core/model/proto_time.h"
#include "services/homework/core/model/resource_names.h"
#include "services/homework/core/rules/review_summary.h"

namespace therapy::homework {

absl::StatusOr<v1::ExportClientRecordResponse> Homework::ExportClientRecord(
    const Caller& caller, const v1::ExportClientRecordRequest& request) {
  constexpr absl::string_view kMethod = "ExportClientRecord";
  ASSIGN_OR_RETURN(ClientName name, ParseClientName("client", request.client()));
  CompletionQuery range{.client_name = request.client()};
  if (request.has_start_time()) range.start_time = FromProtoTime(request.start_time());
  if (request.has_end_time()) range.end_time = FromProtoTime(request.end_time());
  if (range.start_time && range.end_time && *range.end_time <= *range.start_time) {
    return InvalidField("end_time", "must be after start_time");
  }
  RETURN_IF_ERROR(AuthorizeClient(caller, Action::kReadClient, name, kMethod));

  auto export_record = [&]() -> absl::StatusOr<v1::ExportClientRecordResponse> {
    fhir::ClientRecord record;
    ASSIGN_OR_RETURN(record.client,
                     Found(store_.GetClient(request.client()), "client", request.client()));
    ASSIGN_OR_RETURN(record.assignments,
                     ReadAll(store_, &Store::ListAssignments, {.client_name = request.client()}));
    ASSIGN_OR_RETURN(record.completions, ReadAll(store_, &Store::ListCompletions, range));
    // Each measure total's reliable change counts from the client's first total ever, so the
    // measures before the range are read too (only those, as GetReviewSummary does).
    std::vector<v1::Completion> history;
    if (range.start_time) {
      ASSIGN_OR_RETURN(std::vector<v1::Completion> before, ReadAll(store_, &Store::ListCompletions,
                                                                   {.client_name = request.client(),
                                                                    .end_time = range.start_time,
                                                                    .measures_only = true}));
      for (v1::Completion& completion : before) {
        if (completion.has_measure()) history.push_back(std::move(completion));
      }
    }
    std::vector<v1::Completion> in_range = record.completions;
    const auto older_first = [](const v1::Completion& a, const v1::Completion& b) {
      return FromProtoTime(a.occur_time()) < FromProtoTime(b.occur_time());
    };
    std::sort(history.begin(), history.end(), older_first);
    std::sort(in_range.begin(), in_range.end(), older_first);
    const std::vector<v1::MeasureChange> changes =
        MeasureChanges(history, in_range, options_.practice_policy(name.practice).measures);
    size_t next_change = 0;
    for (const v1::Completion& completion : in_range) {
      if (completion.has_measure() && next_change < changes.size()) {
        record.measure_changes[completion.name()] = changes[next_change++];
      }
    }
    ASSIGN_OR_RETURN(record.hierarchies,
                     ReadAll(store_, &Store::ListHierarchies, {.client_name = request.client()}));

    ASSIGN_OR_RETURN(fhir::Bundle bundle, fhir::BuildBundle(record));
    v1::ExportClientRecordResponse response;
    response.set_bundle_json(std::move(bundle.json));
    for (const auto& [type, count] : bundle.resource_counts) {
      (*response.mutable_resource_counts())[type] = count;
    }
    return response;
  };
  absl::StatusOr<v1::ExportClientRecordResponse> response = export_record();
  RETURN_IF_ERROR(Audit(caller, kMethod, request.client(), response.status()));
  return response;
}

}  // namespace therapy::homework
