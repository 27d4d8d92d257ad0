#include "plugin/janus/session_registry.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/reflection.h>
#include <google/protobuf/util/message_differencer.h>

#include <algorithm>
#include <string>
#include <utility>

#include "absl/random/distributions.h"
#include "absl/strings/str_cat.h"

namespace therapy::homework::janus_plugin {
namespace {

using ::google::protobuf::FieldDescriptor;
using ::google::protobuf::Message;
using ::google::protobuf::util::MessageDifferencer;

// The fields a client may change, as JSON paths; a listed message covers its fields.
constexpr const char* kClientFields[] = {
    "schedule.preferredLocalTime",
    "schedule.habitAnchor",
    "schedule.environmentalCue",
    "schedule.minimumVersion",
    "schedule.ifThenPlan",
};

bool ClientMayChange(const std::string& path) {
  for (const char* allowed : kClientFields) {
    if (path == allowed) return true;
  }
  return false;
}

// Whether some allowed path lies inside message field `path`, so the diff must look deeper.
bool ContainsAllowed(const std::string& path) {
  const std::string prefix = path + ".";
  for (const char* allowed : kClientFields) {
    if (std::string(allowed).rfind(prefix, 0) == 0) return true;
  }
  return false;
}

bool FieldEquals(const Message& a, const Message& b, const FieldDescriptor* field) {
  MessageDifferencer differencer;
  std::vector<const FieldDescriptor*> only = {field};
  return differencer.CompareWithFields(a, b, only, only);
}

std::string FirstForbiddenChange(const Message& before, const Message& after,
                                 const std::string& prefix) {
  const auto* descriptor = before.GetDescriptor();
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const FieldDescriptor* field = descriptor->field(i);
    const std::string path =
        prefix.empty() ? field->json_name() : absl::StrCat(prefix, ".", field->json_name());
    if (FieldEquals(before, after, field) || ClientMayChange(path)) continue;
    if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE && !field->is_repeated() &&
        ContainsAllowed(path)) {
      const auto* reflection = before.GetReflection();
      std::string inner =
          FirstForbiddenChange(reflection->GetMessage(before, field),
                               after.GetReflection()->GetMessage(after, field), path);
      if (!inner.empty()) return inner;
      continue;
    }
    return path;
  }
  return "";
}

absl::Status TherapistOnly(const Participant& participant, const char* what) {
  if (participant.role == Role::kTherapist) return absl::OkStatus();
  return absl::PermissionDeniedError(absl::StrCat("only the therapist may ", what));
}

}  // namespace

std::string FieldClientMayNotChange(const therapy::homework::v1::Assignment& before,
                                    const therapy::homework::v1::Assignment& after) {
  return FirstForbiddenChange(before, after, "");
}

bool ShouldRelay(Role role, const std::string& client, const therapy::homework::v1::Event& event) {
  if (event.client() != client) return false;
  if (event.type() == therapy::homework::v1::Event::TYPE_URGENT_FLAG_RAISED) {
    return role == Role::kTherapist;
  }
  return true;
}

SessionMembers SessionRegistry::MembersOf(const std::string& id, const Session& session) {
  return SessionMembers{
      .session = id, .client = session.client, .participants = session.participants};
}

absl::StatusOr<JoinOutcome> SessionRegistry::Join(const std::string& session_id,
                                                  const std::string& client,
                                                  const Participant& participant,
                                                  const std::string& token) {
  absl::MutexLock lock(&mutex_);
  if (handles_.contains(participant.handle)) {
    return absl::FailedPreconditionError("this handle has already joined a session");
  }
  auto [it, created] = sessions_.try_emplace(session_id);
  Session& session = it->second;
  if (created) {
    session.client = client;
    session.instance = absl::StrCat(absl::Hex(absl::Uniform<uint64_t>(random_), absl::kZeroPad16));
  } else if (session.client != client) {
    return absl::FailedPreconditionError(
        absl::StrCat("client: session ", session_id, " is about another client"));
  } else if (session.ended) {
    return absl::FailedPreconditionError(absl::StrCat("session ", session_id, " has ended"));
  }
  session.participants.push_back(participant);
  handles_[participant.handle] = HandleEntry{.session = session_id, .token = token};
  JoinOutcome outcome{.session = session_id,
                      .client = client,
                      .you = participant,
                      .participants = session.participants};
  for (const auto& [id, draft] : session.drafts) outcome.drafts.push_back(draft);
  return outcome;
}

