#ifndef TESTING_STATUS_MATCHERS_H_
#define TESTING_STATUS_MATCHERS_H_

// GoogleTest matchers for absl::Status and absl::StatusOr<T>, spelled as Abseil's own
// (absl/status/status_matchers.h, first released in Abseil 20240116; Debian 12 ships 20220623,
// which has none, and GoogleTest 1.12 has none either: docs/decisions/0019-status-matchers.md):
//
//   EXPECT_THAT(store.Get(name), IsOk());
//   EXPECT_THAT(homework.Complete(request), StatusIs(absl::StatusCode::kFailedPrecondition));
//   EXPECT_THAT(status, StatusIs(absl::StatusCode::kNotFound, HasSubstr("clients/sam")));
//   EXPECT_THAT(store.Get(name), IsOkAndHolds(Field(&Row::etag, "e1")));
//
// Each takes an absl::Status or any absl::StatusOr<T>, and on failure prints the whole status
// (code, message, payloads). When Debian ships the Abseil release with its own matchers, tests
// switch by changing the include and the namespace.

#include <ostream>
#include <type_traits>
#include <utility>

#include <gmock/gmock.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace therapy::homework::testing {
namespace status_matchers_internal {

inline const absl::Status& GetStatus(const absl::Status& status) { return status; }

template <typename T>
const absl::Status& GetStatus(const absl::StatusOr<T>& status_or) {
  return status_or.status();
}

// IsOkAndHolds(m): an OK StatusOr<T> whose value matches m.
template <typename StatusOrType>
class IsOkAndHoldsImpl : public ::testing::MatcherInterface<StatusOrType> {
 public:
  using ValueType = typename std::remove_reference_t<StatusOrType>::value_type;

  template <typename InnerMatcher>
  explicit IsOkAndHoldsImpl(InnerMatcher&& inner)
      : inner_(::testing::SafeMatcherCast<const ValueType&>(std::forward<InnerMatcher>(inner))) {}

  void DescribeTo(std::ostream* os) const override {
    *os << "is OK and has a value that ";
    inner_.DescribeTo(os);
  }
  void DescribeNegationTo(std::ostream* os) const override {
    *os << "isn't OK or has a value that ";
    inner_.DescribeNegationTo(os);
  }
  bool MatchAndExplain(StatusOrType actual,
                       ::testing::MatchResultListener* listener) const override {
    if (!actual.ok()) {
      *listener << "which has status " << actual.status();
      return false;
    }
    ::testing::StringMatchResultListener inner_listener;
    const bool matches = inner_.MatchAndExplain(*actual, &inner_listener);
    const std::string explanation = inner_listener.str();
    if (!explanation.empty()) *listener << "which contains a value " << explanation;
    return matches;
  }

 private:
  const ::testing::Matcher<const ValueType&> inner_;
};

template <typename InnerMatcher>
class IsOkAndHoldsMatcher {
 public:
  explicit IsOkAndHoldsMatcher(InnerMatcher inner) : inner_(std::move(inner)) {}

  template <typename StatusOrType>
  operator ::testing::Matcher<StatusOrType>() const {  // NOLINT: implicit by design
    return ::testing::Matcher<StatusOrType>(new IsOkAndHoldsImpl<const StatusOrType&>(inner_));
  }

 private:
  const InnerMatcher inner_;
};

// StatusIs(code, message): the status (of a Status or StatusOr) has `code` and a message that
// matches `message`.
class StatusIsImpl {
 public:
  StatusIsImpl(::testing::Matcher<absl::StatusCode> code,
               ::testing::Matcher<const std::string&> message)
      : code_(std::move(code)), message_(std::move(message)) {}

