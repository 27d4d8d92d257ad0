// Live sessions (session.proto): the platform or the first care-team panel creates one when the
// call starts, the client and the care team join it, and ending it writes what happened. Drafts
// shaped in it name it (Assignment.session); while it is live their client may change their plan
// fields (UpdateAssignment in homework.cc). Nobody outside the client and its care team reads or
// joins a session, and every call is audited.

#include <algorithm>
#include <iterator>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "services/homework/core/events.h"
#include "services/homework/core/homework.h"
#include "services/homework/core/homework_internal.h"
#include "services/homework/core/model/proto_time.h"
#include "services/homework/core/model/resource_names.h"

namespace therapy::homework {
namespace {

constexpr int kMaxDiscussed = 4000;

// The client a stored session is with.
absl::StatusOr<ClientName> SessionClient(const v1::Session& session) {
  absl::StatusOr<ClientName> client = ParseClientName("client", session.client());
  if (!client.ok()) return absl::InternalError("a stored session has a malformed client");
  return client;
}

// The session a read-modify-write starts from: on the first try the one authorisation loaded
// (`loaded`, then emptied), on a retry after a lost race the stored one.
absl::StatusOr<v1::Session> Current(Store& store, std::optional<v1::Session>& loaded,
                                    absl::string_view name) {
  if (loaded) {
    v1::Session first = *std::move(loaded);
    loaded.reset();
    return first;
  }
  return Found(store.GetSession(name), "session", name);
}

}  // namespace

absl::StatusOr<v1::Session> Homework::AuthorizeSession(const Caller& caller, Action action,
                                                       const SessionName& name,
                                                       absl::string_view method) {
  const std::string resource = name.Format();
  auto decide = [&]() -> absl::StatusOr<v1::Session> {
    RETURN_IF_ERROR(Authorize(caller, action, PracticeName{name.practice}).status());
    ASSIGN_OR_RETURN(std::optional<v1::Session> session, store_.GetSession(resource));
    if (!session) {
      if (caller.role == Role::kService || caller.role == Role::kAdmin) {
        return absl::NotFoundError(absl::StrCat("session ", resource, " not found"));
      }
      return Denied(caller, action, resource);
    }
    ASSIGN_OR_RETURN(ClientName client, SessionClient(*session));
    ASSIGN_OR_RETURN(Grant grant, Authorize(caller, action, client));
    if (grant == Grant::kIfOnCareTeam) {
      ASSIGN_OR_RETURN(std::optional<v1::Client> record, store_.GetClient(client.Format()));
      RETURN_IF_ERROR(AuthorizeCareTeam(caller, action, client, record ? &*record : nullptr));
    }
    return *std::move(session);
  };
  absl::StatusOr<v1::Session> session = decide();
  // A refusal names the session, never its client.
  if (absl::IsPermissionDenied(session.status())) session = Denied(caller, action, resource);
  if (!session.ok()) Audit(caller, method, resource, session.status()).IgnoreError();
  return session;
}

absl::Status Homework::CheckDraftSession(absl::string_view field, absl::string_view session,
                                         const ClientName& client) {
  ASSIGN_OR_RETURN(SessionName name, ParseSessionName(field, session));
  if (name.practice != client.practice) {
    return InvalidField(field, "must be a session of the assignment's practice");
  }
  ASSIGN_OR_RETURN(v1::Session found, Found(store_.GetSession(session), "session", session));
  if (found.client() != client.Format()) {
    return InvalidField(field, "must be a session with the assignment's client");
  }
  if (found.state() != v1::Session::STATE_LIVE) {
    return absl::FailedPreconditionError(
        absl::StrCat(field, ": session ", session,
                     " has ended; a draft is shaped in (or reopened in) a live session"));
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::Session> Homework::CreateSession(const Caller& caller,
                                                    const v1::CreateSessionRequest& request) {
  constexpr absl::string_view kMethod = "CreateSession";
  ASSIGN_OR_RETURN(PracticeName parent, ParsePracticeName("parent", request.parent()));
  Violations violations;
  const std::optional<ClientName> client = ValidateNewSession(request, parent, violations);
  RETURN_IF_ERROR(violations.ToStatus());
  RETURN_IF_ERROR(AuthorizeClient(caller, Action::kManageSession, *client, kMethod));

  const std::string id = request.session_id().empty() ? NewId() : request.session_id();
  const std::string name = SessionName{parent.practice, id}.Format();
  // With a chosen id, every panel may call this when it opens: the session already there for
  // the same client is the answer.
  auto existing = [&]() -> absl::StatusOr<std::optional<v1::Session>> {
    if (request.session_id().empty()) return std::nullopt;
    ASSIGN_OR_RETURN(std::optional<v1::Session> found, store_.GetSession(name));
    if (found && found->client() != client->Format()) {
      return absl::AlreadyExistsError(
          absl::StrCat("session ", name, " already exists with another client"));
    }
    return found;
  };
  auto create = [&]() -> absl::StatusOr<Written<v1::Session>> {
    ASSIGN_OR_RETURN(std::optional<v1::Session> found, existing());
    if (found) return Written<v1::Session>{*std::move(found), true};
    RETURN_IF_ERROR(Found(store_.GetClient(client->Format()), "client", client->Format()).status());
    // Read before the start time: every event committed at or after it has a larger sequence.
    ASSIGN_OR_RETURN(const int64_t latest_event, store_.LatestEventSequence());
    v1::Session session;
    session.set_name(name);
    session.set_client(client->Format());
    session.set_external_id(request.session().external_id());
    session.set_state(v1::Session::STATE_LIVE);
    *session.mutable_start_time() = ToProtoTime(options_.now());
    session.set_start_cursor(EventCursor(latest_event));
    session.set_etag(NewId());
    Mutation mutation{.session = Put<v1::Session>{WriteMode::kInsert, session, ""},
                      .events = {MakeEvent(caller, v1::Event::TYPE_SESSION_UPDATED,
                                           client->Format(), session.name())},
                      .audit = MakeAudit(caller, kMethod, session.name(), absl::OkStatus())};
    absl::StatusOr<CommitOutcome> committed = Commit(mutation);
    if (absl::IsAlreadyExists(committed.status())) {
      // Another panel created it first: the same answer as if it had been there.
      ASSIGN_OR_RETURN(found, existing());
      if (found) return Written<v1::Session>{*std::move(found), true};
    }
    RETURN_IF_ERROR(committed.status());
    return Written<v1::Session>{std::move(session), false};
  };
  return FinishWrite(caller, kMethod, parent.Format(), create());
}

absl::StatusOr<Written<v1::Session>> Homework::WriteSession(const Caller& caller,
                                                            absl::string_view method,
                                                            v1::Session session,
                                                            const std::string& expected_etag) {
  session.set_etag(NewId());
  Mutation mutation{.session = Put<v1::Session>{WriteMode::kUpdate, session, expected_etag},
                    .events = {MakeEvent(caller, v1::Event::TYPE_SESSION_UPDATED, session.client(),
                                         session.name())},
                    .audit = MakeAudit(caller, method, session.name(), absl::OkStatus())};
  RETURN_IF_ERROR(Commit(mutation).status());
  return Written<v1::Session>{std::move(session), false};
}

absl::StatusOr<v1::Session> Homework::GetSession(const Caller& caller,
                                                 const v1::GetSessionRequest& request) {
  constexpr absl::string_view kMethod = "GetSession";
  ASSIGN_OR_RETURN(SessionName name, ParseSessionName("name", request.name()));
  ASSIGN_OR_RETURN(v1::Session session,
                   AuthorizeSession(caller, Action::kReadClient, name, kMethod));
  RETURN_IF_ERROR(Audit(caller, kMethod, request.name(), absl::OkStatus()));
  return session;
}

absl::StatusOr<v1::ListSessionsResponse> Homework::ListSessions(
    const Caller& caller, const v1::ListSessionsRequest& request) {
  constexpr absl::string_view kMethod = "ListSessions";
  ASSIGN_OR_RETURN(PracticeName parent, ParsePracticeName("parent", request.parent()));
  ASSIGN_OR_RETURN(int page_size, ValidatePageSize(request.page_size()));
  std::optional<ClientName> client;
  if (!request.client().empty()) {
    ASSIGN_OR_RETURN(client, ParseClientName("client", request.client()));
    if (client->practice != parent.practice) {
      return InvalidField("client", "must be a client of the parent practice");
    }
  }
  const std::string target = client ? client->Format() : parent.Format();
  if (client) {
    RETURN_IF_ERROR(AuthorizeClient(caller, Action::kReadClient, *client, kMethod));
  } else if (caller.role == Role::kClient) {
    // A client lists only its own sessions, and says so.
    absl::Status denied = absl::PermissionDeniedError(
        "a client lists only its own sessions: set client to practices/{practice}/clients/{you}");
    Audit(caller, kMethod, target, denied).IgnoreError();
    return denied;
  } else {
    RETURN_IF_ERROR(AuthorizePractice(caller, Action::kReadClient, parent, kMethod, target));
  }
  SessionQuery query{.practice_name = parent.Format(),
                     .page = {.page_size = page_size, .page_token = request.page_token()}};
  if (client) query.client_name = client->Format();

  auto list = [&]() -> absl::StatusOr<Page<v1::Session>> {
    ASSIGN_OR_RETURN(Page<v1::Session> page, store_.ListSessions(query));
    // A therapist listing the whole practice sees only its care-team clients' sessions: a
    // page may come back shorter than asked, and the token still continues after it.
    if (caller.role != Role::kTherapist || client) return page;
    absl::flat_hash_map<std::string, bool> on_care_team;
    std::vector<v1::Session> kept;
    for (v1::Session& session : page.items) {
      auto [it, inserted] = on_care_team.try_emplace(session.client(), false);
      if (inserted) {
        ASSIGN_OR_RETURN(std::optional<v1::Client> record, store_.GetClient(session.client()));
        it->second = record && std::find(record->care_team().begin(), record->care_team().end(),
                                         caller.subject) != record->care_team().end();
      }
      if (it->second) kept.push_back(std::move(session));
    }
    page.items = std::move(kept);
    return page;
  };
  absl::StatusOr<Page<v1::Session>> page = list();
  RETURN_IF_ERROR(Audit(caller, kMethod, target, page.status()));
  if (!page.ok()) return ListStatus(page.status());
  v1::ListSessionsResponse response;
  for (v1::Session& session : page->items) *response.add_sessions() = std::move(session);
  response.set_next_page_token(page->next_page_token);
  return response;
}

absl::StatusOr<v1::Session> Homework::JoinSession(const Caller& caller,
                                                  const v1::JoinSessionRequest& request) {
  constexpr absl::string_view kMethod = "JoinSession";
  ASSIGN_OR_RETURN(SessionName name, ParseSessionName("name", request.name()));
  ASSIGN_OR_RETURN(v1::Session first,
                   AuthorizeSession(caller, Action::kJoinSession, name, kMethod));

  std::optional<v1::Session> loaded = std::move(first);
  auto join = [&]() -> absl::StatusOr<Written<v1::Session>> {
    ASSIGN_OR_RETURN(v1::Session current, Current(store_, loaded, request.name()));
    if (current.state() != v1::Session::STATE_LIVE) {
      return absl::FailedPreconditionError(
          absl::StrCat("session ", request.name(), " has ended; nobody joins it any more"));
    }
    v1::Session session = current;
    if (caller.role == Role::kClient) {
      session.set_client_present(true);
    } else if (std::find(session.care_team_present().begin(), session.care_team_present().end(),
                         caller.subject) == session.care_team_present().end()) {
      session.add_care_team_present(caller.subject);
    }
    // Already present: nothing changes, and the answer is the session as it is.
    if (session.SerializeAsString() == current.SerializeAsString()) {
      return Written<v1::Session>{std::move(current), true};
    }
    return WriteSession(caller, kMethod, std::move(session), current.etag());
  };
  return FinishWrite(caller, kMethod, request.name(), RetryOnConflict(join));
}

absl::StatusOr<v1::SessionSummary> Homework::SummarizeSession(const v1::Session& session,
                                                              absl::Time end) {
  v1::SessionSummary summary;
  ASSIGN_OR_RETURN(std::vector<v1::Assignment> assignments,
                   ReadAll(store_, &Store::ListAssignments, {.client_name = session.client()}));
  for (const v1::Assignment& assignment : assignments) {
    if (assignment.session() != session.name()) continue;
    switch (assignment.state()) {
      case v1::Assignment::STATE_ACTIVE:
      case v1::Assignment::STATE_COMPLETED:
        summary.add_assigned(assignment.name());
        break;
      case v1::Assignment::STATE_DRAFT:
        summary.add_drafts_open(assignment.name());
        break;
      default:
        break;
    }
  }

  // Reviews are dated by review_time, not by when the practice happened, so any completion of
  // the client may have been reviewed: the candidates are those the client's events since the
  // session's start cursor say were reviewed (a session without one: since the log began),
  // each listed once, in the order of its first review, if its review_time is in the session.
  ASSIGN_OR_RETURN(const ClientName client, ParseClientName("client", session.client()));
  int64_t after = 0;
  if (!session.start_cursor().empty()) {
    ASSIGN_OR_RETURN(after, ParseEventCursor("start_cursor", session.start_cursor()));
  }
  std::vector<std::string> candidates;
  constexpr int kEventPage = 1000;
  for (bool more = true; more;) {
    ASSIGN_OR_RETURN(std::vector<EventRecord> events,
                     store_.ListEvents({.practice = client.practice,
                                        .client_name = session.client(),
                                        .after_sequence = after,
                                        .limit = kEventPage}));
    for (const EventRecord& event : events) {
      if (event.type == v1::Event::TYPE_COMPLETION_REVIEWED &&
          std::find(candidates.begin(), candidates.end(), event.resource) == candidates.end()) {
        candidates.push_back(event.resource);
      }
    }
    more = events.size() == kEventPage;
    if (!events.empty()) after = events.back().sequence;
  }
  const absl::Time start = FromProtoTime(session.start_time());
  for (const std::string& name : candidates) {
    ASSIGN_OR_RETURN(std::optional<v1::Completion> completion, store_.GetCompletion(name));
    if (!completion || !completion->review().has_review_time()) continue;
    const absl::Time reviewed = FromProtoTime(completion->review().review_time());
    if (reviewed >= start && reviewed <= end) summary.add_reviewed(name);
  }
  return summary;
}

absl::StatusOr<v1::Session> Homework::EndSession(const Caller& caller,
                                                 const v1::EndSessionRequest& request) {
  constexpr absl::string_view kMethod = "EndSession";
  ASSIGN_OR_RETURN(SessionName name, ParseSessionName("name", request.name()));
  Violations violations;
  violations.Length("discussed", request.discussed(), 0, kMaxDiscussed);
  RETURN_IF_ERROR(violations.ToStatus());
  ASSIGN_OR_RETURN(v1::Session first,
                   AuthorizeSession(caller, Action::kManageSession, name, kMethod));

  std::optional<v1::Session> loaded = std::move(first);
  auto end = [&]() -> absl::StatusOr<Written<v1::Session>> {
    ASSIGN_OR_RETURN(v1::Session current, Current(store_, loaded, request.name()));
    // Ending an ended session changes nothing.
    if (current.state() == v1::Session::STATE_ENDED) {
      return Written<v1::Session>{std::move(current), true};
    }
    const absl::Time now = options_.now();
    v1::Session session = current;
    ASSIGN_OR_RETURN(*session.mutable_summary(), SummarizeSession(current, now));
    session.mutable_summary()->set_discussed(request.discussed());
    session.set_state(v1::Session::STATE_ENDED);
    *session.mutable_end_time() = ToProtoTime(now);
    return WriteSession(caller, kMethod, std::move(session), current.etag());
  };
  return FinishWrite(caller, kMethod, request.name(), RetryOnConflict(end));
}

}  // namespace therapy::homework
