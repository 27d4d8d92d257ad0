#include "services/homework/core/templates.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <set>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/message_differencer.h"
#include "services/homework/core/homework.h"
#include "services/homework/core/homework_internal.h"
#include "services/homework/core/model/proto_time.h"
#include "services/homework/core/model/resource_names.h"
#include "services/homework/core/rules/validation.h"
#include "services/homework/core/status_macros.h"
#include "services/homework/core/templates/library.h"
#include "services/homework/storage/page_token.h"

namespace therapy::homework {
namespace {

constexpr absl::string_view kTemplatePrefix = "templates/";
constexpr absl::string_view kHierarchyTemplatePrefix = "hierarchyTemplates/";

// The built-in library as the service serves it.
struct BuiltInLibrary {
  std::vector<v1::Template> templates;  // in name order
  google::protobuf::RepeatedPtrField<templates::HierarchyTemplate> hierarchies;
};

bool IsNameWithId(absl::string_view name, absl::string_view prefix) {
  return absl::StartsWith(name, prefix) && IsValidResourceId(name.substr(prefix.size()));
}

absl::Status InBuiltInLibrary(const absl::Status& status) {
  return absl::Status(status.code(),
                      absl::StrCat("built-in template library "
                                   "(services/homework/core/templates/library.textproto) ",
                                   status.message()));
}

// The embedded library, parsed and checked on first use, then immutable.
const absl::StatusOr<BuiltInLibrary>& LoadedLibrary() {
  static const absl::StatusOr<BuiltInLibrary>* const kLoaded = [] {
    auto load = []() -> absl::StatusOr<BuiltInLibrary> {
      absl::StatusOr<templates::TemplateLibrary> library =
          ParseTemplateLibrary(EmbeddedTemplateLibraryText());
      if (!library.ok()) return InBuiltInLibrary(library.status());
      if (absl::Status checked = CheckTemplateLibrary(*library); !checked.ok()) {
        return InBuiltInLibrary(checked);
      }
      BuiltInLibrary built_in{
          .templates = {library->templates().begin(), library->templates().end()},
          .hierarchies = std::move(*library->mutable_hierarchy_templates())};
      std::sort(built_in.templates.begin(), built_in.templates.end(),
                [](const v1::Template& a, const v1::Template& b) { return a.name() < b.name(); });
      return built_in;
    };
    return new absl::StatusOr<BuiltInLibrary>(load());
  }();
  return *kLoaded;
}

// A library that does not load is a defect of the build (its test fails, and Server::Start
// refuses to serve before anything reads it): with nothing to serve, stop here.
const BuiltInLibrary& Library() {
  const absl::StatusOr<BuiltInLibrary>& loaded = LoadedLibrary();
  if (!loaded.ok()) {
    std::fprintf(stderr, "%s\n", loaded.status().ToString().c_str());
    std::abort();
  }
  return *loaded;
}

// The list's page tokens are the stores' (storage/page_token.h): the last name returned, bound
// to the practice and the kind asked for.
uint64_t LibraryFingerprint(const PracticeName& parent, v1::ExerciseKind kind) {
  return QueryFingerprint(TemplateQuery{.practice_name = parent.Format()}) ^
         (static_cast<uint64_t>(kind) * 0x9e3779b97f4a7c15ULL);
}

}  // namespace

absl::Status LoadBuiltInTemplates() { return LoadedLibrary().status(); }

absl::Status CheckTemplateLibrary(const templates::TemplateLibrary& library) {
  std::set<std::string> names;
  for (const v1::Template& t : library.templates()) {
    if (!IsNameWithId(t.name(), kTemplatePrefix)) {
      return absl::InvalidArgumentError(
          absl::StrCat("template name \"", t.name().substr(0, 200), "\" is not templates/{id}"));
    }
    if (!names.insert(t.name()).second) {
      return absl::InvalidArgumentError(absl::StrCat(t.name(), " is listed twice"));
    }
    if (t.has_create_time() || t.has_update_time() || !t.etag().empty() ||
        !t.created_by().empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          t.name(), ": create_time, update_time, etag and created_by are for practice templates"));
    }
    if (!t.schedule().start_date().empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(t.name(), ".schedule.start_date must be empty: it is set when assigning"));
    }
    Violations violations;
    ValidateTemplate(t, t.name(), violations);
    RETURN_IF_ERROR(violations.ToStatus());
  }
  names.clear();
  for (const templates::HierarchyTemplate& h : library.hierarchy_templates()) {
    if (!IsNameWithId(h.name(), kHierarchyTemplatePrefix)) {
      return absl::InvalidArgumentError(absl::StrCat("hierarchy template name \"",
                                                     h.name().substr(0, 200),
                                                     "\" is not hierarchyTemplates/{id}"));
    }
    if (!names.insert(h.name()).second) {
      return absl::InvalidArgumentError(absl::StrCat(h.name(), " is listed twice"));
    }
    v1::Hierarchy target_and_steps;
    target_and_steps.set_target(h.hierarchy().target());
    *target_and_steps.mutable_steps() = h.hierarchy().steps();
    if (h.hierarchy().target().empty() || h.hierarchy().steps().empty() ||
        !google::protobuf::util::MessageDifferencer::Equals(target_and_steps, h.hierarchy())) {
      return absl::InvalidArgumentError(absl::StrCat(
          h.name(), ": a hierarchy template has a target and steps, and nothing else"));
    }
  }
  return absl::OkStatus();
}

