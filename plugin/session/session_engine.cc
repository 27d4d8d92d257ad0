#include "plugin/session/session_engine.h"

#include <exception>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "therapy/homework/v1/homework_service.pb.h"
#include "therapy/homework/v1/session.pb.h"

namespace therapy::homework::live_session {
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
    case RequestKind::kLeave:
      return "leave";
  }
  return "unknown";
}

}  // namespace

SessionEngine::SessionEngine(const EngineOptions& options, std::unique_ptr<SessionService> service,
                             EventSink* sink, LogFunction log)
    : options_(options),
      service_(std::move(service)),
      sink_(sink),
      log_(std::move(log)),
      workers_(std::make_unique<WorkerPool>(options.workers)) {}

SessionEngine::~SessionEngine() {
  workers_.reset();
  std::map<HandleId, RelayEntry> relays;
  {
    absl::MutexLock lock(&relays_mutex_);
    relays.swap(relays_);
  }
  relays.clear();  // cancels and joins each relay, outside the lock
}

void SessionEngine::HandleMessage(HandleId handle, std::string body, std::function<void()> done) {
  workers_->Post(handle, [this, handle, body = std::move(body), done = std::move(done)] {
    try {
      Process(handle, body);
    } catch (const std::exception& e) {
      log_(absl::StrCat("handle ", handle, ": request failed: ", e.what()));
      sink_->Push(handle, ErrorEvent("", absl::InternalError("the plugin failed on this request")));
    } catch (...) {
      log_(absl::StrCat("handle ", handle, ": request failed"));
    }
    if (done) done();
  });
}

void SessionEngine::HandleGone(HandleId handle) {
  workers_->Post(handle, [this, handle] {
    try {
      Leave(handle);
    } catch (...) {
      log_(absl::StrCat("handle ", handle, ": leaving failed"));
    }
  });
}

void SessionEngine::Process(HandleId handle, const std::string& body) {
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
      case RequestKind::kLeave:
        Leave(handle);
        sink_->Push(handle, AckEvent(request.id));
        break;
    }
  }
  if (!status.ok()) {
    // The method's name only when it is one of the service's: the page's text is never logged.
    const bool named_call = request.kind == RequestKind::kCall && IsCallableMethod(request.method);
    log_(absl::StrCat("handle ", handle, ": ", KindName(request.kind),
                      named_call ? absl::StrCat(" ", request.method) : "", " -> ",
                      absl::StatusCodeToString(status.code())));
    sink_->Push(handle, ErrorEvent(request.id, status));
  }
}

absl::Status SessionEngine::Join(HandleId handle, const PluginRequest& request) {
  if (registry_.Find(handle).ok()) {
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
      return absl::PermissionDeniedError("client: a client joins only its own session");
    }
  } else {
    return absl::PermissionDeniedError("token: only a therapist or a client joins a session");
  }
  // The service decides who may be in the session (the client's care team and the client
  // itself), refuses an ended or unknown one, and records the participant as present.
  v1::JoinSessionRequest join;
  join.set_name(request.session);
  v1::Session session;
  if (absl::Status s = service_->Call("JoinSession", join, &session, request.token); !s.ok()) {
    return s;
  }
  if (session.client() != request.client) {
    return absl::FailedPreconditionError("client: the session is with another client");
  }

  StartRelay(handle, role, caller.practice(), request.client, request.token, "");
  const Membership membership{.session = request.session,
                              .client = request.client,
                              .participant = {.handle = handle,
                                              .subject = caller.subject(),
                                              .role = role,
                                              .display = request.display},
                              .token = request.token};
  absl::StatusOr<SessionMembers> members = registry_.Join(membership);
  if (!members.ok()) {
    StopRelay(handle);
    return members.status();
  }
  log_(absl::StrCat("handle ", handle, ": joined as ", RoleName(role)));
  sink_->Push(handle, JoinedEvent(request.id, membership, *members));
  const std::string presence = PresenceEvent(members->participants);
  for (const Participant& other : members->participants) {
    if (other.handle != handle) sink_->Push(other.handle, presence);
  }
  return absl::OkStatus();
}

absl::Status SessionEngine::ReplaceToken(HandleId handle, const PluginRequest& request) {
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

absl::Status SessionEngine::Call(HandleId handle, const PluginRequest& request) {
  absl::StatusOr<Membership> membership = registry_.Find(handle);
  if (!membership.ok()) return membership.status();
  absl::StatusOr<std::string> response =
      service_->CallJson(request.method, request.body_json, membership->token);
  if (!response.ok()) return response.status();
  sink_->Push(handle, ResultEvent(request.id, request.method, *response));
  return absl::OkStatus();
}

void SessionEngine::Leave(HandleId handle) {
  StopRelay(handle);
  std::optional<SessionMembers> remaining = registry_.Leave(handle);
  if (remaining && !remaining->participants.empty()) {
    Broadcast(*remaining, PresenceEvent(remaining->participants));
  }
}

void SessionEngine::Broadcast(const SessionMembers& members, const std::string& json) {
  for (const Participant& participant : members.participants) {
    sink_->Push(participant.handle, json);
  }
}

void SessionEngine::StartRelay(HandleId handle, Role role, const std::string& practice,
                               const std::string& client, const std::string& token,
                               const std::string& after_cursor) {
  v1::WatchEventsRequest watch;
  watch.set_parent(practice);
  watch.set_client(client);
  watch.set_after_cursor(after_cursor);
  // The page shows an assignment's change from its event, without reading it again.
  watch.set_include_assignments(true);
  EventSink* sink = sink_;
  std::unique_ptr<EventWatch> relay =
      service_->Watch(watch, token, [sink, handle, role, client](const v1::Event& event) {
        if (ShouldRelay(role, client, event)) sink->Push(handle, RelayedEvent(event));
      });
  if (!relay->WaitUntilLive(options_.call_deadline)) {
    log_(absl::StrCat("handle ", handle, ": event relay not live yet; it keeps trying"));
  }
  std::unique_ptr<EventWatch> previous;
  {
    absl::MutexLock lock(&relays_mutex_);
    RelayEntry& entry = relays_[handle];
    previous = std::move(entry.relay);
    entry = RelayEntry{.practice = practice, .relay = std::move(relay)};
  }
}

void SessionEngine::StopRelay(HandleId handle) {
  std::unique_ptr<EventWatch> relay;
  {
    absl::MutexLock lock(&relays_mutex_);
    auto it = relays_.find(handle);
    if (it == relays_.end()) return;
    relay = std::move(it->second.relay);
    relays_.erase(it);
  }
}

}  // namespace therapy::homework::live_session