  void DescribeTo(std::ostream* os) const {
    *os << "has a status code that ";
    code_.DescribeTo(os);
    *os << ", and has a message that ";
    message_.DescribeTo(os);
  }
  void DescribeNegationTo(std::ostream* os) const {
    *os << "has a status code that ";
    code_.DescribeNegationTo(os);
    *os << ", or has a message that ";
    message_.DescribeNegationTo(os);
  }
  bool MatchAndExplain(const absl::Status& status, ::testing::MatchResultListener* listener) const {
    *listener << "which has status " << status;
    if (!code_.Matches(status.code())) return false;
    ::testing::StringMatchResultListener message_listener;
    const std::string message(status.message());
    if (!message_.MatchAndExplain(message, &message_listener)) {
      if (!message_listener.str().empty()) *listener << ", " << message_listener.str();
      return false;
    }
    return true;
  }

 private:
  const ::testing::Matcher<absl::StatusCode> code_;
  const ::testing::Matcher<const std::string&> message_;
};

// Adapts StatusIsImpl to whichever Status or StatusOr<T> the matcher is applied to.
template <typename StatusType>
class MonoStatusIsImpl : public ::testing::MatcherInterface<StatusType> {
 public:
  explicit MonoStatusIsImpl(StatusIsImpl impl) : impl_(std::move(impl)) {}
  void DescribeTo(std::ostream* os) const override { impl_.DescribeTo(os); }
  void DescribeNegationTo(std::ostream* os) const override { impl_.DescribeNegationTo(os); }
  bool MatchAndExplain(StatusType actual, ::testing::MatchResultListener* listener) const override {
    return impl_.MatchAndExplain(GetStatus(actual), listener);
  }

 private:
  StatusIsImpl impl_;
};

class StatusIsMatcher {
 public:
  StatusIsMatcher(::testing::Matcher<absl::StatusCode> code,
                  ::testing::Matcher<const std::string&> message)
      : impl_(std::move(code), std::move(message)) {}

  template <typename StatusType>
  operator ::testing::Matcher<StatusType>() const {  // NOLINT: implicit by design
    return ::testing::Matcher<StatusType>(new MonoStatusIsImpl<const StatusType&>(impl_));
  }

 private:
  StatusIsImpl impl_;
};

// IsOk(): the status (of a Status or StatusOr) is OK.
class IsOkMatcher {
 public:
  template <typename StatusType>
  bool MatchAndExplain(const StatusType& actual, ::testing::MatchResultListener* listener) const {
    const absl::Status& status = GetStatus(actual);
    if (!status.ok()) *listener << "which has status " << status;
    return status.ok();
  }
  void DescribeTo(std::ostream* os) const { *os << "is OK"; }
  void DescribeNegationTo(std::ostream* os) const { *os << "is not OK"; }
};

}  // namespace status_matchers_internal

// Matches an OK absl::Status or absl::StatusOr<T>.
inline ::testing::PolymorphicMatcher<status_matchers_internal::IsOkMatcher> IsOk() {
  return ::testing::MakePolymorphicMatcher(status_matchers_internal::IsOkMatcher());
}

// Matches an OK absl::StatusOr<T> whose value matches `inner` (a matcher or a value).
template <typename InnerMatcher>
status_matchers_internal::IsOkAndHoldsMatcher<std::decay_t<InnerMatcher>> IsOkAndHolds(
    InnerMatcher&& inner) {
  return status_matchers_internal::IsOkAndHoldsMatcher<std::decay_t<InnerMatcher>>(
      std::forward<InnerMatcher>(inner));
}

// Matches an absl::Status or absl::StatusOr<T> whose code matches `code` (a code or a matcher)
// and, in the two-argument form, whose message matches `message` (a string or a matcher such as
// HasSubstr).
template <typename CodeMatcher, typename MessageMatcher>
status_matchers_internal::StatusIsMatcher StatusIs(CodeMatcher&& code, MessageMatcher&& message) {
  return status_matchers_internal::StatusIsMatcher(
      ::testing::MatcherCast<absl::StatusCode>(std::forward<CodeMatcher>(code)),
      ::testing::MatcherCast<const std::string&>(std::forward<MessageMatcher>(message)));
}
template <typename CodeMatcher>
status_matchers_internal::StatusIsMatcher StatusIs(CodeMatcher&& code) {
  return StatusIs(std::forward<CodeMatcher>(code), ::testing::_);
}

}  // namespace therapy::homework::testing

#endif  // TESTING_STATUS_MATCHERS_H_