std::optional<SessionMembers> SessionRegistry::Leave(HandleId handle) {
  absl::MutexLock lock(&mutex_);
  auto entry = handles_.find(handle);
  if (entry == handles_.end()) return std::nullopt;
  const std::string session_id = entry->second.session;
  handles_.erase(entry);
  auto it = sessions_.find(session_id);
  if (it == sessions_.end()) return std::nullopt;
  std::erase_if(it->second.participants,
                [handle](const Participant& p) { return p.handle == handle; });
  SessionMembers members = MembersOf(session_id, it->second);
  if (it->second.participants.empty()) sessions_.erase(it);
  return members;
}

absl::Status SessionRegistry::Locate(HandleId handle, bool allow_ended, const Session** session,
                                     const Participant** participant) const {
  auto entry = handles_.find(handle);
  if (entry == handles_.end()) {
    return absl::FailedPreconditionError("join a session first");
  }
  auto it = sessions_.find(entry->second.session);
  if (it == sessions_.end()) return absl::InternalError("session of a joined handle is gone");
  if (it->second.ended && !allow_ended) {
    return absl::FailedPreconditionError(
        absl::StrCat("session ", entry->second.session, " has ended"));
  }
  for (const Participant& p : it->second.participants) {
    if (p.handle == handle) {
      *session = &it->second;
      *participant = &p;
      return absl::OkStatus();
    }
  }
  return absl::InternalError("participant of a joined handle is gone");
}

absl::Status SessionRegistry::LocateForChange(HandleId handle, bool allow_ended, Session** session,
                                              const Participant** participant) {
  const Session* found = nullptr;
  absl::Status located = Locate(handle, allow_ended, &found, participant);
  // The one place that drops const: `found` points into sessions_, which this method may change.
  *session = const_cast<Session*>(found);
  return located;
}

absl::StatusOr<Membership> SessionRegistry::Find(HandleId handle, bool allow_ended) const {
  absl::ReaderMutexLock lock(&mutex_);
  const Session* session = nullptr;
  const Participant* participant = nullptr;
  if (absl::Status located = Locate(handle, allow_ended, &session, &participant); !located.ok()) {
    return located;
  }
  const HandleEntry& entry = handles_.at(handle);
  return Membership{.session = entry.session,
                    .client = session->client,
                    .participant = *participant,
                    .token = entry.token,
                    .instance = session->instance};
}

absl::Status SessionRegistry::ReplaceToken(HandleId handle, const std::string& token) {
  absl::MutexLock lock(&mutex_);
  auto entry = handles_.find(handle);
  if (entry == handles_.end()) return absl::FailedPreconditionError("join a session first");
  entry->second.token = token;
  return absl::OkStatus();
}

DraftOutcome SessionRegistry::ChangeDraft(HandleId handle, const DraftChange& change) {
  absl::MutexLock lock(&mutex_);
  Session* found = nullptr;
  const Participant* participant = nullptr;
  if (absl::Status located = LocateForChange(handle, false, &found, &participant); !located.ok()) {
    return DraftOutcome{.status = located};
  }
  Session& session = *found;
  const std::string& session_id = handles_.at(handle).session;
  Draft* draft = nullptr;
  if (change.id.empty()) {
    if (absl::Status allowed = TherapistOnly(*participant, "create a draft"); !allowed.ok()) {
      return DraftOutcome{.status = allowed};
    }
    if (change.version != 0) {
      return DraftOutcome{.status = absl::InvalidArgumentError(
                              "draft.version: must be 0 for a new draft (no draft.id)")};
    }
    const std::string id = absl::StrCat("d-", session.next_draft++);
    draft = &session.drafts[id];
    draft->id = id;
  } else {
    auto it = session.drafts.find(change.id);
    if (it == session.drafts.end()) {
      return DraftOutcome{.status = absl::NotFoundError(absl::StrCat(
                              "draft.id: no open draft ", change.id, " in this session"))};
    }
    draft = &it->second;
    if (draft->version != change.version) {
      return DraftOutcome{.status = absl::AbortedError(
                              absl::StrCat("draft.version: draft ", draft->id, " is at version ",
                                           draft->version, ", not ", change.version)),
                          .draft = *draft};
    }
    if (participant->role == Role::kClient) {
      const std::string field = FieldClientMayNotChange(draft->assignment, change.assignment);
      if (!field.empty()) {
        return DraftOutcome{
            .status = absl::PermissionDeniedError(absl::StrCat(
                "draft.assignment.", field, ": only the therapist may change this field"))};
      }
    }
  }
  draft->version += 1;
  draft->assignment = change.assignment;
  draft->updated_by_subject = participant->subject;
  draft->updated_by_role = participant->role;
  return DraftOutcome{
      .status = absl::OkStatus(), .draft = *draft, .members = MembersOf(session_id, session)};
}

