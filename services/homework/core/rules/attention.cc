#include "services/homework/core/rules/attention.h"

#include <algorithm>
#include <map>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "services/homework/core/clinical/adherence.h"
#include "services/homework/core/clinical/measure_cadence.h"
#include "services/homework/core/model/proto_time.h"
#include "services/homework/core/model/time_zone.h"
#include "services/homework/core/rules/measure_scoring.h"
#include "services/homework/core/status_macros.h"

namespace therapy::homework {
namespace {

constexpr absl::Duration kDay = absl::Hours(24);

double Days(absl::Duration duration) { return absl::ToDoubleHours(duration) / 24; }

bool OlderFirst(const v1::Completion* a, const v1::Completion* b) {
  return FromProtoTime(a->occur_time()) < FromProtoTime(b->occur_time());
}

// The completions of one assignment, oldest first.
std::vector<const v1::Completion*> CompletionsOf(const std::vector<v1::Completion>& completions,
                                                 const std::string& assignment) {
  std::vector<const v1::Completion*> own;
  const std::string prefix = assignment + "/completions/";
  for (const v1::Completion& completion : completions) {
    if (completion.name().rfind(prefix, 0) == 0) own.push_back(&completion);
  }
  std::sort(own.begin(), own.end(), OlderFirst);
  return own;
}

void FlagReasons(const AttentionInput& input, std::vector<AttentionReason>& reasons) {
  for (const v1::SafetyFlag& flag : input.flags) {
    if (flag.state() == v1::SafetyFlag::STATE_RESOLVED) continue;
    if (flag.has_escalate_time()) {
      reasons.push_back(
          {AttentionKind::kFlagEscalated,
           absl::StrCat("Urgent flag escalated to on-call, not resolved: ", flag.reason()),
           flag.name()});
    } else if (flag.state() == v1::SafetyFlag::STATE_OPEN) {
      reasons.push_back({AttentionKind::kFlagOpen,
                         absl::StrCat("Urgent flag not acknowledged: ", flag.reason()),
                         flag.name()});
    }
  }
}

void MeasureReasons(const AttentionInput& input, const clinical::MeasureThresholds& measures,
                    const AttentionThresholds& limits, absl::Time now,
                    std::vector<AttentionReason>& reasons) {
  std::map<v1::Measure, std::vector<const v1::Completion*>> by_measure;
  for (const v1::Completion& completion : input.completions) {
    if (completion.has_measure()) by_measure[completion.measure().measure()].push_back(&completion);
  }
  for (auto& [measure, totals] : by_measure) {
    std::sort(totals.begin(), totals.end(), OlderFirst);
    const v1::Completion& baseline = *totals.front();
    const v1::Completion& latest = *totals.back();
    const clinical::ChangeThresholds& change =
        measure == v1::MEASURE_GAD7 ? measures.gad7 : measures.phq9;
    const int from = baseline.measure().total();
    const int to = latest.measure().total();
    const std::string name = MeasureDisplayName(measure);
    const clinical::ReliableChange moved = clinical::ClassifyChange(change, from, to);
    if (moved == clinical::ReliableChange::kReliableDeterioration) {
      reasons.push_back({AttentionKind::kReliableDeterioration,
                         absl::StrFormat("%s rose from %d at baseline to %d (+%d; reliable at %d)",
                                         name, from, to, to - from, change.reliable_change),
                         latest.name(), static_cast<double>(to - from),
                         static_cast<double>(change.reliable_change)});
      continue;
    }
    const absl::Duration since_baseline = now - FromProtoTime(baseline.occur_time());
    if (from >= change.caseness && moved != clinical::ReliableChange::kReliableImprovement &&
        since_baseline >= limits.no_improvement_after) {
      reasons.push_back(
          {AttentionKind::kNoReliableImprovement,
           absl::StrFormat("%s %d at baseline (caseness %d), %d now after %.0f weeks: no "
                           "reliable improvement",
                           name, from, change.caseness, to, Days(since_baseline) / 7),
           latest.name(), Days(since_baseline) / 7, Days(limits.no_improvement_after) / 7});
    }
  }
}

// A measure taken before each session (MeasureCadence.TRIGGER_BEFORE_SESSION): listed once the
// one before the client's next session is overdue or has expired unanswered, for as long as it
// could have stayed open.
absl::Status SessionMeasureReason(const v1::Client& client, const v1::Assignment& assignment,
                                  const std::vector<const v1::Completion*>& own,
                                  absl::TimeZone zone, absl::Time now,
                                  std::vector<AttentionReason>& reasons) {
  std::vector<v1::Completion> answers;
  for (const v1::Completion* completion : own) answers.push_back(*completion);
  const absl::Duration open = clinical::LongestOpen(assignment.schedule());
  ASSIGN_OR_RETURN(std::vector<clinical::MeasureDue> dues,
                   clinical::MeasuresDue(assignment, client, zone, answers, now - 2 * open,
                                         now + absl::Seconds(1)));
  for (const clinical::MeasureDue& due : dues) {
    const clinical::MeasureState state = clinical::StateAt(due, now);
    if (state != clinical::MeasureState::kOverdue && state != clinical::MeasureState::kExpired) {
      continue;
    }
    reasons.push_back(
        {AttentionKind::kMeasureOverdue,
         absl::StrFormat("%s before the session not answered: %s %.1f days after it fell due",
                         assignment.title(),
                         state == clinical::MeasureState::kExpired ? "expired" : "overdue",
                         Days(now - due.due_time)),
         assignment.name(), Days(now - due.due_time), Days(due.overdue_time - due.due_time)});
  }
  return absl::OkStatus();
}

absl::Status HomeworkReasons(const AttentionInput& input, const AttentionThresholds& limits,
                             absl::TimeZone zone, absl::Time now,
                             std::vector<AttentionReason>& reasons) {
  const absl::Time window_start = now - limits.adherence_window;
  int completed = 0;
  int missed = 0;
  for (const v1::Assignment& assignment : input.assignments) {
    const std::vector<const v1::Completion*> own =
        CompletionsOf(input.completions, assignment.name());
    const v1::ExerciseKind kind = assignment.exercise().kind();
    if (kind == v1::EXERCISE_KIND_OUTCOME_MEASURE &&
        assignment.schedule().measure_cadence().trigger() ==
            v1::MeasureCadence::TRIGGER_BEFORE_SESSION) {
      RETURN_IF_ERROR(SessionMeasureReason(input.client, assignment, own, zone, now, reasons));
      continue;
    }
    if (kind == v1::EXERCISE_KIND_OUTCOME_MEASURE) {
      // Overdue once a whole period of its schedule (times its interval: every two weeks
      // expects one per two weeks) has passed without an answer.
      const absl::Duration period =
          (assignment.schedule().period() == v1::Schedule::PERIOD_DAY ? kDay : 7 * kDay) *
          std::max(1, assignment.schedule().interval());
      absl::Time last = FromProtoTime(assignment.has_activate_time() ? assignment.activate_time()
                                                                     : assignment.create_time());
      if (!own.empty()) last = FromProtoTime(own.back()->occur_time());
      if (now - last > period) {
        reasons.push_back({AttentionKind::kMeasureOverdue,
                           absl::StrFormat("%s not answered for %.1f days (due every %.0f)",
                                           assignment.title(), Days(now - last), Days(period)),
                           assignment.name(), Days(now - last), Days(period)});
      }
      continue;
    }
    std::vector<v1::Completion> copies;
    for (const v1::Completion* completion : own) copies.push_back(*completion);
    // The schedule's own start date bounds what it expects (adherence.h).
    ASSIGN_OR_RETURN(clinical::Adherence adherence,
                     clinical::ComputeAdherence(assignment, zone, copies, window_start, now, now));
    completed += adherence.completed_count;
    missed += adherence.missed_count;
    if (kind == v1::EXERCISE_KIND_EXPOSURE_PRACTICE) {
      // The last practice; never practised: since it was activated.
      std::optional<absl::Time> practised;
      for (const v1::Completion* completion : own) {
        if (completion->status() != v1::Completion::STATUS_SKIPPED) {
          practised = FromProtoTime(completion->occur_time());
        }
      }
      const absl::Time last = practised.value_or(FromProtoTime(
          assignment.has_activate_time() ? assignment.activate_time() : assignment.create_time()));
      if (now - last >= limits.exposure_idle) {
        reasons.push_back({AttentionKind::kExposureNotPractised,
                           absl::StrFormat("\"%s\" not practised for %.0f days", assignment.title(),
                                           Days(now - last)),
                           assignment.name(), Days(now - last), Days(limits.exposure_idle)});
      }
    }
  }
  if (completed + missed > 0) {
    const double ratio = static_cast<double>(completed) / (completed + missed);
    if (ratio < limits.low_adherence_ratio) {
      reasons.push_back(
          {AttentionKind::kLowAdherence,
           absl::StrFormat("%d of %d planned practices done over the last %.0f days", completed,
                           completed + missed, Days(limits.adherence_window)),
           "", ratio, limits.low_adherence_ratio});
    }
  }

  int high_peaks = 0;
  std::map<std::string, int> skip_reasons;
  for (const v1::Completion& completion : input.completions) {
    if (FromProtoTime(completion.occur_time()) < window_start) continue;
    if (completion.has_suds() && completion.suds().has_peak() &&
        completion.suds().peak() >= limits.high_peak) {
      ++high_peaks;
    }
    if (completion.status() == v1::Completion::STATUS_SKIPPED) {
      std::string reason = absl::AsciiStrToLower(completion.skip_reason());
      absl::StripAsciiWhitespace(&reason);
      ++skip_reasons[reason];
    }
  }
  if (high_peaks >= limits.high_peak_count) {
    reasons.push_back({AttentionKind::kRepeatedHighPeak,
                       absl::StrFormat("SUDS peak at or above %d on %d practices in %.0f days",
                                       limits.high_peak, high_peaks, Days(limits.adherence_window)),
                       "", static_cast<double>(high_peaks),
                       static_cast<double>(limits.high_peak_count)});
  }
  for (const auto& [reason, count] : skip_reasons) {
    if (count < limits.repeated_skip_count) continue;
    reasons.push_back(
        {AttentionKind::kRepeatedSkipReason,
         absl::StrFormat("Skipped %d times for the same reason: \"%s\"", count, reason), "",
         static_cast<double>(count), static_cast<double>(limits.repeated_skip_count)});
  }

  if (input.client.has_last_session_time() && !input.assignments.empty()) {
    const absl::Time session = FromProtoTime(input.client.last_session_time());
    const bool any_since = std::any_of(
        input.completions.begin(), input.completions.end(),
        [&](const v1::Completion& c) { return FromProtoTime(c.occur_time()) >= session; });
    if (session < now && now - session >= limits.quiet_after_session && !any_since) {
      reasons.push_back({AttentionKind::kNothingSinceSession,
                         absl::StrFormat("Nothing recorded in the %.0f days since the last session",
                                         Days(now - session)),
                         "", Days(now - session), Days(limits.quiet_after_session)});
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Duration AttentionLookback(const AttentionThresholds& limits) {
  // A day more for practices abroad that fall on a local day of the window (adherence.h).
  return std::max({limits.adherence_window, limits.exposure_idle}) + kDay;
}

absl::StatusOr<std::vector<AttentionReason>> AttentionReasons(
    const AttentionInput& input, const clinical::MeasureThresholds& measures,
    const AttentionThresholds& limits, absl::Time now) {
  const std::optional<absl::TimeZone> zone = LoadIanaTimeZone(input.client.time_zone());
  if (!zone) {
    return absl::FailedPreconditionError(
        "the client's stored time_zone is not an IANA time zone: set it with UpdateClient");
  }
  std::vector<AttentionReason> reasons;
  FlagReasons(input, reasons);
  MeasureReasons(input, measures, limits, now, reasons);
  RETURN_IF_ERROR(HomeworkReasons(input, limits, *zone, now, reasons));
  std::stable_sort(
      reasons.begin(), reasons.end(),
      [](const AttentionReason& a, const AttentionReason& b) { return a.kind < b.kind; });
  return reasons;
}

}  // namespace therapy::homework
