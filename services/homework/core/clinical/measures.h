#ifndef SERVICES_HOMEWORK_CORE_CLINICAL_MEASURES_H_
#define SERVICES_HOMEWORK_CORE_CLINICAL_MEASURES_H_

// Outcome measures for measurement-based care: PHQ-9 (depression) [Kroenke, Spitzer & Williams
// 2001] and GAD-7 (anxiety) [Spitzer, Kroenke, Williams & Lowe 2006], scored with their
// standard severity bands. Both instruments are in the public domain; the texts below are the
// standard English wording.
//
// Pure functions, safe to call from any thread. Scores and the urgent reason are clinical
// content: show them to the care team, never log them.

#include <array>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace therapy::homework::clinical {

// LOINC codes of the total scores, for FHIR Observations.
inline constexpr absl::string_view kPhq9TotalLoinc = "44261-6";
inline constexpr absl::string_view kGad7TotalLoinc = "70274-6";

// The answers to every item of both instruments, scored 0-3 in this order.
inline constexpr std::array<absl::string_view, 4> kFrequencyAnswers = {
    "Not at all", "Several days", "More than half the days", "Nearly every day"};

inline constexpr absl::string_view kPhq9Question =
    "Over the last 2 weeks, how often have you been bothered by any of the following problems?";
inline constexpr std::array<absl::string_view, 9> kPhq9Items = {
    "Little interest or pleasure in doing things",
    "Feeling down, depressed, or hopeless",
    "Trouble falling or staying asleep, or sleeping too much",
    "Feeling tired or having little energy",
    "Poor appetite or overeating",
    "Feeling bad about yourself \u2014 or that you are a failure or have let yourself or your "
    "family down",
    "Trouble concentrating on things, such as reading the newspaper or watching television",
    "Moving or speaking so slowly that other people could have noticed? Or the opposite \u2014 "
    "being so fidgety or restless that you have been moving around a lot more than usual",
    "Thoughts that you would be better off dead or of hurting yourself in some way",
};

inline constexpr absl::string_view kGad7Question =
    "Over the last 2 weeks, how often have you been bothered by the following problems?";
inline constexpr std::array<absl::string_view, 7> kGad7Items = {
    "Feeling nervous, anxious, or on edge",
    "Not being able to stop or control worrying",
    "Worrying too much about different things",
    "Trouble relaxing",
    "Being so restless that it is hard to sit still",
    "Becoming easily annoyed or irritable",
    "Feeling afraid, as if something awful might happen",
};

// The unscored functional question both forms end with, and its answers.
inline constexpr absl::string_view kDifficultyQuestion =
    "If you checked off any problems, how difficult have these problems made it for you to do "
    "your work, take care of things at home, or get along with other people?";
inline constexpr std::array<absl::string_view, 4> kDifficultyAnswers = {
    "Not difficult at all", "Somewhat difficult", "Very difficult", "Extremely difficult"};

// The PHQ-9 risk rule: item 9 (1-based; thoughts of being better off dead or of hurting
// oneself) answered above kPhq9RiskAnswerAbove raises an urgent flag, whatever the total.
inline constexpr int kPhq9RiskItem = 9;
inline constexpr int kPhq9RiskAnswerAbove = 0;

// Severity bands. PHQ-9: 0-4 minimal, 5-9 mild, 10-14 moderate, 15-19 moderately severe,
// 20-27 severe. GAD-7: 0-4 minimal, 5-9 mild, 10-14 moderate, 15-21 severe (GAD-7 has no
// moderately severe band).
enum class Severity { kMinimal, kMild, kModerate, kModeratelySevere, kSevere };

// "minimal", "mild", "moderate", "moderately severe", "severe".
absl::string_view SeverityName(Severity severity);

struct MeasureScore {
  int total = 0;
  Severity band = Severity::kMinimal;
  // LOINC code of the total (kPhq9TotalLoinc or kGad7TotalLoinc).
  std::string loinc;
  // PHQ-9 item 9 (thoughts of being better off dead or of self-harm) answered above
  // kPhq9RiskAnswerAbove: surface to the therapist at once, whatever the total; never bury it
  // in a list. Always false for GAD-7.
  bool urgent = false;
};

// Scores a PHQ-9: `items` are the nine answers in form order, each 0-3 (kFrequencyAnswers).
// Errors: INVALID_ARGUMENT "items must have 9 answers" for another count, or naming the first
// answer out of range ("items[3] must be 0-3, got 4").
absl::StatusOr<MeasureScore> ScorePhq9(absl::Span<const int> items);

// Scores a GAD-7: `items` are the seven answers in form order, each 0-3. Errors as ScorePhq9.
absl::StatusOr<MeasureScore> ScoreGad7(absl::Span<const int> items);

}  // namespace therapy::homework::clinical

#endif  // SERVICES_HOMEWORK_CORE_CLINICAL_MEASURES_H_
