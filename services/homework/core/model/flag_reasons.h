#ifndef SERVICES_HOMEWORK_CORE_MODEL_FLAG_REASONS_H_
#define SERVICES_HOMEWORK_CORE_MODEL_FLAG_REASONS_H_

// Why an urgent flag was raised (safety_flag.proto's FlagReason): a code with its figures, which
// each panel words in its reader's language, and the English text the deprecated
// `SafetyFlag.reason` and `UrgentFlag.reason` fields still carry. Pure functions, safe from any
// thread. Reasons are clinical content: show them to the care team, never log them.

#include <string>

#include "absl/strings/string_view.h"
#include "therapy/homework/v1/completion.pb.h"
#include "therapy/homework/v1/safety_flag.pb.h"

namespace therapy::homework {

// Why a scored measure answer is urgent: CODE_PHQ9_ITEM_9_ABOVE_THRESHOLD with the item, its
// answer, the threshold and the total when the stored answers show it, else
// CODE_MEASURE_MARKED_URGENT (never dropped). CODE_UNSPECIFIED when `response.urgent()` is false.
v1::FlagReason MeasureFlagReason(const v1::MeasureResponse& response);

// The client asked for help now, with `client_words` (possibly empty).
v1::FlagReason ClientRequestFlagReason(absl::string_view client_words);

// The reason in English, for the deprecated text fields, for example `PHQ-9 item 9 ("Thoughts
// that you would be better off dead or of hurting yourself in some way") answered 2 ("More than
// half the days"), above 0; total 14: review with the client now`. Empty for CODE_UNSPECIFIED.
std::string FlagReasonText(const v1::FlagReason& reason);

}  // namespace therapy::homework

#endif  // SERVICES_HOMEWORK_CORE_MODEL_FLAG_REASONS_H_
