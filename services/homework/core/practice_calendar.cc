// GetPracticeCalendar: a client's active assignments as an iCalendar feed (formats/ical).
#include <utility>
#include <vector>

#include "services/homework/core/formats/ical/calendar.h"
#include "services/homework/core/homework.h"
#include "services/homework/core/homework_internal.h"
#include "services/homework/core/model/resource_names.h"
#include "services/homework/core/status_macros.h"

namespace therapy::homework {

absl::StatusOr<v1::PracticeCalendar> Homework::GetPracticeCalendar(
    const Caller& caller, const v1::GetPracticeCalendarRequest& request) {
  constexpr absl::string_view kMethod = "GetPracticeCalendar";
  ASSIGN_OR_RETURN(ClientName name, ParseClientName("client", request.client()));
  RETURN_IF_ERROR(AuthorizeClient(caller, Action::kReadClient, name, kMethod));

  auto build = [&]() -> absl::StatusOr<v1::PracticeCalendar> {
    ASSIGN_OR_RETURN(v1::Client client,
                     Found(store_.GetClient(request.client()), "client", request.client()));
    ASSIGN_OR_RETURN(
        std::vector<v1::Assignment> active,
        ReadAll(store_, &Store::ListAssignments,
                {.client_name = request.client(), .states = {v1::Assignment::STATE_ACTIVE}}));
    ASSIGN_OR_RETURN(PracticeCalendarFeed feed, BuildPracticeCalendar(client, active));
    v1::PracticeCalendar calendar;
    calendar.set_ics(std::move(feed.ics));
    calendar.set_event_count(feed.event_count);
    return calendar;
  };
  absl::StatusOr<v1::PracticeCalendar> calendar = build();
  RETURN_IF_ERROR(Audit(caller, kMethod, request.client(), calendar.status()));
  return calendar;
}

}  // namespace therapy::homework
