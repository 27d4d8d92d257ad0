// Compiled only by homework_layering_build_test (check_layering.cmake): linking homework_grpc it
// compiles; linking only the messages (homework_proto) it must not find the stubs' header.
#include "therapy/homework/v1/homework_service.grpc.pb.h"

const char* HomeworkServiceName() {
  return therapy::homework::v1::HomeworkService::service_full_name();
}