const std::vector<v1::Template>& BuiltInTemplates() { return Library().templates; }

const v1::Template* FindBuiltInTemplate(absl::string_view name) {
  const std::vector<v1::Template>& library = BuiltInTemplates();
  auto it = std::lower_bound(
      library.begin(), library.end(), name,
      [](const v1::Template& t, absl::string_view wanted) { return t.name() < wanted; });
  if (it == library.end() || it->name() != name) return nullptr;
  return &*it;
}

absl::StatusOr<v1::Assignment> AssignmentFromTemplate(absl::string_view field,
                                                      absl::string_view template_name,
                                                      const v1::Assignment& personalisation) {
  if (!absl::StartsWith(template_name, kTemplatePrefix) ||
      !IsValidResourceId(template_name.substr(kTemplatePrefix.size()))) {
    return InvalidField(field, "must be templates/{template}");
  }
  const v1::Template* found = FindBuiltInTemplate(template_name);
  if (found == nullptr) {
    return absl::NotFoundError(absl::StrCat("template ", template_name, " not found"));
  }
  return AssignmentFromTemplate(*found, personalisation);
}

v1::Assignment AssignmentFromTemplate(const v1::Template& base,
                                      const v1::Assignment& personalisation) {
  v1::Assignment assignment;
  assignment.set_title(base.title());
  *assignment.mutable_exercise() = base.exercise();
  assignment.set_rationale(base.rationale());
  assignment.set_phase(base.phase());
  *assignment.mutable_schedule() = base.schedule();
  assignment.MergeFrom(personalisation);
  return assignment;
}

bool IsPracticeTemplateName(absl::string_view name) { return absl::StartsWith(name, "practices/"); }

void ValidateTemplate(const v1::Template& t, absl::string_view prefix, Violations& violations) {
  // An assignment's checks apply, with a stand-in start date when the template has none.
  v1::Assignment as_assignment = AssignmentFromTemplate(t, v1::Assignment());
  if (as_assignment.schedule().start_date().empty()) {
    as_assignment.mutable_schedule()->set_start_date("2000-01-01");
  }
  ValidateAssignment(as_assignment, prefix, violations);
  violations.Length(absl::StrCat(prefix, ".description"), t.description(), 0, 2000);
  violations.Length(absl::StrCat(prefix, ".schedule.minimum_version"),
                    t.schedule().minimum_version(), 1, 500);
}

const v1::Hierarchy* BuiltInHierarchyTemplate(absl::string_view name) {
  for (const templates::HierarchyTemplate& h : Library().hierarchies) {
    if (h.name() == name) return &h.hierarchy();
  }
  return nullptr;
}

std::vector<std::string> BuiltInHierarchyTemplateNames() {
  std::vector<std::string> names;
  for (const templates::HierarchyTemplate& h : Library().hierarchies) names.push_back(h.name());
  return names;
}

