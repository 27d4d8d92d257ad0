#ifndef SERVICES_HOMEWORK_CORE_STATUS_MACROS_H_
#define SERVICES_HOMEWORK_CORE_STATUS_MACROS_H_

// Early returns for absl::Status and absl::StatusOr, as in google-cloud-cpp and Abseil's own
// internal code (Debian's Abseil 20220623 does not ship public ones).

#define HOMEWORK_STATUS_CONCAT_INNER(a, b) a##b
#define HOMEWORK_STATUS_CONCAT(a, b) HOMEWORK_STATUS_CONCAT_INNER(a, b)

// Returns `expr` (an absl::Status) from the calling function when it is not OK.
#define RETURN_IF_ERROR(expr)                            \
  do {                                                   \
    const ::absl::Status homework_status_ = (expr);      \
    if (!homework_status_.ok()) return homework_status_; \
  } while (false)

// Evaluates `rexpr` (an absl::StatusOr<T>); returns its status when not OK, otherwise moves the
// value into `lhs`, which may be a declaration.
#define ASSIGN_OR_RETURN(lhs, rexpr) \
  ASSIGN_OR_RETURN_IMPL(HOMEWORK_STATUS_CONCAT(homework_statusor_, __LINE__), lhs, rexpr)

#define ASSIGN_OR_RETURN_IMPL(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                          \
  if (!statusor.ok()) return statusor.status();     \
  lhs = std::move(statusor).value()

#endif  // SERVICES_HOMEWORK_CORE_STATUS_MACROS_H_
