#include "plugin/janus/homework_plugin.h"

#include <openssl/sha.h>

#include <exception>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "therapy/homework/v1/homework_service.pb.h"

namespace therapy::homework::janus_plugin {
namespace {

namespace v1 = ::therapy::homework::v1;

const char* KindName(RequestKind kind) {
  switch (kind) {
    case RequestKind::kJoin:
      return "join";
    case RequestKind::kToken:
      return "token";
    case RequestKind::kCall:
      return "call";
    case RequestKind::kDraft:
      return "draft";
    case RequestKind::kAssign:
      return "assign";
    case RequestKind::kDiscard:
      return "discard";
    case RequestKind::kEnd:
      return "end";
    case RequestKind::kLeave:
      return "leave";
  }
  return "unknown";
}

// The CreateAssignment request id of one version of one draft: a retry never assigns twice, and
// a session id used again later (another instance) never collides. 38 characters.
std::string AssignRequestId(const Membership& membership, const Draft& draft) {
  const std::string key =
      absl::StrCat(membership.instance, "/", membership.session, "/", draft.id, "/", draft.version);
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(key.data()), key.size(), digest);
  return absl::StrCat("janus-", absl::BytesToHexString(
                                    absl::string_view(reinterpret_cast<const char*>(digest), 16)));
}

}  // namespace

HomeworkPlugin::HomeworkPlugin(const PluginOptions& options, std::unique_ptr<ServiceBridge> service,
                               EventSink* sink, LogFunction log)
    : options_(options),
      service_(std::move(service)),
      sink_(sink),
      log_(std::move(log)),
      workers_(std::make_unique<WorkerPool>(options.workers)) {}

HomeworkPlugin::~HomeworkPlugin() {
  workers_.reset();
  std::map<HandleId, RelayEntry> relays;
  {
    absl::MutexLock lock(&relays_mutex_);
    relays.swap(relays_);
  }
  relays.clear();  // cancels and joins each relay, outside the lock
}

void HomeworkPlugin::HandleMessage(HandleId handle, std::string body) {
  workers_->Post(handle, [this, handle, body = std::move(body)] {
    try {
      Process(handle, body);
    } catch (const std::exception& e) {
      log_(absl::StrCat("handle ", handle, ": request failed: ", e.what()));
      sink_->Push(handle, ErrorEvent("", absl::InternalError("the plugin failed on this request")));
    } catch (...) {
      log_(absl::StrCat("handle ", handle, ": request failed"));
    }
  });
}

void HomeworkPlugin::HandleGone(HandleId handle) {
  workers_->Post(handle, [this, handle] {
    try {
      Leave(handle);
    } catch (...) {
      log_(absl::StrCat("handle ", handle, ": leaving failed"));
    }
  });
}

void HomeworkPlugin::Process(HandleId handle, const std::string& body) {
  PluginRequest request;
  absl::Status status = ParseRequest(body, &request);
  if (status.ok()) {
    switch (request.kind) {
      case RequestKind::kJoin:
        status = Join(handle, request);
        break;
      case RequestKind::kToken:
        status = ReplaceToken(handle, request);
        break;
      case RequestKind::kCall:
        status = Call(handle, request);
        break;
      case RequestKind::kDraft:
        status = ChangeDraft(handle, request);
        break;
      case RequestKind::kAssign:
        status = Assign(handle, request);
        break;
      case RequestKind::kDiscard:
        status = Discard(handle, request);
        break;
      case RequestKind::kEnd:
        status = End(handle, request);
        break;
      case RequestKind::kLeave:
        Leave(handle);
        sink_->Push(handle, AckEvent(request.id));
        break;
    }
  }
  if (!status.ok()) {
    log_(absl::StrCat("handle ", handle, ": ", KindName(request.kind),
                      request.kind == RequestKind::kCall ? absl::StrCat(" ", request.method) : "",
                      " -> ", absl::StatusCodeToString(status.code())));
    // ABORTED draft changes answer with the current draft themselves.
    if (!(request.kind == RequestKind::kDraft && status.code() == absl::StatusCode::kAborted)) {
      sink_->Push(handle, ErrorEvent(request.id, status));
    }
  }
}

