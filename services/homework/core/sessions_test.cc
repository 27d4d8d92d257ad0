// Live sessions and the drafts shaped in them, on every store (memory, SQLite, PostgreSQL in a
// private cluster): who may create, read, join and end a session; the summary; who may change
// which field of a draft (the care team any, the client only its own plan and only while the
// session is live, nobody else); concurrent changes of different fields both landing; a draft
// carried over to the next session or discarded.

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/homework/core/events.h"
#include "services/homework/core/homework.h"
#include "services/homework/core/model/proto_time.h"
#include "services/homework/core/rules/validation.h"
#include "services/homework/core/test_stores.h"
#include "services/homework/storage/memory/memory_store.h"
#include "testing/status_matchers.h"
#include "therapy/homework/v1/homework_service.pb.h"

namespace therapy::homework {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::therapy::homework::testing::IsOk;
using ::therapy::homework::testing::StatusIs;

const absl::Time kNow = absl::FromUnixSeconds(1'795'000'000);
constexpr absl::string_view kPractice = "practices/sunrise";
const std::string kAlex = "practices/sunrise/clients/alex";
const std::string kBo = "practices/sunrise/clients/bo";

Caller Service() { return {"platform-backend", "sunrise", Role::kService, "call-1"}; }
Caller Admin() { return {"ops", "sunrise", Role::kAdmin, "call-2"}; }
Caller Therapist(std::string subject = "dr-lee") {
  return {std::move(subject), "sunrise", Role::kTherapist, "call-3"};
}
Caller ClientCaller(std::string subject = "alex") {
  return {std::move(subject), "sunrise", Role::kClient, "call-4"};
}

// The field a BadRequest names first, or "" without one.
std::string FieldOf(const absl::Status& status) {
  std::optional<google::rpc::BadRequest> bad = BadRequestOf(status);
  return bad && bad->field_violations_size() > 0 ? bad->field_violations(0).field() : "";
}

class SessionsTest : public ::testing::TestWithParam<StoreKind> {
 protected:
  SessionsTest()
      : store_(NewStore(GetParam())),
        homework_(store_ ? *store_ : fallback_,
                  HomeworkOptions{.now = [this] { return Clock(); },
                                  .new_id = [this] { return "id" + std::to_string(++ids_); }}) {}

  void SetUp() override {
    ASSERT_NE(store_, nullptr) << "the store did not open";
    AddClient("alex", "dr-lee");
    AddClient("bo", "dr-kim");
  }

  // The clock; `between_read_and_commit_` runs once at its next reading. UpdateAssignment
  // reads the clock once after it has read the assignment and before it commits (the update
  // time), so a write there is a write that races it.
  absl::Time Clock() {
    if (between_read_and_commit_) {
      std::function<void()> race = std::move(between_read_and_commit_);
      between_read_and_commit_ = nullptr;
      race();
    }
    return now_;
  }

  void AddClient(const std::string& id, const std::string& therapist) {
    v1::CreateClientRequest request;
    request.set_parent(std::string(kPractice));
    request.set_client_id(id);
    request.mutable_client()->set_display_name(id);
    request.mutable_client()->set_time_zone("Europe/Berlin");
    request.mutable_client()->add_care_team(therapist);
    ASSERT_THAT(homework_.CreateClient(Service(), request), IsOk());
  }

  absl::StatusOr<v1::Session> Create(const Caller& caller, const std::string& client,
                                     const std::string& id = "") {
    v1::CreateSessionRequest request;
    request.set_parent(std::string(kPractice));
    request.set_session_id(id);
    request.mutable_session()->set_client(client);
    request.mutable_session()->set_external_id("room-7");
    return homework_.CreateSession(caller, request);
  }

  v1::Session Live(const std::string& client = kAlex, const std::string& id = "") {
    absl::StatusOr<v1::Session> session = Create(Service(), client, id);
    EXPECT_THAT(session, IsOk());
    return session.ok() ? *session : v1::Session();
  }

  absl::StatusOr<v1::Session> Get(const Caller& caller, const std::string& name) {
    v1::GetSessionRequest request;
    request.set_name(name);
    return homework_.GetSession(caller, request);
  }

  absl::StatusOr<v1::Session> Join(const Caller& caller, const std::string& name) {
    v1::JoinSessionRequest request;
    request.set_name(name);
    return homework_.JoinSession(caller, request);
  }

  absl::StatusOr<v1::Session> End(const Caller& caller, const std::string& name,
                                  const std::string& discussed = "") {
    v1::EndSessionRequest request;
    request.set_name(name);
    request.set_discussed(discussed);
    return homework_.EndSession(caller, request);
  }

  // A draft of `client` shaped by its therapist in `session`.
  v1::Assignment Draft(const std::string& session, const std::string& client = kAlex,
                       const std::string& therapist = "dr-lee") {
    v1::CreateAssignmentRequest request;
    request.set_parent(client);
    v1::Assignment& assignment = *request.mutable_assignment();
    assignment.set_title("Walk");
    assignment.set_session(session);
    assignment.mutable_exercise()->set_kind(v1::EXERCISE_KIND_SELF_CARE);
    assignment.mutable_exercise()->mutable_self_care()->set_domain(
        v1::SelfCareInstructions::DOMAIN_EXERCISE);
    assignment.mutable_schedule()->set_target_count(1);
    assignment.mutable_schedule()->set_period(v1::Schedule::PERIOD_DAY);
    assignment.mutable_schedule()->set_start_date("2026-11-20");
    assignment.mutable_schedule()->set_minimum_version("Two minutes outside");
    absl::StatusOr<v1::Assignment> created =
        homework_.CreateAssignment(Therapist(therapist), request);
    EXPECT_THAT(created, IsOk());
    return created.ok() ? *created : v1::Assignment();
  }

  void Activate(const std::string& assignment) {
    v1::ActivateAssignmentRequest request;
    request.set_name(assignment);
    ASSERT_THAT(homework_.ActivateAssignment(Therapist(), request), IsOk());
  }

  // `count` done practices of `assignment` recorded by the client, an hour apart, the first
  // five hours ago: their names.
  std::vector<std::string> Practise(const std::string& assignment, int count) {
    std::vector<std::string> names;
    for (int i = 0; i < count; ++i) {
      v1::CreateCompletionRequest record;
      record.set_parent(assignment);
      *record.mutable_completion()->mutable_occur_time() = ToProtoTime(now_ - absl::Hours(5 - i));
      record.mutable_completion()->set_status(v1::Completion::STATUS_DONE);
      record.mutable_completion()->set_occur_time_zone("Europe/Berlin");
      absl::StatusOr<v1::Completion> recorded = homework_.CreateCompletion(ClientCaller(), record);
      EXPECT_THAT(recorded, IsOk());
      if (recorded.ok()) names.push_back(recorded->name());
    }
    return names;
  }

  // The therapist reviews `completion` now.
  void Review(const std::string& completion) {
    v1::ReviewCompletionRequest request;
    request.set_name(completion);
    request.mutable_review()->set_quality_rating(4);
    ASSERT_THAT(homework_.ReviewCompletion(Therapist(), request), IsOk());
  }

  // UpdateAssignment of `name` by `caller`: `patch` fills the fields, `paths` is the mask.
  absl::StatusOr<v1::Assignment> Update(const Caller& caller, const std::string& name,
                                        const std::function<void(v1::Assignment&)>& patch,
                                        std::vector<std::string> paths,
                                        const std::string& etag = "") {
    v1::UpdateAssignmentRequest request;
    request.mutable_assignment()->set_name(name);
    request.mutable_assignment()->set_etag(etag);
    patch(*request.mutable_assignment());
    for (std::string& path : paths) request.mutable_update_mask()->add_paths(std::move(path));
    return homework_.UpdateAssignment(caller, request);
  }

  absl::StatusOr<v1::Assignment> SetAnchor(const Caller& caller, const std::string& name,
                                           const std::string& words, const std::string& etag = "") {
    return Update(
        caller, name,
        [&](v1::Assignment& a) {
          a.mutable_schedule()->mutable_habit_anchor()->set_client_words(words);
        },
        {"schedule.habit_anchor"}, etag);
  }

  v1::Assignment Stored(const std::string& name) {
    absl::StatusOr<std::optional<v1::Assignment>> stored = store_->GetAssignment(name);
    EXPECT_TRUE(stored.ok() && stored->has_value());
    return stored.ok() && stored->has_value() ? **stored : v1::Assignment();
  }

  // The events of `client`, as "type resource".
  std::vector<std::string> Events(const std::string& client) {
    absl::StatusOr<std::vector<EventRecord>> events =
        store_->ListEvents({.practice = "sunrise", .client_name = client, .limit = 1000});
    EXPECT_THAT(events, IsOk());
    std::vector<std::string> listed;
    if (!events.ok()) return listed;
    for (const EventRecord& event : *events) {
      listed.push_back(absl::StrCat(v1::Event::Type_Name(event.type), " ", event.resource));
    }
    return listed;
  }

  // The audit of `resource`, as "actor action outcome".
  std::vector<std::string> Audit(const std::string& resource) {
    absl::StatusOr<std::vector<AuditRecord>> records = store_->ListAudit(resource, 1000);
    EXPECT_THAT(records, IsOk());
    std::vector<std::string> listed;
    if (!records.ok()) return listed;
    for (const AuditRecord& record : *records) {
      if (record.resource != resource) continue;
      listed.push_back(absl::StrCat(record.actor, " ", record.action, " ", record.outcome));
    }
    return listed;
  }

  absl::Time now_ = kNow;
  int ids_ = 0;
  std::function<void()> between_read_and_commit_;
  MemoryStore fallback_;  // only so that homework_ is never bound to nothing
  std::unique_ptr<Store> store_;
  Homework homework_;
};

INSTANTIATE_TEST_SUITE_P(Stores, SessionsTest, ::testing::ValuesIn(kAllStoreKinds), StoreKindName);

// ---- Sessions ----

TEST_P(SessionsTest, ThePlatformOrTheCareTeamCreatesASessionOnceForItsId) {
  absl::StatusOr<v1::Session> created = Create(Service(), kAlex, "call-1");
  ASSERT_THAT(created, IsOk());
  EXPECT_EQ(created->name(), "practices/sunrise/sessions/call-1");
  EXPECT_EQ(created->client(), kAlex);
  EXPECT_EQ(created->external_id(), "room-7");
  EXPECT_EQ(created->state(), v1::Session::STATE_LIVE);
  EXPECT_EQ(FromProtoTime(created->start_time()), kNow);
  EXPECT_FALSE(created->has_end_time());

  // Every panel may call it on open: the same session comes back unchanged.
  absl::StatusOr<v1::Session> again = Create(Therapist(), kAlex, "call-1");
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(again->etag(), created->etag());
  // The same id with another client is someone else's session.
  EXPECT_THAT(Create(Therapist("dr-kim"), kBo, "call-1"),
              StatusIs(absl::StatusCode::kAlreadyExists));
  // Admin may, and without an id one is made.
  absl::StatusOr<v1::Session> generated = Create(Admin(), kAlex);
  ASSERT_THAT(generated, IsOk());
  EXPECT_NE(generated->name(), created->name());

  EXPECT_THAT(Events(kAlex), ElementsAre("TYPE_SESSION_UPDATED " + created->name(),
                                         "TYPE_SESSION_UPDATED " + generated->name()));
  EXPECT_THAT(Audit(created->name()),
              ElementsAre("platform-backend CreateSession OK", "dr-lee CreateSession OK"));
}

TEST_P(SessionsTest, CreateSessionNamesEveryInvalidField) {
  v1::CreateSessionRequest request;
  request.set_parent(std::string(kPractice));
  EXPECT_EQ(FieldOf(homework_.CreateSession(Service(), request).status()), "session");
  request.mutable_session()->set_external_id(std::string(129, 'x'));
  EXPECT_EQ(FieldOf(homework_.CreateSession(Service(), request).status()), "session.client");
  request.mutable_session()->set_client("practices/elsewhere/clients/alex");
  EXPECT_EQ(FieldOf(homework_.CreateSession(Service(), request).status()), "session.client");
  request.mutable_session()->set_client(kAlex);
  EXPECT_EQ(FieldOf(homework_.CreateSession(Service(), request).status()), "session.external_id");
  request.mutable_session()->set_external_id("room-7");
  request.set_session_id("1-starts-with-a-digit");
  EXPECT_EQ(FieldOf(homework_.CreateSession(Service(), request).status()), "session_id");
  request.set_session_id("Upper");
  EXPECT_EQ(FieldOf(homework_.CreateSession(Service(), request).status()), "session_id");
  request.set_parent("practices/");
  EXPECT_EQ(FieldOf(homework_.CreateSession(Service(), request).status()), "parent");
  // A client that does not exist.
  EXPECT_THAT(Create(Service(), "practices/sunrise/clients/nobody"),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST_P(SessionsTest, ClientsAndTherapistsOutsideTheCareTeamCannotCreateOne) {
  EXPECT_THAT(Create(ClientCaller(), kAlex), StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(Create(Therapist("dr-kim"), kAlex), StatusIs(absl::StatusCode::kPermissionDenied));
  const Caller elsewhere{"platform-backend", "moonrise", Role::kService, "call-9"};
  EXPECT_THAT(Create(elsewhere, kAlex), StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(Events(kAlex), IsEmpty());
}

TEST_P(SessionsTest, ItsClientTheCareTeamServiceAndAdminReadASessionNobodyElse) {
  const v1::Session session = Live(kAlex, "call-1");
  for (const Caller& caller : {ClientCaller(), Therapist(), Service(), Admin()}) {
    absl::StatusOr<v1::Session> read = Get(caller, session.name());
    ASSERT_THAT(read, IsOk()) << caller.subject << ": " << read.status();
    EXPECT_EQ(read->etag(), session.etag());
  }
  for (const Caller& caller : {ClientCaller("bo"), Therapist("dr-kim")}) {
    absl::Status refused = Get(caller, session.name()).status();
    EXPECT_THAT(refused, StatusIs(absl::StatusCode::kPermissionDenied)) << caller.subject;
    // The refusal does not say whose session it is.
    EXPECT_THAT(std::string(refused.message()), Not(HasSubstr("alex")));
  }
  // A missing session: NOT_FOUND only for those who may read every session of the practice.
  EXPECT_THAT(Get(Service(), "practices/sunrise/sessions/none"),
              StatusIs(absl::StatusCode::kNotFound));
  EXPECT_THAT(Get(Therapist(), "practices/sunrise/sessions/none"),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_EQ(FieldOf(Get(Service(), "practices/sunrise/clients/alex").status()), "name");

  EXPECT_THAT(
      Audit(session.name()),
      ElementsAre("platform-backend CreateSession OK", "alex GetSession OK", "dr-lee GetSession OK",
                  "platform-backend GetSession OK", "ops GetSession OK",
                  "bo GetSession PERMISSION_DENIED", "dr-kim GetSession PERMISSION_DENIED"));
}

TEST_P(SessionsTest, ListSessionsIsNewestFirstAndOnlyWhatTheCallerMaySee) {
  const v1::Session first = Live(kAlex, "a-first");
  now_ += absl::Minutes(1);
  const v1::Session of_bo = Live(kBo, "b-bo");
  now_ += absl::Minutes(1);
  const v1::Session second = Live(kAlex, "c-second");

  auto names = [](const absl::StatusOr<v1::ListSessionsResponse>& response) {
    std::vector<std::string> listed;
    EXPECT_THAT(response, IsOk());
    if (!response.ok()) return listed;
    for (const v1::Session& session : response->sessions()) listed.push_back(session.name());
    return listed;
  };
  v1::ListSessionsRequest request;
  request.set_parent(std::string(kPractice));
  EXPECT_THAT(names(homework_.ListSessions(Service(), request)),
              ElementsAre(second.name(), of_bo.name(), first.name()));
  // A therapist sees its own clients' only.
  EXPECT_THAT(names(homework_.ListSessions(Therapist(), request)),
              ElementsAre(second.name(), first.name()));
  // A client must name itself.
  EXPECT_THAT(homework_.ListSessions(ClientCaller(), request),
              StatusIs(absl::StatusCode::kPermissionDenied));
  request.set_client(kAlex);
  EXPECT_THAT(names(homework_.ListSessions(ClientCaller(), request)),
              ElementsAre(second.name(), first.name()));
  EXPECT_THAT(homework_.ListSessions(ClientCaller("bo"), request),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(homework_.ListSessions(Therapist("dr-kim"), request),
              StatusIs(absl::StatusCode::kPermissionDenied));

  // Paged with the store's tokens.
  request.set_page_size(1);
  absl::StatusOr<v1::ListSessionsResponse> page = homework_.ListSessions(ClientCaller(), request);
  EXPECT_THAT(names(page), ElementsAre(second.name()));
  ASSERT_TRUE(page.ok() && !page->next_page_token().empty());
  request.set_page_token(page->next_page_token());
  page = homework_.ListSessions(ClientCaller(), request);
  EXPECT_THAT(names(page), ElementsAre(first.name()));
  EXPECT_TRUE(page->next_page_token().empty());
  request.set_page_token("not-a-token");
  EXPECT_EQ(FieldOf(homework_.ListSessions(ClientCaller(), request).status()), "page_token");
  request.set_page_token("");
  request.set_client("practices/moonrise/clients/alex");
  EXPECT_EQ(FieldOf(homework_.ListSessions(Service(), request).status()), "client");
}

TEST_P(SessionsTest, OnlyTheClientAndItsCareTeamJoin) {
  const v1::Session session = Live(kAlex, "call-1");
  absl::StatusOr<v1::Session> joined = Join(Therapist(), session.name());
  ASSERT_THAT(joined, IsOk());
  EXPECT_THAT(joined->care_team_present(), ElementsAre("dr-lee"));
  EXPECT_FALSE(joined->client_present());
  joined = Join(ClientCaller(), session.name());
  ASSERT_THAT(joined, IsOk());
  EXPECT_TRUE(joined->client_present());
  // Joining again changes nothing.
  absl::StatusOr<v1::Session> again = Join(Therapist(), session.name());
  ASSERT_THAT(again, IsOk());
  EXPECT_THAT(again->care_team_present(), ElementsAre("dr-lee"));
  EXPECT_EQ(again->etag(), joined->etag());

  // An interpreter or family member without a role in this client's care: nothing.
  for (const Caller& caller : {ClientCaller("bo"), Therapist("dr-kim"), Service(), Admin()}) {
    EXPECT_THAT(Join(caller, session.name()), StatusIs(absl::StatusCode::kPermissionDenied))
        << caller.subject;
  }
  ASSERT_THAT(End(Therapist(), session.name()), IsOk());
  EXPECT_THAT(Join(ClientCaller(), session.name()),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(Events(kAlex), ElementsAre("TYPE_SESSION_UPDATED " + session.name(),
                                         "TYPE_SESSION_UPDATED " + session.name(),
                                         "TYPE_SESSION_UPDATED " + session.name(),
                                         "TYPE_SESSION_UPDATED " + session.name()));
}

// The summary finds reviews through the client's events after the session's start cursor (not
// by reading every completion of the client): each completion reviewed in the session once, in
// the order of its first review there, and none reviewed only before it.
TEST_P(SessionsTest, TheSummaryListsEachCompletionReviewedInTheSessionOnce) {
  const v1::Session earlier = Live(kAlex, "earlier");
  const v1::Assignment practice = Draft(earlier.name());
  Activate(practice.name());
  const std::vector<std::string> completions = Practise(practice.name(), 3);
  ASSERT_EQ(completions.size(), 3);
  Review(completions[0]);
  ASSERT_THAT(End(Therapist(), earlier.name()), IsOk());
  now_ += absl::Minutes(10);

  const v1::Session session = Live(kAlex, "today");
  // The cursor is the log just before the session: the first event after it is the session's.
  absl::StatusOr<int64_t> after = ParseEventCursor("start_cursor", session.start_cursor());
  ASSERT_THAT(after, IsOk());
  absl::StatusOr<std::vector<EventRecord>> since = store_->ListEvents(
      {.practice = "sunrise", .client_name = kAlex, .after_sequence = *after, .limit = 10});
  ASSERT_THAT(since, IsOk());
  ASSERT_THAT(*since, Not(IsEmpty()));
  EXPECT_EQ(since->front().resource, session.name());
  now_ += absl::Minutes(1);
  Review(completions[2]);
  now_ += absl::Minutes(1);
  Review(completions[1]);
  Review(completions[2]);
  now_ += absl::Minutes(30);

  absl::StatusOr<v1::Session> ended = End(Therapist(), session.name());
  ASSERT_THAT(ended, IsOk());
  EXPECT_THAT(ended->summary().reviewed(), ElementsAre(completions[2], completions[1]));
}

TEST_P(SessionsTest, EndingWritesWhatWasAssignedReviewedLeftOpenAndDiscussed) {
  // A completion of an older practice, reviewed before the session and during it.
  const v1::Session earlier = Live(kAlex, "earlier");
  const v1::Assignment practice = Draft(earlier.name());
  Activate(practice.name());
  const std::vector<std::string> completions = Practise(practice.name(), 2);
  ASSERT_EQ(completions.size(), 2);
  Review(completions[0]);
  ASSERT_THAT(End(Therapist(), earlier.name()), IsOk());

  now_ += absl::Minutes(10);
  const v1::Session session = Live(kAlex, "today");
  now_ += absl::Minutes(1);
  Review(completions[1]);
  const v1::Assignment assigned = Draft(session.name());
  const v1::Assignment open = Draft(session.name());
  const v1::Assignment discarded = Draft(session.name());
  Activate(assigned.name());
  v1::CancelAssignmentRequest cancel;
  cancel.set_name(discarded.name());
  ASSERT_THAT(homework_.CancelAssignment(Therapist(), cancel), IsOk());
  now_ += absl::Minutes(40);

  EXPECT_EQ(FieldOf(End(Therapist(), session.name(), std::string(4001, 'x')).status()),
            "discussed");
  EXPECT_THAT(End(ClientCaller(), session.name()), StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(End(Therapist("dr-kim"), session.name()),
              StatusIs(absl::StatusCode::kPermissionDenied));
  absl::StatusOr<v1::Session> ended =
      End(Therapist(), session.name(), "Walking after coffee; the two-minute version.");
  ASSERT_THAT(ended, IsOk());
  EXPECT_EQ(ended->state(), v1::Session::STATE_ENDED);
  EXPECT_EQ(FromProtoTime(ended->end_time()), now_);
  EXPECT_THAT(ended->summary().assigned(), ElementsAre(assigned.name()));
  EXPECT_THAT(ended->summary().drafts_open(), ElementsAre(open.name()));
  EXPECT_THAT(ended->summary().reviewed(), ElementsAre(completions[1]));
  EXPECT_EQ(ended->summary().discussed(), "Walking after coffee; the two-minute version.");

  // Readable afterwards, by the client too; ending again changes nothing.
  absl::StatusOr<v1::Session> read = Get(ClientCaller(), session.name());
  ASSERT_THAT(read, IsOk());
  EXPECT_EQ(read->summary().drafts_open_size(), 1);
  now_ += absl::Minutes(1);
  absl::StatusOr<v1::Session> again = End(Service(), session.name(), "something else");
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(again->etag(), ended->etag());
  EXPECT_EQ(again->summary().discussed(), ended->summary().discussed());
  EXPECT_THAT(Audit(session.name()),
              ElementsAre("platform-backend CreateSession OK", "alex EndSession PERMISSION_DENIED",
                          "dr-kim EndSession PERMISSION_DENIED", "dr-lee EndSession OK",
                          "alex GetSession OK", "platform-backend EndSession OK"));
}

// ---- Who may change which field of a draft ----

TEST_P(SessionsTest, TheCareTeamChangesAnyFieldOfADraft) {
  const v1::Session session = Live();
  const v1::Assignment draft = Draft(session.name());
  absl::StatusOr<v1::Assignment> changed =
      Update(Therapist(), draft.name(),
             [](v1::Assignment& a) {
               a.set_title("Walk after lunch");
               a.mutable_schedule()->set_environmental_cue("Shoes by the door");
             },
             {"title", "schedule.environmental_cue"});
  ASSERT_THAT(changed, IsOk());
  EXPECT_EQ(changed->title(), "Walk after lunch");
  EXPECT_EQ(changed->schedule().environmental_cue(), "Shoes by the door");
  // A nested path leaves the rest of the schedule as it was.
  EXPECT_EQ(changed->schedule().minimum_version(), "Two minutes outside");
  EXPECT_EQ(changed->schedule().target_count(), 1);
}

TEST_P(SessionsTest, TheClientChangesOnlyItsOwnPlanWhileTheSessionIsLive) {
  const v1::Session session = Live();
  const v1::Assignment draft = Draft(session.name());
  absl::StatusOr<v1::Assignment> changed =
      Update(ClientCaller(), draft.name(),
             [](v1::Assignment& a) {
               v1::Schedule& plan = *a.mutable_schedule();
               plan.set_preferred_local_time("07:30");
               plan.mutable_habit_anchor()->set_client_words("after my first coffee");
               plan.set_environmental_cue("Shoes by the door");
               plan.set_minimum_version("Step outside");
               plan.mutable_if_then_plan()->set_situation("It rains");
               plan.mutable_if_then_plan()->set_action("I walk the stairs");
             },
             {"schedule.preferred_local_time", "schedule.habit_anchor",
              "schedule.environmental_cue", "schedule.minimum_version", "schedule.if_then_plan"});
  ASSERT_THAT(changed, IsOk());
  EXPECT_EQ(changed->schedule().habit_anchor().client_words(), "after my first coffee");
  EXPECT_EQ(changed->schedule().if_then_plan().action(), "I walk the stairs");
  EXPECT_EQ(changed->schedule().preferred_local_time(), "07:30");
  EXPECT_EQ(changed->title(), "Walk");

  // A field inside one of them is the client's too: the anchor in its own words alone.
  changed = Update(
      ClientCaller(), draft.name(),
      [](v1::Assignment& a) {
        a.mutable_schedule()->mutable_habit_anchor()->set_client_words("after my second coffee");
        a.mutable_schedule()->mutable_if_then_plan()->set_situation("It snows");
      },
      {"schedule.habit_anchor.client_words", "schedule.if_then_plan.situation"});
  ASSERT_THAT(changed, IsOk());
  EXPECT_EQ(changed->schedule().habit_anchor().client_words(), "after my second coffee");
  EXPECT_EQ(changed->schedule().if_then_plan().situation(), "It snows");
  EXPECT_EQ(changed->schedule().if_then_plan().action(), "I walk the stairs");

  // Anything else is the care team's, named by its place in the mask.
  for (const std::vector<std::string>& paths :
       std::vector<std::vector<std::string>>{{"schedule.habit_anchor", "title"},
                                             {"schedule.minimum_version", "schedule"},
                                             {"schedule.habit_anchor", "schedule.target_count"},
                                             {"*"}}) {
    absl::Status refused =
        Update(
            ClientCaller(), draft.name(), [](v1::Assignment& a) { a.set_title("Mine"); }, paths)
            .status();
    EXPECT_THAT(refused, StatusIs(absl::StatusCode::kPermissionDenied)) << paths.back();
    EXPECT_THAT(std::string(refused.message()),
                HasSubstr(absl::StrCat("update_mask.paths[", paths.size() - 1, "]")));
  }
  EXPECT_EQ(Stored(draft.name()).title(), "Walk");

  // Once the session ends, the draft is the care team's alone.
  ASSERT_THAT(End(Therapist(), session.name()), IsOk());
  EXPECT_THAT(SetAnchor(ClientCaller(), draft.name(), "after lunch"),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_EQ(Stored(draft.name()).schedule().habit_anchor().client_words(),
            "after my second coffee");
  EXPECT_THAT(SetAnchor(Therapist(), draft.name(), "after lunch"), IsOk());
}

TEST_P(SessionsTest, NobodyElseChangesADraft) {
  const v1::Session session = Live();
  const v1::Assignment draft = Draft(session.name());
  const Caller service_as_client{"alex", "sunrise", Role::kService, "call-5"};
  for (const Caller& caller :
       {ClientCaller("bo"), Therapist("dr-kim"), service_as_client, Service()}) {
    EXPECT_THAT(SetAnchor(caller, draft.name(), "whenever"),
                StatusIs(absl::StatusCode::kPermissionDenied))
        << caller.subject;
  }
  // The client's own plan of a draft not shaped in a session, or of an active practice: no.
  v1::Assignment unshaped = Draft("");
  EXPECT_THAT(SetAnchor(ClientCaller(), unshaped.name(), "whenever"),
              StatusIs(absl::StatusCode::kPermissionDenied));
  v1::ActivateAssignmentRequest activate;
  activate.set_name(draft.name());
  ASSERT_THAT(homework_.ActivateAssignment(Therapist(), activate), IsOk());
  EXPECT_THAT(SetAnchor(ClientCaller(), draft.name(), "whenever"),
              StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_EQ(Stored(draft.name()).schedule().habit_anchor().client_words(), "");
  EXPECT_THAT(Audit(draft.name()), ::testing::Contains("alex UpdateAssignment PERMISSION_DENIED"));
}

TEST_P(SessionsTest, TheClientReadsItsDrafts) {
  const v1::Session session = Live();
  const v1::Assignment draft = Draft(session.name());
  v1::GetAssignmentRequest get;
  get.set_name(draft.name());
  absl::StatusOr<v1::Assignment> read = homework_.GetAssignment(ClientCaller(), get);
  ASSERT_THAT(read, IsOk());
  EXPECT_EQ(read->state(), v1::Assignment::STATE_DRAFT);
  EXPECT_EQ(read->session(), session.name());
  v1::ListAssignmentsRequest list;
  list.set_parent(kAlex);
  list.add_states(v1::Assignment::STATE_DRAFT);
  absl::StatusOr<v1::ListAssignmentsResponse> drafts =
      homework_.ListAssignments(ClientCaller(), list);
  ASSERT_THAT(drafts, IsOk());
  ASSERT_EQ(drafts->assignments_size(), 1);
  EXPECT_EQ(drafts->assignments(0).name(), draft.name());
  EXPECT_THAT(homework_.GetAssignment(ClientCaller("bo"), get),
              StatusIs(absl::StatusCode::kPermissionDenied));
}

// ---- Concurrent changes ----

TEST_P(SessionsTest, ConcurrentChangesOfDifferentFieldsBothLand) {
  const v1::Session session = Live();
  const v1::Assignment draft = Draft(session.name());
  // The therapist's change commits after the client's update read the draft and before it
  // commits: the client's commit loses the race, and its update is applied again on top.
  between_read_and_commit_ = [&] {
    absl::StatusOr<v1::Assignment> therapist =
        Update(Therapist(), draft.name(),
               [](v1::Assignment& a) { a.mutable_schedule()->set_minimum_version("One lap"); },
               {"schedule.minimum_version"});
    EXPECT_THAT(therapist, IsOk());
  };
  absl::StatusOr<v1::Assignment> client =
      SetAnchor(ClientCaller(), draft.name(), "after my first coffee");
  ASSERT_THAT(client, IsOk());
  EXPECT_FALSE(between_read_and_commit_) << "the race did not run";

  const v1::Assignment stored = Stored(draft.name());
  EXPECT_EQ(stored.schedule().minimum_version(), "One lap");
  EXPECT_EQ(stored.schedule().habit_anchor().client_words(), "after my first coffee");
  EXPECT_EQ(client->etag(), stored.etag());
  // Each change is an event for both panels.
  EXPECT_THAT(Events(kAlex), ElementsAre("TYPE_SESSION_UPDATED " + session.name(),
                                         "TYPE_ASSIGNMENT_CREATED " + draft.name(),
                                         "TYPE_ASSIGNMENT_UPDATED " + draft.name(),
                                         "TYPE_ASSIGNMENT_UPDATED " + draft.name()));
}

TEST_P(SessionsTest, TheSameFieldTheLastWriteWinsAndAStaleEtagIsAborted) {
  const v1::Session session = Live();
  const v1::Assignment draft = Draft(session.name());
  between_read_and_commit_ = [&] {
    EXPECT_THAT(SetAnchor(Therapist(), draft.name(), "after breakfast"), IsOk());
  };
  ASSERT_THAT(SetAnchor(ClientCaller(), draft.name(), "after coffee"), IsOk());
  EXPECT_EQ(Stored(draft.name()).schedule().habit_anchor().client_words(), "after coffee");
  ASSERT_THAT(SetAnchor(Therapist(), draft.name(), "after lunch"), IsOk());
  EXPECT_EQ(Stored(draft.name()).schedule().habit_anchor().client_words(), "after lunch");

  // With an etag the caller asked for that version: a change in between is ABORTED.
  const std::string read_etag = Stored(draft.name()).etag();
  between_read_and_commit_ = [&] {
    EXPECT_THAT(SetAnchor(Therapist(), draft.name(), "after dinner"), IsOk());
  };
  EXPECT_THAT(SetAnchor(ClientCaller(), draft.name(), "after tea", read_etag),
              StatusIs(absl::StatusCode::kAborted));
  EXPECT_THAT(SetAnchor(ClientCaller(), draft.name(), "after tea", read_etag),
              StatusIs(absl::StatusCode::kAborted));
  EXPECT_EQ(Stored(draft.name()).schedule().habit_anchor().client_words(), "after dinner");
}

// ---- Carry-over and discard ----

TEST_P(SessionsTest, ADraftLeftOpenIsReopenedInTheNextSessionOrDiscarded) {
  const v1::Session first = Live(kAlex, "first");
  const v1::Assignment kept = Draft(first.name());
  const v1::Assignment dropped = Draft(first.name());
  absl::StatusOr<v1::Session> ended = End(Therapist(), first.name());
  ASSERT_THAT(ended, IsOk());
  EXPECT_THAT(ended->summary().drafts_open(),
              ::testing::UnorderedElementsAre(kept.name(), dropped.name()));
  EXPECT_EQ(Stored(kept.name()).state(), v1::Assignment::STATE_DRAFT);

  // A draft cannot be moved into an ended session, nor into another client's.
  auto reopen = [&](const Caller& caller, const std::string& name, const std::string& in) {
    return Update(caller, name, [&](v1::Assignment& a) { a.set_session(in); }, {"session"});
  };
  EXPECT_EQ(reopen(Therapist(), kept.name(), first.name()).status().code(),
            absl::StatusCode::kOk);  // unchanged: nothing to check
  const v1::Session of_bo = Live(kBo, "bo-now");
  EXPECT_EQ(FieldOf(reopen(Therapist(), kept.name(), of_bo.name()).status()), "assignment.session");
  EXPECT_EQ(FieldOf(reopen(Therapist(), kept.name(), "practices/sunrise/clients/alex").status()),
            "assignment.session");
  EXPECT_THAT(reopen(Therapist(), kept.name(), "practices/sunrise/sessions/none"),
              StatusIs(absl::StatusCode::kNotFound));
  const v1::Session other_ended = Live(kAlex, "other");
  ASSERT_THAT(End(Service(), other_ended.name()), IsOk());
  EXPECT_THAT(reopen(Therapist(), kept.name(), other_ended.name()),
              StatusIs(absl::StatusCode::kFailedPrecondition));
  // The client cannot move it.
  const v1::Session next = Live(kAlex, "next");
  EXPECT_THAT(reopen(ClientCaller(), kept.name(), next.name()),
              StatusIs(absl::StatusCode::kPermissionDenied));

  // The next week: the therapist reopens it, and the client shapes its plan again.
  absl::StatusOr<v1::Assignment> reopened = reopen(Therapist(), kept.name(), next.name());
  ASSERT_THAT(reopened, IsOk());
  EXPECT_EQ(reopened->session(), next.name());
  EXPECT_THAT(SetAnchor(ClientCaller(), kept.name(), "after the school run"), IsOk());

  // The other is discarded: cancelled, and nobody shapes it any more.
  v1::CancelAssignmentRequest cancel;
  cancel.set_name(dropped.name());
  ASSERT_THAT(homework_.CancelAssignment(Therapist(), cancel), IsOk());
  EXPECT_EQ(Stored(dropped.name()).state(), v1::Assignment::STATE_CANCELLED);
  EXPECT_THAT(reopen(Therapist(), dropped.name(), next.name()),
              StatusIs(absl::StatusCode::kFailedPrecondition));

  ended = End(Therapist(), next.name());
  ASSERT_THAT(ended, IsOk());
  EXPECT_THAT(ended->summary().drafts_open(), ElementsAre(kept.name()));
}

TEST_P(SessionsTest, ADraftIsShapedOnlyInALiveSessionOfItsClient) {
  const v1::Session of_bo = Live(kBo, "bo-now");
  v1::CreateAssignmentRequest request;
  request.set_parent(kAlex);
  request.mutable_assignment()->set_title("Walk");
  request.mutable_assignment()->mutable_exercise()->set_kind(v1::EXERCISE_KIND_SELF_CARE);
  request.mutable_assignment()->mutable_exercise()->mutable_self_care()->set_domain(
      v1::SelfCareInstructions::DOMAIN_EXERCISE);
  request.mutable_assignment()->mutable_schedule()->set_target_count(1);
  request.mutable_assignment()->mutable_schedule()->set_period(v1::Schedule::PERIOD_DAY);
  request.mutable_assignment()->mutable_schedule()->set_start_date("2026-11-20");
  request.mutable_assignment()->set_session("sessions/x");
  EXPECT_EQ(FieldOf(homework_.CreateAssignment(Therapist(), request).status()),
            "assignment.session");
  request.mutable_assignment()->set_session(of_bo.name());
  EXPECT_EQ(FieldOf(homework_.CreateAssignment(Therapist(), request).status()),
            "assignment.session");
  request.mutable_assignment()->set_session("practices/moonrise/sessions/call-1");
  EXPECT_EQ(FieldOf(homework_.CreateAssignment(Therapist(), request).status()),
            "assignment.session");
  const v1::Session ended = Live(kAlex, "done");
  ASSERT_THAT(End(Therapist(), ended.name()), IsOk());
  request.mutable_assignment()->set_session(ended.name());
  EXPECT_THAT(homework_.CreateAssignment(Therapist(), request),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

}  // namespace
}  // namespace therapy::homework
