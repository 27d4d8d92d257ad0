#ifndef SERVICES_HOMEWORK_STORAGE_PAGE_TOKEN_H_
#define SERVICES_HOMEWORK_STORAGE_PAGE_TOKEN_H_

// Page tokens: the one place they are made and read, for every backend.
//
// A token names the sort key of the last item of the page it ended (keyset pagination: the next
// page starts strictly after that key) and the query it was issued for. It is web-safe base64,
// without padding, of: a version byte (1), the query's 8-byte fingerprint, the item's time in
// microseconds (8 bytes, big-endian; 0 for lists sorted by name only) and the item's name.
// Tokens do not expire and stay valid across restarts and replicas; they are not secret (a
// caller learns nothing it was not already shown) and not signed (a forged token only moves
// the start of a list the caller may already read).

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/homework/storage/store.h"

namespace therapy::homework {

// Where the next page starts: the sort key of the last item returned.
struct PageCursor {
  int64_t time_micros = 0;  // the sort time (see resource_rows.h), 0 for name-only orders
  std::string name;         // the resource name, the final tie-breaker of every order

  friend bool operator==(const PageCursor&, const PageCursor&) = default;
};

// A fingerprint of everything in a query except its page: a token is accepted only by a query
// with the same fingerprint. Stable across processes and builds. The page size may change
// between pages.
uint64_t QueryFingerprint(const ClientQuery& query);
uint64_t QueryFingerprint(const AssignmentQuery& query);
uint64_t QueryFingerprint(const CompletionQuery& query);
uint64_t QueryFingerprint(const HierarchyQuery& query);
uint64_t QueryFingerprint(const TemplateQuery& query);
uint64_t QueryFingerprint(const SafetyFlagQuery& query);
uint64_t QueryFingerprint(const SessionQuery& query);

// The token for the page after the one that ended with `last`.
std::string MakePageToken(uint64_t query_fingerprint, const PageCursor& last);

// Reads a token made by MakePageToken. An empty token is the first page (nullopt).
// INVALID_ARGUMENT naming `page_token` when the token is unreadable or was issued for a query
// with another fingerprint.
absl::StatusOr<std::optional<PageCursor>> ReadPageToken(absl::string_view token,
                                                        uint64_t query_fingerprint);

}  // namespace therapy::homework

#endif  // SERVICES_HOMEWORK_STORAGE_PAGE_TOKEN_H_
