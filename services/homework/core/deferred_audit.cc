#include "services/homework/core/deferred_audit.h"

namespace therapy::homework {
namespace {

thread_local DeferredAudit* active = nullptr;

}  // namespace

DeferredAudit::DeferredAudit() { active = this; }

DeferredAudit::~DeferredAudit() { active = nullptr; }

DeferredAudit* DeferredAudit::Active() { return active; }

}  // namespace therapy::homework