absl::Status HomeworkPlugin::Join(HandleId handle, const PluginRequest& request) {
  if (registry_.Members(handle)) {
    return absl::FailedPreconditionError("this handle has already joined a session");
  }
  v1::CallerIdentity caller;
  if (absl::Status s = service_->Call("GetCaller", v1::GetCallerRequest(), &caller, request.token);
      !s.ok()) {
    return s;
  }
  Role role;
  if (caller.role() == v1::CallerIdentity::ROLE_THERAPIST) {
    role = Role::kTherapist;
  } else if (caller.role() == v1::CallerIdentity::ROLE_CLIENT) {
    role = Role::kClient;
    if (caller.client() != request.client) {
      return absl::PermissionDeniedError(
          absl::StrCat("client: a client joins only its own session, not ", request.client));
    }
  } else {
    return absl::PermissionDeniedError("token: only a therapist or a client joins a session");
  }
  v1::GetClientRequest get_client;
  get_client.set_name(request.client);
  v1::Client client;
  if (absl::Status s = service_->Call("GetClient", get_client, &client, request.token); !s.ok()) {
    return s;
  }

  StartRelay(handle, role, caller.practice(), request.client, request.token, "");
  const Participant participant{
      .handle = handle, .subject = caller.subject(), .role = role, .display = request.display};
  absl::StatusOr<JoinOutcome> joined =
      registry_.Join(request.session, request.client, participant, request.token);
  if (!joined.ok()) {
    StopRelay(handle);
    return joined.status();
  }
  log_(absl::StrCat("handle ", handle, ": joined as ", RoleName(role)));
  sink_->Push(handle, JoinedEvent(request.id, *joined));
  const std::string presence = PresenceEvent(joined->participants);
  for (const Participant& other : joined->participants) {
    if (other.handle != handle) sink_->Push(other.handle, presence);
  }
  return absl::OkStatus();
}

absl::Status HomeworkPlugin::ReplaceToken(HandleId handle, const PluginRequest& request) {
  absl::StatusOr<Membership> membership = registry_.Find(handle);
  if (!membership.ok()) return membership.status();
  v1::CallerIdentity caller;
  if (absl::Status s = service_->Call("GetCaller", v1::GetCallerRequest(), &caller, request.token);
      !s.ok()) {
    return s;
  }
  if (caller.subject() != membership->participant.subject) {
    return absl::PermissionDeniedError("token: names another subject than the one that joined");
  }
  if (absl::Status s = registry_.ReplaceToken(handle, request.token); !s.ok()) return s;
  std::string practice;
  std::string cursor;
  {
    absl::MutexLock lock(&relays_mutex_);
    auto it = relays_.find(handle);
    if (it != relays_.end()) {
      practice = it->second.practice;
      cursor = it->second.relay->cursor();
    }
  }
  if (!practice.empty()) {
    StartRelay(handle, membership->participant.role, practice, membership->client, request.token,
               cursor);
  }
  sink_->Push(handle, AckEvent(request.id));
  return absl::OkStatus();
}

absl::Status HomeworkPlugin::Call(HandleId handle, const PluginRequest& request) {
  absl::StatusOr<Membership> membership = registry_.Find(handle);
  if (!membership.ok()) return membership.status();
  absl::StatusOr<std::string> response =
      service_->CallJson(request.method, request.body_json, membership->token);
  if (!response.ok()) return response.status();
  if (request.method == "ReviewCompletion") {
    nlohmann::json completion = nlohmann::json::parse(*response, nullptr, false);
    if (completion.is_object() && completion.contains("name")) {
      registry_.Reviewed(handle, completion["name"].get<std::string>());
    }
  }
  sink_->Push(handle, ResultEvent(request.id, request.method, *response));
  return absl::OkStatus();
}

absl::Status HomeworkPlugin::ChangeDraft(HandleId handle, const PluginRequest& request) {
  DraftOutcome outcome =
      registry_.ChangeDraft(handle, DraftChange{.id = request.draft_id,
                                                .version = request.version,
                                                .assignment = request.assignment});
  if (outcome.status.code() == absl::StatusCode::kAborted) {
    sink_->Push(handle,
                ErrorEvent(request.id, outcome.status, outcome.draft ? &*outcome.draft : nullptr));
    return outcome.status;
  }
  if (!outcome.status.ok()) return outcome.status;
  Broadcast(outcome.members, DraftEvent(*outcome.draft));
  sink_->Push(handle, DraftAckEvent(request.id, *outcome.draft));
  return absl::OkStatus();
}

