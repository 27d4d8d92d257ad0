#include "services/homework/storage/store_contract_test.h"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "google/protobuf/timestamp.pb.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "testing/status_matchers.h"

namespace therapy::homework {
namespace {

using ::google::protobuf::util::MessageDifferencer;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAreArray;
using ::therapy::homework::testing::IsOk;
using ::therapy::homework::testing::StatusIs;

// ---- Test data. Every resource lives in practice p1 unless a test says otherwise. ----

google::protobuf::Timestamp At(int64_t seconds, int32_t nanos = 0) {
  google::protobuf::Timestamp time;
  time.set_seconds(seconds);
  time.set_nanos(nanos);
  return time;
}

v1::Client MakeClient(const std::string& name, std::vector<std::string> care_team = {}) {
  v1::Client client;
  client.set_name(name);
  client.set_display_name("Sam");
  client.set_time_zone("Europe/Berlin");
  for (std::string& member : care_team) client.add_care_team(std::move(member));
  *client.mutable_create_time() = At(1'700'000'000);
  *client.mutable_update_time() = At(1'700'000'000);
  client.set_etag("etag-1");
  return client;
}

v1::Assignment MakeAssignment(const std::string& name, int64_t create_seconds,
                              v1::Assignment::State state = v1::Assignment::STATE_DRAFT) {
  v1::Assignment assignment;
  assignment.set_name(name);
  assignment.set_title("Catch the thought");
  assignment.mutable_exercise()->set_kind(v1::EXERCISE_KIND_THOUGHT_RECORD);
  assignment.mutable_exercise()->mutable_thought_record()->set_focus("dread before work");
  assignment.mutable_exercise()->mutable_thought_record()->add_target_emotions("anxious");
  assignment.set_assigned_by("therapist-1");
  assignment.set_state(state);
  *assignment.mutable_create_time() = At(create_seconds);
  assignment.set_etag("etag-1");
  return assignment;
}

v1::Completion MakeCompletion(const std::string& name, int64_t occur_seconds) {
  v1::Completion completion;
  completion.set_name(name);
  *completion.mutable_occur_time() = At(occur_seconds);
  completion.set_occur_time_zone("Europe/Berlin");
  completion.set_status(v1::Completion::STATUS_DONE);
  completion.set_minutes(15);
  completion.mutable_thought_record()->set_situation("Monday standup");
  completion.mutable_thought_record()->set_automatic_thought("They will see I am behind");
  completion.mutable_thought_record()->set_automatic_thought_belief(80);
  completion.set_etag("etag-1");
  return completion;
}

// A completion that answers an outcome measure (a PHQ-9 total of 12) instead of a thought record.
v1::Completion MakeMeasureCompletion(const std::string& name, int64_t occur_seconds) {
  v1::Completion completion = MakeCompletion(name, occur_seconds);
  completion.clear_thought_record();
  completion.mutable_measure()->set_measure(v1::MEASURE_PHQ9);
  completion.mutable_measure()->set_total(12);
  return completion;
}

v1::Hierarchy MakeHierarchy(const std::string& name, int64_t create_seconds) {
  v1::Hierarchy hierarchy;
  hierarchy.set_name(name);
  hierarchy.set_target("Speaking up in meetings");
  hierarchy.mutable_anchors()->set_calm("Reading at home");
  hierarchy.mutable_anchors()->set_worst("Presenting to the board");
  v1::HierarchyStep* first = hierarchy.add_steps();
  first->set_situation("Say hello to a cashier");
  first->set_expected_suds(20);
  first->set_prescription("5 interactions over the week");
  v1::HierarchyStep* second = hierarchy.add_steps();
  second->set_situation("Ask one question in the standup");
  second->set_expected_suds(55);
  hierarchy.mutable_policy()->set_mode(v1::ProgressionPolicy::MODE_HABITUATION);
  *hierarchy.mutable_create_time() = At(create_seconds);
  *hierarchy.mutable_update_time() = At(create_seconds);
  hierarchy.set_etag("etag-1");
  hierarchy.set_created_by("therapist-1");
  return hierarchy;
}

v1::Template MakeTemplate(const std::string& name) {
  v1::Template practice_template;
  practice_template.set_name(name);
  practice_template.set_title("Worry postponement");
  practice_template.set_description("For generalised worry once the client can name worries");
  practice_template.mutable_exercise()->set_kind(v1::EXERCISE_KIND_BEHAVIORAL_EXPERIMENT);
  practice_template.mutable_exercise()->set_instructions("Write the worry down, keep it till 6pm");
  practice_template.mutable_exercise()->mutable_behavioral_experiment()->set_prediction(
      "I cannot put the worry off");
  practice_template.set_rationale("Postponing shows that worry can wait");
  practice_template.set_phase(v1::TREATMENT_PHASE_PRACTICE);
  practice_template.mutable_schedule()->set_target_count(5);
  practice_template.mutable_schedule()->set_period(v1::Schedule::PERIOD_WEEK);
  practice_template.mutable_schedule()->set_minutes_per_practice(15);
  practice_template.mutable_schedule()->set_minimum_version("Write one worry on a sticky note");
  *practice_template.mutable_create_time() = At(1'700'000'000);
  *practice_template.mutable_update_time() = At(1'700'000'000);
  practice_template.set_etag("etag-1");
  practice_template.set_created_by("therapist-1");
  return practice_template;
}

AuditRecord MakeAudit(const std::string& action, const std::string& resource) {
  return AuditRecord{
      .actor = "therapist-1",
      .role = "therapist",
      .practice = "p1",
      .action = action,
      .resource = resource,
      .call_id = "call-1",
      .time = absl::FromUnixSeconds(1'700'000'000),
      .outcome = "OK",
  };
}

Mutation Inserting(const v1::Client& client) {
  return Mutation{.client = Put<v1::Client>{.mode = WriteMode::kInsert, .resource = client},
                  .audit = MakeAudit("CreateClient", client.name())};
}

Mutation Inserting(const v1::Assignment& assignment) {
  return Mutation{
      .assignment = Put<v1::Assignment>{.mode = WriteMode::kInsert, .resource = assignment},
      .audit = MakeAudit("CreateAssignment", assignment.name())};
}

Mutation Inserting(const v1::Completion& completion) {
  return Mutation{
      .completion = Put<v1::Completion>{.mode = WriteMode::kInsert, .resource = completion},
      .audit = MakeAudit("CreateCompletion", completion.name())};
}

Mutation Inserting(const v1::Hierarchy& hierarchy) {
  return Mutation{
      .hierarchy = Put<v1::Hierarchy>{.mode = WriteMode::kInsert, .resource = hierarchy},
      .audit = MakeAudit("CreateHierarchy", hierarchy.name())};
}

Mutation Inserting(const v1::Template& practice_template) {
  return Mutation{.practice_template =
                      Put<v1::Template>{.mode = WriteMode::kInsert, .resource = practice_template},
                  .audit = MakeAudit("CreateTemplate", practice_template.name())};
}

template <typename Resource>
Put<Resource> Updating(const Resource& resource, const std::string& expected_etag) {
  return Put<Resource>{
      .mode = WriteMode::kUpdate, .resource = resource, .expected_etag = expected_etag};
}

// Commits and expects kCommitted.
void ExpectCommitted(Store& store, const Mutation& mutation) {
  absl::StatusOr<CommitOutcome> outcome = store.Commit(mutation);
  ASSERT_THAT(outcome, IsOk());
  EXPECT_EQ(*outcome, CommitOutcome::kCommitted);
}

std::vector<AuditRecord> AllAudit(Store& store) {
  absl::StatusOr<std::vector<AuditRecord>> records = store.ListAudit("", 1000);
  EXPECT_THAT(records, IsOk());
  return records.ok() ? *records : std::vector<AuditRecord>{};
}

template <typename Resource>
std::vector<std::string> NamesOf(const std::vector<Resource>& resources) {
  std::vector<std::string> names;
  for (const Resource& resource : resources) names.push_back(resource.name());
  return names;
}

// Pages through a list to its end with `page_size`; returns the names in order, and the number
// of pages through `pages`.
template <typename Query, typename Resource>
std::vector<std::string> NamesOfAllPages(
    Query query, int page_size,
    const std::function<absl::StatusOr<Page<Resource>>(const Query&)>& list, int* pages) {
  std::vector<std::string> names;
  query.page = {.page_size = page_size, .page_token = ""};
  *pages = 0;
  do {
    absl::StatusOr<Page<Resource>> page = list(query);
    EXPECT_THAT(page, IsOk());
    if (!page.ok() || ++*pages > 100) break;
    EXPECT_LE(static_cast<int>(page->items.size()), page_size);
    for (const Resource& item : page->items) names.push_back(item.name());
    query.page.page_token = page->next_page_token;
  } while (!query.page.page_token.empty());
  return names;
}

EventRecord MakeEvent(const std::string& practice, const std::string& client, v1::Event::Type type,
                      const std::string& resource, int64_t time_micros) {
  return EventRecord{
      .practice = practice,
      .client = client,
      .type = type,
      .resource = resource,
      .actor = "therapist-1",
      .time = absl::FromUnixMicros(time_micros),
  };
}

// The insert of the assignment `assignment_name` with its creation event.
Mutation WithEvent(const std::string& practice, const std::string& client,
                   const std::string& assignment_name) {
  Mutation mutation = Inserting(MakeAssignment(assignment_name, 1'700'000'000));
  mutation.events = {MakeEvent(practice, client, v1::Event::TYPE_ASSIGNMENT_CREATED,
                               assignment_name, 1'700'000'000'000'000)};
  return mutation;
}

std::vector<std::string> ResourcesOf(const std::vector<EventRecord>& events) {
  std::vector<std::string> resources;
  for (const EventRecord& event : events) resources.push_back(event.resource);
  return resources;
}

std::vector<std::string> ClientsOf(const std::vector<EventRecord>& events) {
  std::vector<std::string> clients;
  for (const EventRecord& event : events) clients.push_back(event.client);
  return clients;
}

// Reads the event log as a watcher does: from the start, each call resuming after the last
// sequence of the one before, until a call returns fewer than the limit. Returns the resources
// in order, and the number of calls through `calls`.
std::vector<std::string> ResourcesOfAllEvents(Store& store, EventQuery query, int* calls) {
  std::vector<std::string> resources;
  query.after_sequence = 0;
  *calls = 0;
  while (true) {
    absl::StatusOr<std::vector<EventRecord>> events = store.ListEvents(query);
    EXPECT_THAT(events, IsOk());
    if (!events.ok() || ++*calls > 100) break;
    EXPECT_LE(static_cast<int>(events->size()), query.limit);
    for (const EventRecord& event : *events) {
      EXPECT_GT(event.sequence, query.after_sequence);
      resources.push_back(event.resource);
    }
    if (static_cast<int>(events->size()) < query.limit) break;
    query.after_sequence = events->back().sequence;
  }
  return resources;
}

// ---- Point reads and writes. ----

TEST_P(StoreContractTest, InsertedResourcesReadBackEqual) {
  const v1::Client client = MakeClient("practices/p1/clients/c1", {"therapist-1", "therapist-2"});
  v1::Assignment assignment =
      MakeAssignment("practices/p1/clients/c1/assignments/a1", 1'700'000'100);
  assignment.set_rationale("Seeing the thought is the first step");
  *assignment.mutable_update_time() = At(1'700'000'200, 123'000);
  v1::Completion completion =
      MakeCompletion("practices/p1/clients/c1/assignments/a1/completions/x1", 1'700'000'300);
  completion.mutable_suds()->set_before(70);
  completion.mutable_suds()->set_after(30);

  ExpectCommitted(store(), Inserting(client));
  ExpectCommitted(store(), Inserting(assignment));
  ExpectCommitted(store(), Inserting(completion));

  absl::StatusOr<std::optional<v1::Client>> got_client = store().GetClient(client.name());
  ASSERT_THAT(got_client, IsOk());
  ASSERT_TRUE(got_client->has_value());
  EXPECT_TRUE(MessageDifferencer::Equals(**got_client, client)) << (*got_client)->DebugString();

  absl::StatusOr<std::optional<v1::Assignment>> got_assignment =
      store().GetAssignment(assignment.name());
  ASSERT_THAT(got_assignment, IsOk());
  ASSERT_TRUE(got_assignment->has_value());
  EXPECT_TRUE(MessageDifferencer::Equals(**got_assignment, assignment));

  absl::StatusOr<std::optional<v1::Completion>> got_completion =
      store().GetCompletion(completion.name());
  ASSERT_THAT(got_completion, IsOk());
  ASSERT_TRUE(got_completion->has_value());
  EXPECT_TRUE(MessageDifferencer::Equals(**got_completion, completion));
}

TEST_P(StoreContractTest, GetOfMissingResourceIsNullopt) {
  absl::StatusOr<std::optional<v1::Client>> client = store().GetClient("practices/p1/clients/no");
  ASSERT_THAT(client, IsOk());
  EXPECT_FALSE(client->has_value());
  absl::StatusOr<std::optional<v1::Assignment>> assignment =
      store().GetAssignment("practices/p1/clients/c1/assignments/no");
  ASSERT_THAT(assignment, IsOk());
  EXPECT_FALSE(assignment->has_value());
  absl::StatusOr<std::optional<v1::Completion>> completion =
      store().GetCompletion("practices/p1/clients/c1/assignments/a1/completions/no");
  ASSERT_THAT(completion, IsOk());
  EXPECT_FALSE(completion->has_value());
  absl::StatusOr<std::optional<v1::Hierarchy>> hierarchy =
      store().GetHierarchy("practices/p1/clients/c1/hierarchies/no");
  ASSERT_THAT(hierarchy, IsOk());
  EXPECT_FALSE(hierarchy->has_value());
  absl::StatusOr<std::optional<v1::Template>> practice_template =
      store().GetTemplate("practices/p1/templates/no");
  ASSERT_THAT(practice_template, IsOk());
  EXPECT_FALSE(practice_template->has_value());
}

TEST_P(StoreContractTest, InsertOfExistingNameIsAlreadyExists) {
  ExpectCommitted(store(), Inserting(MakeClient("practices/p1/clients/c1")));
  v1::Client second = MakeClient("practices/p1/clients/c1");
  second.set_display_name("Someone else");

  absl::StatusOr<CommitOutcome> outcome = store().Commit(Inserting(second));

  EXPECT_THAT(outcome, StatusIs(absl::StatusCode::kAlreadyExists));
  absl::StatusOr<std::optional<v1::Client>> stored = store().GetClient("practices/p1/clients/c1");
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_EQ((*stored)->display_name(), "Sam");
}

TEST_P(StoreContractTest, UpdateWithCurrentEtagReplacesResource) {
  const v1::Assignment original =
      MakeAssignment("practices/p1/clients/c1/assignments/a1", 1'700'000'000);
  ExpectCommitted(store(), Inserting(original));
  v1::Assignment changed = original;
  changed.set_title("Catch two thoughts");
  changed.set_state(v1::Assignment::STATE_ACTIVE);
  changed.set_etag("etag-2");

  ExpectCommitted(store(), Mutation{.assignment = Updating(changed, "etag-1"),
                                    .audit = MakeAudit("UpdateAssignment", changed.name())});

  absl::StatusOr<std::optional<v1::Assignment>> stored = store().GetAssignment(changed.name());
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_TRUE(MessageDifferencer::Equals(**stored, changed));
}

TEST_P(StoreContractTest, UpdateWithStaleEtagIsAborted) {
  const v1::Client original = MakeClient("practices/p1/clients/c1");
  ExpectCommitted(store(), Inserting(original));
  v1::Client changed = original;
  changed.set_display_name("Samantha");
  changed.set_etag("etag-3");

  absl::StatusOr<CommitOutcome> outcome = store().Commit(
      Mutation{.client = Updating(changed, "etag-0"), .audit = MakeAudit("UpdateClient", "x")});

  EXPECT_THAT(outcome, StatusIs(absl::StatusCode::kAborted));
  absl::StatusOr<std::optional<v1::Client>> stored = store().GetClient(original.name());
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_TRUE(MessageDifferencer::Equals(**stored, original));
}

TEST_P(StoreContractTest, UpdateOfMissingResourceIsNotFound) {
  const v1::Completion completion =
      MakeCompletion("practices/p1/clients/c1/assignments/a1/completions/x1", 1'700'000'000);

  absl::StatusOr<CommitOutcome> outcome =
      store().Commit(Mutation{.completion = Updating(completion, "etag-1"),
                              .audit = MakeAudit("ReviewCompletion", completion.name())});

  EXPECT_THAT(outcome, StatusIs(absl::StatusCode::kNotFound));
}

// ---- A write decided on a read (Mutation::assignment_read). ----

// The completion `id` of assignment a1, whose write was decided on the assignment `read` (its
// name and etag), with an idempotency key ("r-<id>") and an event, all of which a refused commit
// must leave out.
Mutation CompletionDecidedOn(ReadVersion read, const std::string& id = "x1") {
  Mutation mutation = Inserting(MakeCompletion(
      absl::StrCat("practices/p1/clients/c1/assignments/a1/completions/", id), 1'700'000'000));
  mutation.idempotency = IdempotencyKey{
      .actor = "client-1", .method = "CreateCompletion", .request_id = absl::StrCat("r-", id)};
  mutation.idempotent_result = mutation.completion->resource.name();
  mutation.events = {EventRecord{.practice = "p1",
                                 .client = "practices/p1/clients/c1",
                                 .type = v1::Event::TYPE_COMPLETION_RECORDED,
                                 .resource = mutation.completion->resource.name(),
                                 .actor = "client-1",
                                 .time = absl::FromUnixSeconds(1'700'000'000)}};
  mutation.assignment_read = std::move(read);
  return mutation;
}

TEST_P(StoreContractTest, AWriteDecidedOnTheAssignmentAsStoredCommits) {
  const v1::Assignment assignment =
      MakeAssignment("practices/p1/clients/c1/assignments/a1", 1'700'000'000);
  ExpectCommitted(store(), Inserting(assignment));

  ExpectCommitted(store(), CompletionDecidedOn({assignment.name(), assignment.etag()}));

  absl::StatusOr<std::optional<v1::Completion>> stored =
      store().GetCompletion("practices/p1/clients/c1/assignments/a1/completions/x1");
  ASSERT_THAT(stored, IsOk());
  EXPECT_TRUE(stored->has_value());
}

TEST_P(StoreContractTest,
       AWriteDecidedOnAReplacedOrMissingAssignmentIsReadChangedAndWritesNothing) {
  const v1::Assignment assignment =
      MakeAssignment("practices/p1/clients/c1/assignments/a1", 1'700'000'000);
  ExpectCommitted(store(), Inserting(assignment));
  v1::Assignment cancelled = assignment;
  cancelled.set_state(v1::Assignment::STATE_CANCELLED);
  cancelled.set_etag("etag-2");
  ExpectCommitted(store(), Mutation{.assignment = Updating(cancelled, assignment.etag()),
                                    .audit = MakeAudit("CancelAssignment", cancelled.name())});
  const std::vector<AuditRecord> audit_before = AllAudit(store());

  for (const ReadVersion& read :
       {ReadVersion{assignment.name(), assignment.etag()},  // the version before it was cancelled
        ReadVersion{"practices/p1/clients/c1/assignments/a9", "etag-1"}}) {  // none such
    SCOPED_TRACE(read.name);
    const Mutation mutation = CompletionDecidedOn(read);

    absl::StatusOr<CommitOutcome> outcome = store().Commit(mutation);

    EXPECT_THAT(outcome, StatusIs(absl::StatusCode::kAborted, HasSubstr(read.name)));
    EXPECT_TRUE(IsReadChanged(outcome.status())) << outcome.status();
    absl::StatusOr<std::optional<v1::Completion>> stored =
        store().GetCompletion(mutation.completion->resource.name());
    ASSERT_THAT(stored, IsOk());
    EXPECT_FALSE(stored->has_value());
    absl::StatusOr<std::optional<IdempotentResult>> key =
        store().FindIdempotentResult(*mutation.idempotency);
    ASSERT_THAT(key, IsOk());
    EXPECT_FALSE(key->has_value());
    absl::StatusOr<std::vector<EventRecord>> events = store().ListEvents({.practice = "p1"});
    ASSERT_THAT(events, IsOk());
    EXPECT_THAT(*events, IsEmpty());
    EXPECT_EQ(AllAudit(store()).size(), audit_before.size());
  }
}

TEST_P(StoreContractTest, ARecordedKeyWinsOverAChangedRead) {
  // A retry of a completion that committed, after the assignment was cancelled: the first answer
  // is replayed, so the key must be found before the read is checked.
  const v1::Assignment assignment =
      MakeAssignment("practices/p1/clients/c1/assignments/a1", 1'700'000'000);
  ExpectCommitted(store(), Inserting(assignment));
  const Mutation first = CompletionDecidedOn({assignment.name(), assignment.etag()});
  ExpectCommitted(store(), first);
  v1::Assignment cancelled = assignment;
  cancelled.set_state(v1::Assignment::STATE_CANCELLED);
  cancelled.set_etag("etag-2");
  ExpectCommitted(store(), Mutation{.assignment = Updating(cancelled, assignment.etag()),
                                    .audit = MakeAudit("CancelAssignment", cancelled.name())});

  absl::StatusOr<CommitOutcome> outcome = store().Commit(first);

  ASSERT_THAT(outcome, IsOk());
  EXPECT_EQ(*outcome, CommitOutcome::kDuplicateRequest);
}

// ---- Writes handed over without waiting (Store::CommitThen). ----

TEST_P(StoreContractTest, WritesHandedOverTogetherAreEachAnsweredAsCommitWouldAnswerThem) {
  const v1::Assignment assignment =
      MakeAssignment("practices/p1/clients/c1/assignments/a1", 1'700'000'000);
  ExpectCommitted(store(), Inserting(assignment));
  const ReadVersion as_stored{assignment.name(), assignment.etag()};
  const Mutation recorded = CompletionDecidedOn(as_stored, "x0");
  ExpectCommitted(store(), recorded);
  // Eight writes that commit, and three that must not, each for its own reason; handed over from
  // four threads at once, so that a store that sends writes together gets some together.
  std::vector<Mutation> writes;
  for (int i = 1; i <= 8; ++i)
    writes.push_back(CompletionDecidedOn(as_stored, absl::StrCat("x", i)));
  Mutation taken_name = CompletionDecidedOn(as_stored, "x9");
  taken_name.completion->resource.set_name(recorded.completion->resource.name());
  writes.push_back(taken_name);  // ALREADY_EXISTS
  writes.push_back(recorded);    // its key is recorded: kDuplicateRequest
  writes.push_back(CompletionDecidedOn({"practices/p1/clients/c1/assignments/a9", "etag-1"},
                                       "x10"));  // no such assignment
  CommitThenAnswers answers(writes.size());

  std::vector<std::thread> threads;
  for (size_t first = 0; first < 4; ++first) {
    threads.emplace_back([&, first] {
      for (size_t i = first; i < writes.size(); i += 4)
        store().CommitThen(writes[i], answers.Done(i));
    });
  }
  for (std::thread& thread : threads) thread.join();
  const std::vector<absl::StatusOr<CommitOutcome>> outcomes = answers.Await();

  for (size_t i = 0; i < 8; ++i) {
    SCOPED_TRACE(writes[i].completion->resource.name());
    ASSERT_THAT(outcomes[i], IsOk());
    EXPECT_EQ(*outcomes[i], CommitOutcome::kCommitted);
    absl::StatusOr<std::optional<v1::Completion>> stored =
        store().GetCompletion(writes[i].completion->resource.name());
    ASSERT_THAT(stored, IsOk());
    EXPECT_TRUE(stored->has_value());
  }
  EXPECT_THAT(outcomes[8], StatusIs(absl::StatusCode::kAlreadyExists));
  ASSERT_THAT(outcomes[9], IsOk());
  EXPECT_EQ(*outcomes[9], CommitOutcome::kDuplicateRequest);
  EXPECT_TRUE(IsReadChanged(outcomes[10].status())) << outcomes[10].status();
  // Nothing of the three refused: the keys of the first and the last are not recorded, and the
  // log has the events and the audit records of the nine completions committed, no more.
  for (size_t i : {size_t{8}, size_t{10}}) {
    absl::StatusOr<std::optional<IdempotentResult>> key =
        store().FindIdempotentResult(*writes[i].idempotency);
    ASSERT_THAT(key, IsOk());
    EXPECT_FALSE(key->has_value()) << writes[i].idempotency->request_id;
  }
  absl::StatusOr<std::vector<EventRecord>> events = store().ListEvents({.practice = "p1"});
  ASSERT_THAT(events, IsOk());
  EXPECT_EQ(events->size(), 9u);
  const std::vector<AuditRecord> audit = AllAudit(store());
  EXPECT_EQ(
      std::count_if(audit.begin(), audit.end(),
                    [](const AuditRecord& record) { return record.action == "CreateCompletion"; }),
      9);
}

TEST_P(StoreContractTest, MalformedResourceNameIsInvalidArgument) {
  absl::StatusOr<CommitOutcome> outcome =
      store().Commit(Inserting(MakeClient("practices/p1/assignments/c1")));

  EXPECT_THAT(outcome, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(AllAudit(store()), IsEmpty());
}

TEST_P(StoreContractTest, FailedCommitWritesNothing) {
  ExpectCommitted(store(), Inserting(MakeClient("practices/p1/clients/c1")));
  // A new assignment and an idempotency key, together with an update that must fail.
  const v1::Assignment assignment =
      MakeAssignment("practices/p1/clients/c1/assignments/a1", 1'700'000'000);
  v1::Client changed = MakeClient("practices/p1/clients/c1", {"therapist-9"});
  changed.set_etag("etag-2");
  const Mutation mutation{
      .client = Updating(changed, "etag-stale"),
      .assignment = Put<v1::Assignment>{.mode = WriteMode::kInsert, .resource = assignment},
      .idempotency =
          IdempotencyKey{.actor = "therapist-1", .method = "CreateAssignment", .request_id = "r-1"},
      .idempotent_result = assignment.name(),
      .audit = MakeAudit("CreateAssignment", assignment.name()),
  };

  absl::StatusOr<CommitOutcome> outcome = store().Commit(mutation);

  EXPECT_THAT(outcome, StatusIs(absl::StatusCode::kAborted));
  absl::StatusOr<std::optional<v1::Assignment>> stored = store().GetAssignment(assignment.name());
  ASSERT_THAT(stored, IsOk());
  EXPECT_FALSE(stored->has_value());
  absl::StatusOr<std::optional<IdempotentResult>> key =
      store().FindIdempotentResult(*mutation.idempotency);
  ASSERT_THAT(key, IsOk());
  EXPECT_FALSE(key->has_value());
  absl::StatusOr<Page<v1::Client>> of_new_member =
      store().ListClients({.practice_name = "practices/p1", .care_team_member = "therapist-9"});
  ASSERT_THAT(of_new_member, IsOk());
  EXPECT_THAT(of_new_member->items, IsEmpty());
  std::vector<AuditRecord> audit = AllAudit(store());
  ASSERT_EQ(audit.size(), 1u);
  EXPECT_EQ(audit[0].action, "CreateClient");
}

// ---- Idempotency. ----

TEST_P(StoreContractTest, IdempotencyKeyRecordsItsResult) {
  const v1::Client client = MakeClient("practices/p1/clients/c1");
  const IdempotencyKey key{.actor = "svc-1", .method = "CreateClient", .request_id = "r-1"};
  Mutation mutation = Inserting(client);
  mutation.idempotency = key;
  mutation.idempotent_result = client.name();
  mutation.request_fingerprint = "3f1c0a";

  ExpectCommitted(store(), mutation);

  absl::StatusOr<std::optional<IdempotentResult>> found = store().FindIdempotentResult(key);
  ASSERT_THAT(found, IsOk());
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->name, "practices/p1/clients/c1");
  EXPECT_EQ((*found)->request_fingerprint, "3f1c0a");
  // The key is the triple: changing any part finds nothing.
  for (const IdempotencyKey& other :
       {IdempotencyKey{.actor = "svc-2", .method = "CreateClient", .request_id = "r-1"},
        IdempotencyKey{.actor = "svc-1", .method = "CreateAssignment", .request_id = "r-1"},
        IdempotencyKey{.actor = "svc-1", .method = "CreateClient", .request_id = "r-2"}}) {
    absl::StatusOr<std::optional<IdempotentResult>> missing = store().FindIdempotentResult(other);
    ASSERT_THAT(missing, IsOk());
    EXPECT_FALSE(missing->has_value()) << other.actor << " " << other.method;
  }
}

TEST_P(StoreContractTest, DuplicateIdempotencyKeyIsDuplicateRequestAndWritesNothing) {
  const IdempotencyKey key{.actor = "client-7", .method = "CreateCompletion", .request_id = "r-1"};
  Mutation first = Inserting(
      MakeCompletion("practices/p1/clients/c7/assignments/a1/completions/x1", 1'700'000'000));
  first.idempotency = key;
  first.idempotent_result = "practices/p1/clients/c7/assignments/a1/completions/x1";
  ExpectCommitted(store(), first);
  // The retry generated another id before it could see the first result.
  Mutation retry = Inserting(
      MakeCompletion("practices/p1/clients/c7/assignments/a1/completions/x2", 1'700'000'000));
  retry.idempotency = key;
  retry.idempotent_result = "practices/p1/clients/c7/assignments/a1/completions/x2";

  absl::StatusOr<CommitOutcome> outcome = store().Commit(retry);

  ASSERT_THAT(outcome, IsOk());
  EXPECT_EQ(*outcome, CommitOutcome::kDuplicateRequest);
  absl::StatusOr<std::optional<v1::Completion>> second =
      store().GetCompletion("practices/p1/clients/c7/assignments/a1/completions/x2");
  ASSERT_THAT(second, IsOk());
  EXPECT_FALSE(second->has_value());
  absl::StatusOr<std::optional<IdempotentResult>> found = store().FindIdempotentResult(key);
  ASSERT_THAT(found, IsOk());
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->name, "practices/p1/clients/c7/assignments/a1/completions/x1");
  EXPECT_EQ(AllAudit(store()).size(), 1u);
}

TEST_P(StoreContractTest, DuplicateIdempotencyKeyWinsOverAlreadyExists) {
  // A retry of a create with a caller-chosen id collides on both the key and the name; the
  // caller must learn that it is a retry, to replay the first result.
  const IdempotencyKey key{.actor = "svc-1", .method = "CreateClient", .request_id = "r-1"};
  Mutation create = Inserting(MakeClient("practices/p1/clients/c1"));
  create.idempotency = key;
  create.idempotent_result = "practices/p1/clients/c1";
  ExpectCommitted(store(), create);

  absl::StatusOr<CommitOutcome> outcome = store().Commit(create);

  ASSERT_THAT(outcome, IsOk());
  EXPECT_EQ(*outcome, CommitOutcome::kDuplicateRequest);
}

// ---- Audit. ----

TEST_P(StoreContractTest, CommitAppendsItsAuditRecord) {
  const AuditRecord audit{
      .actor = "svc-1",
      .role = "service",
      .practice = "p1",
      .action = "CreateClient",
      .resource = "practices/p1/clients/c1",
      .call_id = "call-42",
      .time = absl::FromUnixMicros(1'700'000'000'123'456),
      .outcome = "OK",
  };
  Mutation mutation = Inserting(MakeClient("practices/p1/clients/c1"));
  mutation.audit = audit;

  ExpectCommitted(store(), mutation);

  EXPECT_THAT(AllAudit(store()), ElementsAre(audit));
}

TEST_P(StoreContractTest, ListAuditFiltersByPrefixOldestFirstUpToLimit) {
  ExpectCommitted(store(), Inserting(MakeClient("practices/p1/clients/c1")));
  AuditRecord refused = MakeAudit("GetClient", "practices/p1/clients/c2");
  refused.outcome = "PERMISSION_DENIED";
  ASSERT_THAT(store().AppendAudit(refused), IsOk());
  ASSERT_THAT(store().AppendAudit(MakeAudit("GetClient", "practices/p2/clients/c1")), IsOk());
  ASSERT_THAT(store().AppendAudit(MakeAudit("ListAssignments", "practices/p1/clients/c1")), IsOk());
  // "practices/p10" starts with "practices/p1" as a string; a prefix is a plain string prefix.
  ASSERT_THAT(store().AppendAudit(MakeAudit("GetClient", "practices/p10/clients/c1")), IsOk());

  absl::StatusOr<std::vector<AuditRecord>> p1 = store().ListAudit("practices/p1/", 100);
  ASSERT_THAT(p1, IsOk());
  std::vector<std::string> actions;
  for (const AuditRecord& record : *p1) actions.push_back(record.action + " " + record.resource);
  EXPECT_THAT(actions, ElementsAre("CreateClient practices/p1/clients/c1",
                                   "GetClient practices/p1/clients/c2",
                                   "ListAssignments practices/p1/clients/c1"));
  EXPECT_EQ((*p1)[1].outcome, "PERMISSION_DENIED");

  absl::StatusOr<std::vector<AuditRecord>> limited = store().ListAudit("practices/p1", 3);
  ASSERT_THAT(limited, IsOk());
  ASSERT_EQ(limited->size(), 3u);
  EXPECT_EQ((*limited)[2].resource, "practices/p1/clients/c1");
  EXPECT_EQ(AllAudit(store()).size(), 5u);
}

// The records of several calls' reads, appended together, are all listed in the order given,
// after those appended before them.
TEST_P(StoreContractTest, AppendAuditsAppendsEveryRecordInOrder) {
  ASSERT_THAT(store().AppendAudit(MakeAudit("GetClient", "practices/p1/clients/c0")), IsOk());
  std::vector<AuditRecord> batch;
  for (int i = 1; i <= 3; ++i) {
    batch.push_back(MakeAudit("GetAssignment", absl::StrCat("practices/p1/clients/c", i)));
  }
  batch[1].outcome = "NOT_FOUND";
  ASSERT_THAT(store().AppendAudits(batch), IsOk());

  std::vector<std::string> listed;
  for (const AuditRecord& record : AllAudit(store())) {
    listed.push_back(record.action + " " + record.resource + " " + record.outcome);
  }
  EXPECT_THAT(listed, ElementsAre("GetClient practices/p1/clients/c0 OK",
                                  "GetAssignment practices/p1/clients/c1 OK",
                                  "GetAssignment practices/p1/clients/c2 NOT_FOUND",
                                  "GetAssignment practices/p1/clients/c3 OK"));
}

// ---- ListClients. ----

TEST_P(StoreContractTest, ListClientsIsInNameOrderWithinThePractice) {
  for (const char* name : {"practices/p1/clients/c3", "practices/p2/clients/c2",
                           "practices/p1/clients/c1", "practices/p1/clients/c2"}) {
    ExpectCommitted(store(), Inserting(MakeClient(name)));
  }

  absl::StatusOr<Page<v1::Client>> page = store().ListClients({.practice_name = "practices/p1"});

  ASSERT_THAT(page, IsOk());
  EXPECT_THAT(
      NamesOf(page->items),
      ElementsAre("practices/p1/clients/c1", "practices/p1/clients/c2", "practices/p1/clients/c3"));
  EXPECT_EQ(page->next_page_token, "");
}

TEST_P(StoreContractTest, ListClientsFiltersByCareTeamMember) {
  ExpectCommitted(store(), Inserting(MakeClient("practices/p1/clients/c1", {"t-ann", "t-bob"})));
  ExpectCommitted(store(), Inserting(MakeClient("practices/p1/clients/c2", {"t-bob"})));
  ExpectCommitted(store(), Inserting(MakeClient("practices/p1/clients/c3", {"t-ann"})));
  ExpectCommitted(store(), Inserting(MakeClient("practices/p1/clients/c4")));
  ExpectCommitted(store(), Inserting(MakeClient("practices/p2/clients/c5", {"t-ann"})));

  absl::StatusOr<Page<v1::Client>> ann =
      store().ListClients({.practice_name = "practices/p1", .care_team_member = "t-ann"});

  ASSERT_THAT(ann, IsOk());
  EXPECT_THAT(NamesOf(ann->items),
              ElementsAre("practices/p1/clients/c1", "practices/p1/clients/c3"));
}

TEST_P(StoreContractTest, UpdatedCareTeamChangesTheMemberFilter) {
  const v1::Client client = MakeClient("practices/p1/clients/c1", {"t-ann"});
  ExpectCommitted(store(), Inserting(client));
  v1::Client handed_over = client;
  handed_over.clear_care_team();
  handed_over.add_care_team("t-bob");
  handed_over.set_etag("etag-2");

  ExpectCommitted(store(), Mutation{.client = Updating(handed_over, "etag-1"),
                                    .audit = MakeAudit("UpdateClient", client.name())});

  absl::StatusOr<Page<v1::Client>> ann =
      store().ListClients({.practice_name = "practices/p1", .care_team_member = "t-ann"});
  absl::StatusOr<Page<v1::Client>> bob =
      store().ListClients({.practice_name = "practices/p1", .care_team_member = "t-bob"});
  ASSERT_THAT(ann, IsOk());
  ASSERT_THAT(bob, IsOk());
  EXPECT_THAT(ann->items, IsEmpty());
  EXPECT_THAT(NamesOf(bob->items), ElementsAre("practices/p1/clients/c1"));
}

TEST_P(StoreContractTest, ListClientsPagesWithoutDuplicatesOrGaps) {
  std::vector<std::string> expected;
  for (int i = 0; i < 25; ++i) {
    // Inserted in descending order, to show the order comes from the names.
    const std::string name = absl::StrCat("practices/p1/clients/c", 100 + 24 - i);
    ExpectCommitted(store(), Inserting(MakeClient(name, {i % 2 == 0 ? "t-even" : "t-odd"})));
    expected.insert(expected.begin(), name);
  }
  const std::function<absl::StatusOr<Page<v1::Client>>(const ClientQuery&)> list =
      [&](const ClientQuery& query) { return store().ListClients(query); };

  int pages = 0;
  EXPECT_EQ(NamesOfAllPages(ClientQuery{.practice_name = "practices/p1"}, 10, list, &pages),
            expected);
  EXPECT_EQ(pages, 3);

  std::vector<std::string> even;
  for (int i = 24; i >= 0; i -= 2) even.push_back(absl::StrCat("practices/p1/clients/c", 124 - i));
  EXPECT_EQ(
      NamesOfAllPages(ClientQuery{.practice_name = "practices/p1", .care_team_member = "t-even"}, 5,
                      list, &pages),
      even);
  EXPECT_EQ(pages, 3);
}

// ---- ListAssignments. ----

TEST_P(StoreContractTest, ListAssignmentsIsNewestFirstWithNameDescendingOnTies) {
  const std::string c1 = "practices/p1/clients/c1";
  ExpectCommitted(store(), Inserting(MakeAssignment(c1 + "/assignments/old", 1'700'000'000)));
  ExpectCommitted(store(), Inserting(MakeAssignment(c1 + "/assignments/new", 1'700'000'500)));
  ExpectCommitted(store(), Inserting(MakeAssignment(c1 + "/assignments/tie-a", 1'700'000'200)));
  ExpectCommitted(store(), Inserting(MakeAssignment(c1 + "/assignments/tie-b", 1'700'000'200)));
  ExpectCommitted(store(), Inserting(MakeAssignment("practices/p1/clients/c2/assignments/other",
                                                    1'700'000'300)));

  absl::StatusOr<Page<v1::Assignment>> page = store().ListAssignments({.client_name = c1});

  ASSERT_THAT(page, IsOk());
  EXPECT_THAT(NamesOf(page->items),
              ElementsAre(c1 + "/assignments/new", c1 + "/assignments/tie-b",
                          c1 + "/assignments/tie-a", c1 + "/assignments/old"));
}

TEST_P(StoreContractTest, ListAssignmentsFiltersByState) {
  const std::string c1 = "practices/p1/clients/c1";
  ExpectCommitted(store(), Inserting(MakeAssignment(c1 + "/assignments/draft", 1'700'000'001,
                                                    v1::Assignment::STATE_DRAFT)));
  ExpectCommitted(store(), Inserting(MakeAssignment(c1 + "/assignments/active", 1'700'000'002,
                                                    v1::Assignment::STATE_ACTIVE)));
  ExpectCommitted(store(), Inserting(MakeAssignment(c1 + "/assignments/cancelled", 1'700'000'003,
                                                    v1::Assignment::STATE_CANCELLED)));

  absl::StatusOr<Page<v1::Assignment>> live = store().ListAssignments(
      {.client_name = c1, .states = {v1::Assignment::STATE_ACTIVE, v1::Assignment::STATE_DRAFT}});
  absl::StatusOr<Page<v1::Assignment>> completed =
      store().ListAssignments({.client_name = c1, .states = {v1::Assignment::STATE_COMPLETED}});
  absl::StatusOr<Page<v1::Assignment>> every = store().ListAssignments({.client_name = c1});

  ASSERT_THAT(live, IsOk());
  ASSERT_THAT(completed, IsOk());
  ASSERT_THAT(every, IsOk());
  EXPECT_THAT(NamesOf(live->items),
              ElementsAre(c1 + "/assignments/active", c1 + "/assignments/draft"));
  EXPECT_THAT(completed->items, IsEmpty());
  EXPECT_EQ(every->items.size(), 3u);
}

TEST_P(StoreContractTest, ListAssignmentsPagesAcrossEqualTimes) {
  const std::string c1 = "practices/p1/clients/c1";
  std::vector<std::string> expected;
  // 25 assignments, five per creation second: pages must cut inside runs of equal times.
  for (int second = 4; second >= 0; --second) {
    for (int i = 4; i >= 0; --i) {
      const std::string name = absl::StrCat(c1, "/assignments/a", second, "-", i);
      ExpectCommitted(store(), Inserting(MakeAssignment(name, 1'700'000'000 + second)));
      expected.push_back(name);
    }
  }
  const std::function<absl::StatusOr<Page<v1::Assignment>>(const AssignmentQuery&)> list =
      [&](const AssignmentQuery& query) { return store().ListAssignments(query); };

  int pages = 0;
  EXPECT_EQ(NamesOfAllPages(AssignmentQuery{.client_name = c1}, 7, list, &pages), expected);
  EXPECT_EQ(pages, 4);
}

TEST_P(StoreContractTest, ListAssignmentsOfAPracticeCoversEveryClientOfItOnly) {
  const std::string p1 = "practices/p1/clients/";
  ExpectCommitted(store(), Inserting(MakeAssignment(p1 + "c1/assignments/old", 1'700'000'000)));
  ExpectCommitted(store(), Inserting(MakeAssignment(p1 + "c2/assignments/new", 1'700'000'500)));
  // Equal times across clients: name descending, so c2's before c1's.
  ExpectCommitted(store(), Inserting(MakeAssignment(p1 + "c1/assignments/tie", 1'700'000'200)));
  ExpectCommitted(store(), Inserting(MakeAssignment(p1 + "c2/assignments/tie", 1'700'000'200)));
  ExpectCommitted(store(), Inserting(MakeAssignment(p1 + "c10/assignments/a1", 1'700'000'300)));
  // Other practices, including p10, whose id starts with "p1", and p2 with the same client ids.
  for (const char* other :
       {"practices/p10/clients/c1/assignments/a1", "practices/p2/clients/c1/assignments/a1",
        "practices/p2/clients/c2/assignments/tie"}) {
    ExpectCommitted(store(), Inserting(MakeAssignment(other, 1'700'000'400)));
  }
  // Not an assignment.
  ExpectCommitted(store(), Inserting(MakeHierarchy(p1 + "c1/hierarchies/h1", 1'700'000'450)));

  absl::StatusOr<Page<v1::Assignment>> p1_page =
      store().ListAssignments({.practice_name = "practices/p1"});
  absl::StatusOr<Page<v1::Assignment>> p10_page =
      store().ListAssignments({.practice_name = "practices/p10"});
  absl::StatusOr<Page<v1::Assignment>> p3_page =
      store().ListAssignments({.practice_name = "practices/p3"});

  ASSERT_THAT(p1_page, IsOk());
  EXPECT_THAT(
      NamesOf(p1_page->items),
      ElementsAre(p1 + "c2/assignments/new", p1 + "c10/assignments/a1", p1 + "c2/assignments/tie",
                  p1 + "c1/assignments/tie", p1 + "c1/assignments/old"));
  EXPECT_EQ(p1_page->next_page_token, "");
  ASSERT_THAT(p10_page, IsOk());
  EXPECT_THAT(NamesOf(p10_page->items), ElementsAre("practices/p10/clients/c1/assignments/a1"));
  ASSERT_THAT(p3_page, IsOk());
  EXPECT_THAT(p3_page->items, IsEmpty());
}

TEST_P(StoreContractTest, ListAssignmentsOfAPracticeFiltersByState) {
  ExpectCommitted(store(), Inserting(MakeAssignment("practices/p1/clients/c1/assignments/draft",
                                                    1'700'000'001, v1::Assignment::STATE_DRAFT)));
  ExpectCommitted(store(), Inserting(MakeAssignment("practices/p1/clients/c2/assignments/active",
                                                    1'700'000'002, v1::Assignment::STATE_ACTIVE)));
  ExpectCommitted(store(),
                  Inserting(MakeAssignment("practices/p1/clients/c3/assignments/cancelled",
                                           1'700'000'003, v1::Assignment::STATE_CANCELLED)));
  ExpectCommitted(store(), Inserting(MakeAssignment("practices/p10/clients/c1/assignments/active",
                                                    1'700'000'004, v1::Assignment::STATE_ACTIVE)));
  // An assignment that became active later is found by its new state.
  v1::Assignment activated =
      MakeAssignment("practices/p1/clients/c4/assignments/activated", 1'700'000'000);
  ExpectCommitted(store(), Inserting(activated));
  activated.set_state(v1::Assignment::STATE_ACTIVE);
  activated.set_etag("etag-2");
  ExpectCommitted(store(), Mutation{.assignment = Updating(activated, "etag-1"),
                                    .audit = MakeAudit("ActivateAssignment", activated.name())});

  absl::StatusOr<Page<v1::Assignment>> active = store().ListAssignments(
      {.practice_name = "practices/p1", .states = {v1::Assignment::STATE_ACTIVE}});
  absl::StatusOr<Page<v1::Assignment>> live = store().ListAssignments(
      {.practice_name = "practices/p1",
       .states = {v1::Assignment::STATE_ACTIVE, v1::Assignment::STATE_DRAFT}});
  absl::StatusOr<Page<v1::Assignment>> completed = store().ListAssignments(
      {.practice_name = "practices/p1", .states = {v1::Assignment::STATE_COMPLETED}});

  ASSERT_THAT(active, IsOk());
  ASSERT_THAT(live, IsOk());
  ASSERT_THAT(completed, IsOk());
  EXPECT_THAT(NamesOf(active->items), ElementsAre("practices/p1/clients/c2/assignments/active",
                                                  "practices/p1/clients/c4/assignments/activated"));
  EXPECT_THAT(NamesOf(live->items), ElementsAre("practices/p1/clients/c2/assignments/active",
                                                "practices/p1/clients/c1/assignments/draft",
                                                "practices/p1/clients/c4/assignments/activated"));
  EXPECT_THAT(completed->items, IsEmpty());
}

TEST_P(StoreContractTest, ListAssignmentsOfAPracticePagesAcrossClientsAndEqualTimes) {
  std::vector<std::string> expected;
  std::vector<std::string> expected_active;
  // 24 assignments of three clients, three per creation second per client: pages of 5 cut
  // inside runs of equal times that span clients. Every other one is active.
  for (int second = 3; second >= 0; --second) {
    for (int c = 3; c >= 1; --c) {
      for (int i = 1; i >= 0; --i) {
        const std::string name =
            absl::StrCat("practices/p1/clients/c", c, "/assignments/a", second, "-", i);
        const bool active = i == 1;
        ExpectCommitted(store(), Inserting(MakeAssignment(name, 1'700'000'000 + second,
                                                          active ? v1::Assignment::STATE_ACTIVE
                                                                 : v1::Assignment::STATE_DRAFT)));
        expected.push_back(name);
        if (active) expected_active.push_back(name);
        ExpectCommitted(store(),
                        Inserting(MakeAssignment(absl::StrCat("practices/p10/clients/c", c,
                                                              "/assignments/a", second, "-", i),
                                                 1'700'000'000 + second)));
      }
    }
  }
  const std::function<absl::StatusOr<Page<v1::Assignment>>(const AssignmentQuery&)> list =
      [&](const AssignmentQuery& query) { return store().ListAssignments(query); };

  int pages = 0;
  EXPECT_EQ(NamesOfAllPages(AssignmentQuery{.practice_name = "practices/p1"}, 5, list, &pages),
            expected);
  EXPECT_EQ(pages, 5);
  EXPECT_EQ(NamesOfAllPages(AssignmentQuery{.practice_name = "practices/p1",
                                            .states = {v1::Assignment::STATE_ACTIVE}},
                            5, list, &pages),
            expected_active);
  EXPECT_EQ(pages, 3);
}

TEST_P(StoreContractTest, PageTokenOfAPracticeWideListIsRefusedByAClientsList) {
  const std::string c1 = "practices/p1/clients/c1";
  for (int i = 0; i < 3; ++i) {
    ExpectCommitted(store(), Inserting(MakeAssignment(absl::StrCat(c1, "/assignments/a", i),
                                                      1'700'000'000 + i)));
  }
  absl::StatusOr<Page<v1::Assignment>> of_practice =
      store().ListAssignments({.practice_name = "practices/p1", .page = {.page_size = 1}});
  absl::StatusOr<Page<v1::Assignment>> of_client =
      store().ListAssignments({.client_name = c1, .page = {.page_size = 1}});
  ASSERT_THAT(of_practice, IsOk());
  ASSERT_THAT(of_client, IsOk());
  ASSERT_NE(of_practice->next_page_token, "");
  ASSERT_NE(of_client->next_page_token, "");

  absl::StatusOr<Page<v1::Assignment>> client_with_practice_token = store().ListAssignments(
      {.client_name = c1, .page = {.page_size = 1, .page_token = of_practice->next_page_token}});
  absl::StatusOr<Page<v1::Assignment>> practice_with_client_token =
      store().ListAssignments({.practice_name = "practices/p1",
                               .page = {.page_size = 1, .page_token = of_client->next_page_token}});
  absl::StatusOr<Page<v1::Assignment>> other_practice = store().ListAssignments(
      {.practice_name = "practices/p2",
       .page = {.page_size = 1, .page_token = of_practice->next_page_token}});

  for (const absl::Status& status :
       {client_with_practice_token.status(), practice_with_client_token.status(),
        other_practice.status()}) {
    EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("page_token")));
  }
}

TEST_P(StoreContractTest, ListAssignmentsNeedsExactlyOneOfClientAndPractice) {
  absl::StatusOr<Page<v1::Assignment>> neither = store().ListAssignments({});
  absl::StatusOr<Page<v1::Assignment>> both = store().ListAssignments(
      {.client_name = "practices/p1/clients/c1", .practice_name = "practices/p1"});
  absl::StatusOr<Page<v1::Assignment>> bare_id = store().ListAssignments({.practice_name = "p1"});

  EXPECT_THAT(neither, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("client_name")));
  EXPECT_THAT(both, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("client_name")));
  EXPECT_THAT(bare_id, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("practice_name")));
}

// ---- ListCompletions. ----

TEST_P(StoreContractTest, ListCompletionsIsNewestOccurTimeFirst) {
  const std::string a1 = "practices/p1/clients/c1/assignments/a1";
  ExpectCommitted(store(), Inserting(MakeCompletion(a1 + "/completions/monday", 1'700'000'000)));
  ExpectCommitted(store(), Inserting(MakeCompletion(a1 + "/completions/friday", 1'700'345'600)));
  ExpectCommitted(store(), Inserting(MakeCompletion(a1 + "/completions/tuesday", 1'700'086'400)));

  absl::StatusOr<Page<v1::Completion>> page =
      store().ListCompletions({.client_name = "practices/p1/clients/c1", .assignment_name = a1});

  ASSERT_THAT(page, IsOk());
  EXPECT_THAT(NamesOf(page->items),
              ElementsAre(a1 + "/completions/friday", a1 + "/completions/tuesday",
                          a1 + "/completions/monday"));
}

TEST_P(StoreContractTest, ListCompletionsOfOneAssignmentOrOfAllOfTheClients) {
  const std::string c1 = "practices/p1/clients/c1";
  ExpectCommitted(store(), Inserting(MakeCompletion(c1 + "/assignments/a1/completions/x1", 100)));
  ExpectCommitted(store(), Inserting(MakeCompletion(c1 + "/assignments/a2/completions/x2", 200)));
  ExpectCommitted(store(), Inserting(MakeCompletion(c1 + "/assignments/a1/completions/x3", 300)));
  ExpectCommitted(store(), Inserting(MakeCompletion(
                               "practices/p1/clients/c2/assignments/a1/completions/x4", 400)));

  absl::StatusOr<Page<v1::Completion>> of_a1 =
      store().ListCompletions({.client_name = c1, .assignment_name = c1 + "/assignments/a1"});
  absl::StatusOr<Page<v1::Completion>> of_all = store().ListCompletions({.client_name = c1});

  ASSERT_THAT(of_a1, IsOk());
  ASSERT_THAT(of_all, IsOk());
  EXPECT_THAT(NamesOf(of_a1->items), ElementsAre(c1 + "/assignments/a1/completions/x3",
                                                 c1 + "/assignments/a1/completions/x1"));
  EXPECT_THAT(NamesOf(of_all->items), ElementsAre(c1 + "/assignments/a1/completions/x3",
                                                  c1 + "/assignments/a2/completions/x2",
                                                  c1 + "/assignments/a1/completions/x1"));
}

TEST_P(StoreContractTest, ListCompletionsWindowIncludesStartAndExcludesEnd) {
  const std::string a1 = "practices/p1/clients/c1/assignments/a1";
  ExpectCommitted(store(), Inserting(MakeCompletion(a1 + "/completions/before", 999)));
  ExpectCommitted(store(), Inserting(MakeCompletion(a1 + "/completions/at-start", 1000)));
  ExpectCommitted(store(), Inserting(MakeCompletion(a1 + "/completions/inside", 1500)));
  v1::Completion just_before_end = MakeCompletion(a1 + "/completions/just-before-end", 1999);
  *just_before_end.mutable_occur_time() = At(1999, 999'999'000);
  ExpectCommitted(store(), Inserting(just_before_end));
  ExpectCommitted(store(), Inserting(MakeCompletion(a1 + "/completions/at-end", 2000)));

  absl::StatusOr<Page<v1::Completion>> window =
      store().ListCompletions({.client_name = "practices/p1/clients/c1",
                               .start_time = absl::FromUnixSeconds(1000),
                               .end_time = absl::FromUnixSeconds(2000)});
  absl::StatusOr<Page<v1::Completion>> from_start = store().ListCompletions(
      {.client_name = "practices/p1/clients/c1", .start_time = absl::FromUnixSeconds(1500)});
  absl::StatusOr<Page<v1::Completion>> until_end = store().ListCompletions(
      {.client_name = "practices/p1/clients/c1", .end_time = absl::FromUnixSeconds(1000)});

  ASSERT_THAT(window, IsOk());
  EXPECT_THAT(NamesOf(window->items),
              ElementsAre(a1 + "/completions/just-before-end", a1 + "/completions/inside",
                          a1 + "/completions/at-start"));
  ASSERT_THAT(from_start, IsOk());
  ASSERT_THAT(until_end, IsOk());
  EXPECT_THAT(NamesOf(from_start->items),
              ElementsAre(a1 + "/completions/at-end", a1 + "/completions/just-before-end",
                          a1 + "/completions/inside"));
  EXPECT_THAT(NamesOf(until_end->items), ElementsAre(a1 + "/completions/before"));
}

TEST_P(StoreContractTest, ListCompletionsPagesWithinAWindow) {
  const std::string c1 = "practices/p1/clients/c1";
  std::vector<std::string> expected;
  // 30 completions over two assignments, three per second; the window keeps seconds 1..8.
  for (int second = 9; second >= 0; --second) {
    for (int i = 2; i >= 0; --i) {
      const std::string name =
          absl::StrCat(c1, "/assignments/a", i % 2, "/completions/x", second, "-", i);
      ExpectCommitted(store(), Inserting(MakeCompletion(name, 5000 + second)));
      if (second >= 1 && second <= 8) expected.push_back(name);
    }
  }
  // Names descending within a second: x{s}-2 (a0), x{s}-1 (a1), x{s}-0 (a0) sort by full name.
  std::stable_sort(expected.begin(), expected.end(),
                   [](const std::string& a, const std::string& b) {
                     const std::string sa = a.substr(a.rfind("/x") + 2, 1);
                     const std::string sb = b.substr(b.rfind("/x") + 2, 1);
                     if (sa != sb) return sa > sb;
                     return a > b;
                   });
  const std::function<absl::StatusOr<Page<v1::Completion>>(const CompletionQuery&)> list =
      [&](const CompletionQuery& query) { return store().ListCompletions(query); };

  int pages = 0;
  EXPECT_EQ(NamesOfAllPages(CompletionQuery{.client_name = c1,
                                            .start_time = absl::FromUnixSeconds(5001),
                                            .end_time = absl::FromUnixSeconds(5009)},
                            10, list, &pages),
            expected);
  EXPECT_EQ(expected.size(), 24u);
  EXPECT_EQ(pages, 3);
}

TEST_P(StoreContractTest, ListCompletionsOfMeasuresOnlyKeepsTheWindowAndPages) {
  const std::string c1 = "practices/p1/clients/c1";
  auto insert = [&](const std::string& name, int64_t at, bool measure) {
    ExpectCommitted(
        store(), Inserting(measure ? MakeMeasureCompletion(name, at) : MakeCompletion(name, at)));
  };
  insert(c1 + "/assignments/m/completions/first", 100, true);
  insert(c1 + "/assignments/a1/completions/practice", 200, false);
  insert(c1 + "/assignments/n/completions/second", 300, true);
  insert(c1 + "/assignments/m/completions/third", 400, true);
  insert("practices/p1/clients/c2/assignments/m/completions/other-client", 250, true);
  const std::function<absl::StatusOr<Page<v1::Completion>>(const CompletionQuery&)> list =
      [&](const CompletionQuery& query) { return store().ListCompletions(query); };

  int pages = 0;
  EXPECT_THAT(
      NamesOfAllPages(CompletionQuery{.client_name = c1, .measures_only = true}, 1, list, &pages),
      ElementsAre(c1 + "/assignments/m/completions/third", c1 + "/assignments/n/completions/second",
                  c1 + "/assignments/m/completions/first"));
  EXPECT_EQ(pages, 3);
  absl::StatusOr<Page<v1::Completion>> before = store().ListCompletions(
      {.client_name = c1, .end_time = absl::FromUnixSeconds(300), .measures_only = true});
  ASSERT_THAT(before, IsOk());
  EXPECT_THAT(NamesOf(before->items), ElementsAre(c1 + "/assignments/m/completions/first"));
  EXPECT_TRUE(before->items[0].has_measure());

  // A page of measures does not continue a list of every completion, and measures are the
  // client's, not one assignment's.
  absl::StatusOr<Page<v1::Completion>> first_page =
      store().ListCompletions({.client_name = c1, .measures_only = true, .page = {.page_size = 1}});
  ASSERT_THAT(first_page, IsOk());
  ASSERT_FALSE(first_page->next_page_token.empty());
  EXPECT_THAT(store().ListCompletions(
                  {.client_name = c1, .page = {.page_token = first_page->next_page_token}}),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(
      store().ListCompletions(
          {.client_name = c1, .assignment_name = c1 + "/assignments/m", .measures_only = true}),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("measures_only")));
}

// ---- Hierarchies. ----

TEST_P(StoreContractTest, InsertedHierarchyReadsBackEqual) {
  v1::Hierarchy hierarchy = MakeHierarchy("practices/p1/clients/c1/hierarchies/h1", 1'700'000'000);
  hierarchy.set_current_step(1);
  v1::ProgressionDecision* decision = hierarchy.add_decisions();
  decision->set_kind(v1::ProgressionDecision::KIND_ADVANCE);
  decision->set_from_step(0);
  decision->set_to_step(1);
  decision->set_reason("Peak-to-end drop of 60% twice");
  decision->set_decided_by("therapist-1");
  *decision->mutable_decide_time() = At(1'700'100'000, 250'000);
  *hierarchy.mutable_update_time() = At(1'700'100'000, 250'000);

  ExpectCommitted(store(), Inserting(hierarchy));

  absl::StatusOr<std::optional<v1::Hierarchy>> stored = store().GetHierarchy(hierarchy.name());
  ASSERT_THAT(stored, IsOk());
  ASSERT_TRUE(stored->has_value());
  EXPECT_TRUE(MessageDifferencer::Equals(**stored, hierarchy)) << (*stored)->DebugString();
}

TEST_P(StoreContractTest, InsertOfExistingHierarchyNameIsAlreadyExists) {
  const std::string name = "practices/p1/clients/c1/hierarchies/h1";
  ExpectCommitted(store(), Inserting(MakeHierarchy(name, 1'700'000'000)));
  v1::Hierarchy second = MakeHierarchy(name, 1'700'000'500);
  second.set_target("Someone else's fear");

  absl::StatusOr<CommitOutcome> outcome = store().Commit(Inserting(second));

  EXPECT_THAT(outcome, StatusIs(absl::StatusCode::kAlreadyExists));
  absl::StatusOr<std::optional<v1::Hierarchy>> stored = store().GetHierarchy(name);
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_EQ((*stored)->target(), "Speaking up in meetings");
  EXPECT_EQ(AllAudit(store()).size(), 1u);
}

TEST_P(StoreContractTest, UpdateHierarchyWithCurrentEtagReplacesIt) {
  const v1::Hierarchy original =
      MakeHierarchy("practices/p1/clients/c1/hierarchies/h1", 1'700'000'000);
  ExpectCommitted(store(), Inserting(original));
  v1::Hierarchy advanced = original;
  advanced.set_current_step(1);
  advanced.set_etag("etag-2");

  ExpectCommitted(store(), Mutation{.hierarchy = Updating(advanced, "etag-1"),
                                    .audit = MakeAudit("AdvanceHierarchy", advanced.name())});

  absl::StatusOr<std::optional<v1::Hierarchy>> stored = store().GetHierarchy(advanced.name());
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_TRUE(MessageDifferencer::Equals(**stored, advanced));
}

TEST_P(StoreContractTest, UpdateHierarchyWithStaleEtagIsAborted) {
  const v1::Hierarchy original =
      MakeHierarchy("practices/p1/clients/c1/hierarchies/h1", 1'700'000'000);
  ExpectCommitted(store(), Inserting(original));
  v1::Hierarchy advanced = original;
  advanced.set_current_step(1);
  advanced.set_etag("etag-3");

  absl::StatusOr<CommitOutcome> outcome =
      store().Commit(Mutation{.hierarchy = Updating(advanced, "etag-0"),
                              .audit = MakeAudit("AdvanceHierarchy", advanced.name())});

  EXPECT_THAT(outcome, StatusIs(absl::StatusCode::kAborted));
  absl::StatusOr<std::optional<v1::Hierarchy>> stored = store().GetHierarchy(original.name());
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_TRUE(MessageDifferencer::Equals(**stored, original));
  EXPECT_EQ(AllAudit(store()).size(), 1u);
}

TEST_P(StoreContractTest, UpdateOfMissingHierarchyIsNotFound) {
  const v1::Hierarchy hierarchy =
      MakeHierarchy("practices/p1/clients/c1/hierarchies/h1", 1'700'000'000);

  absl::StatusOr<CommitOutcome> outcome =
      store().Commit(Mutation{.hierarchy = Updating(hierarchy, "etag-1"),
                              .audit = MakeAudit("AdvanceHierarchy", hierarchy.name())});

  EXPECT_THAT(outcome, StatusIs(absl::StatusCode::kNotFound));
}

TEST_P(StoreContractTest, MalformedHierarchyNameIsInvalidArgument) {
  absl::StatusOr<CommitOutcome> outcome = store().Commit(
      Inserting(MakeHierarchy("practices/p1/clients/c1/assignments/h1", 1'700'000'000)));

  EXPECT_THAT(outcome, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("hierarchies")));
  EXPECT_THAT(AllAudit(store()), IsEmpty());
}

TEST_P(StoreContractTest, FailedCommitIncludingAHierarchyWritesNothing) {
  ExpectCommitted(store(), Inserting(MakeClient("practices/p1/clients/c1")));
  // A new hierarchy and an idempotency key, together with a client update that must fail.
  const v1::Hierarchy hierarchy =
      MakeHierarchy("practices/p1/clients/c1/hierarchies/h1", 1'700'000'000);
  v1::Client changed = MakeClient("practices/p1/clients/c1");
  changed.set_display_name("Samantha");
  changed.set_etag("etag-2");
  const Mutation mutation{
      .client = Updating(changed, "etag-stale"),
      .hierarchy = Put<v1::Hierarchy>{.mode = WriteMode::kInsert, .resource = hierarchy},
      .idempotency =
          IdempotencyKey{.actor = "therapist-1", .method = "CreateHierarchy", .request_id = "r-1"},
      .idempotent_result = hierarchy.name(),
      .audit = MakeAudit("CreateHierarchy", hierarchy.name()),
  };

  absl::StatusOr<CommitOutcome> outcome = store().Commit(mutation);

  EXPECT_THAT(outcome, StatusIs(absl::StatusCode::kAborted));
  absl::StatusOr<std::optional<v1::Hierarchy>> stored = store().GetHierarchy(hierarchy.name());
  ASSERT_THAT(stored, IsOk());
  EXPECT_FALSE(stored->has_value());
  absl::StatusOr<Page<v1::Hierarchy>> listed =
      store().ListHierarchies({.client_name = "practices/p1/clients/c1"});
  ASSERT_THAT(listed, IsOk());
  EXPECT_THAT(listed->items, IsEmpty());
  absl::StatusOr<std::optional<IdempotentResult>> key =
      store().FindIdempotentResult(*mutation.idempotency);
  ASSERT_THAT(key, IsOk());
  EXPECT_FALSE(key->has_value());
  std::vector<AuditRecord> audit = AllAudit(store());
  ASSERT_EQ(audit.size(), 1u);
  EXPECT_EQ(audit[0].action, "CreateClient");
}

TEST_P(StoreContractTest, CommitOfAnAssignmentAndAHierarchyIsAtomic) {
  const std::string c1 = "practices/p1/clients/c1";
  const v1::Assignment practice = MakeAssignment(c1 + "/assignments/a1", 1'700'000'000);
  const v1::Hierarchy hierarchy = MakeHierarchy(c1 + "/hierarchies/h1", 1'700'000'000);
  ExpectCommitted(
      store(),
      Mutation{.assignment = Put<v1::Assignment>{.mode = WriteMode::kInsert, .resource = practice},
               .hierarchy = Put<v1::Hierarchy>{.mode = WriteMode::kInsert, .resource = hierarchy},
               .audit = MakeAudit("CreateHierarchy", hierarchy.name())});
  // The next step's practice, written with a hierarchy update whose etag is stale: the
  // assignment must not land without the hierarchy change.
  const v1::Assignment next_practice = MakeAssignment(c1 + "/assignments/a2", 1'700'000'100);
  v1::Hierarchy advanced = hierarchy;
  advanced.set_current_step(1);
  advanced.set_etag("etag-3");

  absl::StatusOr<CommitOutcome> stale = store().Commit(Mutation{
      .assignment = Put<v1::Assignment>{.mode = WriteMode::kInsert, .resource = next_practice},
      .hierarchy = Updating(advanced, "etag-0"),
      .audit = MakeAudit("AdvanceHierarchy", advanced.name())});

  EXPECT_THAT(stale, StatusIs(absl::StatusCode::kAborted));
  absl::StatusOr<std::optional<v1::Assignment>> first = store().GetAssignment(practice.name());
  absl::StatusOr<std::optional<v1::Hierarchy>> stored = store().GetHierarchy(hierarchy.name());
  absl::StatusOr<std::optional<v1::Assignment>> second =
      store().GetAssignment(next_practice.name());
  ASSERT_THAT(first, IsOk());
  ASSERT_THAT(stored, IsOk());
  ASSERT_THAT(second, IsOk());
  EXPECT_TRUE(first->has_value());
  ASSERT_TRUE(stored->has_value());
  EXPECT_TRUE(MessageDifferencer::Equals(**stored, hierarchy));
  EXPECT_FALSE(second->has_value());
  std::vector<AuditRecord> audit = AllAudit(store());
  ASSERT_EQ(audit.size(), 1u);
  EXPECT_EQ(audit[0].action, "CreateHierarchy");

  // With the current etag both land together.
  ExpectCommitted(store(), Mutation{.assignment = Put<v1::Assignment>{.mode = WriteMode::kInsert,
                                                                      .resource = next_practice},
                                    .hierarchy = Updating(advanced, "etag-1"),
                                    .audit = MakeAudit("AdvanceHierarchy", advanced.name())});

  absl::StatusOr<std::optional<v1::Assignment>> landed =
      store().GetAssignment(next_practice.name());
  absl::StatusOr<std::optional<v1::Hierarchy>> moved = store().GetHierarchy(hierarchy.name());
  ASSERT_THAT(landed, IsOk());
  ASSERT_THAT(moved, IsOk());
  EXPECT_TRUE(landed->has_value());
  ASSERT_TRUE(moved->has_value());
  EXPECT_EQ((*moved)->current_step(), 1);
  EXPECT_EQ(AllAudit(store()).size(), 2u);
}

TEST_P(StoreContractTest, ListHierarchiesIsNewestFirstOfOneClientOnly) {
  const std::string c1 = "practices/p1/clients/c1";
  ExpectCommitted(store(), Inserting(MakeHierarchy(c1 + "/hierarchies/old", 1'700'000'000)));
  ExpectCommitted(store(), Inserting(MakeHierarchy(c1 + "/hierarchies/new", 1'700'000'500)));
  ExpectCommitted(store(), Inserting(MakeHierarchy(c1 + "/hierarchies/tie-a", 1'700'000'200)));
  ExpectCommitted(store(), Inserting(MakeHierarchy(c1 + "/hierarchies/tie-b", 1'700'000'200)));
  // Other clients' hierarchies, including a client id that starts with "c1" and the same client
  // id in another practice.
  for (const char* other :
       {"practices/p1/clients/c2/hierarchies/h1", "practices/p1/clients/c10/hierarchies/h1",
        "practices/p2/clients/c1/hierarchies/h1"}) {
    ExpectCommitted(store(), Inserting(MakeHierarchy(other, 1'700'000'300)));
  }
  // An assignment of the same client is not a hierarchy.
  ExpectCommitted(store(), Inserting(MakeAssignment(c1 + "/assignments/a1", 1'700'000'400)));

  absl::StatusOr<Page<v1::Hierarchy>> page = store().ListHierarchies({.client_name = c1});

  ASSERT_THAT(page, IsOk());
  EXPECT_THAT(NamesOf(page->items),
              ElementsAre(c1 + "/hierarchies/new", c1 + "/hierarchies/tie-b",
                          c1 + "/hierarchies/tie-a", c1 + "/hierarchies/old"));
  EXPECT_EQ(page->next_page_token, "");
}

TEST_P(StoreContractTest, ListHierarchiesPagesWithoutDuplicatesOrGaps) {
  const std::string c1 = "practices/p1/clients/c1";
  std::vector<std::string> expected;
  // 12 hierarchies, three per creation second: pages of 5 cut inside runs of equal times.
  for (int second = 3; second >= 0; --second) {
    for (int i = 2; i >= 0; --i) {
      const std::string name = absl::StrCat(c1, "/hierarchies/h", second, "-", i);
      ExpectCommitted(store(), Inserting(MakeHierarchy(name, 1'700'000'000 + second)));
      expected.push_back(name);
      ExpectCommitted(store(),
                      Inserting(MakeHierarchy(
                          absl::StrCat("practices/p1/clients/c2/hierarchies/h", second, "-", i),
                          1'700'000'000 + second)));
    }
  }
  const std::function<absl::StatusOr<Page<v1::Hierarchy>>(const HierarchyQuery&)> list =
      [&](const HierarchyQuery& query) { return store().ListHierarchies(query); };

  int pages = 0;
  EXPECT_EQ(NamesOfAllPages(HierarchyQuery{.client_name = c1}, 5, list, &pages), expected);
  EXPECT_EQ(pages, 3);
  // A page that ends exactly at the last item says there is no next page.
  EXPECT_EQ(NamesOfAllPages(HierarchyQuery{.client_name = c1}, 6, list, &pages), expected);
  EXPECT_EQ(pages, 2);
}

TEST_P(StoreContractTest, PageTokenOfListAssignmentsIsRefusedByListHierarchies) {
  const std::string c1 = "practices/p1/clients/c1";
  for (int i = 0; i < 2; ++i) {
    ExpectCommitted(
        store(), Inserting(MakeAssignment(absl::StrCat(c1, "/assignments/a", i), 1'700'000'000)));
    ExpectCommitted(store(),
                    Inserting(MakeHierarchy(absl::StrCat(c1, "/hierarchies/h", i), 1'700'000'000)));
  }
  absl::StatusOr<Page<v1::Assignment>> assignments =
      store().ListAssignments({.client_name = c1, .page = {.page_size = 1}});
  ASSERT_THAT(assignments, IsOk());
  ASSERT_NE(assignments->next_page_token, "");

  absl::StatusOr<Page<v1::Hierarchy>> hierarchies = store().ListHierarchies(
      {.client_name = c1, .page = {.page_size = 1, .page_token = assignments->next_page_token}});

  EXPECT_THAT(hierarchies, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("page_token")));
}

// ---- A practice's own templates. ----

TEST_P(StoreContractTest, InsertedTemplateReadsBackEqual) {
  v1::Template practice_template = MakeTemplate("practices/p1/templates/t1");
  practice_template.mutable_schedule()->mutable_habit_anchor()->set_when(
      v1::EVENT_TIMING_AFTER_LUNCH);
  practice_template.mutable_schedule()->set_environmental_cue("notebook beside the kettle");
  *practice_template.mutable_update_time() = At(1'700'100'000, 250'000);

  ExpectCommitted(store(), Inserting(practice_template));

  absl::StatusOr<std::optional<v1::Template>> stored =
      store().GetTemplate(practice_template.name());
  ASSERT_THAT(stored, IsOk());
  ASSERT_TRUE(stored->has_value());
  EXPECT_TRUE(MessageDifferencer::Equals(**stored, practice_template)) << (*stored)->DebugString();
}

TEST_P(StoreContractTest, InsertOfExistingTemplateNameIsAlreadyExists) {
  const std::string name = "practices/p1/templates/t1";
  ExpectCommitted(store(), Inserting(MakeTemplate(name)));
  v1::Template second = MakeTemplate(name);
  second.set_title("Someone else's template");

  absl::StatusOr<CommitOutcome> outcome = store().Commit(Inserting(second));

  EXPECT_THAT(outcome, StatusIs(absl::StatusCode::kAlreadyExists));
  absl::StatusOr<std::optional<v1::Template>> stored = store().GetTemplate(name);
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_EQ((*stored)->title(), "Worry postponement");
  EXPECT_EQ(AllAudit(store()).size(), 1u);
}

TEST_P(StoreContractTest, UpdateTemplateWithCurrentEtagReplacesIt) {
  const v1::Template original = MakeTemplate("practices/p1/templates/t1");
  ExpectCommitted(store(), Inserting(original));
  v1::Template edited = original;
  edited.set_title("Worry time");
  *edited.mutable_update_time() = At(1'700'000'900);
  edited.set_etag("etag-2");

  ExpectCommitted(store(), Mutation{.practice_template = Updating(edited, "etag-1"),
                                    .audit = MakeAudit("UpdateTemplate", edited.name())});

  absl::StatusOr<std::optional<v1::Template>> stored = store().GetTemplate(edited.name());
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_TRUE(MessageDifferencer::Equals(**stored, edited));
  absl::StatusOr<Page<v1::Template>> listed =
      store().ListTemplates({.practice_name = "practices/p1"});
  ASSERT_THAT(listed, IsOk());
  ASSERT_EQ(listed->items.size(), 1u);
  EXPECT_EQ(listed->items[0].title(), "Worry time");
}

TEST_P(StoreContractTest, UpdateTemplateWithStaleEtagIsAborted) {
  const v1::Template original = MakeTemplate("practices/p1/templates/t1");
  ExpectCommitted(store(), Inserting(original));
  v1::Template edited = original;
  edited.set_title("Worry time");
  edited.set_etag("etag-3");

  absl::StatusOr<CommitOutcome> outcome =
      store().Commit(Mutation{.practice_template = Updating(edited, "etag-0"),
                              .audit = MakeAudit("UpdateTemplate", edited.name())});

  EXPECT_THAT(outcome, StatusIs(absl::StatusCode::kAborted));
  absl::StatusOr<std::optional<v1::Template>> stored = store().GetTemplate(original.name());
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_TRUE(MessageDifferencer::Equals(**stored, original));
  EXPECT_EQ(AllAudit(store()).size(), 1u);
}

TEST_P(StoreContractTest, UpdateOfMissingTemplateIsNotFound) {
  const v1::Template practice_template = MakeTemplate("practices/p1/templates/t1");

  absl::StatusOr<CommitOutcome> outcome =
      store().Commit(Mutation{.practice_template = Updating(practice_template, "etag-1"),
                              .audit = MakeAudit("UpdateTemplate", practice_template.name())});

  EXPECT_THAT(outcome, StatusIs(absl::StatusCode::kNotFound));
  absl::StatusOr<std::optional<v1::Template>> stored =
      store().GetTemplate(practice_template.name());
  ASSERT_THAT(stored, IsOk());
  EXPECT_FALSE(stored->has_value());
  EXPECT_THAT(AllAudit(store()), IsEmpty());
}

TEST_P(StoreContractTest, MalformedTemplateNameIsInvalidArgument) {
  // A built-in library name, a client's child and an empty template id: none is a practice's
  // own template.
  for (const char* name : {"templates/t1", "practices/p1/clients/c1/templates/t1",
                           "practices/p1/templates/", "practices/p1/template/t1"}) {
    absl::StatusOr<CommitOutcome> outcome = store().Commit(Inserting(MakeTemplate(name)));

    EXPECT_THAT(outcome, StatusIs(absl::StatusCode::kInvalidArgument)) << name;
    EXPECT_THAT(outcome.status().message(), HasSubstr("practices/{id}/templates/{id}")) << name;
  }
  EXPECT_THAT(AllAudit(store()), IsEmpty());
}

TEST_P(StoreContractTest, FailedCommitIncludingATemplateWritesNothing) {
  ExpectCommitted(store(), Inserting(MakeClient("practices/p1/clients/c1")));
  // A new template and an idempotency key, together with a client update that must fail.
  const v1::Template practice_template = MakeTemplate("practices/p1/templates/t1");
  v1::Client changed = MakeClient("practices/p1/clients/c1");
  changed.set_display_name("Samantha");
  changed.set_etag("etag-2");
  const Mutation mutation{
      .client = Updating(changed, "etag-stale"),
      .practice_template =
          Put<v1::Template>{.mode = WriteMode::kInsert, .resource = practice_template},
      .idempotency =
          IdempotencyKey{.actor = "therapist-1", .method = "CreateTemplate", .request_id = "r-1"},
      .idempotent_result = practice_template.name(),
      .audit = MakeAudit("CreateTemplate", practice_template.name()),
  };

  absl::StatusOr<CommitOutcome> outcome = store().Commit(mutation);

  EXPECT_THAT(outcome, StatusIs(absl::StatusCode::kAborted));
  absl::StatusOr<std::optional<v1::Template>> stored =
      store().GetTemplate(practice_template.name());
  ASSERT_THAT(stored, IsOk());
  EXPECT_FALSE(stored->has_value());
  absl::StatusOr<Page<v1::Template>> listed =
      store().ListTemplates({.practice_name = "practices/p1"});
  ASSERT_THAT(listed, IsOk());
  EXPECT_THAT(listed->items, IsEmpty());
  absl::StatusOr<std::optional<IdempotentResult>> key =
      store().FindIdempotentResult(*mutation.idempotency);
  ASSERT_THAT(key, IsOk());
  EXPECT_FALSE(key->has_value());
  std::vector<AuditRecord> audit = AllAudit(store());
  ASSERT_EQ(audit.size(), 1u);
  EXPECT_EQ(audit[0].action, "CreateClient");
}

TEST_P(StoreContractTest, TemplateWithAStaleEtagKeepsTheRestOfTheMutationOut) {
  const v1::Template original = MakeTemplate("practices/p1/templates/t1");
  ExpectCommitted(store(), Inserting(original));
  // An assignment written with a template update whose etag is stale: it must not land alone.
  const v1::Assignment assignment =
      MakeAssignment("practices/p1/clients/c1/assignments/a1", 1'700'000'100);
  v1::Template edited = original;
  edited.set_title("Worry time");
  edited.set_etag("etag-3");

  absl::StatusOr<CommitOutcome> stale = store().Commit(Mutation{
      .assignment = Put<v1::Assignment>{.mode = WriteMode::kInsert, .resource = assignment},
      .practice_template = Updating(edited, "etag-0"),
      .audit = MakeAudit("UpdateTemplate", edited.name())});

  EXPECT_THAT(stale, StatusIs(absl::StatusCode::kAborted));
  absl::StatusOr<std::optional<v1::Assignment>> not_landed =
      store().GetAssignment(assignment.name());
  ASSERT_THAT(not_landed, IsOk());
  EXPECT_FALSE(not_landed->has_value());
  EXPECT_EQ(AllAudit(store()).size(), 1u);

  // With the current etag both land together.
  ExpectCommitted(store(), Mutation{.assignment = Put<v1::Assignment>{.mode = WriteMode::kInsert,
                                                                      .resource = assignment},
                                    .practice_template = Updating(edited, "etag-1"),
                                    .audit = MakeAudit("UpdateTemplate", edited.name())});

  absl::StatusOr<std::optional<v1::Assignment>> landed = store().GetAssignment(assignment.name());
  absl::StatusOr<std::optional<v1::Template>> stored = store().GetTemplate(edited.name());
  ASSERT_THAT(landed, IsOk());
  ASSERT_THAT(stored, IsOk());
  EXPECT_TRUE(landed->has_value());
  ASSERT_TRUE(stored->has_value());
  EXPECT_EQ((*stored)->title(), "Worry time");
  EXPECT_EQ(AllAudit(store()).size(), 2u);
}

TEST_P(StoreContractTest, ListTemplatesIsInNameOrderOfOnePracticeOnly) {
  const std::string p1 = "practices/p1/templates/";
  // Inserted out of order.
  for (const char* id : {"worry", "breathing", "activity-b", "activity-a"}) {
    ExpectCommitted(store(), Inserting(MakeTemplate(p1 + id)));
  }
  // Other practices' templates, including a practice id that starts with "p1", and a client of
  // p1 (not a template).
  for (const char* other : {"practices/p10/templates/aaa", "practices/p10/templates/worry",
                            "practices/p2/templates/breathing"}) {
    ExpectCommitted(store(), Inserting(MakeTemplate(other)));
  }
  ExpectCommitted(store(), Inserting(MakeClient("practices/p1/clients/c1")));

  absl::StatusOr<Page<v1::Template>> of_p1 =
      store().ListTemplates({.practice_name = "practices/p1"});
  absl::StatusOr<Page<v1::Template>> of_p10 =
      store().ListTemplates({.practice_name = "practices/p10"});
  absl::StatusOr<Page<v1::Template>> of_p3 =
      store().ListTemplates({.practice_name = "practices/p3"});

  ASSERT_THAT(of_p1, IsOk());
  EXPECT_THAT(NamesOf(of_p1->items),
              ElementsAre(p1 + "activity-a", p1 + "activity-b", p1 + "breathing", p1 + "worry"));
  EXPECT_EQ(of_p1->next_page_token, "");
  ASSERT_THAT(of_p10, IsOk());
  EXPECT_THAT(NamesOf(of_p10->items),
              ElementsAre("practices/p10/templates/aaa", "practices/p10/templates/worry"));
  ASSERT_THAT(of_p3, IsOk());
  EXPECT_THAT(of_p3->items, IsEmpty());
  EXPECT_EQ(of_p3->next_page_token, "");
}

TEST_P(StoreContractTest, ListTemplatesPagesWithoutDuplicatesOrGaps) {
  std::vector<std::string> expected;
  // 12 templates of p1 (ids t00-t11, inserted newest id first), interleaved with p10's, whose
  // names sort between and after them.
  for (int i = 11; i >= 0; --i) {
    const std::string id = absl::StrCat("t", i / 10, i % 10);
    ExpectCommitted(store(), Inserting(MakeTemplate("practices/p1/templates/" + id)));
    ExpectCommitted(store(), Inserting(MakeTemplate("practices/p10/templates/" + id)));
  }
  for (int i = 0; i < 12; ++i) {
    expected.push_back(absl::StrCat("practices/p1/templates/t", i / 10, i % 10));
  }
  const std::function<absl::StatusOr<Page<v1::Template>>(const TemplateQuery&)> list =
      [&](const TemplateQuery& query) { return store().ListTemplates(query); };

  int pages = 0;
  EXPECT_EQ(NamesOfAllPages(TemplateQuery{.practice_name = "practices/p1"}, 5, list, &pages),
            expected);
  EXPECT_EQ(pages, 3);
  // A page that ends exactly at the last item says there is no next page.
  EXPECT_EQ(NamesOfAllPages(TemplateQuery{.practice_name = "practices/p1"}, 6, list, &pages),
            expected);
  EXPECT_EQ(pages, 2);
}

TEST_P(StoreContractTest, PageTokenOfListTemplatesIsRefusedByOtherListsAndTheirsByIt) {
  // Clients and templates of one practice, both in name order under the same practice name.
  for (int i = 0; i < 2; ++i) {
    ExpectCommitted(store(), Inserting(MakeClient(absl::StrCat("practices/p1/clients/c", i))));
    ExpectCommitted(store(), Inserting(MakeTemplate(absl::StrCat("practices/p1/templates/t", i))));
    ExpectCommitted(store(), Inserting(MakeTemplate(absl::StrCat("practices/p2/templates/t", i))));
  }
  absl::StatusOr<Page<v1::Template>> templates =
      store().ListTemplates({.practice_name = "practices/p1", .page = {.page_size = 1}});
  absl::StatusOr<Page<v1::Client>> clients =
      store().ListClients({.practice_name = "practices/p1", .page = {.page_size = 1}});
  ASSERT_THAT(templates, IsOk());
  ASSERT_THAT(clients, IsOk());
  ASSERT_NE(templates->next_page_token, "");
  ASSERT_NE(clients->next_page_token, "");
  const PageRequest after_template{.page_size = 1, .page_token = templates->next_page_token};

  absl::StatusOr<Page<v1::Client>> clients_after_template =
      store().ListClients({.practice_name = "practices/p1", .page = after_template});
  absl::StatusOr<Page<v1::Assignment>> assignments_after_template =
      store().ListAssignments({.practice_name = "practices/p1", .page = after_template});
  absl::StatusOr<Page<v1::Template>> other_practice =
      store().ListTemplates({.practice_name = "practices/p2", .page = after_template});
  absl::StatusOr<Page<v1::Template>> templates_after_client =
      store().ListTemplates({.practice_name = "practices/p1",
                             .page = {.page_size = 1, .page_token = clients->next_page_token}});
  absl::StatusOr<Page<v1::Template>> next =
      store().ListTemplates({.practice_name = "practices/p1", .page = after_template});

  for (const absl::Status& status :
       {clients_after_template.status(), assignments_after_template.status(),
        other_practice.status(), templates_after_client.status()}) {
    EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("page_token")));
  }
  ASSERT_THAT(next, IsOk());
  EXPECT_THAT(NamesOf(next->items), ElementsAre("practices/p1/templates/t1"));
  EXPECT_EQ(next->next_page_token, "");
}

// ---- Page tokens. ----

TEST_P(StoreContractTest, UnreadablePageTokenIsInvalidArgumentNamingPageToken) {
  const PageRequest bad{.page_size = 10, .page_token = "not a token!"};

  absl::StatusOr<Page<v1::Client>> clients =
      store().ListClients({.practice_name = "practices/p1", .page = bad});
  absl::StatusOr<Page<v1::Assignment>> assignments =
      store().ListAssignments({.client_name = "practices/p1/clients/c1", .page = bad});
  absl::StatusOr<Page<v1::Completion>> completions =
      store().ListCompletions({.client_name = "practices/p1/clients/c1", .page = bad});
  absl::StatusOr<Page<v1::Hierarchy>> hierarchies =
      store().ListHierarchies({.client_name = "practices/p1/clients/c1", .page = bad});
  absl::StatusOr<Page<v1::Template>> templates =
      store().ListTemplates({.practice_name = "practices/p1", .page = bad});

  for (const absl::Status& status : {clients.status(), assignments.status(), completions.status(),
                                     hierarchies.status(), templates.status()}) {
    EXPECT_THAT(status, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("page_token")));
  }
}

TEST_P(StoreContractTest, PageTokenOfAnotherQueryIsInvalidArgument) {
  for (int i = 0; i < 3; ++i) {
    ExpectCommitted(store(),
                    Inserting(MakeClient(absl::StrCat("practices/p1/clients/c", i), {"t-ann"})));
  }
  absl::StatusOr<Page<v1::Client>> first =
      store().ListClients({.practice_name = "practices/p1", .page = {.page_size = 1}});
  ASSERT_THAT(first, IsOk());
  ASSERT_NE(first->next_page_token, "");

  absl::StatusOr<Page<v1::Client>> other_filter =
      store().ListClients({.practice_name = "practices/p1",
                           .care_team_member = "t-ann",
                           .page = {.page_size = 1, .page_token = first->next_page_token}});
  absl::StatusOr<Page<v1::Assignment>> other_list =
      store().ListAssignments({.client_name = "practices/p1/clients/c1",
                               .page = {.page_size = 1, .page_token = first->next_page_token}});
  absl::StatusOr<Page<v1::Client>> other_size =
      store().ListClients({.practice_name = "practices/p1",
                           .page = {.page_size = 5, .page_token = first->next_page_token}});

  EXPECT_THAT(other_filter, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("page_token")));
  EXPECT_THAT(other_list, StatusIs(absl::StatusCode::kInvalidArgument));
  // The page size may change between pages.
  ASSERT_THAT(other_size, IsOk());
  EXPECT_THAT(NamesOf(other_size->items),
              ElementsAre("practices/p1/clients/c1", "practices/p1/clients/c2"));
}

// ---- The event log. ----

TEST_P(StoreContractTest, EventsCommittedWithAWriteAreListedInOrderWithIncreasingSequences) {
  const std::string c1 = "practices/p1/clients/c1";
  const v1::Assignment assignment = MakeAssignment(c1 + "/assignments/a1", 1'700'000'000);
  const v1::Completion completion =
      MakeCompletion(c1 + "/assignments/a1/completions/x1", 1'700'000'100);
  Mutation create = Inserting(assignment);
  create.events = {MakeEvent("p1", c1, v1::Event::TYPE_ASSIGNMENT_CREATED, assignment.name(),
                             1'700'000'000'000'001)};
  Mutation record = Inserting(completion);
  // Two events of one commit, in the order given.
  record.events = {MakeEvent("p1", c1, v1::Event::TYPE_COMPLETION_RECORDED, completion.name(),
                             1'700'000'100'000'002),
                   MakeEvent("p1", c1, v1::Event::TYPE_URGENT_FLAG_RAISED, completion.name(),
                             1'700'000'100'000'002)};
  record.events[1].actor = "client-1";

  ExpectCommitted(store(), create);
  ExpectCommitted(store(), record);

  absl::StatusOr<std::vector<EventRecord>> events = store().ListEvents({.practice = "p1"});
  ASSERT_THAT(events, IsOk());
  ASSERT_EQ(events->size(), 3u);
  const std::vector<EventRecord> written = {create.events[0], record.events[0], record.events[1]};
  for (size_t i = 0; i < 3; ++i) {
    EventRecord expected = written[i];
    expected.sequence = (*events)[i].sequence;  // assigned by the store
    EXPECT_EQ((*events)[i], expected) << i;
    EXPECT_GT((*events)[i].sequence, 0) << i;
    if (i > 0) {
      EXPECT_GT((*events)[i].sequence, (*events)[i - 1].sequence) << i;
    }
  }
  absl::StatusOr<int64_t> latest = store().LatestEventSequence();
  ASSERT_THAT(latest, IsOk());
  EXPECT_EQ(*latest, events->back().sequence);
}

TEST_P(StoreContractTest, EmptyEventLogHasLatestSequenceZeroAndListsNothing) {
  // A commit without events appends none.
  ExpectCommitted(store(), Inserting(MakeClient("practices/p1/clients/c1")));

  absl::StatusOr<int64_t> latest = store().LatestEventSequence();
  absl::StatusOr<std::vector<EventRecord>> events = store().ListEvents({.practice = "p1"});

  ASSERT_THAT(latest, IsOk());
  EXPECT_EQ(*latest, 0);
  ASSERT_THAT(events, IsOk());
  EXPECT_THAT(*events, IsEmpty());
}

TEST_P(StoreContractTest, FailedCommitAppendsNoEvent) {
  const v1::Assignment original =
      MakeAssignment("practices/p1/clients/c1/assignments/a1", 1'700'000'000);
  Mutation create = Inserting(original);
  create.events = {MakeEvent("p1", "practices/p1/clients/c1", v1::Event::TYPE_ASSIGNMENT_CREATED,
                             original.name(), 1'700'000'000'000'000)};
  ExpectCommitted(store(), create);
  absl::StatusOr<int64_t> before = store().LatestEventSequence();
  ASSERT_THAT(before, IsOk());
  v1::Assignment changed = original;
  changed.set_state(v1::Assignment::STATE_ACTIVE);
  changed.set_etag("etag-2");
  const EventRecord updated =
      MakeEvent("p1", "practices/p1/clients/c1", v1::Event::TYPE_ASSIGNMENT_UPDATED,
                original.name(), 1'700'000'001'000'000);

  absl::StatusOr<CommitOutcome> stale =
      store().Commit(Mutation{.assignment = Updating(changed, "etag-0"),
                              .events = {updated},
                              .audit = MakeAudit("ActivateAssignment", changed.name())});
  absl::StatusOr<CommitOutcome> existing = store().Commit(create);

  EXPECT_THAT(stale, StatusIs(absl::StatusCode::kAborted));
  EXPECT_THAT(existing, StatusIs(absl::StatusCode::kAlreadyExists));
  absl::StatusOr<std::vector<EventRecord>> events = store().ListEvents({.practice = "p1"});
  ASSERT_THAT(events, IsOk());
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].type, v1::Event::TYPE_ASSIGNMENT_CREATED);
  absl::StatusOr<int64_t> after = store().LatestEventSequence();
  ASSERT_THAT(after, IsOk());
  EXPECT_EQ(*after, *before);
}

TEST_P(StoreContractTest, DuplicateRequestCommitAppendsNoEvent) {
  const std::string a1 = "practices/p1/clients/c1/assignments/a1";
  const IdempotencyKey key{.actor = "client-1", .method = "CreateCompletion", .request_id = "r-1"};
  Mutation first = Inserting(MakeCompletion(a1 + "/completions/x1", 1'700'000'000));
  first.idempotency = key;
  first.idempotent_result = a1 + "/completions/x1";
  first.events = {MakeEvent("p1", "practices/p1/clients/c1", v1::Event::TYPE_COMPLETION_RECORDED,
                            a1 + "/completions/x1", 1'700'000'000'000'000)};
  ExpectCommitted(store(), first);
  Mutation retry = Inserting(MakeCompletion(a1 + "/completions/x2", 1'700'000'000));
  retry.idempotency = key;
  retry.idempotent_result = a1 + "/completions/x2";
  retry.events = {MakeEvent("p1", "practices/p1/clients/c1", v1::Event::TYPE_COMPLETION_RECORDED,
                            a1 + "/completions/x2", 1'700'000'001'000'000)};

  absl::StatusOr<CommitOutcome> outcome = store().Commit(retry);

  ASSERT_THAT(outcome, IsOk());
  EXPECT_EQ(*outcome, CommitOutcome::kDuplicateRequest);
  absl::StatusOr<std::vector<EventRecord>> events = store().ListEvents({.practice = "p1"});
  ASSERT_THAT(events, IsOk());
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].resource, a1 + "/completions/x1");
}

TEST_P(StoreContractTest, ListEventsFiltersByPracticeAndByClient) {
  // One event per commit; p10 is a practice whose id starts with "p1".
  int n = 0;
  for (const auto& [practice, client] :
       std::vector<std::pair<std::string, std::string>>{{"p1", "practices/p1/clients/c1"},
                                                        {"p1", "practices/p1/clients/c2"},
                                                        {"p10", "practices/p10/clients/c1"},
                                                        {"p2", "practices/p2/clients/c1"},
                                                        {"p1", "practices/p1/clients/c10"},
                                                        {"p1", "practices/p1/clients/c1"}}) {
    ExpectCommitted(store(),
                    WithEvent(practice, client, absl::StrCat(client, "/assignments/a", ++n)));
  }

  absl::StatusOr<std::vector<EventRecord>> p1 = store().ListEvents({.practice = "p1"});
  absl::StatusOr<std::vector<EventRecord>> p10 = store().ListEvents({.practice = "p10"});
  absl::StatusOr<std::vector<EventRecord>> c1 =
      store().ListEvents({.practice = "p1", .client_name = "practices/p1/clients/c1"});
  absl::StatusOr<std::vector<EventRecord>> of_other_practice =
      store().ListEvents({.practice = "p1", .client_name = "practices/p2/clients/c1"});

  ASSERT_THAT(p1, IsOk());
  ASSERT_THAT(p10, IsOk());
  ASSERT_THAT(c1, IsOk());
  ASSERT_THAT(of_other_practice, IsOk());
  EXPECT_THAT(ClientsOf(*p1), ElementsAre("practices/p1/clients/c1", "practices/p1/clients/c2",
                                          "practices/p1/clients/c10", "practices/p1/clients/c1"));
  EXPECT_THAT(ClientsOf(*p10), ElementsAre("practices/p10/clients/c1"));
  EXPECT_THAT(ClientsOf(*c1), ElementsAre("practices/p1/clients/c1", "practices/p1/clients/c1"));
  EXPECT_THAT(*of_other_practice, IsEmpty());
}

TEST_P(StoreContractTest, ListEventsResumesAfterASequenceWithoutDuplicatesOrGaps) {
  std::vector<std::string> expected_p1;
  std::vector<std::string> expected_c2;
  for (int i = 0; i < 11; ++i) {
    const std::string client = absl::StrCat("practices/p1/clients/c", i % 3);
    const std::string resource = absl::StrCat(client, "/assignments/a", i);
    ExpectCommitted(store(), WithEvent("p1", client, resource));
    expected_p1.push_back(resource);
    if (i % 3 == 2) expected_c2.push_back(resource);
    // Another practice's events in between.
    ExpectCommitted(store(), WithEvent("p2", "practices/p2/clients/c2",
                                       absl::StrCat("practices/p2/clients/c2/assignments/a", i)));
  }

  int calls = 0;
  EXPECT_EQ(ResourcesOfAllEvents(store(), {.practice = "p1", .limit = 3}, &calls), expected_p1);
  EXPECT_EQ(calls, 4);  // 3 + 3 + 3 + 2
  EXPECT_EQ(ResourcesOfAllEvents(
                store(), {.practice = "p1", .client_name = "practices/p1/clients/c2", .limit = 2},
                &calls),
            expected_c2);
  EXPECT_EQ(calls, 2);  // 2 + 1

  // Resuming after the third event gives the fourth onwards.
  absl::StatusOr<std::vector<EventRecord>> first = store().ListEvents({.practice = "p1"});
  ASSERT_THAT(first, IsOk());
  ASSERT_EQ(first->size(), 11u);
  absl::StatusOr<std::vector<EventRecord>> rest =
      store().ListEvents({.practice = "p1", .after_sequence = (*first)[2].sequence});
  ASSERT_THAT(rest, IsOk());
  EXPECT_EQ(ResourcesOf(*rest),
            std::vector<std::string>(expected_p1.begin() + 3, expected_p1.end()));
}

TEST_P(StoreContractTest, ListEventsLimitOutside1To1000IsInvalidArgumentNamingLimit) {
  for (int limit : {0, -1, 1001}) {
    absl::StatusOr<std::vector<EventRecord>> events =
        store().ListEvents({.practice = "p1", .limit = limit});
    EXPECT_THAT(events, StatusIs(absl::StatusCode::kInvalidArgument)) << limit;
    EXPECT_THAT(events.status().message(), HasSubstr("limit")) << limit;
  }
  for (int limit : {1, 1000}) {
    absl::StatusOr<std::vector<EventRecord>> events =
        store().ListEvents({.practice = "p1", .limit = limit});
    EXPECT_THAT(events, IsOk()) << limit << ": " << events.status();
  }
}

TEST_P(StoreContractTest, ListEventsOfAPracticeNameInsteadOfAnIdIsInvalidArgument) {
  for (const char* practice : {"", "practices/p1"}) {
    absl::StatusOr<std::vector<EventRecord>> events = store().ListEvents({.practice = practice});
    EXPECT_THAT(events, StatusIs(absl::StatusCode::kInvalidArgument)) << practice;
    EXPECT_THAT(events.status().message(), HasSubstr("practice")) << practice;
  }
}

// ---- Concurrency. ----

TEST_P(StoreContractTest, ConcurrentCommitsAllLand) {
  constexpr int kThreads = 4;
  constexpr int kCommitsPerThread = 25;
  const std::string a1 = "practices/p1/clients/c1/assignments/a1";
  std::atomic<int> failures = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kCommitsPerThread; ++i) {
        absl::StatusOr<CommitOutcome> outcome = store().Commit(Inserting(
            MakeCompletion(absl::StrCat(a1, "/completions/t", t, "-", i), 1'700'000'000 + i)));
        if (!outcome.ok() || *outcome != CommitOutcome::kCommitted) ++failures;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();

  EXPECT_EQ(failures.load(), 0);
  absl::StatusOr<Page<v1::Completion>> all = store().ListCompletions(
      {.client_name = "practices/p1/clients/c1", .page = {.page_size = 1000}});
  ASSERT_THAT(all, IsOk());
  EXPECT_EQ(all->items.size(), static_cast<size_t>(kThreads * kCommitsPerThread));
  EXPECT_EQ(AllAudit(store()).size(), static_cast<size_t>(kThreads * kCommitsPerThread));
}

TEST_P(StoreContractTest, ConcurrentCommitsWithEventsGetDistinctIncreasingSequences) {
  constexpr int kThreads = 4;
  constexpr int kCommitsPerThread = 25;
  const std::string c1 = "practices/p1/clients/c1";
  std::atomic<int> failures = 0;
  std::atomic<bool> writing = true;
  // A watcher resuming after the last sequence it saw while the commits land: since sequences
  // follow commit order, it must see every event exactly once.
  std::vector<std::string> watched;
  std::thread watcher([&] {
    int64_t after = 0;
    bool last_round = false;
    while (!last_round) {
      last_round = !writing.load();
      while (true) {
        absl::StatusOr<std::vector<EventRecord>> events =
            store().ListEvents({.practice = "p1", .after_sequence = after, .limit = 7});
        if (!events.ok()) {
          ++failures;
          return;
        }
        for (const EventRecord& event : *events) watched.push_back(event.resource);
        if (events->empty()) break;
        after = events->back().sequence;
      }
      absl::SleepFor(absl::Milliseconds(1));
    }
  });
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kCommitsPerThread; ++i) {
        const std::string name = absl::StrCat(c1, "/assignments/a1/completions/t", t, "-", i);
        Mutation mutation = Inserting(MakeCompletion(name, 1'700'000'000 + i));
        mutation.events = {MakeEvent("p1", c1, v1::Event::TYPE_COMPLETION_RECORDED, name,
                                     1'700'000'000'000'000 + i)};
        absl::StatusOr<CommitOutcome> outcome = store().Commit(mutation);
        if (!outcome.ok() || *outcome != CommitOutcome::kCommitted) ++failures;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  writing = false;
  watcher.join();

  EXPECT_EQ(failures.load(), 0);
  absl::StatusOr<std::vector<EventRecord>> events =
      store().ListEvents({.practice = "p1", .limit = 1000});
  ASSERT_THAT(events, IsOk());
  ASSERT_EQ(events->size(), static_cast<size_t>(kThreads * kCommitsPerThread));
  std::vector<std::string> expected;
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kCommitsPerThread; ++i) {
      expected.push_back(absl::StrCat(c1, "/assignments/a1/completions/t", t, "-", i));
    }
  }
  EXPECT_THAT(ResourcesOf(*events), UnorderedElementsAreArray(expected));
  for (size_t i = 1; i < events->size(); ++i) {
    ASSERT_GT((*events)[i].sequence, (*events)[i - 1].sequence) << i;
  }
  // Each thread committed in order, so its events appear in that order.
  for (int t = 0; t < kThreads; ++t) {
    std::vector<std::string> of_thread;
    for (const std::string& resource : ResourcesOf(*events)) {
      if (absl::StrContains(resource, absl::StrCat("/completions/t", t, "-"))) {
        of_thread.push_back(resource);
      }
    }
    EXPECT_EQ(of_thread, std::vector<std::string>(expected.begin() + t * kCommitsPerThread,
                                                  expected.begin() + (t + 1) * kCommitsPerThread))
        << t;
  }
  EXPECT_EQ(watched, ResourcesOf(*events));
  absl::StatusOr<int64_t> latest = store().LatestEventSequence();
  ASSERT_THAT(latest, IsOk());
  EXPECT_EQ(*latest, events->back().sequence);
}

TEST_P(StoreContractTest, ConcurrentRetriesWithOneKeyCommitOnce) {
  constexpr int kThreads = 6;
  const IdempotencyKey key{.actor = "client-1", .method = "CreateCompletion", .request_id = "r-9"};
  std::atomic<int> committed = 0;
  std::atomic<int> duplicates = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const std::string name =
          absl::StrCat("practices/p1/clients/c1/assignments/a1/completions/x", t);
      Mutation mutation = Inserting(MakeCompletion(name, 1'700'000'000));
      mutation.idempotency = key;
      mutation.idempotent_result = name;
      absl::StatusOr<CommitOutcome> outcome = store().Commit(mutation);
      if (outcome.ok() && *outcome == CommitOutcome::kCommitted) ++committed;
      if (outcome.ok() && *outcome == CommitOutcome::kDuplicateRequest) ++duplicates;
    });
  }
  for (std::thread& thread : threads) thread.join();

  EXPECT_EQ(committed.load(), 1);
  EXPECT_EQ(duplicates.load(), kThreads - 1);
  absl::StatusOr<Page<v1::Completion>> all =
      store().ListCompletions({.client_name = "practices/p1/clients/c1"});
  ASSERT_THAT(all, IsOk());
  ASSERT_EQ(all->items.size(), 1u);
  absl::StatusOr<std::optional<IdempotentResult>> found = store().FindIdempotentResult(key);
  ASSERT_THAT(found, IsOk());
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->name, all->items[0].name());
}

// ---- Urgent flags. ----

v1::SafetyFlag MakeSafetyFlag(const std::string& name, int64_t raise_seconds,
                              int64_t escalate_after_seconds = 3600) {
  v1::SafetyFlag flag;
  flag.set_name(name);
  flag.set_state(v1::SafetyFlag::STATE_OPEN);
  flag.set_source(v1::SafetyFlag::SOURCE_CLIENT_REQUEST);
  flag.set_reason("The client asked for help now");
  flag.set_raised_by("c1");
  *flag.mutable_raise_time() = At(raise_seconds);
  *flag.mutable_escalation_due_time() = At(raise_seconds + escalate_after_seconds);
  flag.set_etag("etag-1");
  return flag;
}

Mutation Inserting(const v1::SafetyFlag& flag) {
  return Mutation{.safety_flag = Put<v1::SafetyFlag>{.mode = WriteMode::kInsert, .resource = flag},
                  .audit = MakeAudit("RaiseSafetyFlag", flag.name())};
}

std::vector<std::string> DueNames(Store& store, int64_t due_by_seconds, int limit = 100) {
  absl::StatusOr<std::vector<v1::SafetyFlag>> due =
      store.ListSafetyFlagsToEscalate(absl::FromUnixSeconds(due_by_seconds), limit);
  EXPECT_THAT(due, IsOk());
  return due.ok() ? NamesOf(*due) : std::vector<std::string>{};
}

TEST_P(StoreContractTest, InsertedSafetyFlagReadsBackEqual) {
  v1::SafetyFlag flag = MakeSafetyFlag("practices/p1/clients/c1/safetyFlags/f1", 1'700'000'000);
  flag.set_source(v1::SafetyFlag::SOURCE_PHQ9_ITEM_9);
  flag.set_completion("practices/p1/clients/c1/assignments/a1/completions/x1");
  *flag.mutable_raise_time() = At(1'700'000'000, 123'000);

  ExpectCommitted(store(), Inserting(flag));

  absl::StatusOr<std::optional<v1::SafetyFlag>> stored = store().GetSafetyFlag(flag.name());
  ASSERT_THAT(stored, IsOk());
  ASSERT_TRUE(stored->has_value());
  EXPECT_TRUE(MessageDifferencer::Equals(**stored, flag)) << (*stored)->DebugString();
  absl::StatusOr<std::optional<v1::SafetyFlag>> missing =
      store().GetSafetyFlag("practices/p1/clients/c1/safetyFlags/no");
  ASSERT_THAT(missing, IsOk());
  EXPECT_FALSE(missing->has_value());
}

TEST_P(StoreContractTest, SafetyFlagUpdatesCheckTheEtagAndExistence) {
  const v1::SafetyFlag original =
      MakeSafetyFlag("practices/p1/clients/c1/safetyFlags/f1", 1'700'000'000);
  ExpectCommitted(store(), Inserting(original));
  EXPECT_THAT(store().Commit(Inserting(original)), StatusIs(absl::StatusCode::kAlreadyExists));
  v1::SafetyFlag acknowledged = original;
  acknowledged.set_state(v1::SafetyFlag::STATE_ACKNOWLEDGED);
  acknowledged.set_acknowledge_note("Called the client");
  acknowledged.set_etag("etag-2");

  EXPECT_EQ(store()
                .Commit(Mutation{.safety_flag = Updating(acknowledged, "etag-0"),
                                 .audit = MakeAudit("AcknowledgeSafetyFlag", original.name())})
                .status()
                .code(),
            absl::StatusCode::kAborted);
  v1::SafetyFlag missing = acknowledged;
  missing.set_name("practices/p1/clients/c1/safetyFlags/f2");
  EXPECT_EQ(store()
                .Commit(Mutation{.safety_flag = Updating(missing, "etag-1"),
                                 .audit = MakeAudit("AcknowledgeSafetyFlag", missing.name())})
                .status()
                .code(),
            absl::StatusCode::kNotFound);
  ExpectCommitted(store(), Mutation{.safety_flag = Updating(acknowledged, "etag-1"),
                                    .audit = MakeAudit("AcknowledgeSafetyFlag", original.name())});

  absl::StatusOr<std::optional<v1::SafetyFlag>> stored = store().GetSafetyFlag(original.name());
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_TRUE(MessageDifferencer::Equals(**stored, acknowledged));
}

TEST_P(StoreContractTest, MalformedSafetyFlagNameIsInvalidArgument) {
  absl::StatusOr<CommitOutcome> outcome = store().Commit(
      Inserting(MakeSafetyFlag("practices/p1/clients/c1/hierarchies/f1", 1'700'000'000)));

  EXPECT_THAT(outcome, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(AllAudit(store()), IsEmpty());
}

TEST_P(StoreContractTest, ListSafetyFlagsIsOneClientsNewestFirstFilteredByState) {
  const std::string c1 = "practices/p1/clients/c1";
  ExpectCommitted(store(), Inserting(MakeSafetyFlag(c1 + "/safetyFlags/old", 1'700'000'000)));
  v1::SafetyFlag resolved = MakeSafetyFlag(c1 + "/safetyFlags/mid", 1'700'000'100);
  resolved.set_state(v1::SafetyFlag::STATE_RESOLVED);
  ExpectCommitted(store(), Inserting(resolved));
  ExpectCommitted(store(), Inserting(MakeSafetyFlag(c1 + "/safetyFlags/new", 1'700'000'200)));
  ExpectCommitted(store(), Inserting(MakeSafetyFlag("practices/p1/clients/c2/safetyFlags/other",
                                                    1'700'000'300)));

  absl::StatusOr<Page<v1::SafetyFlag>> all = store().ListSafetyFlags({.client_name = c1});
  ASSERT_THAT(all, IsOk());
  EXPECT_THAT(NamesOf(all->items), ElementsAre(c1 + "/safetyFlags/new", c1 + "/safetyFlags/mid",
                                               c1 + "/safetyFlags/old"));
  absl::StatusOr<Page<v1::SafetyFlag>> open =
      store().ListSafetyFlags({.client_name = c1, .states = {v1::SafetyFlag::STATE_OPEN}});
  ASSERT_THAT(open, IsOk());
  EXPECT_THAT(NamesOf(open->items), ElementsAre(c1 + "/safetyFlags/new", c1 + "/safetyFlags/old"));
  EXPECT_EQ(
      store()
          .ListSafetyFlags({.client_name = c1, .states = {static_cast<v1::SafetyFlag::State>(40)}})
          .status()
          .code(),
      absl::StatusCode::kInvalidArgument);
}

TEST_P(StoreContractTest, ListSafetyFlagsPagesAcrossEqualTimes) {
  const std::string c1 = "practices/p1/clients/c1";
  std::vector<std::string> expected;
  for (int second = 2; second >= 0; --second) {
    for (int i = 3; i >= 0; --i) {
      const std::string name = absl::StrCat(c1, "/safetyFlags/f", second, "-", i);
      ExpectCommitted(store(), Inserting(MakeSafetyFlag(name, 1'700'000'000 + second)));
      expected.push_back(name);
    }
  }
  const std::function<absl::StatusOr<Page<v1::SafetyFlag>>(const SafetyFlagQuery&)> list =
      [&](const SafetyFlagQuery& query) { return store().ListSafetyFlags(query); };

  int pages = 0;
  EXPECT_EQ(NamesOfAllPages(SafetyFlagQuery{.client_name = c1}, 5, list, &pages), expected);
  EXPECT_EQ(pages, 3);
}

TEST_P(StoreContractTest, FlagsToEscalateAreOpenUnescalatedAndDueAcrossPractices) {
  const int64_t t0 = 1'700'000'000;
  // Due at t0 + 60, t0 + 30 (another practice), t0 + 90; one acknowledged, one escalated.
  ExpectCommitted(store(),
                  Inserting(MakeSafetyFlag("practices/p1/clients/c1/safetyFlags/a", t0, 60)));
  ExpectCommitted(store(),
                  Inserting(MakeSafetyFlag("practices/p2/clients/c9/safetyFlags/b", t0, 30)));
  ExpectCommitted(store(),
                  Inserting(MakeSafetyFlag("practices/p1/clients/c2/safetyFlags/c", t0, 90)));
  v1::SafetyFlag acknowledged = MakeSafetyFlag("practices/p1/clients/c1/safetyFlags/d", t0, 10);
  acknowledged.set_state(v1::SafetyFlag::STATE_ACKNOWLEDGED);
  ExpectCommitted(store(), Inserting(acknowledged));
  v1::SafetyFlag escalated = MakeSafetyFlag("practices/p1/clients/c1/safetyFlags/e", t0, 10);
  *escalated.mutable_escalate_time() = At(t0 + 10);
  ExpectCommitted(store(), Inserting(escalated));

  EXPECT_THAT(DueNames(store(), t0 + 29), IsEmpty());
  EXPECT_THAT(DueNames(store(), t0 + 30), ElementsAre("practices/p2/clients/c9/safetyFlags/b"));
  EXPECT_THAT(DueNames(store(), t0 + 90), ElementsAre("practices/p2/clients/c9/safetyFlags/b",
                                                      "practices/p1/clients/c1/safetyFlags/a",
                                                      "practices/p1/clients/c2/safetyFlags/c"));
  EXPECT_THAT(DueNames(store(), t0 + 90, 2), ElementsAre("practices/p2/clients/c9/safetyFlags/b",
                                                         "practices/p1/clients/c1/safetyFlags/a"));
  EXPECT_THAT(store().ListSafetyFlagsToEscalate(absl::FromUnixSeconds(t0), 0),
              StatusIs(absl::StatusCode::kInvalidArgument));

  // Marking one escalated takes it out of the scan.
  v1::SafetyFlag marked = MakeSafetyFlag("practices/p2/clients/c9/safetyFlags/b", t0, 30);
  *marked.mutable_escalate_time() = At(t0 + 31);
  marked.set_etag("etag-2");
  ExpectCommitted(store(), Mutation{.safety_flag = Updating(marked, "etag-1"),
                                    .audit = MakeAudit("EscalateSafetyFlag", marked.name())});
  EXPECT_THAT(DueNames(store(), t0 + 90), ElementsAre("practices/p1/clients/c1/safetyFlags/a",
                                                      "practices/p1/clients/c2/safetyFlags/c"));
}

TEST_P(StoreContractTest, AFlagCommitsWithACompletionAndItsEventsOrNotAtAll) {
  const std::string c1 = "practices/p1/clients/c1";
  const v1::SafetyFlag flag = MakeSafetyFlag(c1 + "/safetyFlags/f1", 1'700'000'000);
  v1::Completion completion;
  completion.set_name(c1 + "/assignments/a1/completions/x1");
  *completion.mutable_occur_time() = At(1'700'000'000);
  completion.set_etag("etag-1");
  Mutation both{
      .completion = Put<v1::Completion>{.mode = WriteMode::kInsert, .resource = completion},
      .safety_flag = Put<v1::SafetyFlag>{.mode = WriteMode::kInsert, .resource = flag},
      .events = {MakeEvent("p1", c1, v1::Event::TYPE_SAFETY_FLAG_RAISED, flag.name(),
                           1'700'000'000'000'000)},
      .audit = MakeAudit("CreateCompletion", completion.name())};
  ExpectCommitted(store(), both);
  // The same again: the completion exists, so nothing of it is written, flag update included.
  v1::SafetyFlag changed = flag;
  changed.set_reason("changed");
  changed.set_etag("etag-2");
  both.safety_flag = Updating(changed, "etag-1");
  EXPECT_THAT(store().Commit(both), StatusIs(absl::StatusCode::kAlreadyExists));

  absl::StatusOr<std::optional<v1::SafetyFlag>> stored = store().GetSafetyFlag(flag.name());
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_EQ((*stored)->reason(), "The client asked for help now");
  absl::StatusOr<std::vector<EventRecord>> events =
      store().ListEvents({.practice = "p1", .after_sequence = 0, .limit = 10});
  ASSERT_THAT(events, IsOk());
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].type, v1::Event::TYPE_SAFETY_FLAG_RAISED);
}

// ---- The attention list's caseload read. ----

TEST_P(StoreContractTest, ReadCaseloadReadsOneTherapistsClientsAndWhatTheRulesNeed) {
  const int64_t t0 = 1'700'000'000;
  const std::string c1 = "practices/p1/clients/c1";
  const std::string c2 = "practices/p1/clients/c2";
  const std::string other_team = "practices/p1/clients/c3";
  const std::string other_practice = "practices/p10/clients/c1";
  for (const auto& [name, team] : std::vector<std::pair<std::string, std::string>>{
           {c1, "dr-lee"}, {c2, "dr-lee"}, {other_team, "dr-kim"}, {other_practice, "dr-lee"}}) {
    ExpectCommitted(store(),
                    Mutation{.client = Put<v1::Client>{.resource = MakeClient(name, {team})},
                             .audit = MakeAudit("CreateClient", name)});
  }
  auto insert_assignment = [&](const std::string& name, v1::Assignment::State state) {
    ExpectCommitted(
        store(),
        Mutation{.assignment = Put<v1::Assignment>{.resource = MakeAssignment(name, t0, state)},
                 .audit = MakeAudit("CreateAssignment", name)});
  };
  insert_assignment(c1 + "/assignments/a1", v1::Assignment::STATE_ACTIVE);
  insert_assignment(c1 + "/assignments/draft", v1::Assignment::STATE_DRAFT);
  insert_assignment(c2 + "/assignments/a2", v1::Assignment::STATE_ACTIVE);
  insert_assignment(other_team + "/assignments/a3", v1::Assignment::STATE_ACTIVE);
  insert_assignment(other_practice + "/assignments/a4", v1::Assignment::STATE_ACTIVE);
  // Window [t0, t0 + 100): before it only measures count; at its end nothing does.
  auto insert_completion = [&](const std::string& name, int64_t at, bool measure) {
    const v1::Completion completion =
        measure ? MakeMeasureCompletion(name, at) : MakeCompletion(name, at);
    ExpectCommitted(store(), Mutation{.completion = Put<v1::Completion>{.resource = completion},
                                      .audit = MakeAudit("CreateCompletion", name)});
  };
  insert_completion(c1 + "/assignments/a1/completions/old-practice", t0 - 1, false);
  insert_completion(c1 + "/assignments/m/completions/old-measure", t0 - 1000, true);
  insert_completion(c1 + "/assignments/a1/completions/at-start", t0, false);
  insert_completion(c1 + "/assignments/a1/completions/last-in", t0 + 99, false);
  insert_completion(c1 + "/assignments/m/completions/at-end", t0 + 100, true);
  insert_completion(c2 + "/assignments/m/completions/measure-in", t0 + 5, true);
  insert_completion(other_team + "/assignments/a3/completions/x", t0 + 5, true);
  insert_completion(other_practice + "/assignments/a4/completions/x", t0 + 5, true);
  // A measure stored later without its response is no longer a measure.
  insert_completion(c2 + "/assignments/m/completions/changed", t0 - 50, true);
  v1::Completion changed = MakeCompletion(c2 + "/assignments/m/completions/changed", t0 - 50);
  changed.set_etag("etag-2");
  ExpectCommitted(store(), Mutation{.completion = Put<v1::Completion>{.mode = WriteMode::kUpdate,
                                                                      .resource = changed,
                                                                      .expected_etag = "etag-1"},
                                    .audit = MakeAudit("UpdateCompletion", changed.name())});
  v1::SafetyFlag resolved = MakeSafetyFlag(c2 + "/safetyFlags/resolved", t0);
  resolved.set_state(v1::SafetyFlag::STATE_RESOLVED);
  for (const v1::SafetyFlag& flag : {MakeSafetyFlag(c1 + "/safetyFlags/open", t0), resolved,
                                     MakeSafetyFlag(other_team + "/safetyFlags/open", t0)}) {
    ExpectCommitted(store(), Inserting(flag));
  }

  absl::StatusOr<Caseload> caseload = store().ReadCaseload(
      CaseloadQuery{.practice_name = "practices/p1",
                    .care_team_member = "dr-lee",
                    .assignment_states = {v1::Assignment::STATE_ACTIVE},
                    .flag_states = {v1::SafetyFlag::STATE_OPEN, v1::SafetyFlag::STATE_ACKNOWLEDGED},
                    .recent_start = absl::FromUnixSeconds(t0),
                    .recent_end = absl::FromUnixSeconds(t0 + 100)});
  ASSERT_THAT(caseload, IsOk());
  EXPECT_THAT(NamesOf(caseload->clients), ElementsAre(c1, c2));
  EXPECT_THAT(NamesOf(caseload->assignments),
              UnorderedElementsAreArray({c1 + "/assignments/a1", c2 + "/assignments/a2"}));
  EXPECT_THAT(NamesOf(caseload->completions),
              UnorderedElementsAreArray({c1 + "/assignments/m/completions/old-measure",
                                         c1 + "/assignments/a1/completions/at-start",
                                         c1 + "/assignments/a1/completions/last-in",
                                         c2 + "/assignments/m/completions/measure-in"}));
  EXPECT_THAT(NamesOf(caseload->safety_flags), ElementsAre(c1 + "/safetyFlags/open"));

  // Every state when none is named; a bad state or window is refused naming its field.
  absl::StatusOr<Caseload> all =
      store().ReadCaseload(CaseloadQuery{.practice_name = "practices/p1",
                                         .care_team_member = "dr-lee",
                                         .recent_start = absl::FromUnixSeconds(t0),
                                         .recent_end = absl::FromUnixSeconds(t0 + 100)});
  ASSERT_THAT(all, IsOk());
  EXPECT_EQ(all->assignments.size(), 3u);
  EXPECT_EQ(all->safety_flags.size(), 2u);
  absl::Status bad_state =
      store()
          .ReadCaseload(CaseloadQuery{.practice_name = "practices/p1",
                                      .care_team_member = "dr-lee",
                                      .flag_states = {static_cast<v1::SafetyFlag::State>(77)},
                                      .recent_start = absl::FromUnixSeconds(t0),
                                      .recent_end = absl::FromUnixSeconds(t0 + 100)})
          .status();
  EXPECT_THAT(bad_state, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(bad_state.message()), ::testing::HasSubstr("states"));
  absl::Status bad_window =
      store()
          .ReadCaseload(CaseloadQuery{.practice_name = "practices/p1",
                                      .care_team_member = "dr-lee",
                                      .recent_start = absl::FromUnixSeconds(t0),
                                      .recent_end = absl::FromUnixSeconds(t0)})
          .status();
  EXPECT_THAT(bad_window, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(std::string(bad_window.message()), ::testing::HasSubstr("recent_end"));
}

// ---- Live sessions. ----

v1::Session MakeSession(const std::string& name, const std::string& client, int64_t start_seconds) {
  v1::Session session;
  session.set_name(name);
  session.set_client(client);
  session.set_external_id("room-42");
  session.set_state(v1::Session::STATE_LIVE);
  *session.mutable_start_time() = At(start_seconds);
  session.set_etag("etag-1");
  return session;
}

Mutation Inserting(const v1::Session& session) {
  return Mutation{.session = Put<v1::Session>{.mode = WriteMode::kInsert, .resource = session},
                  .audit = MakeAudit("CreateSession", session.name())};
}

TEST_P(StoreContractTest, InsertedSessionReadsBackEqualAndUpdatesCheckEtagAndExistence) {
  v1::Session session =
      MakeSession("practices/p1/sessions/s1", "practices/p1/clients/c1", 1'700'000'000);
  *session.mutable_start_time() = At(1'700'000'000, 123'000);
  ExpectCommitted(store(), Inserting(session));
  EXPECT_THAT(store().Commit(Inserting(session)), StatusIs(absl::StatusCode::kAlreadyExists));

  absl::StatusOr<std::optional<v1::Session>> stored = store().GetSession(session.name());
  ASSERT_THAT(stored, IsOk());
  ASSERT_TRUE(stored->has_value());
  EXPECT_TRUE(MessageDifferencer::Equals(**stored, session)) << (*stored)->DebugString();
  absl::StatusOr<std::optional<v1::Session>> missing =
      store().GetSession("practices/p1/sessions/no");
  ASSERT_THAT(missing, IsOk());
  EXPECT_FALSE(missing->has_value());

  v1::Session ended = session;
  ended.set_state(v1::Session::STATE_ENDED);
  ended.add_care_team_present("dr-lee");
  ended.mutable_summary()->add_drafts_open("practices/p1/clients/c1/assignments/a1");
  ended.set_etag("etag-2");
  EXPECT_EQ(store()
                .Commit(Mutation{.session = Updating(ended, "etag-0"),
                                 .audit = MakeAudit("EndSession", ended.name())})
                .status()
                .code(),
            absl::StatusCode::kAborted);
  v1::Session other = ended;
  other.set_name("practices/p1/sessions/s2");
  EXPECT_EQ(store()
                .Commit(Mutation{.session = Updating(other, "etag-1"),
                                 .audit = MakeAudit("EndSession", other.name())})
                .status()
                .code(),
            absl::StatusCode::kNotFound);
  ExpectCommitted(store(), Mutation{.session = Updating(ended, "etag-1"),
                                    .audit = MakeAudit("EndSession", ended.name())});
  stored = store().GetSession(session.name());
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_TRUE(MessageDifferencer::Equals(**stored, ended));
}

TEST_P(StoreContractTest, SessionWithMalformedNameOrAClientOfAnotherPracticeIsInvalidArgument) {
  EXPECT_EQ(store()
                .Commit(Inserting(MakeSession("practices/p1/clients/c1/sessions/s1",
                                              "practices/p1/clients/c1", 1'700'000'000)))
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store()
                .Commit(Inserting(MakeSession("practices/p1/sessions/s1", "practices/p2/clients/c1",
                                              1'700'000'000)))
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(AllAudit(store()), IsEmpty());
}

TEST_P(StoreContractTest, ListSessionsIsNewestFirstOfOnePracticeOrOneClient) {
  const std::string c1 = "practices/p1/clients/c1";
  const std::string c2 = "practices/p1/clients/c2";
  ExpectCommitted(store(), Inserting(MakeSession("practices/p1/sessions/old", c1, 1'700'000'000)));
  ExpectCommitted(store(), Inserting(MakeSession("practices/p1/sessions/mid", c2, 1'700'000'100)));
  ExpectCommitted(store(), Inserting(MakeSession("practices/p1/sessions/new", c1, 1'700'000'200)));
  ExpectCommitted(store(), Inserting(MakeSession("practices/p2/sessions/elsewhere",
                                                 "practices/p2/clients/c1", 1'700'000'300)));

  absl::StatusOr<Page<v1::Session>> all =
      store().ListSessions({.practice_name = "practices/p1", .page = {.page_size = 10}});
  ASSERT_THAT(all, IsOk());
  EXPECT_THAT(NamesOf(all->items),
              ElementsAre("practices/p1/sessions/new", "practices/p1/sessions/mid",
                          "practices/p1/sessions/old"));
  absl::StatusOr<Page<v1::Session>> of_c1 = store().ListSessions(
      {.practice_name = "practices/p1", .client_name = c1, .page = {.page_size = 10}});
  ASSERT_THAT(of_c1, IsOk());
  EXPECT_THAT(NamesOf(of_c1->items),
              ElementsAre("practices/p1/sessions/new", "practices/p1/sessions/old"));
  EXPECT_EQ(
      store()
          .ListSessions({.practice_name = "practices/p1", .client_name = "practices/p2/clients/c1"})
          .status()
          .code(),
      absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(store().ListSessions({.practice_name = "p1"}),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST_P(StoreContractTest, ListSessionsPagesAcrossEqualTimesAndKeepsItsTokensToItself) {
  const std::string c1 = "practices/p1/clients/c1";
  std::vector<std::string> expected;
  for (int second = 2; second >= 0; --second) {
    for (int i = 3; i >= 0; --i) {
      const std::string name = absl::StrCat("practices/p1/sessions/s", second, "-", i);
      ExpectCommitted(store(), Inserting(MakeSession(name, c1, 1'700'000'000 + second)));
      expected.push_back(name);
    }
  }
  const std::function<absl::StatusOr<Page<v1::Session>>(const SessionQuery&)> list =
      [&](const SessionQuery& query) { return store().ListSessions(query); };
  int pages = 0;
  EXPECT_EQ(NamesOfAllPages(SessionQuery{.practice_name = "practices/p1"}, 5, list, &pages),
            expected);
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(NamesOfAllPages(SessionQuery{.practice_name = "practices/p1", .client_name = c1}, 5,
                            list, &pages),
            expected);

  // A practice-wide token is not a client's.
  absl::StatusOr<Page<v1::Session>> first =
      store().ListSessions({.practice_name = "practices/p1", .page = {.page_size = 5}});
  ASSERT_THAT(first, IsOk());
  ASSERT_FALSE(first->next_page_token.empty());
  EXPECT_EQ(store()
                .ListSessions({.practice_name = "practices/p1",
                               .client_name = c1,
                               .page = {.page_size = 5, .page_token = first->next_page_token}})
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_P(StoreContractTest, ASessionCommitsWithAnAssignmentAndItsEventOrNotAtAll) {
  const std::string c1 = "practices/p1/clients/c1";
  v1::Session session = MakeSession("practices/p1/sessions/s1", c1, 1'700'000'000);
  v1::Assignment taken = MakeAssignment(c1 + "/assignments/a1", 1'700'000'000);
  ExpectCommitted(store(), Inserting(taken));
  // The assignment's insert fails (its name is taken): the session is not written either.
  Mutation both{.assignment = Put<v1::Assignment>{.mode = WriteMode::kInsert, .resource = taken},
                .session = Put<v1::Session>{.mode = WriteMode::kInsert, .resource = session},
                .events = {MakeEvent("p1", c1, v1::Event::TYPE_SESSION_UPDATED, session.name(),
                                     1'700'000'000'000'000)},
                .audit = MakeAudit("CreateSession", session.name())};
  EXPECT_THAT(store().Commit(both), StatusIs(absl::StatusCode::kAlreadyExists));
  absl::StatusOr<std::optional<v1::Session>> stored = store().GetSession(session.name());
  ASSERT_THAT(stored, IsOk());
  EXPECT_FALSE(stored->has_value());
  absl::StatusOr<int64_t> latest = store().LatestEventSequence();
  ASSERT_THAT(latest, IsOk());
  EXPECT_EQ(*latest, 0);
}

}  // namespace
}  // namespace therapy::homework
