#include "services/homework/core/clinical/exposure.h"

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/homework/core/clinical/schedule.h"
#include "services/homework/core/model/proto_time.h"

namespace therapy::homework::clinical {
namespace {

using Completions = std::vector<const v1::Completion*>;

constexpr absl::string_view kTherapistDecides = " The therapist decides.";

absl::Status CheckRange(absl::string_view field, int value, int min, int max) {
  if (value >= min && value <= max) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("policy.", field, " must be ", min, "-", max, ", got ", value));
}

absl::Status CheckPolicy(const ProgressionPolicy& policy) {
  for (const absl::Status& status : {
           CheckRange("drop_percent", policy.drop_percent, 1, 100),
           CheckRange("consecutive", policy.consecutive, 1, 20),
           CheckRange("start_at_or_below", policy.start_at_or_below, -1, 100),
           CheckRange("overwhelm_peak", policy.overwhelm_peak, 0, 100),
           CheckRange("overwhelm_consecutive", policy.overwhelm_consecutive, 1, 20),
           CheckRange("expectancy_at_least", policy.expectancy_at_least, 0, 100),
           CheckRange("expectancy_exhausted_at_or_below", policy.expectancy_exhausted_at_or_below,
                      -1, 100),
       }) {
    if (!status.ok()) return status;
  }
  return absl::OkStatus();
}

PracticeEvidence EvidenceOf(const v1::Completion& completion) {
  PracticeEvidence evidence;
  evidence.completion_name = completion.name();
  evidence.occur_time = FromProtoTime(completion.occur_time());
  evidence.status = completion.status();
  if (completion.suds().has_before()) evidence.suds_before = completion.suds().before();
  if (completion.suds().has_peak()) evidence.suds_peak = completion.suds().peak();
  if (completion.suds().has_after()) evidence.suds_after = completion.suds().after();
  if (completion.expectancy().has_before()) {
    evidence.expectancy_before = completion.expectancy().before();
  }
  if (completion.expectancy().has_feared_outcome_occurred()) {
    evidence.feared_outcome_occurred = completion.expectancy().feared_outcome_occurred();
  }
  evidence.skip_reason = completion.skip_reason();
  return evidence;
}

std::vector<PracticeEvidence> EvidenceOf(const Completions& completions) {
  std::vector<PracticeEvidence> evidence;
  for (const v1::Completion* completion : completions) evidence.push_back(EvidenceOf(*completion));
  return evidence;
}

Suggestion Suggest(Suggestion::Kind kind, std::string reason, const Completions& evidence) {
  Suggestion suggestion;
  suggestion.kind = kind;
  suggestion.reason = absl::StrCat(reason, kTherapistDecides);
  suggestion.evidence = EvidenceOf(evidence);
  return suggestion;
}

bool IsFull(const v1::Completion& completion) {
  return completion.status() == v1::Completion::STATUS_DONE;
}

// The completions passing `keep`, in order.
template <typename Predicate>
Completions Filter(const Completions& completions, Predicate keep) {
  Completions kept;
  for (const v1::Completion* completion : completions) {
    if (keep(*completion)) kept.push_back(completion);
  }
  return kept;
}

// The last `n` (or fewer) of `completions`.
Completions Last(const Completions& completions, int n) {
  const size_t count = std::min(completions.size(), static_cast<size_t>(n));
  return Completions(completions.end() - static_cast<std::ptrdiff_t>(count), completions.end());
}

bool DroppedEnough(const v1::Completion& c, int drop_percent) {
  const int peak = c.suds().peak();
  return peak > 0 && (peak - c.suds().after()) * 100 >= drop_percent * peak;
}

std::string SudsText(const v1::Completion& c) {
  const int peak = c.suds().peak();
  const int drop = peak > 0 ? (peak - c.suds().after()) * 100 / peak : 0;
  return absl::StrCat("peak ", peak, " -> end ", c.suds().after(), " (", drop, "%)");
}

bool CitesOverwhelm(absl::string_view reason, const std::vector<std::string>& words) {
  const std::string lower = absl::AsciiStrToLower(reason);
  for (const std::string& word : words) {
    if (!word.empty() && absl::StrContains(lower, absl::AsciiStrToLower(word))) return true;
  }
  return false;
}

std::optional<Suggestion> StepBack(const ProgressionPolicy& policy, const Completions& all) {
  const Completions with_peak = Filter(all, [](const v1::Completion& c) {
    return CountsAsPractice(c.status()) && c.suds().has_peak();
  });
  const Completions recent = Last(with_peak, policy.overwhelm_consecutive);
  if (static_cast<int>(recent.size()) == policy.overwhelm_consecutive &&
      std::all_of(recent.begin(), recent.end(), [&](const v1::Completion* c) {
        return c->suds().peak() >= policy.overwhelm_peak;
      })) {
    std::vector<int> peaks;
    for (const v1::Completion* c : recent) peaks.push_back(c->suds().peak());
    return Suggest(Suggestion::Kind::kStepBack,
                   absl::StrCat("Step back or split the step: the SUDS peak stayed at ",
                                policy.overwhelm_peak, " or above on the last ", recent.size(),
                                " practices (peaks ", absl::StrJoin(peaks, ", "), ")."),
                   recent);
  }

  for (auto it = all.rbegin(); it != all.rend(); ++it) {
    const v1::Completion& c = **it;
    if (IsFull(c)) break;  // A full practice since the skip: the client got through it.
    if (c.status() == v1::Completion::STATUS_SKIPPED &&
        CitesOverwhelm(c.skip_reason(), policy.overwhelm_words)) {
      return Suggest(Suggestion::Kind::kStepBack,
                     "Step back or split the step: the client skipped it citing overwhelm, with "
                     "no full practice since.",
                     {&c});
    }
  }
  return std::nullopt;
}

Suggestion Habituation(const ProgressionPolicy& policy, const Completions& all) {
  const Completions rated = Filter(all, [](const v1::Completion& c) {
    return IsFull(c) && c.suds().has_peak() && c.suds().has_after();
  });
  const Completions recent = Last(rated, policy.consecutive);
  const auto dropped = std::count_if(recent.begin(), recent.end(), [&](const v1::Completion* c) {
    return DroppedEnough(*c, policy.drop_percent);
  });
  if (static_cast<int>(recent.size()) == policy.consecutive && dropped == policy.consecutive) {
    std::vector<std::string> drops;
    for (const v1::Completion* c : recent) drops.push_back(SudsText(*c));
    return Suggest(Suggestion::Kind::kAdvance,
                   absl::StrCat("Advance: peak-to-end SUDS drop of at least ", policy.drop_percent,
                                "% on the last ", recent.size(), " full practices (",
                                absl::StrJoin(drops, "; "), ")."),
                   recent);
  }

  if (policy.start_at_or_below >= 0) {
    for (auto it = all.rbegin(); it != all.rend(); ++it) {
      const v1::Completion& c = **it;
      if (CountsAsPractice(c.status()) && c.suds().has_before() &&
          c.suds().before() <= policy.start_at_or_below) {
        return Suggest(Suggestion::Kind::kAdvance,
                       absl::StrCat("Advance: a practice started at SUDS ", c.suds().before(),
                                    ", at or below ", policy.start_at_or_below, "."),
                       {&c});
      }
    }
  }

  if (recent.empty()) {
    return Suggest(
        Suggestion::Kind::kRepeat, "Repeat: no full practice with SUDS peak and end ratings yet.",
        Last(Filter(all, [](const v1::Completion& c) { return CountsAsPractice(c.status()); }),
             policy.consecutive));
  }
  std::string reason =
      absl::StrCat("Repeat: ", dropped, " of the last ", recent.size(),
                   " full practices showed a peak-to-end SUDS drop of at least ",
                   policy.drop_percent, "% (", policy.consecutive, " in a row needed)");
  if (policy.start_at_or_below >= 0) {
    absl::StrAppend(&reason, " and none started at SUDS ", policy.start_at_or_below, " or below");
  }
  return Suggest(Suggestion::Kind::kRepeat, absl::StrCat(reason, "."), recent);
}

Suggestion Expectancy(const ProgressionPolicy& policy, const Completions& all) {
  const Completions rated = Filter(all, [](const v1::Completion& c) {
    return IsFull(c) && c.expectancy().has_before() && c.expectancy().has_feared_outcome_occurred();
  });
  if (rated.empty()) {
    return Suggest(
        Suggestion::Kind::kRepeat,
        "Repeat: no full practice with expectancy before and outcome recorded yet.",
        Last(Filter(all, [](const v1::Completion& c) { return CountsAsPractice(c.status()); }),
             policy.consecutive));
  }
  const v1::Completion& latest = *rated.back();
  if (latest.expectancy().feared_outcome_occurred()) {
    return Suggest(Suggestion::Kind::kRepeat,
                   "Repeat: the feared outcome occurred on the latest practice; review what "
                   "happened and what was learned before advancing.",
                   {&latest});
  }

  const Completions recent = Last(rated, policy.consecutive);
  const auto violated = std::count_if(recent.begin(), recent.end(), [&](const v1::Completion* c) {
    return !c->expectancy().feared_outcome_occurred() &&
           c->expectancy().before() >= policy.expectancy_at_least;
  });
  if (static_cast<int>(recent.size()) == policy.consecutive && violated == policy.consecutive) {
    std::vector<int> expectancies;
    for (const v1::Completion* c : recent) expectancies.push_back(c->expectancy().before());
    return Suggest(Suggestion::Kind::kAdvance,
                   absl::StrCat("Advance: expectancy violated on the last ", recent.size(),
                                " full practices: the feared outcome was expected (",
                                absl::StrJoin(expectancies, "%, "), "%) and did not occur."),
                   recent);
  }
  if (policy.expectancy_exhausted_at_or_below >= 0 &&
      latest.expectancy().before() <= policy.expectancy_exhausted_at_or_below) {
    return Suggest(Suggestion::Kind::kAdvance,
                   absl::StrCat("Advance: the client now expects the feared outcome at only ",
                                latest.expectancy().before(), "% (at or below ",
                                policy.expectancy_exhausted_at_or_below,
                                "%): little expectancy is left to violate on this step."),
                   {&latest});
  }
  return Suggest(
      Suggestion::Kind::kRepeat,
      absl::StrCat("Repeat: ", violated, " of the last ", recent.size(),
                   " full practices violated an expectancy of at least ",
                   policy.expectancy_at_least, "% (", policy.consecutive, " in a row needed)."),
      recent);
}

}  // namespace

absl::StatusOr<Suggestion> SuggestProgression(const ProgressionPolicy& policy,
                                              absl::Span<const v1::Completion> completions) {
  if (absl::Status status = CheckPolicy(policy); !status.ok()) return status;

  Completions all;
  all.reserve(completions.size());
  for (const v1::Completion& completion : completions) all.push_back(&completion);
  std::stable_sort(all.begin(), all.end(), [](const v1::Completion* a, const v1::Completion* b) {
    return FromProtoTime(a->occur_time()) < FromProtoTime(b->occur_time());
  });

  if (std::none_of(all.begin(), all.end(), [](const v1::Completion* c) {
        return CountsAsPractice(c->status()) || c->status() == v1::Completion::STATUS_SKIPPED;
      })) {
    return Suggest(Suggestion::Kind::kRepeat, "Repeat: no practice of this step recorded yet.", {});
  }
  if (std::optional<Suggestion> step_back = StepBack(policy, all)) return *step_back;
  return policy.mode == ProgressionPolicy::Mode::kExpectancy ? Expectancy(policy, all)
                                                             : Habituation(policy, all);
}

}  // namespace therapy::homework::clinical
