#ifndef SERVICES_HOMEWORK_CORE_MODEL_PROTO_TIME_H_
#define SERVICES_HOMEWORK_CORE_MODEL_PROTO_TIME_H_

#include "absl/time/time.h"
#include "google/protobuf/timestamp.pb.h"

namespace therapy::homework {

// The one conversion between absl::Time and google.protobuf.Timestamp.
inline google::protobuf::Timestamp ToProtoTime(absl::Time time) {
  google::protobuf::Timestamp proto;
  const int64_t nanos = absl::ToUnixNanos(time);
  proto.set_seconds(nanos / 1000000000);
  proto.set_nanos(static_cast<int32_t>(nanos % 1000000000));
  if (proto.nanos() < 0) {
    proto.set_seconds(proto.seconds() - 1);
    proto.set_nanos(proto.nanos() + 1000000000);
  }
  return proto;
}

inline absl::Time FromProtoTime(const google::protobuf::Timestamp& proto) {
  return absl::FromUnixSeconds(proto.seconds()) + absl::Nanoseconds(proto.nanos());
}

}  // namespace therapy::homework

#endif  // SERVICES_HOMEWORK_CORE_MODEL_PROTO_TIME_H_
