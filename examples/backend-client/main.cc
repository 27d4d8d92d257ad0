// A platform backend reading one client's homework from the therapy homework service.
//
//   export HOMEWORK_TOKEN=...   # a JWT your platform signed
//   homework-backend-client --address=127.0.0.1:50051 --client=practices/demo/clients/alex
//
// It lists the client's active assignments and the completions of the last 14 days, page by
// page, and prints them. The token comes from --token or the HOMEWORK_TOKEN environment
// variable; your platform mints it (this program never does). Errors are printed with their
// gRPC status code, and the exit code is 1.
//
// Copy freely. In production, use TLS channel credentials instead of insecure ones.

#include <cstdlib>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <google/protobuf/util/time_util.h>
#include <grpcpp/grpcpp.h>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/time.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "therapy/homework/v1/homework_service.grpc.pb.h"

ABSL_FLAG(std::string, address, "127.0.0.1:50051", "The homework service, host:port.");
ABSL_FLAG(std::string, token, "",
          "Bearer token (a JWT your platform signed). Default: $HOMEWORK_TOKEN.");
ABSL_FLAG(std::string, client, "", "The client, practices/{practice}/clients/{client}.");

namespace v1 = therapy::homework::v1;
using google::protobuf::util::TimeUtil;

namespace {

constexpr int kPageSize = 50;
constexpr absl::Duration kRecent = absl::Hours(14 * 24);

// Every call carries the token and a deadline.
std::unique_ptr<grpc::ClientContext> NewContext(const std::string& token) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->AddMetadata("authorization", "Bearer " + token);
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  return context;
}

// "PERMISSION_DENIED: caller may not read ..." plus, for INVALID_ARGUMENT, each bad field from
// the google.rpc.BadRequest detail.
std::string DescribeError(const grpc::Status& status) {
  std::string text =
      absl::StrCat(absl::StatusCodeToString(static_cast<absl::StatusCode>(status.error_code())),
                   ": ", status.error_message());
  google::rpc::Status details;
  if (details.ParseFromString(status.error_details())) {
    for (const google::protobuf::Any& any : details.details()) {
      google::rpc::BadRequest bad_request;
      if (!any.UnpackTo(&bad_request)) continue;
      for (const auto& violation : bad_request.field_violations()) {
        absl::StrAppend(&text, "\n  field ", violation.field(), ": ", violation.description());
      }
    }
  }
  return text;
}

// EXERCISE_KIND_EXPOSURE_PRACTICE -> "exposure practice".
std::string Readable(const std::string& enum_name, absl::string_view prefix) {
  std::string words = absl::StrReplaceAll(enum_name.substr(prefix.size()), {{"_", " "}});
  absl::AsciiStrToLower(&words);
  return words;
}

// A timestamp as local time in `zone`, "2024-05-02 07:31 (Europe/Berlin)".
std::string LocalTime(const google::protobuf::Timestamp& time, const std::string& zone) {
  absl::TimeZone tz = absl::UTCTimeZone();
  if (!absl::LoadTimeZone(zone, &tz)) tz = absl::UTCTimeZone();
  return absl::StrCat(absl::FormatTime("%Y-%m-%d %H:%M", absl::FromUnixSeconds(time.seconds()), tz),
                      " (", tz.name(), ")");
}

void PrintAssignment(const v1::Assignment& assignment) {
  const v1::Schedule& schedule = assignment.schedule();
  std::cout << "- " << assignment.title() << "  ["
            << Readable(v1::ExerciseKind_Name(assignment.exercise().kind()), "EXERCISE_KIND_")
            << "]\n"
            << "    " << assignment.name() << "\n"
            << "    " << schedule.target_count() << " per "
            << Readable(v1::Schedule::Period_Name(schedule.period()), "PERIOD_");
  if (schedule.minutes_per_practice() > 0) {
    std::cout << ", " << schedule.minutes_per_practice() << " min";
  }
  std::cout << ", from " << schedule.start_date();
  if (!schedule.end_date().empty()) std::cout << " to " << schedule.end_date();
  std::cout << "\n";
  if (schedule.has_habit_anchor()) {
    std::cout << "    Anchor: "
              << Readable(v1::EventTiming_Name(schedule.habit_anchor().when()), "EVENT_TIMING_");
    if (!schedule.habit_anchor().client_words().empty()) {
      std::cout << " (\"" << schedule.habit_anchor().client_words() << "\")";
    }
    std::cout << "\n";
  }
  if (!schedule.environmental_cue().empty()) {
    std::cout << "    Cue: " << schedule.environmental_cue() << "\n";
  }
  std::cout << "    Minimum version: " << schedule.minimum_version() << "\n";
}

