// The clinical flows over real gRPC against the real homework-server binary: an exposure ladder
// whose progression the service suggests and the therapist decides; a PHQ-9 risk answer that
// reaches the care team's event stream at once and never the client's; a watcher that resumes
// from its cursor across a SIGKILL; reminders in the client's own words; the template library;
// and the outcome-measure error contract.

#include <gmock/gmock.h>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/util/message_differencer.h>
#include <google/protobuf/util/time_util.h>
#include <gtest/gtest.h>

#include <deque>
#include <initializer_list>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "integration-tests/event_watch.h"
#include "integration-tests/rpc_test_support.h"
#include "integration-tests/server_process.h"
#include "testing/status_matchers.h"

namespace therapy::homework::testing {
namespace {

using ::google::protobuf::util::MessageDifferencer;
using ::google::protobuf::util::TimeUtil;
using ::testing::AllOf;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using ::therapy::homework::testing::IsOk;

constexpr char kPractice[] = "clinic-a";
constexpr char kPracticeName[] = "practices/clinic-a";
constexpr char kZone[] = "Europe/Berlin";
constexpr char kLadderTemplate[] = "hierarchyTemplates/social-anxiety-ladder";

google::protobuf::Timestamp TimestampAgo(absl::Duration ago) {
  return TimeUtil::SecondsToTimestamp(absl::ToUnixSeconds(absl::Now() - ago));
}

absl::Time ToTime(const google::protobuf::Timestamp& timestamp) {
  return absl::FromUnixSeconds(timestamp.seconds()) + absl::Nanoseconds(timestamp.nanos());
}

// A done exposure practice `ago`, with SUDS before, peak and after.
v1::Completion ExposurePractice(absl::Duration ago, int suds_before, int suds_peak,
                                int suds_after) {
  v1::Completion completion;
  *completion.mutable_occur_time() = TimestampAgo(ago);
  completion.set_occur_time_zone(kZone);
  completion.set_status(v1::Completion::STATUS_DONE);
  completion.set_minutes(20);
  completion.mutable_suds()->set_before(suds_before);
  completion.mutable_suds()->set_peak(suds_peak);
  completion.mutable_suds()->set_after(suds_after);
  completion.set_client_note("Looked up and held it; my heart raced, then settled.");
  return completion;
}

// A PHQ-9 answered `ago`, one answer 0-3 per item in the questionnaire's order.
v1::Completion Phq9Answers(absl::Duration ago, std::initializer_list<int> answers) {
  v1::Completion completion;
  *completion.mutable_occur_time() = TimestampAgo(ago);
  completion.set_occur_time_zone(kZone);
  completion.set_status(v1::Completion::STATUS_DONE);
  for (int answer : answers) completion.mutable_measure()->add_item_scores(answer);
  return completion;
}

// "Etc/GMT-5" and the like: a zone without daylight saving where the local time is now between
// 12:00 and 13:00, so a practice planned at 18:00 is still ahead today whenever the test runs.
// (The Etc names count the other way round: Etc/GMT-5 is UTC+5.)
std::string ZoneWhereItIsAboutNoon() {
  const int utc_hour = absl::ToCivilHour(absl::Now(), absl::UTCTimeZone()).hour();
  const int offset = 12 - utc_hour;  // -11 .. +12, all of which exist
  if (offset == 0) return "Etc/GMT";
  return offset > 0 ? absl::StrCat("Etc/GMT-", offset) : absl::StrCat("Etc/GMT+", -offset);
}

// "TYPE_URGENT_FLAG_RAISED practices/.../completions/x", for assertion messages.
std::string DescribeEvent(const std::optional<v1::Event>& event) {
  if (!event) return "no event";
  return absl::StrCat(v1::Event::Type_Name(event->type()), " ", event->resource());
}

class ClinicalFlowTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<ServerProcess>> started = ServerProcess::Start();
    ASSERT_THAT(started, IsOk());
    server_ = *std::move(started);
    stub_ = server_->NewStub();
    platform_ = server_->Token("platform-backend", "service", kPractice);
    dr_ada_ = server_->Token("dr-ada", "therapist", kPractice);
    alex_ = server_->Token("alex", "client", kPractice);
  }

  // The platform creates the client "alex" of clinic-a, on Dr Ada's care team.
  grpc::Status CreateAlex(v1::Client* client, const std::string& zone = kZone) {
    v1::CreateClientRequest request;
    request.set_parent(kPracticeName);
    request.set_client_id("alex");
    request.mutable_client()->set_display_name("Alex Brandt");
    request.mutable_client()->set_time_zone(zone);
    request.mutable_client()->add_care_team("dr-ada");
    return Call(*stub_, &Stub::CreateClient, platform_, request, client);
  }

  // Dr Ada creates a draft from `template_name` personalised with `personalisation`.
  grpc::Status CreateDraft(const std::string& client_name, const std::string& template_name,
                           const v1::Assignment& personalisation, v1::Assignment* draft) {
    v1::CreateAssignmentRequest request;
    request.set_parent(client_name);
    request.set_template_(template_name);
    *request.mutable_assignment() = personalisation;
    return Call(*stub_, &Stub::CreateAssignment, dr_ada_, request, draft);
  }

