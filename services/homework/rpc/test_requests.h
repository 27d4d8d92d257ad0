#ifndef SERVICES_HOMEWORK_RPC_TEST_REQUESTS_H_
#define SERVICES_HOMEWORK_RPC_TEST_REQUESTS_H_

// Requests the RPC tests share.

#include <string>

#include "absl/strings/string_view.h"
#include "gtest/gtest.h"
#include "therapy/homework/v1/homework_service.grpc.pb.h"

namespace therapy::homework {

// A daily thought record (one a day from 2026-01-05, with a minimum version) for `client` (its
// name), ready to be created by a therapist on the client's care team and then activated.
inline v1::CreateAssignmentRequest DailyThoughtRecord(absl::string_view client) {
  v1::CreateAssignmentRequest create;
  create.set_parent(std::string(client));
  v1::Assignment* draft = create.mutable_assignment();
  draft->set_title("Thought record");
  draft->mutable_exercise()->set_kind(v1::EXERCISE_KIND_THOUGHT_RECORD);
  draft->mutable_schedule()->set_target_count(1);
  draft->mutable_schedule()->set_period(v1::Schedule::PERIOD_DAY);
  draft->mutable_schedule()->set_start_date("2026-01-05");
  draft->mutable_schedule()->set_minimum_version("Write one line");
  return create;
}

// Creates DailyThoughtRecord(client) and activates it, each call made with a fresh context from
// `therapist()` (a member of the client's care team): the active assignment's name (a failed
// call fails the test).
template <typename MakeContext>
std::string ActiveDailyThoughtRecord(v1::HomeworkService::Stub& stub, MakeContext therapist,
                                     absl::string_view client) {
  v1::Assignment assignment;
  grpc::Status created =
      stub.CreateAssignment(therapist().get(), DailyThoughtRecord(client), &assignment);
  EXPECT_TRUE(created.ok()) << created.error_message();
  v1::ActivateAssignmentRequest activate;
  activate.set_name(assignment.name());
  grpc::Status activated = stub.ActivateAssignment(therapist().get(), activate, &assignment);
  EXPECT_TRUE(activated.ok()) << activated.error_message();
  return assignment.name();
}

}  // namespace therapy::homework

#endif  // SERVICES_HOMEWORK_RPC_TEST_REQUESTS_H_