void PrintCompletion(const v1::Completion& completion) {
  std::cout << "- " << LocalTime(completion.occur_time(), completion.occur_time_zone()) << "  "
            << Readable(v1::Completion::Status_Name(completion.status()), "STATUS_");
  if (completion.minutes() > 0) std::cout << ", " << completion.minutes() << " min";
  if (completion.has_suds()) {
    const v1::SudsRatings& suds = completion.suds();
    std::cout << ", SUDS";
    if (suds.has_before()) std::cout << " before " << suds.before();
    if (suds.has_peak()) std::cout << " peak " << suds.peak();
    if (suds.has_after()) std::cout << " after " << suds.after();
  }
  if (completion.has_review()) {
    std::cout << ", reviewed " << completion.review().quality_rating() << "/5";
  }
  std::cout << "\n    " << completion.name() << "\n";
}

// All of the client's active assignments, page by page.
grpc::Status ListActiveAssignments(v1::HomeworkService::Stub& stub, const std::string& token,
                                   const std::string& client,
                                   std::vector<v1::Assignment>* assignments) {
  v1::ListAssignmentsRequest request;
  request.set_parent(client);
  request.add_states(v1::Assignment::STATE_ACTIVE);
  request.set_page_size(kPageSize);
  do {
    v1::ListAssignmentsResponse response;
    grpc::Status status = stub.ListAssignments(NewContext(token).get(), request, &response);
    if (!status.ok()) return status;
    assignments->insert(assignments->end(), response.assignments().begin(),
                        response.assignments().end());
    request.set_page_token(response.next_page_token());
  } while (!request.page_token().empty());
  return grpc::Status::OK;
}

// The completions of all the client's assignments since `since`, newest first, page by page.
grpc::Status ListRecentCompletions(v1::HomeworkService::Stub& stub, const std::string& token,
                                   const std::string& client, absl::Time since,
                                   std::vector<v1::Completion>* completions) {
  v1::ListCompletionsRequest request;
  request.set_parent(client + "/assignments/-");  // "-": every assignment of the client
  *request.mutable_start_time() = TimeUtil::SecondsToTimestamp(absl::ToUnixSeconds(since));
  request.set_page_size(kPageSize);
  do {
    v1::ListCompletionsResponse response;
    grpc::Status status = stub.ListCompletions(NewContext(token).get(), request, &response);
    if (!status.ok()) return status;
    completions->insert(completions->end(), response.completions().begin(),
                        response.completions().end());
    request.set_page_token(response.next_page_token());
  } while (!request.page_token().empty());
  return grpc::Status::OK;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "Lists a client's active homework and recent completions.\n"
      "  homework-backend-client --address=HOST:PORT --client=practices/P/clients/C "
      "[--token=JWT]");
  absl::ParseCommandLine(argc, argv);

  std::string token = absl::GetFlag(FLAGS_token);
  if (token.empty() && std::getenv("HOMEWORK_TOKEN") != nullptr) {
    token = std::getenv("HOMEWORK_TOKEN");
  }
  const std::string client = absl::GetFlag(FLAGS_client);
  if (token.empty() || !absl::StartsWith(client, "practices/") ||
      !absl::StrContains(client, "/clients/")) {
    std::cerr << "usage: homework-backend-client --address=HOST:PORT "
                 "--client=practices/P/clients/C [--token=JWT | HOMEWORK_TOKEN=JWT]\n";
    return 2;
  }

  auto stub = v1::HomeworkService::NewStub(
      grpc::CreateChannel(absl::GetFlag(FLAGS_address), grpc::InsecureChannelCredentials()));

  std::vector<v1::Assignment> assignments;
  grpc::Status status = ListActiveAssignments(*stub, token, client, &assignments);
  if (!status.ok()) {
    std::cerr << "ListAssignments failed: " << DescribeError(status) << "\n";
    return 1;
  }
  const absl::Time since = absl::Now() - kRecent;
  std::vector<v1::Completion> completions;
  status = ListRecentCompletions(*stub, token, client, since, &completions);
  if (!status.ok()) {
    std::cerr << "ListCompletions failed: " << DescribeError(status) << "\n";
    return 1;
  }

  std::cout << "Active assignments of " << client << ": " << assignments.size() << "\n";
  for (const v1::Assignment& assignment : assignments) PrintAssignment(assignment);
  std::cout << "\nCompletions since " << absl::FormatTime("%Y-%m-%d", since, absl::UTCTimeZone())
            << ": " << completions.size() << "\n";
  for (const v1::Completion& completion : completions) PrintCompletion(completion);
  return 0;
}