  grpc::Status Activate(const v1::Assignment& draft, v1::Assignment* active) {
    v1::ActivateAssignmentRequest request;
    request.set_name(draft.name());
    request.set_etag(draft.etag());
    return Call(*stub_, &Stub::ActivateAssignment, dr_ada_, request, active);
  }

  // Dr Ada assigns the PHQ-9 from the built-in library, starting today, and activates it.
  grpc::Status CreateActivePhq9(const std::string& client_name, v1::Assignment* active) {
    v1::Assignment personalisation;
    personalisation.mutable_schedule()->set_start_date(DayIn(kZone));
    v1::Assignment draft;
    grpc::Status status = CreateDraft(client_name, "templates/phq-9", personalisation, &draft);
    if (!status.ok()) return status;
    return Activate(draft, active);
  }

  grpc::Status Record(const std::string& token, const std::string& assignment_name,
                      const v1::Completion& completion, v1::Completion* recorded) {
    v1::CreateCompletionRequest request;
    request.set_parent(assignment_name);
    *request.mutable_completion() = completion;
    return Call(*stub_, &Stub::CreateCompletion, token, request, recorded);
  }

  grpc::Status ReviewSummary(const std::string& client_name, v1::ReviewSummary* summary) {
    v1::GetReviewSummaryRequest request;
    request.set_client(client_name);
    return Call(*stub_, &Stub::GetReviewSummary, dr_ada_, request, summary);
  }

  std::unique_ptr<EventWatch> Watch(const std::string& token, const std::string& client_name,
                                    const std::string& after_cursor = "") {
    v1::WatchEventsRequest request;
    request.set_parent(kPracticeName);
    request.set_client(client_name);
    request.set_after_cursor(after_cursor);
    return std::make_unique<EventWatch>(*stub_, token, request);
  }

  // Returns once every watch is live: the server sends its start cursor in the initial
  // metadata once it has fixed where the stream begins, so nothing written after is missed.
  void WaitUntilLive(std::initializer_list<EventWatch*> watches) {
    for (EventWatch* watch : watches) {
      ASSERT_TRUE(watch->Live().has_value()) << "a watch never said it was live\n"
                                             << server_->StderrTail();
    }
  }

  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<Stub> stub_;
  std::string platform_;  // service caller of clinic-a
  std::string dr_ada_;    // therapist of clinic-a, on Alex's care team
  std::string alex_;      // the client "alex" of clinic-a
};

