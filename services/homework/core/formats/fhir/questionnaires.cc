#include "services/homework/core/formats/fhir/questionnaires.h"

#include <algorithm>
#include <array>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/types/span.h"
#include "services/homework/core/clinical/measures.h"
#include "services/homework/core/formats/fhir/codes.h"

namespace therapy::homework::fhir {
namespace {

constexpr Form kForms[] = {
    {"thought-record", "HomeworkThoughtRecord", "Thought record", FormRecord::kThoughtRecord},
    {"mood-monitoring", "HomeworkMoodMonitoring", "Mood check-in", FormRecord::kNone},
    {"behavioral-tracking", "HomeworkBehavioralTracking", "Activity log", FormRecord::kActivity},
    {"cognitive-restructuring", "HomeworkCognitiveRestructuring", "Cognitive restructuring",
     FormRecord::kThoughtRecord},
    {"behavioral-experiment", "HomeworkBehavioralExperiment", "Behavioural experiment",
     FormRecord::kExperiment},
    {"exposure-practice", "HomeworkExposurePractice", "Exposure practice", FormRecord::kNone},
    {"skills-practice", "HomeworkSkillsPractice", "Skills practice", FormRecord::kNone},
    {"self-care", "HomeworkSelfCare", "Self-care", FormRecord::kSelfCare},
    {"coping-card", "HomeworkCopingCard", "Coping card", FormRecord::kNone},
    {"relapse-prevention-plan", "HomeworkRelapsePreventionPlan", "Relapse-prevention plan",
     FormRecord::kNone},
    {"custom", "HomeworkCustomPractice", "Custom practice", FormRecord::kNone},
    {"phq-9", "HomeworkPhq9", "Patient Health Questionnaire-9 (PHQ-9)", FormRecord::kPhq9},
    {"gad-7", "HomeworkGad7", "Generalized Anxiety Disorder-7 (GAD-7)", FormRecord::kGad7},
    {"safety-plan", "HomeworkSafetyPlan", "Safety plan", FormRecord::kNone},
};

constexpr size_t kCustomForm = 10;
static_assert(kForms[kCustomForm].id == "custom");

const Form& FormById(absl::string_view id) {
  for (const Form& form : kForms) {
    if (form.id == id) return form;
  }
  return kForms[kCustomForm];
}

// LOINC codes of the measures: panel, items in form order, total, and the answers scored 0-3.
struct MeasureCodes {
  absl::string_view panel;
  absl::string_view panel_display;
  absl::Span<const absl::string_view> items;
  absl::Span<const absl::string_view> item_texts;
  absl::string_view total;
  absl::string_view total_display;
  absl::string_view question;
};

constexpr std::array<absl::string_view, 9> kPhq9ItemLoinc = {"44250-9", "44255-8", "44259-0",
                                                             "44254-1", "44251-7", "44258-2",
                                                             "44252-5", "44253-3", "44260-8"};
constexpr std::array<absl::string_view, 7> kGad7ItemLoinc = {
    "69725-0", "68509-9", "69733-4", "69734-2", "69735-9", "69689-8", "69736-7"};
// LOINC answer list LL358-3, in score order (the texts are clinical::kFrequencyAnswers).
constexpr std::array<absl::string_view, 4> kFrequencyAnswerLoinc = {"LA6568-5", "LA6569-3",
                                                                    "LA6570-1", "LA6571-9"};

MeasureCodes Phq9Codes() {
  return {"44249-1",
          "PHQ-9 quick depression assessment panel",
          kPhq9ItemLoinc,
          clinical::kPhq9Items,
          clinical::kPhq9TotalLoinc,
          "Patient Health Questionnaire 9 item (PHQ-9) total score [Reported]",
          clinical::kPhq9Question};
}

MeasureCodes Gad7Codes() {
  return {"69737-5",
          "Generalized anxiety disorder 7 item (GAD-7)",
          kGad7ItemLoinc,
          clinical::kGad7Items,
          clinical::kGad7TotalLoinc,
          "Generalized anxiety disorder 7 item (GAD-7) total score [Reported.PHQ]",
          clinical::kGad7Question};
}

Json Coding(absl::string_view system, absl::string_view code, absl::string_view display = {}) {
  Json coding = {{"system", system}, {"code", code}};
  if (!display.empty()) coding["display"] = display;
  return coding;
}

Json HomeworkCoding(absl::string_view code) {
  return Coding(kHomeworkSystem, code, HomeworkDisplay(code));
}

// ---------------------------------------------------------------------------------------------
// Questionnaire items

Json Item(absl::string_view link_id, absl::string_view type, absl::string_view text) {
  return {{"linkId", link_id}, {"text", text}, {"type", type}};
}

// An item whose answer a homework code names (SUDS, mood, ...): Questionnaire.item.code.
Json CodedItem(absl::string_view link_id, absl::string_view code, absl::string_view type,
               absl::string_view text) {
  Json item = {{"linkId", link_id},
               {"code", Json::array({HomeworkCoding(code)})},
               {"text", text},
               {"type", type}};
  return item;
}

Json Group(absl::string_view link_id, absl::string_view text, Json items, bool repeats = false) {
  Json group = {{"linkId", link_id}, {"text", text}, {"type", "group"}};
  if (repeats) group["repeats"] = true;
  group["item"] = std::move(items);
  return group;
}

// The repeating group of named emotions with intensity 0-100 under `prefix`.
Json EmotionGroup(absl::string_view prefix, absl::string_view text) {
  return Group(
      prefix, text,
      Json::array({Item(absl::StrCat(prefix, ".name"), "string", "Emotion"),
                   Item(absl::StrCat(prefix, ".intensity"), "integer", "Intensity (0-100)")}),
      /*repeats=*/true);
}

void AppendPracticeItems(Json& items) {
  Json status = Item("status", "choice", "How far did the practice go?");
  status["required"] = true;
  Json options = Json::array();
  for (absl::string_view code :
       {"status-done", "status-partial", "status-minimum-version", "status-skipped"}) {
    options.push_back({{"valueCoding", HomeworkCoding(code)}});
  }
  status["answerOption"] = std::move(options);
  items.push_back(std::move(status));

  Json skip = Item("skip-reason", "string", "Why was it skipped?");
  skip["enableWhen"] = Json::array({{{"question", "status"},
                                     {"operator", "="},
                                     {"answerCoding", HomeworkCoding("status-skipped")}}});
  items.push_back(std::move(skip));
  items.push_back(CodedItem("minutes", "minutes", "integer", "Minutes practised"));
  items.push_back(Group(
      "suds", "Distress (SUDS): 0 = completely calm, 100 = the worst distress imaginable",
      Json::array({CodedItem("suds.before", "suds-before", "integer", "Before starting"),
                   CodedItem("suds.peak", "suds-peak", "integer", "The highest during practice"),
                   CodedItem("suds.after", "suds-after", "integer", "At the end")})));
  items.push_back(
      Group("expectancy", "How likely is the feared outcome? (0-100%)",
            Json::array({CodedItem("expectancy.before", "expectancy-before", "integer", "Before"),
                         CodedItem("expectancy.after", "expectancy-after", "integer", "After"),
                         CodedItem("expectancy.feared-outcome-occurred", "feared-outcome-occurred",
                                   "boolean", "Did the feared outcome happen?")})));
  items.push_back(
      CodedItem("mood", "mood", "integer", "Overall mood (0 = the worst, 10 = the best)"));
  items.push_back(EmotionGroup("emotion", "Emotions"));
  items.push_back(Item("engagement", "integer", "How engaged did you feel? (0-10)"));
  items.push_back(Item("note", "text", "Your note"));
}

Json ThoughtRecordGroup() {
  return Group(
      "thought-record", "Thought record",
      Json::array({
          Item("thought-record.situation", "text", "Situation: what happened, where, with whom"),
          Item("thought-record.automatic-thought", "text", "Automatic thought"),
          Item("thought-record.automatic-thought-belief", "integer",
               "Belief in the automatic thought (0-100%)"),
          EmotionGroup("thought-record.emotion", "Emotions felt"),
          Item("thought-record.evidence-for", "text", "Evidence that supports the thought"),
          Item("thought-record.evidence-against", "text", "Evidence that does not"),
          Item("thought-record.balanced-thought", "text", "Balanced thought"),
          Item("thought-record.balanced-thought-belief", "integer",
               "Belief in the balanced thought (0-100%)"),
          EmotionGroup("thought-record.emotion-rerated", "Emotions re-rated"),
      }));
}

Json ExperimentGroup() {
  return Group(
      "experiment", "Behavioural experiment",
      Json::array({
          Item("experiment.prediction", "text", "The prediction tested"),
          Item("experiment.belief-before", "integer", "Belief in the prediction before (0-100%)"),
          Item("experiment.experiment", "text", "What I did"),
          Item("experiment.outcome", "text", "What actually happened"),
          Item("experiment.belief-after", "integer", "Belief in the prediction after (0-100%)"),
          Item("experiment.learning", "text", "What I learned"),
      }));
}

Json ActivityGroup() {
  return Group("activity", "Activity",
               Json::array({Item("activity.activity", "string", "Activity"),
                            Item("activity.mastery", "integer", "Mastery (0-10)"),
                            Item("activity.pleasure", "integer", "Pleasure (0-10)")}));
}

Json SelfCareGroup() {
  return Group(
      "self-care", "Self-care",
      Json::array({Item("self-care.amount", "decimal", "Amount done, in the assignment's unit")}));
}

void AppendMeasureItems(const MeasureCodes& codes, Json& items) {
  items.push_back(Item(absl::StrCat(codes.panel, ".question"), "display", codes.question));
  for (size_t i = 0; i < codes.items.size(); ++i) {
    Json item = {{"linkId", codes.items[i]},
                 {"code", Json::array({Coding(kLoincSystem, codes.items[i])})},
                 {"prefix", std::to_string(i + 1)},
                 {"text", codes.item_texts[i]},
                 {"type", "choice"}};
    Json options = Json::array();
    for (size_t score = 0; score < kFrequencyAnswerLoinc.size(); ++score) {
      options.push_back({{"extension", Json::array({{{"url", kOrdinalValueExtension},
                                                     {"valueDecimal", static_cast<int>(score)}}})},
                         {"valueCoding", Coding(kLoincSystem, kFrequencyAnswerLoinc[score],
                                                clinical::kFrequencyAnswers[score])}});
    }
    item["answerOption"] = std::move(options);
    items.push_back(std::move(item));
  }
  Json total = {{"linkId", codes.total},
                {"code", Json::array({Coding(kLoincSystem, codes.total, codes.total_display)})},
                {"text", "Total score"},
                {"type", "integer"},
                {"readOnly", true}};
  items.push_back(std::move(total));
}

// ---------------------------------------------------------------------------------------------
// QuestionnaireResponse items

Json Answered(absl::string_view link_id, Json value) {
  return {{"linkId", link_id}, {"answer", Json::array({std::move(value)})}};
}

Json IntegerAnswer(int value) { return {{"valueInteger", value}}; }
Json StringAnswer(absl::string_view value) { return {{"valueString", value}}; }

void AddString(Json& items, absl::string_view link_id, const std::string& value) {
  if (!value.empty()) items.push_back(Answered(link_id, StringAnswer(value)));
}

// A group answer; nothing when none of its items was answered.
void AddGroup(Json& items, absl::string_view link_id, Json children) {
  if (!children.empty()) items.push_back({{"linkId", link_id}, {"item", std::move(children)}});
}

void AddEmotions(Json& items, absl::string_view prefix,
                 const google::protobuf::RepeatedPtrField<v1::EmotionRating>& emotions) {
  for (const v1::EmotionRating& rating : emotions) {
    Json children = Json::array();
    AddString(children, absl::StrCat(prefix, ".name"), rating.emotion());
    children.push_back(
        Answered(absl::StrCat(prefix, ".intensity"), IntegerAnswer(rating.intensity())));
    AddGroup(items, prefix, std::move(children));
  }
}

void AppendPracticeAnswers(const v1::Completion& completion, Json& items) {
  items.push_back(Answered(
      "status", {{"valueCoding", HomeworkCoding(CompletionStatusCode(completion.status()))}}));
  AddString(items, "skip-reason", completion.skip_reason());
  if (completion.minutes() > 0) {
    items.push_back(Answered("minutes", IntegerAnswer(completion.minutes())));
  }
  if (completion.has_suds()) {
    const v1::SudsRatings& suds = completion.suds();
    Json children = Json::array();
    if (suds.has_before())
      children.push_back(Answered("suds.before", IntegerAnswer(suds.before())));
    if (suds.has_peak()) children.push_back(Answered("suds.peak", IntegerAnswer(suds.peak())));
    if (suds.has_after()) children.push_back(Answered("suds.after", IntegerAnswer(suds.after())));
    AddGroup(items, "suds", std::move(children));
  }
  if (completion.has_expectancy()) {
    const v1::Expectancy& expectancy = completion.expectancy();
    Json children = Json::array();
    if (expectancy.has_before()) {
      children.push_back(Answered("expectancy.before", IntegerAnswer(expectancy.before())));
    }
    if (expectancy.has_after()) {
      children.push_back(Answered("expectancy.after", IntegerAnswer(expectancy.after())));
    }
    if (expectancy.has_feared_outcome_occurred()) {
      children.push_back(Answered("expectancy.feared-outcome-occurred",
                                  {{"valueBoolean", expectancy.feared_outcome_occurred()}}));
    }
    AddGroup(items, "expectancy", std::move(children));
  }
  if (completion.has_mood()) items.push_back(Answered("mood", IntegerAnswer(completion.mood())));
  AddEmotions(items, "emotion", completion.emotions());
  if (completion.has_engagement()) {
    items.push_back(Answered("engagement", IntegerAnswer(completion.engagement())));
  }
  AddString(items, "note", completion.client_note());
}

void AppendThoughtRecordAnswers(const v1::ThoughtRecord& record, Json& items) {
  Json children = Json::array();
  AddString(children, "thought-record.situation", record.situation());
  AddString(children, "thought-record.automatic-thought", record.automatic_thought());
  if (record.has_automatic_thought_belief()) {
    children.push_back(Answered("thought-record.automatic-thought-belief",
                                IntegerAnswer(record.automatic_thought_belief())));
  }
  AddEmotions(children, "thought-record.emotion", record.emotions());
  AddString(children, "thought-record.evidence-for", record.evidence_for());
  AddString(children, "thought-record.evidence-against", record.evidence_against());
  AddString(children, "thought-record.balanced-thought", record.balanced_thought());
  if (record.has_balanced_thought_belief()) {
    children.push_back(Answered("thought-record.balanced-thought-belief",
                                IntegerAnswer(record.balanced_thought_belief())));
  }
  AddEmotions(children, "thought-record.emotion-rerated", record.emotions_rerated());
  AddGroup(items, "thought-record", std::move(children));
}

void AppendExperimentAnswers(const v1::ExperimentRecord& record, Json& items) {
  Json children = Json::array();
  AddString(children, "experiment.prediction", record.prediction());
  if (record.has_belief_before()) {
    children.push_back(Answered("experiment.belief-before", IntegerAnswer(record.belief_before())));
  }
  AddString(children, "experiment.experiment", record.experiment());
  AddString(children, "experiment.outcome", record.outcome());
  if (record.has_belief_after()) {
    children.push_back(Answered("experiment.belief-after", IntegerAnswer(record.belief_after())));
  }
  AddString(children, "experiment.learning", record.learning());
  AddGroup(items, "experiment", std::move(children));
}

void AppendActivityAnswers(const v1::ActivityRecord& record, Json& items) {
  Json children = Json::array();
  AddString(children, "activity.activity", record.activity());
  if (record.has_mastery()) {
    children.push_back(Answered("activity.mastery", IntegerAnswer(record.mastery())));
  }
  if (record.has_pleasure()) {
    children.push_back(Answered("activity.pleasure", IntegerAnswer(record.pleasure())));
  }
  AddGroup(items, "activity", std::move(children));
}

void AppendMeasureAnswers(const MeasureCodes& codes, const v1::MeasureResponse& response,
                          Json& items) {
  const size_t answered =
      std::min(codes.items.size(), static_cast<size_t>(response.item_scores_size()));
  for (size_t i = 0; i < answered; ++i) {
    const int score = response.item_scores(static_cast<int>(i));
    if (score < 0 || score >= static_cast<int>(kFrequencyAnswerLoinc.size())) continue;
    const auto index = static_cast<size_t>(score);
    items.push_back(
        Answered(codes.items[i], {{"valueCoding", Coding(kLoincSystem, kFrequencyAnswerLoinc[index],
                                                         clinical::kFrequencyAnswers[index])}}));
  }
  items.push_back(Answered(codes.total, IntegerAnswer(response.total())));
}

// Whether `form` has items for the record `completion` carries (or it carries none).
bool FormHoldsRecord(const Form& form, const v1::Completion& completion) {
  switch (completion.record_case()) {
    case v1::Completion::kThoughtRecord:
      return form.record == FormRecord::kThoughtRecord;
    case v1::Completion::kExperiment:
      return form.record == FormRecord::kExperiment;
    case v1::Completion::kActivity:
      return form.record == FormRecord::kActivity;
    case v1::Completion::kSelfCare:
      return form.record == FormRecord::kSelfCare;
    case v1::Completion::kMeasure:
      return form.record == FormRecord::kPhq9 || form.record == FormRecord::kGad7;
    default:
      return true;
  }
}

}  // namespace

const Form& FormFor(const v1::Exercise& exercise) {
  if (exercise.kind() == v1::EXERCISE_KIND_OUTCOME_MEASURE) {
    switch (exercise.outcome_measure().measure()) {
      case v1::MEASURE_PHQ9:
        return FormById("phq-9");
      case v1::MEASURE_GAD7:
        return FormById("gad-7");
      default:
        return FormById("custom");
    }
  }
  return FormById(ExerciseKindCode(exercise.kind()));
}

const Form& FormForCompletion(const Form* assignment_form, const v1::Completion& completion) {
  if (assignment_form != nullptr && FormHoldsRecord(*assignment_form, completion)) {
    return *assignment_form;
  }
  switch (completion.record_case()) {
    case v1::Completion::kThoughtRecord:
      return FormById("thought-record");
    case v1::Completion::kExperiment:
      return FormById("behavioral-experiment");
    case v1::Completion::kActivity:
      return FormById("behavioral-tracking");
    case v1::Completion::kSelfCare:
      return FormById("self-care");
    case v1::Completion::kMeasure:
      return FormById(completion.measure().measure() == v1::MEASURE_GAD7 ? "gad-7" : "phq-9");
    default:
      return FormById("custom");
  }
}

std::string FormUrl(const Form& form) { return absl::StrCat(kBaseUrl, "/Questionnaire/", form.id); }

std::string FormCanonical(const Form& form) {
  return absl::StrCat(FormUrl(form), "|", kFormVersion);
}

void FillQuestionnaire(const Form& form, Json& resource) {
  resource["url"] = FormUrl(form);
  resource["version"] = kFormVersion;
  resource["name"] = form.name;
  resource["title"] = form.title;
  resource["status"] = "active";
  resource["subjectType"] = Json::array({"Patient"});
  const bool phq9 = form.record == FormRecord::kPhq9;
  if (phq9 || form.record == FormRecord::kGad7) {
    const MeasureCodes codes = phq9 ? Phq9Codes() : Gad7Codes();
    resource["copyright"] =
        "Developed by Drs. Robert L. Spitzer, Janet B.W. Williams, Kurt Kroenke and colleagues, "
        "with an educational grant from Pfizer Inc. No permission required to reproduce, "
        "translate, display or distribute.";
    resource["code"] = Json::array({Coding(kLoincSystem, codes.panel, codes.panel_display)});
  }
  Json items = Json::array();
  AppendPracticeItems(items);
  switch (form.record) {
    case FormRecord::kThoughtRecord:
      items.push_back(ThoughtRecordGroup());
      break;
    case FormRecord::kExperiment:
      items.push_back(ExperimentGroup());
      break;
    case FormRecord::kActivity:
      items.push_back(ActivityGroup());
      break;
    case FormRecord::kSelfCare:
      items.push_back(SelfCareGroup());
      break;
    case FormRecord::kPhq9:
      AppendMeasureItems(Phq9Codes(), items);
      break;
    case FormRecord::kGad7:
      AppendMeasureItems(Gad7Codes(), items);
      break;
    case FormRecord::kNone:
      break;
  }
  resource["item"] = std::move(items);
}

Json ResponseItems(const Form& form, const v1::Completion& completion) {
  Json items = Json::array();
  AppendPracticeAnswers(completion, items);
  switch (completion.record_case()) {
    case v1::Completion::kThoughtRecord:
      AppendThoughtRecordAnswers(completion.thought_record(), items);
      break;
    case v1::Completion::kExperiment:
      AppendExperimentAnswers(completion.experiment(), items);
      break;
    case v1::Completion::kActivity:
      AppendActivityAnswers(completion.activity(), items);
      break;
    case v1::Completion::kSelfCare:
      AddGroup(items, "self-care",
               Json::array({Answered("self-care.amount",
                                     {{"valueDecimal", completion.self_care().amount()}})}));
      break;
    case v1::Completion::kMeasure:
      if (form.record == FormRecord::kPhq9) {
        AppendMeasureAnswers(Phq9Codes(), completion.measure(), items);
      } else if (form.record == FormRecord::kGad7) {
        AppendMeasureAnswers(Gad7Codes(), completion.measure(), items);
      }
      break;
    default:
      break;
  }
  return items;
}

}  // namespace therapy::homework::fhir
