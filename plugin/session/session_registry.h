#ifndef PLUGIN_SESSION_SESSION_REGISTRY_H_
#define PLUGIN_SESSION_SESSION_REGISTRY_H_

// Who is in which session on this Janus, to deliver presence and relayed events: for each joined
// handle the session's name, its client, the participant (as the service identified it) and the
// participant's token. Nothing clinical: drafts, the session's state and its summary live in the
// homework service (Session, Assignment in STATE_DRAFT), so a Janus restart loses nothing the
// pages cannot rebuild by joining again. Janus-free and network-free; thread-safe.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "therapy/homework/v1/event.pb.h"

namespace therapy::homework::live_session {

// A Janus handle, as the plugin numbers them.
using HandleId = uint64_t;

// Who may join: the roles of CallerIdentity that take part in a session.
enum class Role { kTherapist, kClient };

struct Participant {
  HandleId handle = 0;
  std::string subject;  // the token's subject, from GetCaller
  Role role = Role::kClient;
  std::string display;  // the page's display name; shown, never trusted
};

// A joined handle: what the plugin needs to relay for it.
struct Membership {
  std::string session;  // practices/{practice}/sessions/{session}
  std::string client;   // practices/{practice}/clients/{client}, the session's client
  Participant participant;
  std::string token;  // the participant's bearer token, used for its calls and its relay
};

// The handles of a session's participants, to deliver an event to.
struct SessionMembers {
  std::string session;
  std::vector<Participant> participants;  // join order
};

// Whether a participant with `role` receives a relayed service event: urgent flags go to the
// therapist only; every event must be about the session's `client`.
bool ShouldRelay(Role role, const std::string& client, const therapy::homework::v1::Event& event);

class SessionRegistry {
 public:
  // Adds the handle `membership.participant.handle` to its session. FAILED_PRECONDITION when
  // the handle has joined already. The members after the join, the new one last.
  absl::StatusOr<SessionMembers> Join(const Membership& membership);

  // Removes the handle from its session. The remaining members (to tell of the change), or
  // nullopt when the handle was in none.
  std::optional<SessionMembers> Leave(HandleId handle);

  // The handle's membership; FAILED_PRECONDITION when it has not joined.
  absl::StatusOr<Membership> Find(HandleId handle) const;

  // Replaces a joined handle's token (its subject was checked by the caller).
  absl::Status ReplaceToken(HandleId handle, const std::string& token);

 private:
  SessionMembers MembersOf(const std::string& session) const ABSL_SHARED_LOCKS_REQUIRED(mutex_);

  mutable absl::Mutex mutex_;
  std::map<HandleId, Membership> handles_ ABSL_GUARDED_BY(mutex_);
  // The handles of each session with anyone in it, in join order.
  std::map<std::string, std::vector<HandleId>> sessions_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace therapy::homework::live_session

#endif  // PLUGIN_SESSION_SESSION_REGISTRY_H_