TEST_F(ClinicalFlowTest, TwoPracticesHalvingSudsSuggestAdvanceAndOnlyTherapistMovesTheLadder) {
  v1::Client alex;
  ASSERT_RPC_OK(CreateAlex(&alex));

  // The seed's ladder, with Alex's own words for the SUDS scale.
  v1::CreateHierarchyRequest create_ladder;
  create_ladder.set_parent(alex.name());
  create_ladder.set_template_(kLadderTemplate);
  v1::SudsAnchors* anchors = create_ladder.mutable_hierarchy()->mutable_anchors();
  anchors->set_calm("Sunday morning in bed with the cat");
  anchors->set_moderate("Waiting to be called into a job interview");
  anchors->set_worst("Giving the toast at my sister's wedding and going blank");
  v1::Hierarchy ladder;
  ASSERT_RPC_OK(Call(*stub_, &Stub::CreateHierarchy, dr_ada_, create_ladder, &ladder));
  EXPECT_THAT(ladder.name(), StartsWith(alex.name() + "/hierarchies/"));
  EXPECT_EQ(ladder.current_step(), 0);
  EXPECT_EQ(ladder.created_by(), "dr-ada");
  EXPECT_TRUE(MessageDifferencer::Equals(ladder.anchors(), *anchors)) << ladder.DebugString();
  ASSERT_EQ(ladder.steps_size(), 5);
  EXPECT_EQ(ladder.steps(0).situation(), "Make brief eye contact with a stranger");
  EXPECT_EQ(ladder.steps(0).prescription(), "Practice 3 times daily for one week");
  EXPECT_EQ(ladder.steps(1).situation(), "Say hello to a cashier");
  EXPECT_EQ(ladder.steps(4).situation(), "Attend a small social event");
  EXPECT_EQ(ladder.decisions_size(), 0);

  // Step 0 as homework, from the built-in exposure template, personalised for Alex.
  v1::Assignment personalisation;
  v1::ExposurePracticeInstructions* step =
      personalisation.mutable_exercise()->mutable_exposure_practice();
  personalisation.mutable_exercise()->set_kind(v1::EXERCISE_KIND_EXPOSURE_PRACTICE);
  step->set_situation("Make brief eye contact with a stranger on the tram");
  step->set_expected_suds(30);
  step->set_hierarchy(ladder.name());
  step->set_hierarchy_step(0);
  personalisation.mutable_schedule()->set_start_date(DayIn(kZone, -1));
  personalisation.mutable_schedule()->mutable_habit_anchor()->set_client_words(
      "on the tram to work, after I put my headphones away");
  v1::Assignment draft;
  ASSERT_RPC_OK(CreateDraft(alex.name(), "templates/exposure-practice", personalisation, &draft));
  EXPECT_EQ(draft.title(), "Face a feared situation, step by step");  // from the template
  EXPECT_EQ(draft.exercise().exposure_practice().situation(),
            "Make brief eye contact with a stranger on the tram");
  EXPECT_EQ(draft.exercise().exposure_practice().stay_until_drop_percent(), 50);
  EXPECT_EQ(draft.exercise().exposure_practice().hierarchy(), ladder.name());
  EXPECT_EQ(draft.schedule().start_date(), DayIn(kZone, -1));
  EXPECT_EQ(draft.schedule().habit_anchor().client_words(),
            "on the tram to work, after I put my headphones away");
  EXPECT_THAT(draft.schedule().minimum_version(), HasSubstr("two minutes"));
  v1::Assignment exposure;
  ASSERT_RPC_OK(Activate(draft, &exposure));

  // Distress halves from peak to end, twice; both starts are above 40, so only the drop counts.
  v1::Completion first;
  ASSERT_RPC_OK(
      Record(alex_, exposure.name(), ExposurePractice(absl::Minutes(90), 60, 80, 40), &first));
  v1::ReviewSummary after_one;
  ASSERT_RPC_OK(ReviewSummary(alex.name(), &after_one));
  ASSERT_EQ(after_one.hierarchies_size(), 1);
  EXPECT_EQ(after_one.hierarchies(0).suggestion().kind(), v1::ProgressionSuggestion::KIND_REPEAT)
      << "one halving practice is not two: " << after_one.hierarchies(0).suggestion().reason();

  v1::Completion second;
  ASSERT_RPC_OK(
      Record(alex_, exposure.name(), ExposurePractice(absl::Minutes(15), 55, 70, 30), &second));
  v1::ReviewSummary summary;
  ASSERT_RPC_OK(ReviewSummary(alex.name(), &summary));
  ASSERT_EQ(summary.hierarchies_size(), 1);
  const v1::HierarchyReview& review = summary.hierarchies(0);
  EXPECT_EQ(review.hierarchy().name(), ladder.name());
  EXPECT_EQ(review.hierarchy().current_step(), 0);
  ASSERT_EQ(review.current_step_series_size(), 2);
  EXPECT_EQ(review.current_step_series(0).completion(), first.name());
  EXPECT_EQ(review.current_step_series(0).before(), 60);
  EXPECT_EQ(review.current_step_series(0).peak(), 80);
  EXPECT_EQ(review.current_step_series(0).after(), 40);
  EXPECT_EQ(review.current_step_series(1).completion(), second.name());
  EXPECT_EQ(review.current_step_series(1).before(), 55);
  EXPECT_EQ(review.current_step_series(1).peak(), 70);
  EXPECT_EQ(review.current_step_series(1).after(), 30);
  EXPECT_EQ(review.suggestion().kind(), v1::ProgressionSuggestion::KIND_ADVANCE)
      << review.suggestion().reason();
  EXPECT_THAT(review.suggestion().reason(),
              AllOf(HasSubstr("80"), HasSubstr("40"), HasSubstr("70"), HasSubstr("30")));

  // The service only suggests: Alex cannot move the ladder, and trying changes nothing.
  v1::AdvanceHierarchyRequest advance;
  advance.set_name(ladder.name());
  advance.set_etag(ladder.etag());
  advance.set_reason("I feel ready for the cashier");
  v1::Hierarchy ignored;
  grpc::Status by_client = Call(*stub_, &Stub::AdvanceHierarchy, alex_, advance, &ignored);
  EXPECT_EQ(by_client.error_code(), grpc::StatusCode::PERMISSION_DENIED) << Describe(by_client);

  // Dr Ada decides, and the decision is kept with its reason.
  advance.set_reason("Two practices with SUDS halving peak to end; Alex agrees to try step 2");
  v1::Hierarchy advanced;
  ASSERT_RPC_OK(Call(*stub_, &Stub::AdvanceHierarchy, dr_ada_, advance, &advanced));
  EXPECT_EQ(advanced.current_step(), 1);
  EXPECT_NE(advanced.etag(), ladder.etag());
  ASSERT_EQ(advanced.decisions_size(), 1);
  const v1::ProgressionDecision& decision = advanced.decisions(0);
  EXPECT_EQ(decision.kind(), v1::ProgressionDecision::KIND_ADVANCE);
  EXPECT_EQ(decision.from_step(), 0);
  EXPECT_EQ(decision.to_step(), 1);
  EXPECT_EQ(decision.reason(),
            "Two practices with SUDS halving peak to end; Alex agrees to try step 2");
  EXPECT_EQ(decision.decided_by(), "dr-ada");
  EXPECT_TRUE(decision.has_decide_time());

  v1::GetHierarchyRequest get;
  get.set_name(ladder.name());
  v1::Hierarchy stored;
  ASSERT_RPC_OK(Call(*stub_, &Stub::GetHierarchy, alex_, get, &stored));
  EXPECT_TRUE(MessageDifferencer::Equals(stored, advanced)) << "stored:\n"
                                                            << stored.DebugString() << "returned:\n"
                                                            << advanced.DebugString();
}

