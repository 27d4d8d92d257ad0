#include "services/homework/core/model/flag_reasons.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "services/homework/core/clinical/measures.h"
#include "services/homework/core/rules/measure_scoring.h"

namespace therapy::homework {
namespace {

std::string MarkedUrgentText(v1::Measure measure) {
  return absl::StrCat(MeasureDisplayName(measure),
                      " answer marked urgent when it was recorded: review with the client now");
}

}  // namespace

v1::FlagReason MeasureFlagReason(const v1::MeasureResponse& response) {
  v1::FlagReason reason;
  if (!response.urgent()) return reason;
  reason.set_measure(response.measure());
  reason.set_total(response.total());
  const int item = clinical::kPhq9RiskItem;
  if (response.measure() == v1::MEASURE_PHQ9 &&
      response.item_scores_size() == MeasureItemCount(v1::MEASURE_PHQ9)) {
    const int answer = response.item_scores(item - 1);
    if (answer > clinical::kPhq9RiskAnswerAbove &&
        answer < static_cast<int>(clinical::kFrequencyAnswers.size())) {
      reason.set_code(v1::FlagReason::CODE_PHQ9_ITEM_9_ABOVE_THRESHOLD);
      reason.set_item(item);
      reason.set_answer(answer);
      reason.set_threshold(clinical::kPhq9RiskAnswerAbove);
      return reason;
    }
  }
  // Scored urgent when recorded, but the answers no longer say why: still never drop it.
  reason.set_code(v1::FlagReason::CODE_MEASURE_MARKED_URGENT);
  return reason;
}

v1::FlagReason ClientRequestFlagReason(absl::string_view client_words) {
  v1::FlagReason reason;
  reason.set_code(v1::FlagReason::CODE_CLIENT_ASKED_FOR_HELP);
  reason.set_client_words(std::string(client_words));
  return reason;
}

std::string FlagReasonText(const v1::FlagReason& reason) {
  switch (reason.code()) {
    case v1::FlagReason::CODE_PHQ9_ITEM_9_ABOVE_THRESHOLD: {
      const auto answer = static_cast<size_t>(reason.answer());
      const auto item = static_cast<size_t>(reason.item() - 1);
      if (answer >= clinical::kFrequencyAnswers.size() || item >= clinical::kPhq9Items.size()) {
        break;
      }
      return absl::StrCat("PHQ-9 item ", reason.item(), " (\"", clinical::kPhq9Items[item],
                          "\") answered ", reason.answer(), " (\"",
                          clinical::kFrequencyAnswers[answer], "\"), above ", reason.threshold(),
                          "; total ", reason.total(), ": review with the client now");
    }
    case v1::FlagReason::CODE_MEASURE_MARKED_URGENT:
      return MarkedUrgentText(reason.measure());
    case v1::FlagReason::CODE_CLIENT_ASKED_FOR_HELP:
      return reason.client_words().empty()
                 ? "The client asked for help now"
                 : absl::StrCat("The client asked for help now: ", reason.client_words());
    default:
      return "";
  }
  return MarkedUrgentText(reason.measure());  // figures out of range: still never dropped
}

}  // namespace therapy::homework
