#ifndef SERVICES_HOMEWORK_CORE_DEFERRED_AUDIT_H_
#define SERVICES_HOMEWORK_CORE_DEFERRED_AUDIT_H_

#include <utility>
#include <vector>

#include "services/homework/storage/store.h"

namespace therapy::homework {

// The audit records of one call's reads and refusals, held back so that the transport can append
// them together with other calls' records, in one write, before it answers the call
// (docs/decisions/0024-audit-batches.md).
//
// While a DeferredAudit is alive on a thread, Homework adds the records of its reads and refusals
// to it instead of appending each to the store and waiting; whoever made it must then append
// Take()'s records and answer the call only once they are in, or answer with
// Homework::AuditUnavailable() if they could not be written. A call run without one (on another
// thread, or by a transport that does not batch) appends and waits as before. Records of writes
// are not affected: they are committed with their write.
//
// One per call, on the thread that runs the call's use case; not thread-safe; not nestable.
class DeferredAudit {
 public:
  DeferredAudit();
  ~DeferredAudit();
  DeferredAudit(const DeferredAudit&) = delete;
  DeferredAudit& operator=(const DeferredAudit&) = delete;

  // The one alive on this thread, or nullptr.
  static DeferredAudit* Active();

  void Add(AuditRecord record) { records_.push_back(std::move(record)); }

  // The records added so far, in order; leaves none.
  std::vector<AuditRecord> Take() { return std::exchange(records_, {}); }

 private:
  std::vector<AuditRecord> records_;
};

}  // namespace therapy::homework

#endif  // SERVICES_HOMEWORK_CORE_DEFERRED_AUDIT_H_