TEST_F(ClinicalFlowTest, Phq9SelfHarmAnswerReachesTherapistWatchAtOnceButNeverTheClients) {
  v1::Client alex;
  ASSERT_RPC_OK(CreateAlex(&alex));
  v1::Assignment phq9_plan;
  phq9_plan.mutable_schedule()->set_start_date(DayIn(kZone));
  v1::Assignment draft;
  ASSERT_RPC_OK(CreateDraft(alex.name(), "templates/phq-9", phq9_plan, &draft));
  EXPECT_EQ(draft.exercise().outcome_measure().measure(), v1::MEASURE_PHQ9);

  std::unique_ptr<EventWatch> therapist_watch = Watch(dr_ada_, alex.name());
  std::unique_ptr<EventWatch> client_watch = Watch(alex_, alex.name());
  ASSERT_NO_FATAL_FAILURE(WaitUntilLive({therapist_watch.get(), client_watch.get()}));

  v1::Assignment phq9;
  ASSERT_RPC_OK(Activate(draft, &phq9));
  // Item 9 (thoughts of being better off dead or of self-harm): "several days".
  v1::Completion answered;
  ASSERT_RPC_OK(Record(alex_, phq9.name(),
                       Phq9Answers(absl::Minutes(1), {2, 2, 1, 1, 2, 1, 1, 1, 1}), &answered));
  const absl::Time answered_at = absl::Now();

  // The care team's stream: the activation, the completion, and the urgent flag at once.
  std::optional<v1::Event> event = therapist_watch->Next();
  ASSERT_TRUE(event) << "no event";
  EXPECT_EQ(event->type(), v1::Event::TYPE_ASSIGNMENT_UPDATED) << DescribeEvent(event);
  EXPECT_EQ(event->resource(), phq9.name());
  event = therapist_watch->Next();
  ASSERT_TRUE(event) << "no event";
  EXPECT_EQ(event->type(), v1::Event::TYPE_COMPLETION_RECORDED) << DescribeEvent(event);
  EXPECT_EQ(event->resource(), answered.name());
  EXPECT_EQ(event->client(), alex.name());
  EXPECT_EQ(event->actor(), "alex");
  event = therapist_watch->Next(absl::Seconds(2));
  ASSERT_TRUE(event) << "the urgent flag did not arrive within 2 s of the answer";
  EXPECT_EQ(event->type(), v1::Event::TYPE_URGENT_FLAG_RAISED) << DescribeEvent(event);
  EXPECT_EQ(event->resource(), answered.name());
  EXPECT_EQ(event->client(), alex.name());
  EXPECT_LT(absl::Now() - answered_at, absl::Seconds(2));
  // In the same commit, the urgent flag the care team must acknowledge (safety_flag_flow_test).
  event = therapist_watch->Next();
  ASSERT_TRUE(event) << "no event";
  EXPECT_EQ(event->type(), v1::Event::TYPE_SAFETY_FLAG_RAISED) << DescribeEvent(event);
  EXPECT_THAT(event->resource(), StartsWith(alex.name() + "/safetyFlags/"));

  // Dr Ada reviews it: an event both streams see, after which the client's stream has shown
  // everything it will ever show of this completion.
  v1::ReviewCompletionRequest review;
  review.set_name(answered.name());
  review.set_etag(answered.etag());
  review.mutable_review()->set_quality_rating(5);
  review.mutable_review()->set_feedback("Thank you for answering honestly. Let's talk today.");
  v1::Completion reviewed;
  ASSERT_RPC_OK(Call(*stub_, &Stub::ReviewCompletion, dr_ada_, review, &reviewed));
  event = therapist_watch->Next();
  ASSERT_TRUE(event) << "no event";
  EXPECT_EQ(event->type(), v1::Event::TYPE_COMPLETION_REVIEWED) << DescribeEvent(event);

  // The client's own stream: the same events without the urgent flag.
  std::vector<std::string> client_saw;
  for (int i = 0; i < 3; ++i) {
    event = client_watch->Next();
    ASSERT_TRUE(event) << "the client's stream ended after " << i << " events";
    EXPECT_NE(event->type(), v1::Event::TYPE_URGENT_FLAG_RAISED) << DescribeEvent(event);
    client_saw.push_back(DescribeEvent(event));
  }
  EXPECT_THAT(client_saw, ::testing::ElementsAre("TYPE_ASSIGNMENT_UPDATED " + phq9.name(),
                                                 "TYPE_COMPLETION_RECORDED " + answered.name(),
                                                 "TYPE_COMPLETION_REVIEWED " + answered.name()));

  // The stored answer is scored by the service.
  v1::GetCompletionRequest get;
  get.set_name(answered.name());
  v1::Completion stored;
  ASSERT_RPC_OK(Call(*stub_, &Stub::GetCompletion, dr_ada_, get, &stored));
  EXPECT_EQ(stored.measure().measure(), v1::MEASURE_PHQ9);
  EXPECT_EQ(stored.measure().item_scores_size(), 9);
  EXPECT_EQ(stored.measure().total(), 12);
  EXPECT_EQ(stored.measure().severity(), v1::MeasureResponse::SEVERITY_MODERATE);
  EXPECT_EQ(stored.measure().loinc(), "44261-6");
  EXPECT_TRUE(stored.measure().urgent());

  // The review summary puts the flag first.
  v1::ReviewSummary summary;
  ASSERT_RPC_OK(ReviewSummary(alex.name(), &summary));
  ASSERT_GE(summary.urgent_flags_size(), 1);
  EXPECT_EQ(summary.urgent_flags_size(), 1);
  EXPECT_EQ(summary.urgent_flags(0).completion(), answered.name());
  EXPECT_THAT(summary.urgent_flags(0).reason(), HasSubstr("item 9"));
  ASSERT_EQ(summary.measure_trend_size(), 1);
  EXPECT_EQ(summary.measure_trend(0).total(), 12);
  EXPECT_EQ(summary.measure_trend(0).severity(), v1::MeasureResponse::SEVERITY_MODERATE);
}