namespace {

constexpr std::initializer_list<absl::string_view> kTemplateMutable = {
    "title", "description", "exercise", "rationale", "phase", "schedule"};

struct PracticeTemplateName {
  PracticeName practice;
  std::string id;
  std::string Format() const { return absl::StrCat(practice.Format(), "/templates/", id); }
};

absl::StatusOr<PracticeTemplateName> ParsePracticeTemplateName(absl::string_view field,
                                                               absl::string_view name) {
  const size_t split = name.find("/templates/");
  if (split != absl::string_view::npos) {
    absl::StatusOr<PracticeName> practice = ParsePracticeName(field, name.substr(0, split));
    const absl::string_view id = name.substr(split + std::string_view("/templates/").size());
    if (practice.ok() && IsValidResourceId(id))
      return PracticeTemplateName{*practice, std::string(id)};
  }
  return InvalidField(field,
                      "not templates/{template} or practices/{practice}/templates/{template}");
}

}  // namespace

absl::StatusOr<v1::Template> Homework::FindPracticeTemplate(absl::string_view field,
                                                            absl::string_view name,
                                                            absl::string_view practice) {
  ASSIGN_OR_RETURN(PracticeTemplateName parsed, ParsePracticeTemplateName(field, name));
  if (parsed.practice.practice != practice) {
    return InvalidField(field, "must be a built-in template or one of the same practice");
  }
  return Found(store_.GetTemplate(name), "template", name);
}

// Templates are not clinical data and name no client, so a successful read is not audited;
// a refusal is, like every refusal. The list is the practice's own templates and the built-in
// ones together, in name order.
absl::StatusOr<v1::ListTemplatesResponse> Homework::ListTemplates(
    const Caller& caller, const v1::ListTemplatesRequest& request) {
  constexpr absl::string_view kMethod = "ListTemplates";
  constexpr int kMostPracticeTemplates = 1000;
  ASSIGN_OR_RETURN(PracticeName parent, ParsePracticeName("parent", request.parent()));
  ASSIGN_OR_RETURN(int page_size, ValidatePageSize(request.page_size()));
  if (!v1::ExerciseKind_IsValid(request.kind())) {
    return InvalidField("kind", absl::StrCat("unknown ExerciseKind ", request.kind()));
  }
  const uint64_t fingerprint = LibraryFingerprint(parent, request.kind());
  absl::StatusOr<std::optional<PageCursor>> cursor =
      ReadPageToken(request.page_token(), fingerprint);
  if (!cursor.ok()) return ListStatus(cursor.status());
  const std::string after = cursor->has_value() ? (*cursor)->name : "";
  RETURN_IF_ERROR(
      AuthorizePractice(caller, Action::kReadLibrary, parent, kMethod, parent.Format()));

  ASSIGN_OR_RETURN(Page<v1::Template> own, store_.ListTemplates(TemplateQuery{
                                               .practice_name = parent.Format(),
                                               .page = {.page_size = kMostPracticeTemplates}}));
  std::vector<const v1::Template*> library;
  for (const v1::Template& t : own.items) library.push_back(&t);
  for (const v1::Template& t : BuiltInTemplates()) library.push_back(&t);
  std::sort(library.begin(), library.end(),
            [](const v1::Template* a, const v1::Template* b) { return a->name() < b->name(); });

  v1::ListTemplatesResponse response;
  for (const v1::Template* t : library) {
    if (t->name() <= after) continue;
    if (request.kind() != v1::EXERCISE_KIND_UNSPECIFIED && t->exercise().kind() != request.kind()) {
      continue;
    }
    if (response.templates_size() == page_size) {
      response.set_next_page_token(
          MakePageToken(fingerprint, PageCursor{.name = response.templates().rbegin()->name()}));
      break;
    }
    *response.add_templates() = *t;
  }
  return response;
}

absl::StatusOr<v1::Template> Homework::GetTemplate(const Caller& caller,
                                                   const v1::GetTemplateRequest& request) {
  constexpr absl::string_view kMethod = "GetTemplate";
  if (!IsPracticeTemplateName(request.name())) {
    const v1::Template* built_in = FindBuiltInTemplate(request.name());
    if (built_in == nullptr) {
      return absl::NotFoundError(
          absl::StrCat("template ", request.name().substr(0, 200), " not found"));
    }
    return *built_in;
  }
  ASSIGN_OR_RETURN(PracticeTemplateName name, ParsePracticeTemplateName("name", request.name()));
  RETURN_IF_ERROR(
      AuthorizePractice(caller, Action::kReadLibrary, name.practice, kMethod, request.name()));
  return Found(store_.GetTemplate(request.name()), "template", request.name());
}

