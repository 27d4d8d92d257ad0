#include "plugin/session/session_registry.h"

#include <algorithm>
#include <string>
#include <utility>

namespace therapy::homework::live_session {

bool ShouldRelay(Role role, const std::string& client, const therapy::homework::v1::Event& event) {
  if (event.client() != client) return false;
  if (event.type() == therapy::homework::v1::Event::TYPE_URGENT_FLAG_RAISED) {
    return role == Role::kTherapist;
  }
  return true;
}

SessionMembers SessionRegistry::MembersOf(const std::string& session) const {
  SessionMembers members{.session = session};
  auto it = sessions_.find(session);
  if (it == sessions_.end()) return members;
  for (HandleId handle : it->second) {
    members.participants.push_back(handles_.at(handle).participant);
  }
  return members;
}

absl::StatusOr<SessionMembers> SessionRegistry::Join(const Membership& membership) {
  absl::MutexLock lock(&mutex_);
  const HandleId handle = membership.participant.handle;
  if (handles_.contains(handle)) {
    return absl::FailedPreconditionError("this handle has already joined a session");
  }
  handles_[handle] = membership;
  sessions_[membership.session].push_back(handle);
  return MembersOf(membership.session);
}

std::optional<SessionMembers> SessionRegistry::Leave(HandleId handle) {
  absl::MutexLock lock(&mutex_);
  auto entry = handles_.find(handle);
  if (entry == handles_.end()) return std::nullopt;
  const std::string session = entry->second.session;
  handles_.erase(entry);
  auto it = sessions_.find(session);
  if (it != sessions_.end()) {
    std::erase(it->second, handle);
    if (it->second.empty()) sessions_.erase(it);
  }
  return MembersOf(session);
}

absl::StatusOr<Membership> SessionRegistry::Find(HandleId handle) const {
  absl::ReaderMutexLock lock(&mutex_);
  auto entry = handles_.find(handle);
  if (entry == handles_.end()) return absl::FailedPreconditionError("join a session first");
  return entry->second;
}

absl::Status SessionRegistry::ReplaceToken(HandleId handle, const std::string& token) {
  absl::MutexLock lock(&mutex_);
  auto entry = handles_.find(handle);
  if (entry == handles_.end()) return absl::FailedPreconditionError("join a session first");
  entry->second.token = token;
  return absl::OkStatus();
}

}  // namespace therapy::homework::live_session