TEST_F(ClinicalFlowTest, WatcherResumingFromItsCursorGetsEveryEventOnceInOrderAcrossSigkill) {
  v1::Client alex;
  ASSERT_RPC_OK(CreateAlex(&alex));
  std::unique_ptr<EventWatch> watch = Watch(dr_ada_, alex.name());
  ASSERT_NO_FATAL_FAILURE(WaitUntilLive({watch.get()}));

  v1::Assignment phq9_plan;
  phq9_plan.mutable_schedule()->set_start_date(DayIn(kZone));
  v1::Assignment draft;
  ASSERT_RPC_OK(CreateDraft(alex.name(), "templates/phq-9", phq9_plan, &draft));
  std::optional<v1::Event> last_seen = watch->Next();
  ASSERT_TRUE(last_seen) << "no event";
  ASSERT_EQ(last_seen->type(), v1::Event::TYPE_ASSIGNMENT_CREATED) << DescribeEvent(last_seen);
  ASSERT_EQ(last_seen->resource(), draft.name());
  ASSERT_FALSE(last_seen->cursor().empty());

  // The therapist's panel goes away; the homework goes on.
  grpc::Status closed = watch->Close();
  EXPECT_EQ(closed.error_code(), grpc::StatusCode::CANCELLED) << Describe(closed);
  v1::Assignment phq9;
  ASSERT_RPC_OK(Activate(draft, &phq9));
  v1::Completion before_kill;
  ASSERT_RPC_OK(Record(alex_, phq9.name(),
                       Phq9Answers(absl::Minutes(30), {1, 1, 0, 1, 0, 0, 1, 0, 0}), &before_kill));

  ASSERT_THAT(server_->Kill(SIGKILL), IsOk());
  absl::Status restarted = server_->Restart();
  ASSERT_THAT(restarted, IsOk());
  stub_ = server_->NewStub();
  v1::Completion after_restart;
  ASSERT_RPC_OK(Record(alex_, phq9.name(),
                       Phq9Answers(absl::Minutes(5), {0, 1, 0, 1, 0, 0, 0, 0, 0}), &after_restart));

  // Back, from the last cursor it saw: what it missed, in order, then what happens next.
  std::unique_ptr<EventWatch> resumed = Watch(dr_ada_, alex.name(), last_seen->cursor());
  v1::ReviewCompletionRequest review;
  review.set_name(before_kill.name());
  review.set_etag(before_kill.etag());
  review.mutable_review()->set_quality_rating(4);
  v1::Completion reviewed;
  ASSERT_RPC_OK(Call(*stub_, &Stub::ReviewCompletion, dr_ada_, review, &reviewed));

  const std::vector<std::string> expected = {
      "TYPE_ASSIGNMENT_UPDATED " + phq9.name(),
      "TYPE_COMPLETION_RECORDED " + before_kill.name(),
      "TYPE_COMPLETION_RECORDED " + after_restart.name(),
      "TYPE_COMPLETION_REVIEWED " + before_kill.name(),
  };
  std::vector<std::string> delivered;
  std::set<std::string> cursors = {last_seen->cursor()};
  for (size_t i = 0; i < expected.size(); ++i) {
    std::optional<v1::Event> event = resumed->Next();
    if (!event) break;
    delivered.push_back(DescribeEvent(event));
    EXPECT_TRUE(cursors.insert(event->cursor()).second)
        << "cursor " << event->cursor() << " delivered twice, at " << DescribeEvent(event);
  }
  EXPECT_EQ(delivered, expected);
  std::optional<v1::Event> extra = resumed->Next(absl::Milliseconds(300));
  EXPECT_FALSE(extra) << "delivered again or unexpected: " << DescribeEvent(extra);
}

