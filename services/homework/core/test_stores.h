#ifndef SERVICES_HOMEWORK_CORE_TEST_STORES_H_
#define SERVICES_HOMEWORK_CORE_TEST_STORES_H_

// The stores a core test runs on, one of each backend: for tests parameterised over
// StoreKind (INSTANTIATE_TEST_SUITE_P(Stores, ..., AllStoreKinds(), StoreKindName)).

#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "services/homework/storage/store.h"

namespace therapy::homework {

enum class StoreKind { kMemory, kSqlite, kPostgres };

// Every kind, for ::testing::ValuesIn.
inline constexpr StoreKind kAllStoreKinds[] = {StoreKind::kMemory, StoreKind::kSqlite,
                                               StoreKind::kPostgres};

// A new, empty store of `kind`: SQLite in a file of a folder removed at exit; PostgreSQL in one
// private cluster per process, started on first use, a new database per store. Null (with a
// test failure) when it cannot open.
std::unique_ptr<Store> NewStore(StoreKind kind);

// "Memory", "Sqlite" or "Postgres", for test names.
std::string StoreKindName(const ::testing::TestParamInfo<StoreKind>& info);

}  // namespace therapy::homework

#endif  // SERVICES_HOMEWORK_CORE_TEST_STORES_H_
