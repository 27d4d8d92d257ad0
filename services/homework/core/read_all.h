#ifndef SERVICES_HOMEWORK_CORE_READ_ALL_H_
#define SERVICES_HOMEWORK_CORE_READ_ALL_H_

// Every item of a store list, for the use cases that work on the whole of a client's (or a
// practice's) data rather than on a page a caller asked for. For the core's .cc files only.

#include <iterator>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "services/homework/core/status_macros.h"
#include "services/homework/storage/store.h"

namespace therapy::homework {

// How many items each read of ReadAll asks for: the most a store serves in one page.
inline constexpr int kReadAllPageSize = 1000;

// Every item `list` (a Store list method such as &Store::ListAssignments) returns for `query`,
// in the store's order, read page after page from the first; query.page is ignored. The first
// failed read's status is the answer (nothing of the earlier pages is returned).
template <typename Item, typename Query>
absl::StatusOr<std::vector<Item>> ReadAll(Store& store,
                                          absl::StatusOr<Page<Item>> (Store::*list)(const Query&),
                                          std::type_identity_t<Query> query) {
  std::vector<Item> items;
  query.page = PageRequest{.page_size = kReadAllPageSize};
  do {
    ASSIGN_OR_RETURN(Page<Item> page, (store.*list)(query));
    if (items.empty()) {
      items = std::move(page.items);  // the first page, or all: taken whole, not item by item
    } else {
      items.reserve(items.size() + page.items.size());
      std::move(page.items.begin(), page.items.end(), std::back_inserter(items));
    }
    query.page.page_token = std::move(page.next_page_token);
  } while (!query.page.page_token.empty());
  return items;
}

}  // namespace therapy::homework

#endif  // SERVICES_HOMEWORK_CORE_READ_ALL_H_
