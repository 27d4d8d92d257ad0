// Exposure hierarchies: built with the client, practised one step at a time. The service only
// suggests progression (see review_summary.cc and clinical/exposure.h); these use cases are the
// therapist's decisions, each kept with its reason.

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/homework/core/homework.h"
#include "services/homework/core/homework_internal.h"
#include "services/homework/core/model/proto_time.h"
#include "services/homework/core/model/resource_names.h"
#include "services/homework/core/templates.h"

namespace therapy::homework {
namespace {

constexpr int kMaxSteps = 30;
constexpr std::initializer_list<absl::string_view> kHierarchyMutable = {"target", "anchors",
                                                                        "steps", "policy"};

struct HierarchyName {
  ClientName client;
  std::string hierarchy;
  std::string Format() const { return absl::StrCat(client.Format(), "/hierarchies/", hierarchy); }
};

absl::StatusOr<HierarchyName> ParseHierarchyName(absl::string_view field, absl::string_view name) {
  const size_t split = name.rfind("/hierarchies/");
  if (split != absl::string_view::npos) {
    absl::StatusOr<ClientName> client = ParseClientName(field, name.substr(0, split));
    const absl::string_view id = name.substr(split + std::string_view("/hierarchies/").size());
    if (client.ok() && IsValidResourceId(id)) return HierarchyName{*client, std::string(id)};
  }
  return InvalidField(field,
                      "not a resource name of the form "
                      "practices/{practice}/clients/{client}/hierarchies/{hierarchy}");
}

void ValidateHierarchy(const v1::Hierarchy& h, absl::string_view prefix, Violations& v) {
  const auto path = [&](absl::string_view field) { return absl::StrCat(prefix, ".", field); };
  v.Length(path("target"), h.target(), 1, 500);
  v.Length(path("anchors.calm"), h.anchors().calm(), 0, 200);
  v.Length(path("anchors.moderate"), h.anchors().moderate(), 0, 200);
  v.Length(path("anchors.worst"), h.anchors().worst(), 0, 200);
  if (h.steps().empty() || h.steps_size() > kMaxSteps) {
    v.Add(path("steps"), absl::StrCat("required: 1-", kMaxSteps, " steps, got ", h.steps_size()));
  }
  for (int i = 0; i < h.steps_size() && i < kMaxSteps; ++i) {
    const std::string step = absl::StrCat(path("steps"), "[", i, "]");
    v.Length(absl::StrCat(step, ".situation"), h.steps(i).situation(), 1, 500);
    v.Range(absl::StrCat(step, ".expected_suds"), h.steps(i).expected_suds(), 0, 100);
    v.Length(absl::StrCat(step, ".prescription"), h.steps(i).prescription(), 0, 300);
  }
  const v1::ProgressionPolicy& policy = h.policy();
  if (!v1::ProgressionPolicy::Mode_IsValid(policy.mode())) {
    v.Add(path("policy.mode"), absl::StrCat("unknown mode ", policy.mode()));
  }
  v.Range(path("policy.drop_percent"), policy.drop_percent(), 0, 100);
  v.Range(path("policy.start_at_or_below"), policy.start_at_or_below(), 0, 100);
  v.Range(path("policy.overwhelm_peak"), policy.overwhelm_peak(), 0, 100);
}

// The hierarchy a create starts from: the template's, with every field the caller set replacing
// the template's (steps replace the template's steps as a whole).
absl::StatusOr<v1::Hierarchy> StartingPoint(const v1::CreateHierarchyRequest& request) {
  if (request.template_().empty()) return request.hierarchy();
  const v1::Hierarchy* found = BuiltInHierarchyTemplate(request.template_());
  if (found == nullptr) {
    return absl::NotFoundError(
        absl::StrCat("template ", request.template_().substr(0, 200),
                     " not found; known: ", absl::StrJoin(BuiltInHierarchyTemplateNames(), ", ")));
  }
  v1::Hierarchy hierarchy = *found;
  if (!request.hierarchy().steps().empty()) hierarchy.clear_steps();
  hierarchy.MergeFrom(request.hierarchy());
  return hierarchy;
}

}  // namespace

absl::Status Homework::CheckExposureStep(const v1::Assignment& assignment,
                                         const ClientName& client) {
  const v1::ExposurePracticeInstructions& exposure = assignment.exercise().exposure_practice();
  if (exposure.hierarchy().empty()) {
    if (exposure.hierarchy_step() != 0) {
      return InvalidField("assignment.exercise.exposure_practice.hierarchy_step",
                          "only with exposure_practice.hierarchy");
    }
    return absl::OkStatus();
  }
  constexpr absl::string_view kField = "assignment.exercise.exposure_practice.hierarchy";
  ASSIGN_OR_RETURN(HierarchyName name, ParseHierarchyName(kField, exposure.hierarchy()));
  if (name.client.Format() != client.Format()) {
    return InvalidField(kField, "must be a hierarchy of the same client");
  }
  ASSIGN_OR_RETURN(v1::Hierarchy hierarchy, Found(store_.GetHierarchy(exposure.hierarchy()),
                                                  "hierarchy", exposure.hierarchy()));
  if (exposure.hierarchy_step() < 0 || exposure.hierarchy_step() >= hierarchy.steps_size()) {
    return InvalidField("assignment.exercise.exposure_practice.hierarchy_step",
                        absl::StrCat("must be 0-", hierarchy.steps_size() - 1, ", got ",
                                     exposure.hierarchy_step()));
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::Hierarchy> Homework::CreateHierarchy(const Caller& caller,
                                                        const v1::CreateHierarchyRequest& request) {
  constexpr absl::string_view kMethod = "CreateHierarchy";
  ASSIGN_OR_RETURN(ClientName parent, ParseClientName("parent", request.parent()));
  ASSIGN_OR_RETURN(v1::Hierarchy hierarchy, StartingPoint(request));
  Violations violations;
  ValidateRequestId(request.request_id(), violations);
  ValidateHierarchy(hierarchy, "hierarchy", violations);
  RETURN_IF_ERROR(violations.ToStatus());
  RETURN_IF_ERROR(AuthorizeClient(caller, Action::kWriteAssignment, parent, kMethod));

  const std::optional<IdempotencyKey> key = KeyFor(caller, kMethod, request.request_id());
  const std::string fingerprint = RequestFingerprint(request);
  auto write = [&]() -> absl::StatusOr<CreateAttempt<v1::Hierarchy>> {
    RETURN_IF_ERROR(Found(store_.GetClient(request.parent()), "client", request.parent()).status());

    const absl::Time now = options_.now();
    hierarchy.set_name(HierarchyName{parent, NewId()}.Format());
    hierarchy.set_current_step(0);
    hierarchy.clear_decisions();
    hierarchy.set_created_by(caller.subject);
    *hierarchy.mutable_create_time() = ToProtoTime(now);
    *hierarchy.mutable_update_time() = ToProtoTime(now);
    hierarchy.set_etag(NewId());
    Mutation mutation{.hierarchy = Put<v1::Hierarchy>{WriteMode::kInsert, hierarchy, ""},
                      .events = {MakeEvent(caller, v1::Event::TYPE_HIERARCHY_UPDATED,
                                           parent.Format(), hierarchy.name())},
                      .idempotency = key,
                      .idempotent_result = hierarchy.name(),
                      .request_fingerprint = fingerprint,
                      .audit = MakeAudit(caller, kMethod, hierarchy.name(), absl::OkStatus())};
    ASSIGN_OR_RETURN(CommitOutcome outcome, Commit(mutation));
    return CreateAttempt<v1::Hierarchy>{std::move(hierarchy), outcome};
  };
  return FinishWrite(caller, kMethod, parent.Format(),
                     CreateOnce(store_, &Store::GetHierarchy, key, fingerprint, write));
}

absl::StatusOr<v1::Hierarchy> Homework::GetHierarchy(const Caller& caller,
                                                     const v1::GetHierarchyRequest& request) {
  constexpr absl::string_view kMethod = "GetHierarchy";
  ASSIGN_OR_RETURN(HierarchyName name, ParseHierarchyName("name", request.name()));
  RETURN_IF_ERROR(AuthorizeClient(caller, Action::kReadClient, name.client, kMethod));
  absl::StatusOr<v1::Hierarchy> hierarchy =
      Found(store_.GetHierarchy(request.name()), "hierarchy", request.name());
  RETURN_IF_ERROR(Audit(caller, kMethod, request.name(), hierarchy.status()));
  return hierarchy;
}

absl::StatusOr<v1::ListHierarchiesResponse> Homework::ListHierarchies(
    const Caller& caller, const v1::ListHierarchiesRequest& request) {
  constexpr absl::string_view kMethod = "ListHierarchies";
  ASSIGN_OR_RETURN(ClientName parent, ParseClientName("parent", request.parent()));
  ASSIGN_OR_RETURN(int page_size, ValidatePageSize(request.page_size()));
  RETURN_IF_ERROR(AuthorizeClient(caller, Action::kReadClient, parent, kMethod));
  absl::StatusOr<Page<v1::Hierarchy>> page = store_.ListHierarchies(
      HierarchyQuery{.client_name = parent.Format(),
                     .page = {.page_size = page_size, .page_token = request.page_token()}});
  RETURN_IF_ERROR(Audit(caller, kMethod, parent.Format(), page.status()));
  if (!page.ok()) return ListStatus(page.status());
  v1::ListHierarchiesResponse response;
  for (v1::Hierarchy& hierarchy : page->items) *response.add_hierarchies() = std::move(hierarchy);
  response.set_next_page_token(page->next_page_token);
  return response;
}

absl::StatusOr<v1::Hierarchy> Homework::UpdateHierarchy(const Caller& caller,
                                                        const v1::UpdateHierarchyRequest& request) {
  constexpr absl::string_view kMethod = "UpdateHierarchy";
  const v1::Hierarchy& patch = request.hierarchy();
  ASSIGN_OR_RETURN(HierarchyName name, ParseHierarchyName("hierarchy.name", patch.name()));
  RETURN_IF_ERROR(CheckMask(request.update_mask(), v1::Hierarchy::descriptor(), kHierarchyMutable));
  RETURN_IF_ERROR(AuthorizeClient(caller, Action::kWriteAssignment, name.client, kMethod));

  auto update = [&]() -> absl::StatusOr<Written<v1::Hierarchy>> {
    ASSIGN_OR_RETURN(v1::Hierarchy current,
                     Found(store_.GetHierarchy(patch.name()), "hierarchy", patch.name()));
    RETURN_IF_ERROR(CheckEtag("hierarchy.etag", patch.etag(), current.etag()));
    v1::Hierarchy hierarchy = current;
    ApplyMask(request.update_mask(), kHierarchyMutable, patch, hierarchy);
    Violations violations;
    ValidateHierarchy(hierarchy, "hierarchy", violations);
    RETURN_IF_ERROR(violations.ToStatus());
    if (hierarchy.steps_size() <= hierarchy.current_step()) {
      return absl::FailedPreconditionError(
          absl::StrCat("the client is practising step ", hierarchy.current_step() + 1,
                       "; step back before removing it (hierarchy.steps would have ",
                       hierarchy.steps_size(), " steps)"));
    }
    *hierarchy.mutable_update_time() = ToProtoTime(options_.now());
    hierarchy.set_etag(NewId());
    Mutation mutation{
        .hierarchy = Put<v1::Hierarchy>{WriteMode::kUpdate, hierarchy, current.etag()},
        .events = {MakeEvent(caller, v1::Event::TYPE_HIERARCHY_UPDATED, name.client.Format(),
                             hierarchy.name())},
        .audit = MakeAudit(caller, kMethod, hierarchy.name(), absl::OkStatus())};
    RETURN_IF_ERROR(Commit(mutation).status());
    return Written<v1::Hierarchy>{std::move(hierarchy), false};
  };
  return FinishWrite(caller, kMethod, patch.name(), update());
}

absl::StatusOr<v1::Hierarchy> Homework::AdvanceHierarchy(
    const Caller& caller, const v1::AdvanceHierarchyRequest& request) {
  return MoveHierarchy(caller, "AdvanceHierarchy", request.name(), request.etag(), request.reason(),
                       +1);
}

absl::StatusOr<v1::Hierarchy> Homework::StepBackHierarchy(
    const Caller& caller, const v1::StepBackHierarchyRequest& request) {
  return MoveHierarchy(caller, "StepBackHierarchy", request.name(), request.etag(),
                       request.reason(), -1);
}

absl::StatusOr<v1::Hierarchy> Homework::MoveHierarchy(const Caller& caller,
                                                      absl::string_view method,
                                                      absl::string_view name_text,
                                                      absl::string_view etag,
                                                      absl::string_view reason, int delta) {
  ASSIGN_OR_RETURN(HierarchyName name, ParseHierarchyName("name", name_text));
  Violations violations;
  violations.Length("reason", reason, 1, 1000);
  RETURN_IF_ERROR(violations.ToStatus());
  RETURN_IF_ERROR(AuthorizeClient(caller, Action::kDecideProgression, name.client, method));

  auto move = [&]() -> absl::StatusOr<Written<v1::Hierarchy>> {
    ASSIGN_OR_RETURN(v1::Hierarchy current,
                     Found(store_.GetHierarchy(name_text), "hierarchy", name_text));
    RETURN_IF_ERROR(CheckEtag("etag", etag, current.etag()));
    const int from = current.current_step();
    const int to = from + delta;
    if (to < 0 || to >= current.steps_size()) {
      return absl::FailedPreconditionError(
          delta > 0 ? absl::StrCat("the client is at the last step (", from + 1, " of ",
                                   current.steps_size(), "); add a step to go further")
                    : "the client is at the first step; there is no step to go back to");
    }
    v1::Hierarchy hierarchy = current;
    hierarchy.set_current_step(to);
    v1::ProgressionDecision* decision = hierarchy.add_decisions();
    decision->set_kind(delta > 0 ? v1::ProgressionDecision::KIND_ADVANCE
                                 : v1::ProgressionDecision::KIND_STEP_BACK);
    decision->set_from_step(from);
    decision->set_to_step(to);
    decision->set_reason(std::string(reason));
    decision->set_decided_by(caller.subject);
    const absl::Time now = options_.now();
    *decision->mutable_decide_time() = ToProtoTime(now);
    *hierarchy.mutable_update_time() = ToProtoTime(now);
    hierarchy.set_etag(NewId());
    Mutation mutation{
        .hierarchy = Put<v1::Hierarchy>{WriteMode::kUpdate, hierarchy, current.etag()},
        .events = {MakeEvent(caller, v1::Event::TYPE_HIERARCHY_UPDATED, name.client.Format(),
                             hierarchy.name())},
        .audit = MakeAudit(caller, method, hierarchy.name(), absl::OkStatus())};
    RETURN_IF_ERROR(Commit(mutation).status());
    return Written<v1::Hierarchy>{std::move(hierarchy), false};
  };
  return FinishWrite(caller, method, name_text, move());
}

}  // namespace therapy::homework