absl::StatusOr<Draft> SessionRegistry::DraftToAssign(HandleId handle,
                                                     const std::string& draft_id) const {
  absl::ReaderMutexLock lock(&mutex_);
  const Session* session = nullptr;
  const Participant* participant = nullptr;
  if (absl::Status located = Locate(handle, false, &session, &participant); !located.ok()) {
    return located;
  }
  if (absl::Status allowed = TherapistOnly(*participant, "assign"); !allowed.ok()) return allowed;
  auto it = session->drafts.find(draft_id);
  if (it == session->drafts.end()) {
    return absl::NotFoundError(absl::StrCat("draft: no open draft ", draft_id, " in this session"));
  }
  return it->second;
}

absl::StatusOr<SessionMembers> SessionRegistry::Assigned(
    HandleId handle, const std::string& draft_id,
    const therapy::homework::v1::Assignment& assignment) {
  absl::MutexLock lock(&mutex_);
  Session* found = nullptr;
  const Participant* participant = nullptr;
  if (absl::Status located = LocateForChange(handle, true, &found, &participant); !located.ok()) {
    return located;
  }
  Session& session = *found;
  session.drafts.erase(draft_id);
  const bool known =
      std::any_of(session.assigned.begin(), session.assigned.end(),
                  [&](const AssignedRecord& r) { return r.name == assignment.name(); });
  if (!known) session.assigned.push_back({.name = assignment.name(), .title = assignment.title()});
  return MembersOf(handles_.at(handle).session, session);
}

absl::StatusOr<SessionMembers> SessionRegistry::Discard(HandleId handle,
                                                        const std::string& draft_id) {
  absl::MutexLock lock(&mutex_);
  Session* found = nullptr;
  const Participant* participant = nullptr;
  if (absl::Status located = LocateForChange(handle, false, &found, &participant); !located.ok()) {
    return located;
  }
  if (absl::Status allowed = TherapistOnly(*participant, "discard a draft"); !allowed.ok()) {
    return allowed;
  }
  Session& session = *found;
  if (session.drafts.erase(draft_id) == 0) {
    return absl::NotFoundError(absl::StrCat("draft: no open draft ", draft_id, " in this session"));
  }
  session.drafts_discarded += 1;
  return MembersOf(handles_.at(handle).session, session);
}

void SessionRegistry::Reviewed(HandleId handle, const std::string& completion) {
  absl::MutexLock lock(&mutex_);
  Session* found = nullptr;
  const Participant* participant = nullptr;
  if (!LocateForChange(handle, false, &found, &participant).ok()) return;
  Session& session = *found;
  if (std::find(session.reviewed.begin(), session.reviewed.end(), completion) ==
      session.reviewed.end()) {
    session.reviewed.push_back(completion);
  }
}

absl::StatusOr<std::pair<SessionSummary, SessionMembers>> SessionRegistry::End(HandleId handle,
                                                                               absl::Time now) {
  absl::MutexLock lock(&mutex_);
  Session* found = nullptr;
  const Participant* participant = nullptr;
  if (absl::Status located = LocateForChange(handle, false, &found, &participant); !located.ok()) {
    return located;
  }
  if (absl::Status allowed = TherapistOnly(*participant, "end the session"); !allowed.ok()) {
    return allowed;
  }
  Session& session = *found;
  const std::string& session_id = handles_.at(handle).session;
  session.drafts_discarded += static_cast<int>(session.drafts.size());
  session.drafts.clear();
  session.ended = true;
  SessionSummary summary{.session = session_id,
                         .client = session.client,
                         .assigned = session.assigned,
                         .reviewed = session.reviewed,
                         .drafts_discarded = session.drafts_discarded,
                         .end_time = now};
  return std::make_pair(std::move(summary), MembersOf(session_id, session));
}

std::optional<SessionMembers> SessionRegistry::Members(HandleId handle) const {
  absl::ReaderMutexLock lock(&mutex_);
  auto entry = handles_.find(handle);
  if (entry == handles_.end()) return std::nullopt;
  auto it = sessions_.find(entry->second.session);
  if (it == sessions_.end()) return std::nullopt;
  return MembersOf(entry->second.session, it->second);
}

}  // namespace therapy::homework::janus_plugin
