#include "services/homework/core/templates.h"

#include <algorithm>
#include <initializer_list>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/homework/core/homework.h"
#include "services/homework/core/homework_internal.h"
#include "services/homework/core/proto_time.h"
#include "services/homework/core/resource_names.h"
#include "services/homework/core/status_macros.h"
#include "services/homework/core/validation.h"
#include "services/homework/storage/page_token.h"

namespace therapy::homework {
namespace {

constexpr absl::string_view kTemplatePrefix = "templates/";
constexpr absl::string_view kSocialAnxietyLadderName = "hierarchyTemplates/social-anxiety-ladder";

// A default schedule without its start date (set when assigning).
struct ScheduleRow {
  int target_count;
  v1::Schedule::Period period;
  int minutes_per_practice;
  absl::string_view preferred_local_time;  // optional, HH:MM
  v1::EventTiming anchor;                  // the routine the practice is stacked on
  int anchor_offset_minutes;
  absl::string_view anchor_words;  // an example of how a client might say it
  absl::string_view cue;
  absl::string_view minimum_version;  // the two-minute version
};

// One template as readable data. `title`, `instructions` and `rationale` are for the client:
// plain words, second person, short steps. `description` is for the therapist.
struct TemplateRow {
  absl::string_view id;
  absl::string_view title;
  absl::string_view description;
  v1::TreatmentPhase phase;
  v1::ExerciseKind kind;
  absl::string_view instructions;
  // Sets the kind's structured instructions (the oneof case must match `kind`).
  void (*details)(v1::Exercise&);
  absl::string_view rationale;
  ScheduleRow schedule;
};

void AddAll(google::protobuf::RepeatedPtrField<std::string>& list,
            std::initializer_list<absl::string_view> items) {
  for (absl::string_view item : items) list.Add(std::string(item));
}

void SelfCare(v1::Exercise& e, v1::SelfCareInstructions::Domain domain, double amount,
              absl::string_view unit, absl::string_view function) {
  v1::SelfCareInstructions& d = *e.mutable_self_care();
  d.set_domain(domain);
  d.set_target_amount(amount);
  d.set_unit(std::string(unit));
  d.set_function(std::string(function));
}

// Self-care, custom practice and outcome measures serve every phase: their phase is left
// unspecified and their description says so.
const TemplateRow kTemplates[] = {
    {
        .id = "thought-record",
        .title = "Thought record",
        .description =
            "The classic thought record: situation, automatic thought with belief 0-100%, "
            "emotions with intensity, evidence for and against, a balanced thought with belief, "
            "emotions re-rated. Awareness phase, once the client can name emotions. Early on, "
            "the first three columns are enough: the client records the rest as partial until "
            "restructuring is introduced. A completion marked done requires the full record.",
        .phase = v1::TREATMENT_PHASE_AWARENESS,
        .kind = v1::EXERCISE_KIND_THOUGHT_RECORD,
        .instructions =
            "When you notice a strong feeling or your mood suddenly drops, pause.\n"
            "1. Write down what was happening: where you were, when, and who with.\n"
            "2. Write the thought that went through your mind, and how much you believed it "
            "(0-100%).\n"
            "3. Name the feelings and how strong each one was (0-100).\n"
            "4. Write what supports the thought, and what doesn't.\n"
            "5. Write a more balanced thought, and how much you believe it (0-100%).\n"
            "6. Rate your feelings again.",
        .details =
            [](v1::Exercise& e) {
              e.mutable_thought_record()->set_focus("A moment when your mood suddenly changes");
            },
        .rationale =
            "Feelings often follow from quick thoughts we hardly notice. Writing them down slows "
            "things down, so you can see the thought and check whether it tells the whole story.",
        .schedule = {.target_count = 1,
                     .period = v1::Schedule::PERIOD_DAY,
                     .minutes_per_practice = 15,
                     .preferred_local_time = "20:00",
                     .anchor = v1::EVENT_TIMING_AFTER_DINNER,
                     .anchor_offset_minutes = 0,
                     .anchor_words = "after dinner",
                     .cue = "The worksheet and a pen on the kitchen table",
                     .minimum_version =
                         "Write one line about the situation and the thought that came with it."},
    },
    {
        .id = "mood-monitoring",
        .title = "Mood check-in",
        .description =
            "Brief ratings of overall mood 0-10 (or named emotions 0-100) with time and context, "
            "three times a day. Awareness phase: builds a baseline, shows links between "
            "activities, times of day and mood, and feeds the mood trend of the review.",
        .phase = v1::TREATMENT_PHASE_AWARENESS,
        .kind = v1::EXERCISE_KIND_MOOD_MONITORING,
        .instructions = "Three times a day, stop for a moment.\n"
                        "1. Rate your mood from 0 (the worst) to 10 (the best).\n"
                        "2. Note what you were doing and who you were with.\n"
                        "3. Add a few words about anything that stood out.",
        .details = [](v1::Exercise& e) { e.mutable_mood_monitoring(); },
        .rationale =
            "Moods can seem to come from nowhere. Rating them a few times a day shows the "
            "patterns: the times, places and activities that lift your mood or pull it down.",
        .schedule = {.target_count = 3,
                     .period = v1::Schedule::PERIOD_DAY,
                     .minutes_per_practice = 2,
                     .preferred_local_time = "",
                     .anchor = v1::EVENT_TIMING_MEAL,
                     .anchor_offset_minutes = 0,
                     .anchor_words = "when I sit down to eat",
                     .cue = "A reminder on your phone's lock screen",
                     .minimum_version = "Rate your mood from 0 to 10 once today."},
    },
    {
        .id = "activity-log",
        .title = "Activity log",
        .description =
            "An activity log with mastery and pleasure ratings 0-10. Awareness phase: the "
            "baseline for behavioural activation, showing which activities bring a sense of "
            "achievement or enjoyment and which are missing from the week.",
        .phase = v1::TREATMENT_PHASE_AWARENESS,
        .kind = v1::EXERCISE_KIND_BEHAVIORAL_TRACKING,
        .instructions = "Each evening, look back over your day.\n"
                        "1. Write down what you did, roughly hour by hour.\n"
                        "2. For each activity, rate how much it gave you a sense of achievement "
                        "(0-10).\n"
                        "3. Rate how much you enjoyed it (0-10).",
        .details =
            [](v1::Exercise& e) {
              e.mutable_behavioral_tracking()->set_rate_mastery_and_pleasure(true);
            },
        .rationale =
            "When we feel low we tend to do less, and doing less keeps us low. A simple record "
            "shows which activities help, so you can plan more of them.",
        .schedule = {.target_count = 1,
                     .period = v1::Schedule::PERIOD_DAY,
                     .minutes_per_practice = 10,
                     .preferred_local_time = "21:00",
                     .anchor = v1::EVENT_TIMING_BEFORE_SLEEP,
                     .anchor_offset_minutes = -30,
                     .anchor_words = "half an hour before bed",
                     .cue = "The log and a pen on your bedside table",
                     .minimum_version =
                         "Write down the one activity today that felt best, and rate it."},
    },
    {
        .id = "cognitive-restructuring",
        .title = "Question an unhelpful thought",
        .description =
            "Socratic questioning of one recurring automatic thought or belief, ending in a "
            "balanced alternative with belief 0-100%. Practice phase, after thought records have "
            "found the thoughts to work on; write the thought or belief to question in the "
            "client's own words. The client records the work as a thought record.",
        .phase = v1::TREATMENT_PHASE_PRACTICE,
        .kind = v1::EXERCISE_KIND_COGNITIVE_RESTRUCTURING,
        .instructions = "Pick one thought that keeps coming back and upsets you.\n"
                        "1. Write the thought down, and how much you believe it (0-100%).\n"
                        "2. Ask yourself the questions on your list and write short answers.\n"
                        "3. Write a fairer way of seeing it, and how much you believe that "
                        "(0-100%).\n"
                        "4. Notice how you feel now.",
        .details =
            [](v1::Exercise& e) {
              AddAll(*e.mutable_cognitive_restructuring()->mutable_questions(),
                     {"What makes me think this is true? What makes me think it is not?",
                      "Is there another way of looking at this?",
                      "What would I say to a friend who had this thought?",
                      "What is most likely to happen, and how would I cope with the worst?"});
            },
        .rationale =
            "Thoughts are guesses, not facts. Checking them with a few questions helps you find "
            "a view that is fairer to you and easier to live with.",
        .schedule = {.target_count = 3,
                     .period = v1::Schedule::PERIOD_WEEK,
                     .minutes_per_practice = 15,
                     .preferred_local_time = "",
                     .anchor = v1::EVENT_TIMING_EVENING,
                     .anchor_offset_minutes = 0,
                     .anchor_words = "in the evening once the house is quiet",
                     .cue = "Your list of questions as your phone's home screen",
                     .minimum_version =
                         "Ask yourself one question about the thought and write one line."},
    },
    {
        .id = "behavioral-experiment",
        .title = "Test a prediction",
        .description =
            "A behavioural experiment: a specific prediction with belief 0-100% before, a "
            "planned test, the outcome, belief after and what was learned. Practice phase. Plan "
            "it in session with the client: the prediction in their words and how they will test "
            "it, including the safety behaviours to drop. A completion marked done requires the "
            "experiment record.",
        .phase = v1::TREATMENT_PHASE_PRACTICE,
        .kind = v1::EXERCISE_KIND_BEHAVIORAL_EXPERIMENT,
        .instructions = "1. Write down what you expect will happen, and how strongly you "
                        "believe it (0-100%).\n"
                        "2. Do what we planned, in the way we agreed.\n"
                        "3. Write down what actually happened.\n"
                        "4. Rate again how strongly you believe your prediction (0-100%).\n"
                        "5. Write down what you learned.",
        .details = [](v1::Exercise& e) { e.mutable_behavioral_experiment(); },
        .rationale =
            "Worries make predictions about what will happen. Trying things out and seeing what "
            "really happens is the most convincing way to find out whether they are true.",
        .schedule = {.target_count = 2,
                     .period = v1::Schedule::PERIOD_WEEK,
                     .minutes_per_practice = 30,
                     .preferred_local_time = "",
                     .anchor = v1::EVENT_TIMING_AFTERNOON,
                     .anchor_offset_minutes = 0,
                     .anchor_words = "on the afternoons we picked together",
                     .cue = "The experiment in your calendar, with your prediction in the note",
                     .minimum_version = "Write down your prediction and how strongly you believe "
                                        "it, then take one small step towards testing it."},
    },
    {
        .id = "exposure-practice",
        .title = "Face a feared situation, step by step",
        .description =
            "One step of a graduated exposure hierarchy, rated in SUDS before, at peak and after "
            "(expectancy before and after tracked). Practice phase. Start around SUDS 40; 4-5 "
            "practices a week, 30-45 minutes or until distress falls by about half. Pick the "
            "step from the client's ladder and describe the situation in their words, so the "
            "review can follow the step's SUDS and suggest advancing or stepping back.",
        .phase = v1::TREATMENT_PHASE_PRACTICE,
        .kind = v1::EXERCISE_KIND_EXPOSURE_PRACTICE,
        .instructions =
            "1. Before you start, rate how upset you feel from 0 (completely calm) to 100 (the "
            "worst you can imagine), and how likely you think it is that what you fear will "
            "happen.\n"
            "2. Go into the situation and stay. Let the anxiety rise and fall without leaving "
            "and without the habits that make you feel safer.\n"
            "3. Note the highest rating you reached.\n"
            "4. Stay until your rating has dropped by about half, or for the time we agreed.\n"
            "5. Rate how you feel at the end, and write down whether what you feared happened.",
        .details =
            [](v1::Exercise& e) {
              v1::ExposurePracticeInstructions& d = *e.mutable_exposure_practice();
              d.set_situation("The step of your ladder we agreed in session");
              d.set_expected_suds(40);
              d.set_stay_until_drop_percent(50);
              d.set_track_expectancy(true);
            },
        .rationale =
            "Avoiding what scares us keeps the fear going. Staying in a feared situation, a "
            "step at a time, teaches your mind and body that you can cope and that the danger "
            "is smaller than it feels.",
        .schedule = {.target_count = 4,
                     .period = v1::Schedule::PERIOD_WEEK,
                     .minutes_per_practice = 30,
                     .preferred_local_time = "",
                     .anchor = v1::EVENT_TIMING_AFTER_LUNCH,
                     .anchor_offset_minutes = 0,
                     .anchor_words = "after lunch",
                     .cue = "Your ladder written on a card in your wallet",
                     .minimum_version = "Spend two minutes in the situation, or picture it in "
                                        "detail for two minutes, and rate how you feel."},
    },
    {
        .id = "paced-breathing",
        .title = "Paced breathing",
        .description =
            "Slow diaphragmatic breathing, about six breaths a minute (in for 4, out for 6). "
            "Practice phase: rehearsed daily while calm so it is available under stress; less "
            "useful as a safety behaviour during exposure. Completions record minutes and "
            "distress before and after.",
        .phase = v1::TREATMENT_PHASE_PRACTICE,
        .kind = v1::EXERCISE_KIND_SKILLS_PRACTICE,
        .instructions = "1. Sit comfortably and rest one hand on your belly.\n"
                        "2. Breathe in gently through your nose for a count of 4, letting your "
                        "belly rise.\n"
                        "3. Breathe out slowly for a count of 6.\n"
                        "4. Keep going for 5 minutes. If your mind wanders, come back to the "
                        "counting.\n"
                        "5. Rate how tense you feel before and after (0-100).",
        .details =
            [](v1::Exercise& e) {
              e.mutable_skills_practice()->set_skill(
                  v1::SkillsPracticeInstructions::SKILL_BREATHING);
            },
        .rationale =
            "Slow breathing calms the body's alarm system. Practising it when you are calm makes "
            "it much easier to use when you are stressed.",
        .schedule = {.target_count = 1,
                     .period = v1::Schedule::PERIOD_DAY,
                     .minutes_per_practice = 5,
                     .preferred_local_time = "22:00",
                     .anchor = v1::EVENT_TIMING_BEFORE_SLEEP,
                     .anchor_offset_minutes = 0,
                     .anchor_words = "right before bed",
                     .cue = "A small card with \"in 4, out 6\" on your pillow",
                     .minimum_version = "Take five slow breaths: in for 4, out for 6."},
    },
    {
        .id = "grounding-5-4-3-2-1",
        .title = "5-4-3-2-1 grounding",
        .description =
            "Sensory grounding (5 things seen, 4 felt, 3 heard, 2 smelled, 1 tasted) to bring "
            "attention back to the present in anxiety, panic, dissociation or intrusive "
            "memories. Practice phase: rehearsed daily while calm, then used when distressed.",
        .phase = v1::TREATMENT_PHASE_PRACTICE,
        .kind = v1::EXERCISE_KIND_SKILLS_PRACTICE,
        .instructions = "Wherever you are, slowly notice:\n"
                        "1. 5 things you can see.\n"
                        "2. 4 things you can feel, like your feet on the floor.\n"
                        "3. 3 things you can hear.\n"
                        "4. 2 things you can smell.\n"
                        "5. 1 thing you can taste.\n"
                        "Rate how upset you feel before and after (0-100).",
        .details =
            [](v1::Exercise& e) {
              e.mutable_skills_practice()->set_skill(
                  v1::SkillsPracticeInstructions::SKILL_GROUNDING);
            },
        .rationale =
            "When anxiety pulls your mind into worries or memories, your senses can bring you "
            "back to the here and now. Rehearsing on calm days makes it easier to reach for on "
            "hard ones.",
        .schedule = {.target_count = 1,
                     .period = v1::Schedule::PERIOD_DAY,
                     .minutes_per_practice = 5,
                     .preferred_local_time = "",
                     .anchor = v1::EVENT_TIMING_AFTER_LUNCH,
                     .anchor_offset_minutes = 0,
                     .anchor_words = "after lunch",
                     .cue = "A sticky note saying 5-4-3-2-1 on your desk",
                     .minimum_version = "Name 3 things you can see and take one slow breath."},
    },
    {
        .id = "sleep-routine",
        .title = "Regular sleep routine",
        .description =
            "A consistent wind-down and fixed bed and wake times, prescribed with a stated "
            "function (steadier mood, consolidating what is learned in therapy). Any phase. "
            "Completions record hours slept; agree the target hours with the client.",
        .phase = v1::TREATMENT_PHASE_UNSPECIFIED,
        .kind = v1::EXERCISE_KIND_SELF_CARE,
        .instructions = "1. Start winding down 30 minutes before bed: dim the lights and put "
                        "screens away.\n"
                        "2. Go to bed at the time we agreed.\n"
                        "3. Get up at the same time every day, even after a bad night.\n"
                        "4. In the morning, note how many hours you slept.",
        .details =
            [](v1::Exercise& e) {
              SelfCare(e, v1::SelfCareInstructions::DOMAIN_SLEEP, 7.5, "hours",
                       "Steady sleep steadies mood and helps new skills stick");
            },
        .rationale =
            "Sleep is when your brain stores what you learn, and too little makes feelings "
            "harder to manage. A regular rhythm is one of the surest ways to feel steadier.",
        .schedule = {.target_count = 1,
                     .period = v1::Schedule::PERIOD_DAY,
                     .minutes_per_practice = 30,
                     .preferred_local_time = "22:30",
                     .anchor = v1::EVENT_TIMING_BEFORE_SLEEP,
                     .anchor_offset_minutes = -30,
                     .anchor_words = "half an hour before bed",
                     .cue = "A phone alarm labelled \"wind down\"",
                     .minimum_version =
                         "Put your phone away and dim the lights two minutes before bed."},
    },
    {
        .id = "physical-activity",
        .title = "Move your body",
        .description =
            "Moderate physical activity (a brisk walk is enough) prescribed for mood and "
            "stress, with a stated function. Any phase; pairs well with behavioural activation. "
            "Completions record minutes.",
        .phase = v1::TREATMENT_PHASE_UNSPECIFIED,
        .kind = v1::EXERCISE_KIND_SELF_CARE,
        .instructions = "1. Choose something you can do: a brisk walk, cycling, dancing or "
                        "swimming.\n"
                        "2. Do it for the time we agreed, at a pace where you can talk but not "
                        "sing.\n"
                        "3. Afterwards, note how many minutes you moved and how you feel.",
        .details =
            [](v1::Exercise& e) {
              SelfCare(e, v1::SelfCareInstructions::DOMAIN_EXERCISE, 20, "minutes",
                       "Regular activity lifts mood and lowers stress");
            },
        .rationale =
            "Moving your body lowers stress and lifts your mood, often the same day. It does not "
            "need to be hard to help.",
        .schedule = {.target_count = 3,
                     .period = v1::Schedule::PERIOD_WEEK,
                     .minutes_per_practice = 20,
                     .preferred_local_time = "",
                     .anchor = v1::EVENT_TIMING_AFTER_BREAKFAST,
                     .anchor_offset_minutes = 0,
                     .anchor_words = "after breakfast",
                     .cue = "Your walking shoes by the front door",
                     .minimum_version = "Walk briskly for two minutes, even just around the "
                                        "block."},
    },
    {
        .id = "social-connection",
        .title = "Reach out to someone",
        .description =
            "Planned social contact, prescribed against isolation and withdrawal with a stated "
            "function. Any phase; also part of relapse prevention. Completions record the "
            "number of contacts.",
        .phase = v1::TREATMENT_PHASE_UNSPECIFIED,
        .kind = v1::EXERCISE_KIND_SELF_CARE,
        .instructions = "1. Pick someone: a friend, a relative, a neighbour or a colleague.\n"
                        "2. Get in touch: a call, a message, a visit or a walk together.\n"
                        "3. Afterwards, note how many people you connected with and how it "
                        "felt.",
        .details =
            [](v1::Exercise& e) {
              SelfCare(e, v1::SelfCareInstructions::DOMAIN_SOCIAL_CONNECTION, 1, "contacts",
                       "Contact with others eases isolation, which makes most problems harder");
            },
        .rationale =
            "Time with other people protects your mood, and being cut off makes most "
            "difficulties feel heavier. Small, regular contact counts.",
        .schedule = {.target_count = 3,
                     .period = v1::Schedule::PERIOD_WEEK,
                     .minutes_per_practice = 15,
                     .preferred_local_time = "",
                     .anchor = v1::EVENT_TIMING_AFTER_DINNER,
                     .anchor_offset_minutes = 0,
                     .anchor_words = "after dinner",
                     .cue = "A short list of people to contact on the fridge",
                     .minimum_version = "Send one friendly message to one person."},
    },
    {
        .id = "coping-card",
        .title = "Coping card",
        .description =
            "A wallet card for one trigger, with 2-4 coping statements written with the client "
            "(for example \"This feeling is uncomfortable, but it passes\", \"I have got "
            "through this before\", \"Breathe: in for 4, out for 6\"). Write the trigger and the "
            "statements with the client when assigning. Practice phase; also useful in "
            "consolidation.",
        .phase = v1::TREATMENT_PHASE_PRACTICE,
        .kind = v1::EXERCISE_KIND_COPING_CARD,
        .instructions = "1. Keep your card with you.\n"
                        "2. Once a day, read it slowly, out loud if you can.\n"
                        "3. When the hard moment comes, take out the card and do what it says.\n"
                        "4. Note how upset you felt before and after (0-100).",
        .details = [](v1::Exercise& e) { e.mutable_coping_card(); },
        .rationale =
            "In a hard moment it is difficult to remember what helps. A card you have read many "
            "times puts your own best advice in your hand when you need it.",
        .schedule = {.target_count = 1,
                     .period = v1::Schedule::PERIOD_DAY,
                     .minutes_per_practice = 3,
                     .preferred_local_time = "",
                     .anchor = v1::EVENT_TIMING_BREAKFAST,
                     .anchor_offset_minutes = 0,
                     .anchor_words = "with my morning coffee",
                     .cue = "The card in your wallet, next to your bank card",
                     .minimum_version = "Read the first line of your card once."},
    },
    {
        .id = "relapse-prevention-plan",
        .title = "My plan for staying well",
        .description =
            "Build and rehearse a relapse-prevention plan: early warning signs, the strategies "
            "that helped most, and who to contact. Consolidation phase, over the last sessions; "
            "the client reviews it weekly and keeps a copy where they will find it.",
        .phase = v1::TREATMENT_PHASE_CONSOLIDATION,
        .kind = v1::EXERCISE_KIND_RELAPSE_PREVENTION_PLAN,
        .instructions = "1. Write down the early signs that things are slipping for you, such "
                        "as sleeping badly, avoiding people or old thoughts coming back.\n"
                        "2. For each sign, write what you will do: the skills that helped you "
                        "most.\n"
                        "3. Write down who you can contact, and how.\n"
                        "4. Once a week, read your plan and add anything new you noticed.",
        .details = [](v1::Exercise& e) { e.mutable_relapse_prevention(); },
        .rationale =
            "Setbacks are a normal part of recovery. Spotting the early signs and having a plan "
            "ready means a bad week stays a bad week instead of becoming a slide back.",
        .schedule = {.target_count = 1,
                     .period = v1::Schedule::PERIOD_WEEK,
                     .minutes_per_practice = 15,
                     .preferred_local_time = "",
                     .anchor = v1::EVENT_TIMING_BREAKFAST,
                     .anchor_offset_minutes = 0,
                     .anchor_words = "at breakfast on Sunday",
                     .cue = "A weekly calendar reminder called \"my plan\"",
                     .minimum_version = "Read your list of early warning signs once."},
    },
    {
        .id = "safety-plan",
        .title = "My safety plan",
        .description =
            "Stanley & Brown's Safety Planning Intervention, written with the client in session "
            "in their own words: 1 warning signs; 2 internal coping strategies; 3 people and "
            "social settings that distract; 4 people to ask for help; 5 professionals and "
            "agencies, with the crisis line; 6 making the environment safe; and reasons for "
            "living. Complete the plan with the client before assigning it; it needs at least "
            "one person or professional to contact. The client's portal keeps the plan on the "
            "device and shows it first, with the platform's crisis resources, when the client "
            "taps \"I need help now\" or a PHQ-9 answer raises an urgent flag. Any phase.",
        .phase = v1::TREATMENT_PHASE_UNSPECIFIED,
        .kind = v1::EXERCISE_KIND_SAFETY_PLAN,
        .instructions =
            "When things get hard, work down your plan one step at a time until you feel safer:\n"
            "1. Notice your warning signs.\n"
            "2. Try the things you can do on your own.\n"
            "3. Go to a person or place that takes your mind off things.\n"
            "4. Ask someone on your list for help.\n"
            "5. Call a professional or the crisis line.\n"
            "Once a week, read your plan and change anything that no longer fits.",
        .details = [](v1::Exercise& e) { e.mutable_safety_plan(); },
        .rationale =
            "In a crisis it is hard to think clearly. A plan you wrote yourself, in your own "
            "words, tells you what to do next and who to reach, one step at a time.",
        .schedule = {.target_count = 1,
                     .period = v1::Schedule::PERIOD_WEEK,
                     .minutes_per_practice = 5,
                     .preferred_local_time = "",
                     .anchor = v1::EVENT_TIMING_EVENING,
                     .anchor_offset_minutes = 0,
                     .anchor_words = "on Sunday evening",
                     .cue = "Your plan saved on your phone's home screen",
                     .minimum_version = "Read your reasons for living once."},
    },
    {
        .id = "your-own-practice",
        .title = "Your own practice",
        .description =
            "A blank exercise for anything the library does not cover. Write what to do, "
            "where and for how long in words the client will understand, and agree the "
            "schedule, anchor and two-minute version with the client. Any phase.",
        .phase = v1::TREATMENT_PHASE_UNSPECIFIED,
        .kind = v1::EXERCISE_KIND_CUSTOM,
        .instructions = "Follow the steps you and your therapist wrote down together. If "
                        "something gets in the way, note what happened so you can talk about it "
                        "next time.",
        .details =
            [](v1::Exercise& e) {
              e.mutable_custom()->set_description(
                  "Describe the practice here: what to do, where, and for how long.");
            },
        .rationale =
            "Most change happens between sessions. The best practice is one that fits your life "
            "and that you can actually do.",
        .schedule = {.target_count = 1,
                     .period = v1::Schedule::PERIOD_DAY,
                     .minutes_per_practice = 10,
                     .preferred_local_time = "",
                     .anchor = v1::EVENT_TIMING_AFTER_BREAKFAST,
                     .anchor_offset_minutes = 0,
                     .anchor_words = "after breakfast",
                     .cue = "A note where you will see it at the right moment",
                     .minimum_version = "Do the smallest part of the practice for two minutes."},
    },
    // Outcome measures. Taken before each session or every 1-2 weeks (clinical model); Schedule
    // has no fortnightly period yet, so the default is once a week and the description says so.
    {
        .id = "phq-9",
        .title = "Mood questionnaire (PHQ-9)",
        .description =
            "Patient Health Questionnaire-9 (depression): 9 items 0-3, total 0-27 with the "
            "standard bands, LOINC 44261-6. Measurement-based care in every phase; usually "
            "taken before each session or every one to two weeks (weekly by default). Item 9 (thoughts of being better off dead or of self-harm) above "
            "0 raises an urgent flag for the care team at once: agree how risk is followed up "
            "before assigning.",
        .phase = v1::TREATMENT_PHASE_UNSPECIFIED,
        .kind = v1::EXERCISE_KIND_OUTCOME_MEASURE,
        .instructions =
            "Answer nine short questions about how you have been over the last two weeks.\n"
            "1. For each one, choose how often it has bothered you: not at all, several days, "
            "more than half the days, or nearly every day.\n"
            "2. Go with your first answer. There are no right or wrong answers.\n"
            "3. It takes about two minutes. We will look at your answers together.\n"
            "If you have thoughts of hurting yourself, do not wait for your next session: "
            "contact your therapist or your local emergency number now.",
        .details =
            [](v1::Exercise& e) { e.mutable_outcome_measure()->set_measure(v1::MEASURE_PHQ9); },
        .rationale =
            "Answering the same short questions regularly shows how you are really doing over "
            "time, beyond how a single day feels, so we can see what helps and adjust the plan.",
        .schedule = {.target_count = 1,
                     .period = v1::Schedule::PERIOD_WEEK,
                     .minutes_per_practice = 3,
                     .preferred_local_time = "",
                     .anchor = v1::EVENT_TIMING_AFTER_BREAKFAST,
                     .anchor_offset_minutes = 0,
                     .anchor_words = "after breakfast on the day before my session",
                     .cue = "A calendar reminder the day before your session",
                     .minimum_version =
                         "Answer the nine questions quickly, going with your first answer."},
    },
    {
        .id = "gad-7",
        .title = "Anxiety questionnaire (GAD-7)",
        .description =
            "Generalized Anxiety Disorder-7: 7 items 0-3, total 0-21 with the standard bands, "
            "LOINC 70274-6. Measurement-based care in every phase; usually taken before each "
            "session or every one to two weeks (weekly by default).",
        .phase = v1::TREATMENT_PHASE_UNSPECIFIED,
        .kind = v1::EXERCISE_KIND_OUTCOME_MEASURE,
        .instructions =
            "Answer seven short questions about how you have been over the last two weeks.\n"
            "1. For each one, choose how often it has bothered you: not at all, several days, "
            "more than half the days, or nearly every day.\n"
            "2. Go with your first answer. There are no right or wrong answers.\n"
            "3. It takes about two minutes. We will look at your answers together.",
        .details =
            [](v1::Exercise& e) { e.mutable_outcome_measure()->set_measure(v1::MEASURE_GAD7); },
        .rationale =
            "Answering the same short questions regularly shows how your worry and tension "
            "change over time, so we can see what helps and adjust the plan.",
        .schedule = {.target_count = 1,
                     .period = v1::Schedule::PERIOD_WEEK,
                     .minutes_per_practice = 3,
                     .preferred_local_time = "",
                     .anchor = v1::EVENT_TIMING_AFTER_BREAKFAST,
                     .anchor_offset_minutes = 0,
                     .anchor_words = "after breakfast on the day before my session",
                     .cue = "A calendar reminder the day before your session",
                     .minimum_version =
                         "Answer the seven questions quickly, going with your first answer."},
    },
};

v1::Template FromRow(const TemplateRow& row) {
  v1::Template t;
  t.set_name(absl::StrCat(kTemplatePrefix, row.id));
  t.set_title(std::string(row.title));
  t.set_description(std::string(row.description));
  v1::Exercise& exercise = *t.mutable_exercise();
  exercise.set_kind(row.kind);
  exercise.set_instructions(std::string(row.instructions));
  row.details(exercise);
  t.set_rationale(std::string(row.rationale));
  t.set_phase(row.phase);
  const ScheduleRow& s = row.schedule;
  v1::Schedule& schedule = *t.mutable_schedule();
  schedule.set_target_count(s.target_count);
  schedule.set_period(s.period);
  schedule.set_minutes_per_practice(s.minutes_per_practice);
  schedule.set_preferred_local_time(std::string(s.preferred_local_time));
  schedule.mutable_habit_anchor()->set_when(s.anchor);
  schedule.mutable_habit_anchor()->set_offset_minutes(s.anchor_offset_minutes);
  schedule.mutable_habit_anchor()->set_client_words(std::string(s.anchor_words));
  schedule.set_environmental_cue(std::string(s.cue));
  schedule.set_minimum_version(std::string(s.minimum_version));
  return t;
}

// The seed's social-anxiety ladder: situation, practice prescription, expected SUDS.
struct StepRow {
  absl::string_view situation;
  absl::string_view prescription;
  int expected_suds;
};
constexpr StepRow kSocialAnxietyLadder[] = {
    {"Make brief eye contact with a stranger", "Practice 3 times daily for one week", 30},
    {"Say hello to a cashier", "Complete 5 interactions over the week", 40},
    {"Ask a question in a store", "Engage in 3 conversations with brief questions", 50},
    {"Have a short conversation with an acquaintance", "Initiate 2 brief conversations per day",
     65},
    {"Attend a small social event", "Attend one event and stay for 30 minutes", 80},
};

v1::Hierarchy SocialAnxietyLadder() {
  v1::Hierarchy hierarchy;
  hierarchy.set_target("Social anxiety");
  for (const StepRow& row : kSocialAnxietyLadder) {
    v1::HierarchyStep& step = *hierarchy.add_steps();
    step.set_situation(std::string(row.situation));
    step.set_prescription(std::string(row.prescription));
    step.set_expected_suds(row.expected_suds);
  }
  return hierarchy;
}

// The list's page tokens are the stores' (storage/page_token.h): the last name returned, bound
// to the practice and the kind asked for.
uint64_t LibraryFingerprint(const PracticeName& parent, v1::ExerciseKind kind) {
  return QueryFingerprint(TemplateQuery{.practice_name = parent.Format()}) ^
         (static_cast<uint64_t>(kind) * 0x9e3779b97f4a7c15ULL);
}

}  // namespace

const std::vector<v1::Template>& BuiltInTemplates() {
  static const std::vector<v1::Template>* const kLibrary = [] {
    auto* library = new std::vector<v1::Template>();
    for (const TemplateRow& row : kTemplates) library->push_back(FromRow(row));
    std::sort(library->begin(), library->end(),
              [](const v1::Template& a, const v1::Template& b) { return a.name() < b.name(); });
    return library;
  }();
  return *kLibrary;
}

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

bool IsPracticeTemplateName(absl::string_view name) {
  return absl::StartsWith(name, "practices/");
}

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
  static const v1::Hierarchy* const kLadder = new v1::Hierarchy(SocialAnxietyLadder());
  if (name == kSocialAnxietyLadderName) return kLadder;
  return nullptr;
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
    if (practice.ok() && IsValidResourceId(id)) return PracticeTemplateName{*practice, std::string(id)};
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
  absl::StatusOr<Grant> grant = Authorize(caller, Action::kReadLibrary, parent);
  if (!grant.ok()) {
    Audit(caller, kMethod, parent.Format(), grant.status()).IgnoreError();
    return grant.status();
  }

  ASSIGN_OR_RETURN(Page<v1::Template> own,
                   store_.ListTemplates(TemplateQuery{
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
  absl::StatusOr<Grant> grant = Authorize(caller, Action::kReadLibrary, name.practice);
  if (!grant.ok()) {
    Audit(caller, kMethod, request.name(), grant.status()).IgnoreError();
    return grant.status();
  }
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
  absl::StatusOr<Grant> grant = Authorize(caller, Action::kManageLibrary, name.practice);
  if (!grant.ok()) {
    Audit(caller, kMethod, patch.name(), grant.status()).IgnoreError();
    return grant.status();
  }

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
