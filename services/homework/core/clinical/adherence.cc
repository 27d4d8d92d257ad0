#include "services/homework/core/clinical/adherence.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <vector>

#include "absl/time/civil_time.h"
#include "services/homework/core/clinical/schedule.h"
#include "services/homework/core/model/proto_time.h"

namespace therapy::homework::clinical {
namespace {

constexpr double kMinutesPerDay = 24 * 60;

bool Within(const v1::Completion& completion, absl::Time from, absl::Time to) {
  const absl::Time time = FromProtoTime(completion.occur_time());
  return from <= time && time < to;
}

double MinuteOfDay(absl::CivilSecond time) {
  return time.hour() * 60.0 + time.minute() + time.second() / 60.0;
}

// Minutes between two times of day, the short way round midnight.
double MinutesApart(double a, double b) {
  const double apart = std::fabs(a - b);
  return std::min(apart, kMinutesPerDay - apart);
}

TimingConsistency MeasureTiming(const PracticePlan& plan, absl::TimeZone zone,
                                absl::Span<const v1::Completion> completions, absl::Time from,
                                absl::Time to) {
  TimingConsistency timing;
  if (!plan.preferred_minute) return timing;
  std::vector<int> nominal = plan.slot_minutes;
  if (nominal.empty()) nominal.push_back(*plan.preferred_minute);

  std::vector<double> offsets;
  for (const v1::Completion& completion : completions) {
    if (!CountsAsPractice(completion.status()) || !Within(completion, from, to)) continue;
    const double minute = MinuteOfDay(LocalTimeOf(completion, zone));
    double nearest = kMinutesPerDay;
    for (int slot : nominal) nearest = std::min(nearest, MinutesApart(minute, slot));
    offsets.push_back(nearest);
  }
  if (offsets.empty()) return timing;

  std::sort(offsets.begin(), offsets.end());
  const size_t n = offsets.size();
  timing.practices_timed = static_cast<int>(n);
  timing.median_minutes_off =
      n % 2 == 1 ? offsets[n / 2] : (offsets[n / 2 - 1] + offsets[n / 2]) / 2.0;
  const auto within_hour =
      std::count_if(offsets.begin(), offsets.end(), [](double offset) { return offset <= 60.0; });
  timing.share_within_hour = static_cast<double>(within_hour) / static_cast<double>(n);
  return timing;
}

// Walks back over periods, each practised, missed, or (only the newest) still open; one miss
// between practised periods is forgiven, two in a row end the run.
class ForgivingRun {
 public:
  // Returns false when the run has ended.
  bool Add(bool practised) {
    if (practised) {
      ++length_;
      if (pending_miss_) ++forgiven_;
      pending_miss_ = false;
      return true;
    }
    if (pending_miss_) return false;
    pending_miss_ = true;
    return true;
  }
  int length() const { return length_; }
  int forgiven() const { return forgiven_; }

