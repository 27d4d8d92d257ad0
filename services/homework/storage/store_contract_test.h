#ifndef SERVICES_HOMEWORK_STORAGE_STORE_CONTRACT_TEST_H_
#define SERVICES_HOMEWORK_STORAGE_STORE_CONTRACT_TEST_H_

// The contract suite of the Store seam: every backend must pass it. A backend's test
// instantiates it with a factory that returns a new, empty store on each call:
//
//   INSTANTIATE_TEST_SUITE_P(Sqlite, StoreContractTest,
//                            testing::Values(StoreFactory(&MakeEmptySqliteStore)));
//
// and links the target homework_store_contract_tests. The tests are in store_contract_test.cc.

#include <functional>
#include <memory>

#include "gtest/gtest.h"
#include "services/homework/storage/store.h"

namespace therapy::homework {

// Returns a new, empty store; never null.
using StoreFactory = std::function<std::unique_ptr<Store>()>;

class StoreContractTest : public ::testing::TestWithParam<StoreFactory> {
 protected:
  void SetUp() override {
    store_ = GetParam()();
    ASSERT_NE(store_, nullptr);
  }

  Store& store() { return *store_; }

 private:
  std::unique_ptr<Store> store_;
};

}  // namespace therapy::homework

#endif  // SERVICES_HOMEWORK_STORAGE_STORE_CONTRACT_TEST_H_