absl::Status HomeworkPlugin::Assign(HandleId handle, const PluginRequest& request) {
  absl::StatusOr<Membership> membership = registry_.Find(handle);
  if (!membership.ok()) return membership.status();
  absl::StatusOr<Draft> draft = registry_.DraftToAssign(handle, request.draft_id);
  if (!draft.ok()) return draft.status();

  v1::CreateAssignmentRequest create;
  create.set_parent(membership->client);
  *create.mutable_assignment() = draft->assignment;
  create.mutable_assignment()->set_session_id(membership->session);
  create.set_request_id(AssignRequestId(*membership, *draft));
  v1::Assignment created;
  if (absl::Status s = service_->Call("CreateAssignment", create, &created, membership->token);
      !s.ok()) {
    return s;
  }
  v1::Assignment active = created;
  if (created.state() == v1::Assignment::STATE_DRAFT) {
    v1::ActivateAssignmentRequest activate;
    activate.set_name(created.name());
    activate.set_etag(created.etag());
    if (absl::Status s = service_->Call("ActivateAssignment", activate, &active, membership->token);
        !s.ok()) {
      return s;
    }
  }
  absl::StatusOr<SessionMembers> members = registry_.Assigned(handle, draft->id, active);
  if (!members.ok()) return members.status();
  Broadcast(*members, DraftRemovedEvent(draft->id, "assigned"));
  Broadcast(*members, AssignedEvent(active));
  sink_->Push(handle, ResultEvent(request.id, "assign", MessageJson(active).dump()));
  return absl::OkStatus();
}

absl::Status HomeworkPlugin::Discard(HandleId handle, const PluginRequest& request) {
  absl::StatusOr<SessionMembers> members = registry_.Discard(handle, request.draft_id);
  if (!members.ok()) return members.status();
  Broadcast(*members, DraftRemovedEvent(request.draft_id, "discarded"));
  sink_->Push(handle, AckEvent(request.id));
  return absl::OkStatus();
}

absl::Status HomeworkPlugin::End(HandleId handle, const PluginRequest& request) {
  auto ended = registry_.End(handle, absl::Now());
  if (!ended.ok()) return ended.status();
  Broadcast(ended->second, SummaryEvent(ended->first));
  sink_->Push(handle, AckEvent(request.id));
  return absl::OkStatus();
}

void HomeworkPlugin::Leave(HandleId handle) {
  StopRelay(handle);
  std::optional<SessionMembers> remaining = registry_.Leave(handle);
  if (remaining && !remaining->participants.empty()) {
    Broadcast(*remaining, PresenceEvent(remaining->participants));
  }
}

void HomeworkPlugin::Broadcast(const SessionMembers& members, const std::string& json) {
  for (const Participant& participant : members.participants) {
    sink_->Push(participant.handle, json);
  }
}

void HomeworkPlugin::StartRelay(HandleId handle, Role role, const std::string& practice,
                                const std::string& client, const std::string& token,
                                const std::string& after_cursor) {
  v1::WatchEventsRequest watch;
  watch.set_parent(practice);
  watch.set_client(client);
  watch.set_after_cursor(after_cursor);
  EventSink* sink = sink_;
  auto relay = std::make_unique<EventRelay>(service_->channel(), watch, token,
                                            [sink, handle, role, client](const v1::Event& event) {
                                              if (ShouldRelay(role, client, event))
                                                sink->Push(handle, RelayedEvent(event));
                                            });
  if (!relay->WaitUntilLive(options_.call_deadline)) {
    log_(absl::StrCat("handle ", handle, ": event relay not live yet; it keeps trying"));
  }
  std::unique_ptr<EventRelay> previous;
  {
    absl::MutexLock lock(&relays_mutex_);
    RelayEntry& entry = relays_[handle];
    previous = std::move(entry.relay);
    entry = RelayEntry{.practice = practice, .relay = std::move(relay)};
  }
}

void HomeworkPlugin::StopRelay(HandleId handle) {
  std::unique_ptr<EventRelay> relay;
  {
    absl::MutexLock lock(&relays_mutex_);
    auto it = relays_.find(handle);
    if (it == relays_.end()) return;
    relay = std::move(it->second.relay);
    relays_.erase(it);
  }
}

}  // namespace therapy::homework::janus_plugin
