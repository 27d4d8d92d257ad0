#include "services/homework/storage/memory/memory_store.h"

#include <memory>

#include "gtest/gtest.h"
#include "services/homework/storage/store_contract_test.h"

namespace therapy::homework {
namespace {

std::unique_ptr<Store> MakeMemoryStore() { return std::make_unique<MemoryStore>(); }

INSTANTIATE_TEST_SUITE_P(Memory, StoreContractTest,
                         testing::Values(StoreFactory(&MakeMemoryStore)));

}  // namespace
}  // namespace therapy::homework
