// ExportClientRecord: the client's homework as a FHIR R4 Bundle for the platform's EHR.

#include <algorithm>
#include <iterator>
#include <utility>
#include <vector>

#include "services/homework/core/fhir/bundle.h"
#include "services/homework/core/homework.h"
#include "services/homework/core/homework_internal.h"
#include "services/homework/core/proto_time.h"
#include "services/homework/core/resource_names.h"
#include "services/homework/core/review_summary.h"

namespace therapy::homework {

absl::StatusOr<v1::ExportClientRecordResponse> Homework::ExportClientRecord(
    const Caller& caller, const v1::ExportClientRecordRequest& request) {
  constexpr absl::string_view kMethod = "ExportClientRecord";
  ASSIGN_OR_RETURN(ClientName name, ParseClientName("client", request.client()));
  CompletionQuery range{.client_name = request.client(), .page = {.page_size = 1000}};
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
    AssignmentQuery assignments{.client_name = request.client(), .page = {.page_size = 1000}};
    do {
      ASSIGN_OR_RETURN(Page<v1::Assignment> page, store_.ListAssignments(assignments));
      std::move(page.items.begin(), page.items.end(), std::back_inserter(record.assignments));
      assignments.page.page_token = page.next_page_token;
    } while (!assignments.page.page_token.empty());
    do {
      ASSIGN_OR_RETURN(Page<v1::Completion> page, store_.ListCompletions(range));
      std::move(page.items.begin(), page.items.end(), std::back_inserter(record.completions));
      range.page.page_token = page.next_page_token;
    } while (!range.page.page_token.empty());
    // Each measure total's reliable change counts from the client's first total ever, so the
    // measures before the range are read too (as GetReviewSummary does).
    std::vector<v1::Completion> history;
    if (range.start_time) {
      CompletionQuery before{.client_name = request.client(),
                             .end_time = range.start_time,
                             .page = {.page_size = 1000}};
      do {
        ASSIGN_OR_RETURN(Page<v1::Completion> page, store_.ListCompletions(before));
        for (v1::Completion& completion : page.items) {
          if (completion.has_measure()) history.push_back(std::move(completion));
        }
        before.page.page_token = page.next_page_token;
      } while (!before.page.page_token.empty());
    }
    std::vector<v1::Completion> in_range = record.completions;
    const auto older_first = [](const v1::Completion& a, const v1::Completion& b) {
      return FromProtoTime(a.occur_time()) < FromProtoTime(b.occur_time());
    };
    std::sort(history.begin(), history.end(), older_first);
    std::sort(in_range.begin(), in_range.end(), older_first);
    const std::vector<v1::MeasureChange> changes = MeasureChanges(
        history, in_range, options_.practice_policy(name.practice).measures);
    size_t next_change = 0;
    for (const v1::Completion& completion : in_range) {
      if (completion.has_measure() && next_change < changes.size()) {
        record.measure_changes[completion.name()] = changes[next_change++];
      }
    }
    HierarchyQuery hierarchies{.client_name = request.client(), .page = {.page_size = 1000}};
    do {
      ASSIGN_OR_RETURN(Page<v1::Hierarchy> page, store_.ListHierarchies(hierarchies));
      std::move(page.items.begin(), page.items.end(), std::back_inserter(record.hierarchies));
      hierarchies.page.page_token = page.next_page_token;
    } while (!hierarchies.page.page_token.empty());

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