TEST_F(ClinicalFlowTest, DueRemindersSpeakTheClientsWordsAndDropTodaysOnceItIsDone) {
  // A zone where it is now about noon: today's 18:00 practice is still ahead, tomorrow's is
  // inside the next 48 hours, the day after's is not.
  const std::string zone = ZoneWhereItIsAboutNoon();
  v1::Client alex;
  ASSERT_RPC_OK(CreateAlex(&alex, zone));

  v1::Assignment personalisation;
  v1::Schedule* schedule = personalisation.mutable_schedule();
  schedule->set_start_date(DayIn(zone));
  schedule->set_end_date(DayIn(zone, 13));
  schedule->set_preferred_local_time("18:00");
  schedule->mutable_habit_anchor()->set_client_words("when I get off the tram after work");
  schedule->set_minimum_version("Three slow breaths on the tram platform");
  v1::Assignment draft;
  ASSERT_RPC_OK(CreateDraft(alex.name(), "templates/paced-breathing", personalisation, &draft));
  v1::Assignment breathing;
  ASSERT_RPC_OK(Activate(draft, &breathing));
  EXPECT_EQ(breathing.schedule().period(), v1::Schedule::PERIOD_DAY);
  EXPECT_EQ(breathing.schedule().target_count(), 1);

  absl::TimeZone tz;
  ASSERT_TRUE(absl::LoadTimeZone(zone, &tz)) << zone;
  const absl::CivilDay today = absl::ToCivilDay(absl::Now(), tz);
  const absl::Time today_at_six =
      absl::FromCivil(absl::CivilMinute(today.year(), today.month(), today.day(), 18, 0), tz);
  const absl::Time tomorrow_at_six = today_at_six + absl::Hours(24);  // no daylight saving

  v1::ListDueRemindersRequest request;
  request.set_parent(kPracticeName);
  const absl::Time now = absl::Now();
  *request.mutable_start_time() = TimeUtil::SecondsToTimestamp(absl::ToUnixSeconds(now));
  *request.mutable_end_time() =
      TimeUtil::SecondsToTimestamp(absl::ToUnixSeconds(now + absl::Hours(48)));
  v1::ListDueRemindersResponse due;
  ASSERT_RPC_OK(Call(*stub_, &Stub::ListDueReminders, platform_, request, &due));
  ASSERT_EQ(due.reminders_size(), 2) << due.DebugString();
  for (const v1::Reminder& reminder : due.reminders()) {
    EXPECT_EQ(reminder.client(), alex.name());
    EXPECT_EQ(reminder.assignment(), breathing.name());
    EXPECT_EQ(reminder.time_zone(), zone);
    EXPECT_THAT(reminder.text(),
                AllOf(HasSubstr("Paced breathing"), HasSubstr("when I get off the tram after work"),
                      HasSubstr("Three slow breaths on the tram platform")));
  }
  EXPECT_EQ(ToTime(due.reminders(0).due_time()), today_at_six);
  EXPECT_EQ(ToTime(due.reminders(1).due_time()), tomorrow_at_six);

  // Alex practises early today: today's reminder goes, tomorrow's stays.
  v1::Completion practice;
  *practice.mutable_occur_time() = TimestampAgo(absl::Minutes(5));
  practice.set_occur_time_zone(zone);
  practice.set_status(v1::Completion::STATUS_DONE);
  practice.set_minutes(5);
  v1::Completion recorded;
  ASSERT_RPC_OK(Record(alex_, breathing.name(), practice, &recorded));
  v1::ListDueRemindersResponse after_practice;
  ASSERT_RPC_OK(Call(*stub_, &Stub::ListDueReminders, platform_, request, &after_practice));
  ASSERT_EQ(after_practice.reminders_size(), 1) << after_practice.DebugString();
  EXPECT_EQ(ToTime(after_practice.reminders(0).due_time()), tomorrow_at_six);

  // Reminders are for the notification backend, not for the care team.
  v1::ListDueRemindersResponse ignored;
  grpc::Status by_therapist = Call(*stub_, &Stub::ListDueReminders, dr_ada_, request, &ignored);
  EXPECT_EQ(by_therapist.error_code(), grpc::StatusCode::PERMISSION_DENIED)
      << Describe(by_therapist);
}