absl::StatusOr<v1::Template> Homework::CreateTemplate(const Caller& caller,
                                                      const v1::CreateTemplateRequest& request) {
  constexpr absl::string_view kMethod = "CreateTemplate";
  ASSIGN_OR_RETURN(PracticeName parent, ParsePracticeName("parent", request.parent()));
  Violations violations;
  if (!request.template_id().empty() && !IsValidResourceId(request.template_id())) {
    violations.Add("template_id", "must be 1-63 characters of [a-z0-9-], not starting with -");
  }
  ValidateRequestId(request.request_id(), violations);
  ValidateTemplate(request.template_(), "template", violations);
  RETURN_IF_ERROR(violations.ToStatus());
  RETURN_IF_ERROR(
      AuthorizePractice(caller, Action::kManageLibrary, parent, kMethod, parent.Format()));

  const std::optional<IdempotencyKey> key = KeyFor(caller, kMethod, request.request_id());
  const std::string fingerprint = RequestFingerprint(request);
  auto write = [&]() -> absl::StatusOr<CreateAttempt<v1::Template>> {
    const absl::Time now = options_.now();
    v1::Template t = request.template_();
    const std::string id = request.template_id().empty() ? NewId() : request.template_id();
    t.set_name(PracticeTemplateName{parent, id}.Format());
    t.set_created_by(caller.subject);
    *t.mutable_create_time() = ToProtoTime(now);
    *t.mutable_update_time() = ToProtoTime(now);
    t.set_etag(NewId());
    Mutation mutation{.practice_template = Put<v1::Template>{WriteMode::kInsert, t, ""},
                      .idempotency = key,
                      .idempotent_result = t.name(),
                      .request_fingerprint = fingerprint,
                      .audit = MakeAudit(caller, kMethod, t.name(), absl::OkStatus())};
    absl::StatusOr<CommitOutcome> outcome = Commit(mutation);
    if (absl::IsAlreadyExists(outcome.status())) {
      return absl::AlreadyExistsError(absl::StrCat("template ", t.name(), " already exists"));
    }
    if (!outcome.ok()) return outcome.status();
    return CreateAttempt<v1::Template>{std::move(t), *outcome};
  };
  return FinishWrite(caller, kMethod, parent.Format(),
                     CreateOnce(store_, &Store::GetTemplate, key, fingerprint, write));
}

absl::StatusOr<v1::Template> Homework::UpdateTemplate(const Caller& caller,
                                                      const v1::UpdateTemplateRequest& request) {
  constexpr absl::string_view kMethod = "UpdateTemplate";
  const v1::Template& patch = request.template_();
  if (!IsPracticeTemplateName(patch.name())) {
    return absl::PermissionDeniedError(
        "built-in templates cannot change; create a practice template from it instead");
  }
  ASSIGN_OR_RETURN(PracticeTemplateName name,
                   ParsePracticeTemplateName("template.name", patch.name()));
  RETURN_IF_ERROR(CheckMask(request.update_mask(), v1::Template::descriptor(), kTemplateMutable));
  RETURN_IF_ERROR(
      AuthorizePractice(caller, Action::kManageLibrary, name.practice, kMethod, patch.name()));

  auto update = [&]() -> absl::StatusOr<Written<v1::Template>> {
    ASSIGN_OR_RETURN(v1::Template current,
                     Found(store_.GetTemplate(patch.name()), "template", patch.name()));
    RETURN_IF_ERROR(CheckEtag("template.etag", patch.etag(), current.etag()));
    v1::Template t = current;
    ApplyMask(request.update_mask(), kTemplateMutable, patch, t);
    Violations violations;
    ValidateTemplate(t, "template", violations);
    RETURN_IF_ERROR(violations.ToStatus());
    *t.mutable_update_time() = ToProtoTime(options_.now());
    t.set_etag(NewId());
    Mutation mutation{.practice_template = Put<v1::Template>{WriteMode::kUpdate, t, current.etag()},
                      .audit = MakeAudit(caller, kMethod, t.name(), absl::OkStatus())};
    RETURN_IF_ERROR(Commit(mutation).status());
    return Written<v1::Template>{std::move(t), false};
  };
  return FinishWrite(caller, kMethod, patch.name(), update());
}

}  // namespace therapy::homework
