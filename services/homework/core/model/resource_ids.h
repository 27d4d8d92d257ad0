#ifndef SERVICES_HOMEWORK_CORE_MODEL_RESOURCE_IDS_H_
#define SERVICES_HOMEWORK_CORE_MODEL_RESOURCE_IDS_H_

#include <string>

#include "absl/time/time.h"

namespace therapy::homework {

// A new id for a resource the service creates (and for etags): 20 characters of [0-9a-z], the
// first 10 the time `now` in milliseconds since the Unix epoch and the last 10 random (50 bits),
// both in Crockford's base-32 alphabet in lower case, which sorts like the numbers it encodes.
// Ids made later sort after ids made earlier (to the millisecond), so a new resource's rows
// land at the end of the store's indexes rather than on a random page (issue 16); callers
// still treat ids as opaque (resource_names.h: IsValidResourceId holds for every one). The one
// generator of resource ids. Thread-safe.
std::string NewResourceId(absl::Time now);

}  // namespace therapy::homework

#endif  // SERVICES_HOMEWORK_CORE_MODEL_RESOURCE_IDS_H_