TEST_F(ClinicalFlowTest, TemplateLibraryCoversEveryKindAndPracticeTemplatesComeFirst) {
  auto list_all = [&](std::vector<v1::Template>* templates) {
    v1::ListTemplatesRequest request;
    request.set_parent(kPracticeName);
    do {
      v1::ListTemplatesResponse page;
      grpc::Status status = Call(*stub_, &Stub::ListTemplates, dr_ada_, request, &page);
      if (!status.ok()) return status;
      templates->insert(templates->end(), page.templates().begin(), page.templates().end());
      request.set_page_token(page.next_page_token());
    } while (!request.page_token().empty());
    return grpc::Status::OK;
  };

  std::vector<v1::Template> built_in;
  ASSERT_RPC_OK(list_all(&built_in));
  std::set<int> kinds;
  for (const v1::Template& t : built_in) {
    EXPECT_THAT(t.name(), StartsWith("templates/"));
    EXPECT_FALSE(t.schedule().minimum_version().empty()) << t.name();
    kinds.insert(t.exercise().kind());
  }
  const google::protobuf::EnumDescriptor* kind_enum = v1::ExerciseKind_descriptor();
  for (int i = 0; i < kind_enum->value_count(); ++i) {
    const google::protobuf::EnumValueDescriptor* kind = kind_enum->value(i);
    if (kind->number() == v1::EXERCISE_KIND_UNSPECIFIED) continue;
    EXPECT_TRUE(kinds.count(kind->number())) << "no template of " << kind->name();
  }

  // Dr Ada adds the practice's own.
  v1::CreateTemplateRequest create;
  create.set_parent(kPracticeName);
  create.set_template_id("worry-time");
  v1::Template* worry_time = create.mutable_template_();
  worry_time->set_title("Worry time");
  worry_time->set_description("Postpone worries to a fixed 15-minute slot; GAD, practice phase.");
  worry_time->mutable_exercise()->set_kind(v1::EXERCISE_KIND_CUSTOM);
  worry_time->mutable_exercise()->mutable_custom()->set_description(
      "Note each worry in one line during the day, then give them 15 minutes at 18:30.");
  worry_time->set_rationale("Worries wait better when they know they will get their turn.");
  worry_time->set_phase(v1::TREATMENT_PHASE_PRACTICE);
  worry_time->mutable_schedule()->set_target_count(1);
  worry_time->mutable_schedule()->set_period(v1::Schedule::PERIOD_DAY);
  worry_time->mutable_schedule()->set_minutes_per_practice(15);
  worry_time->mutable_schedule()->set_preferred_local_time("18:30");
  worry_time->mutable_schedule()->set_minimum_version("Write the worries down and close the book.");
  v1::Template created;
  ASSERT_RPC_OK(Call(*stub_, &Stub::CreateTemplate, dr_ada_, create, &created));
  EXPECT_EQ(created.name(), "practices/clinic-a/templates/worry-time");
  EXPECT_EQ(created.created_by(), "dr-ada");
  EXPECT_TRUE(created.has_create_time());
  EXPECT_FALSE(created.etag().empty());

  std::vector<v1::Template> library;
  ASSERT_RPC_OK(list_all(&library));
  ASSERT_EQ(library.size(), built_in.size() + 1);
  EXPECT_EQ(library[0].name(), created.name());
  EXPECT_EQ(library[1].name(), built_in[0].name());

  // ... and assigns from it.
  v1::Client alex;
  ASSERT_RPC_OK(CreateAlex(&alex));
  v1::Assignment start_today;
  start_today.mutable_schedule()->set_start_date(DayIn(kZone));
  v1::Assignment draft;
  ASSERT_RPC_OK(CreateDraft(alex.name(), created.name(), start_today, &draft));
  EXPECT_EQ(draft.title(), "Worry time");
  EXPECT_TRUE(MessageDifferencer::Equals(draft.exercise(), created.exercise()))
      << draft.exercise().DebugString();
  EXPECT_EQ(draft.schedule().preferred_local_time(), "18:30");
  EXPECT_EQ(draft.schedule().minimum_version(), "Write the worries down and close the book.");
  EXPECT_EQ(draft.schedule().start_date(), DayIn(kZone));
  v1::Assignment active;
  ASSERT_RPC_OK(Activate(draft, &active));

  // A client cannot add to the library.
  create.set_template_id("my-own-idea");
  v1::Template ignored;
  grpc::Status by_client = Call(*stub_, &Stub::CreateTemplate, alex_, create, &ignored);
  EXPECT_EQ(by_client.error_code(), grpc::StatusCode::PERMISSION_DENIED) << Describe(by_client);
  std::vector<v1::Template> unchanged;
  ASSERT_RPC_OK(list_all(&unchanged));
  EXPECT_EQ(unchanged.size(), library.size());
}

TEST_F(ClinicalFlowTest, Phq9WithEightAnswersIsInvalidArgumentNamingItemScores) {
  v1::Client alex;
  ASSERT_RPC_OK(CreateAlex(&alex));
  v1::Assignment phq9;
  ASSERT_RPC_OK(CreateActivePhq9(alex.name(), &phq9));

  v1::Completion ignored;
  grpc::Status status =
      Record(alex_, phq9.name(), Phq9Answers(absl::Minutes(2), {1, 1, 1, 1, 1, 1, 1, 1}), &ignored);
  ASSERT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << Describe(status);
  EXPECT_THAT(status.error_message(), HasSubstr("completion.measure.item_scores"));
  EXPECT_THAT(BadRequestFields(status), Contains("completion.measure.item_scores"));

  v1::ListCompletionsRequest list;
  list.set_parent(phq9.name());
  v1::ListCompletionsResponse stored;
  ASSERT_RPC_OK(Call(*stub_, &Stub::ListCompletions, alex_, list, &stored));
  EXPECT_EQ(stored.completions_size(), 0);
}