 private:
  int length_ = 0;
  int forgiven_ = 0;
  bool pending_miss_ = false;
};

Streak ComputeStreak(const PracticePlan& plan, absl::TimeZone zone,
                     absl::Span<const v1::Completion> completions, absl::Time now) {
  Streak streak;
  streak.unit = plan.interval > 1                          ? Streak::Unit::kBlocks
                : plan.period == v1::Schedule::PERIOD_WEEK ? Streak::Unit::kWeeks
                                                           : Streak::Unit::kDays;

  // The local day of each practice that counts, sorted (a day once per practice on it).
  std::vector<absl::CivilDay> practice_days;
  practice_days.reserve(completions.size());
  for (const v1::Completion& completion : completions) {
    if (CountsAsPractice(completion.status())) {
      practice_days.push_back(absl::CivilDay(LocalTimeOf(completion, zone)));
    }
  }
  std::sort(practice_days.begin(), practice_days.end());
  auto practised = [&](absl::CivilDay day) {
    return std::binary_search(practice_days.begin(), practice_days.end(), day);
  };

  const absl::CivilDay today = absl::ToCivilDay(now, zone);
  absl::CivilDay newest = today;
  bool newest_is_open = true;
  if (plan.last_day && *plan.last_day < today) {
    newest = *plan.last_day;
    newest_is_open = false;
  }
  if (newest < plan.first_day) return streak;

  ForgivingRun run;
  if (streak.unit == Streak::Unit::kDays) {
    absl::CivilDay day = newest;
    if (newest_is_open && !practised(day)) --day;
    for (; day >= plan.first_day; --day) {
      if (!run.Add(practised(day))) break;
    }
  } else {
    // Weeks, or blocks of `interval` periods (PlannedBlockOf is PlannedWeekOf for weeks).
    std::optional<PlannedWeek> week = PlannedBlockOf(plan, newest);
    auto met = [&](const PlannedWeek& w) {
      const auto begin = std::lower_bound(practice_days.begin(), practice_days.end(), w.first_day);
      const auto end = std::upper_bound(begin, practice_days.end(), w.last_day);
      return std::distance(begin, end) >= w.target;
    };
    if (week && newest_is_open && !met(*week)) week = PlannedBlockOf(plan, week->first_day - 1);
    for (; week; week = PlannedBlockOf(plan, week->first_day - 1)) {
      if (!run.Add(met(*week))) break;
    }
  }
  streak.length = run.length();
  streak.forgiven = run.forgiven();
  return streak;
}

}  // namespace

absl::StatusOr<Adherence> ComputeAdherence(const v1::Assignment& assignment,
                                           absl::TimeZone client_zone,
                                           absl::Span<const v1::Completion> completions,
                                           absl::Time from, absl::Time to, absl::Time now) {
  absl::StatusOr<PracticePlan> plan = PlanPractice(assignment.schedule());
  if (!plan.ok()) return plan.status();
  absl::StatusOr<std::vector<Occurrence>> occurrences =
      ExpectedOccurrences(assignment.schedule(), client_zone, from, to, PlannedTimes::kLeftOut);
  if (!occurrences.ok()) return occurrences.status();
  const Matching matching = MatchOccurrences(*occurrences, completions, client_zone, now);

  Adherence adherence;
  adherence.target_count = static_cast<int>(occurrences->size());
  for (const MatchedOccurrence& matched : matching.occurrences) {
    switch (matched.status) {
      case OccurrenceStatus::kDone:
        ++adherence.completed_count;
        switch (completions[*matched.completion_index].status()) {
          case v1::Completion::STATUS_PARTIAL:
            ++adherence.partial_count;
            break;
          case v1::Completion::STATUS_MINIMUM_VERSION:
            ++adherence.minimum_version_count;
            break;
          default:
            ++adherence.done_count;
            break;
        }
        break;
      case OccurrenceStatus::kMissed:
        ++adherence.missed_count;
        break;
      case OccurrenceStatus::kDue:
      case OccurrenceStatus::kUpcoming:
        ++adherence.open_count;
        break;
    }
  }
  for (size_t index : matching.unmatched_completions) {
    if (Within(completions[index], from, to)) ++adherence.extra_count;
  }
  const int settled = adherence.completed_count + adherence.missed_count;
  if (settled > 0) {
    adherence.ratio = static_cast<double>(adherence.completed_count) / settled;
  }

  int rating_sum = 0;
  for (const v1::Completion& completion : completions) {
    if (!Within(completion, from, to)) continue;
    if (completion.status() == v1::Completion::STATUS_SKIPPED) ++adherence.skipped_count;
    const int rating = completion.has_review() ? completion.review().quality_rating() : 0;
    if (rating >= 1 && rating <= 5) {
      ++adherence.quality.reviewed_count;
      rating_sum += rating;
    }
  }
  if (adherence.quality.reviewed_count > 0) {
    adherence.quality.mean_rating =
        static_cast<double>(rating_sum) / adherence.quality.reviewed_count;
  }

  adherence.timing = MeasureTiming(*plan, client_zone, completions, from, to);
  adherence.streak = ComputeStreak(*plan, client_zone, completions, now);
  return adherence;
}

}  // namespace therapy::homework::clinical