TEST_F(ClinicalFlowTest, HierarchyAndTemplateMethodsWorkOverTheWire) {
  v1::Client alex;
  ASSERT_RPC_OK(CreateAlex(&alex));

  // A ladder of the client's own, read back, listed, edited, moved up and back with reasons.
  v1::CreateHierarchyRequest create;
  create.set_parent(alex.name());
  create.mutable_hierarchy()->set_target("Driving on the motorway");
  for (auto [situation, suds] :
       {std::pair{"Drive round the block", 30}, std::pair{"Drive to the supermarket", 50},
        std::pair{"Ten minutes on the motorway", 80}}) {
    v1::HierarchyStep* step = create.mutable_hierarchy()->add_steps();
    step->set_situation(situation);
    step->set_expected_suds(suds);
  }
  v1::Hierarchy ladder;
  ASSERT_RPC_OK(Call(*stub_, &Stub::CreateHierarchy, dr_ada_, create, &ladder));

  v1::GetHierarchyRequest get;
  get.set_name(ladder.name());
  v1::Hierarchy read;
  ASSERT_RPC_OK(Call(*stub_, &Stub::GetHierarchy, alex_, get, &read));
  EXPECT_EQ(read.steps_size(), 3);
  EXPECT_EQ(read.target(), "Driving on the motorway");

  v1::ListHierarchiesRequest list;
  list.set_parent(alex.name());
  v1::ListHierarchiesResponse listed;
  ASSERT_RPC_OK(Call(*stub_, &Stub::ListHierarchies, dr_ada_, list, &listed));
  ASSERT_EQ(listed.hierarchies_size(), 1);
  EXPECT_EQ(listed.hierarchies(0).name(), ladder.name());

  v1::UpdateHierarchyRequest update;
  *update.mutable_hierarchy() = read;
  update.mutable_hierarchy()->mutable_anchors()->set_worst("Stuck in the fast lane, hands shaking");
  update.mutable_update_mask()->add_paths("anchors");
  v1::Hierarchy updated;
  ASSERT_RPC_OK(Call(*stub_, &Stub::UpdateHierarchy, dr_ada_, update, &updated));
  EXPECT_EQ(updated.anchors().worst(), "Stuck in the fast lane, hands shaking");
  EXPECT_EQ(Call(*stub_, &Stub::UpdateHierarchy, dr_ada_, update, &updated).error_code(),
            grpc::StatusCode::ABORTED);

  v1::AdvanceHierarchyRequest advance;
  advance.set_name(ladder.name());
  advance.set_reason("Start SUDS at 35 on the last practice");
  v1::Hierarchy advanced;
  ASSERT_RPC_OK(Call(*stub_, &Stub::AdvanceHierarchy, dr_ada_, advance, &advanced));
  v1::StepBackHierarchyRequest back;
  back.set_name(ladder.name());
  back.set_reason("Skipped twice, felt overwhelmed");
  v1::Hierarchy stepped_back;
  ASSERT_RPC_OK(Call(*stub_, &Stub::StepBackHierarchy, dr_ada_, back, &stepped_back));
  EXPECT_EQ(stepped_back.current_step(), 0);
  ASSERT_EQ(stepped_back.decisions_size(), 2);
  EXPECT_EQ(stepped_back.decisions(1).kind(), v1::ProgressionDecision::KIND_STEP_BACK);
  EXPECT_EQ(stepped_back.decisions(1).reason(), "Skipped twice, felt overwhelmed");

  // Templates: a built-in read by anyone in the practice, a practice one changed by a therapist.
  v1::GetTemplateRequest get_template;
  get_template.set_name("templates/thought-record");
  v1::Template thought_record;
  ASSERT_RPC_OK(Call(*stub_, &Stub::GetTemplate, alex_, get_template, &thought_record));
  EXPECT_EQ(thought_record.exercise().kind(), v1::EXERCISE_KIND_THOUGHT_RECORD);

  v1::CreateTemplateRequest create_template;
  create_template.set_parent(kPracticeName);
  create_template.set_template_id("driving-step");
  v1::Template* own = create_template.mutable_template_();
  own->set_title("Driving step");
  own->mutable_exercise()->set_kind(v1::EXERCISE_KIND_EXPOSURE_PRACTICE);
  own->mutable_exercise()->mutable_exposure_practice()->set_situation(
      "The next step of your ladder");
  own->mutable_schedule()->set_target_count(4);
  own->mutable_schedule()->set_period(v1::Schedule::PERIOD_WEEK);
  own->mutable_schedule()->set_minimum_version("Sit in the car with the engine running");
  v1::Template created;
  ASSERT_RPC_OK(Call(*stub_, &Stub::CreateTemplate, dr_ada_, create_template, &created));
  v1::UpdateTemplateRequest update_template;
  *update_template.mutable_template_() = created;
  update_template.mutable_template_()->set_title("Driving ladder step");
  update_template.mutable_update_mask()->add_paths("title");
  v1::Template renamed;
  ASSERT_RPC_OK(Call(*stub_, &Stub::UpdateTemplate, dr_ada_, update_template, &renamed));
  EXPECT_EQ(renamed.title(), "Driving ladder step");
  get_template.set_name(created.name());
  v1::Template reread;
  ASSERT_RPC_OK(Call(*stub_, &Stub::GetTemplate, dr_ada_, get_template, &reread));
  EXPECT_EQ(reread.title(), "Driving ladder step");

  v1::ListTemplatesRequest by_kind;
  by_kind.set_parent(kPracticeName);
  by_kind.set_kind(v1::EXERCISE_KIND_EXPOSURE_PRACTICE);
  v1::ListTemplatesResponse exposures;
  ASSERT_RPC_OK(Call(*stub_, &Stub::ListTemplates, alex_, by_kind, &exposures));
  ASSERT_GE(exposures.templates_size(), 2);
  for (const v1::Template& t : exposures.templates()) {
    EXPECT_EQ(t.exercise().kind(), v1::EXERCISE_KIND_EXPOSURE_PRACTICE) << t.name();
  }
  EXPECT_EQ(exposures.templates(0).name(), created.name());
}

}  // namespace
}  // namespace therapy::homework::testing
