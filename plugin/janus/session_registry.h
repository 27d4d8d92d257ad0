#ifndef PLUGIN_JANUS_SESSION_REGISTRY_H_
#define PLUGIN_JANUS_SESSION_REGISTRY_H_

// The homework side of the telehealth sessions the plugin serves: who is in which session (as
// the service identified them), the shared drafts and their rules, and what the end-of-session
// summary reports. Janus-free and network-free; thread-safe.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/random/random.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "therapy/homework/v1/assignment.pb.h"
#include "therapy/homework/v1/event.pb.h"

namespace therapy::homework::janus_plugin {

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

// A shared draft assignment: lives in the session until assigned or discarded.
struct Draft {
  std::string id;
  int64_t version = 0;
  therapy::homework::v1::Assignment assignment;
  std::string updated_by_subject;
  Role updated_by_role = Role::kTherapist;
};

struct JoinOutcome {
  std::string session;
  std::string client;
  Participant you;
  std::vector<Participant> participants;  // everyone, `you` included, in join order
  std::vector<Draft> drafts;
};

// The handles of a session's participants, to deliver an event to.
struct SessionMembers {
  std::string session;
  std::string client;
  std::vector<Participant> participants;
};

// What the handle that asks is, within its session.
struct Membership {
  std::string session;
  std::string client;
  Participant participant;
  std::string token;
  // Random per session instance: a session id used again later is another instance.
  std::string instance;
};

struct AssignedRecord {
  std::string name;
  std::string title;
};

struct SessionSummary {
  std::string session;
  std::string client;
  std::vector<AssignedRecord> assigned;
  std::vector<std::string> reviewed;
  int drafts_discarded = 0;
  absl::Time end_time;
};

// A draft change as the page sends it: `id` empty and `version` 0 to create.
struct DraftChange {
  std::string id;
  int64_t version = 0;
  therapy::homework::v1::Assignment assignment;
};

// The result of a refused draft change that the page must redo on the current draft (ABORTED).
struct DraftOutcome {
  absl::Status status;
  std::optional<Draft> draft;  // the changed draft on success; the current one on ABORTED
  SessionMembers members;      // on success: who receives the `draft` event
};

// The first field (JSON path, e.g. "schedule.startDate") that differs between `before` and
// `after` and that a client may not change; empty when the change is a client's to make. A
// client may change only its own plan: schedule.preferredLocalTime, schedule.habitAnchor (and
// its fields), schedule.environmentalCue and schedule.minimumVersion.
std::string FieldClientMayNotChange(const therapy::homework::v1::Assignment& before,
                                    const therapy::homework::v1::Assignment& after);

// Whether a participant with `role` receives a relayed service event: urgent flags go to the
// therapist only; every event must be about the session's `client`.
bool ShouldRelay(Role role, const std::string& client, const therapy::homework::v1::Event& event);

class SessionRegistry {
 public:
  // Adds `participant` (its handle in `participant.handle`) to session `session` about
  // `client`. FAILED_PRECONDITION when the handle already joined, the session is bound to
  // another client, or it has ended.
  absl::StatusOr<JoinOutcome> Join(const std::string& session, const std::string& client,
                                   const Participant& participant, const std::string& token);

  // Removes the handle from its session; the session goes when its last participant leaves.
  // The remaining members (to tell of the change), or nullopt when the handle was in none.
  std::optional<SessionMembers> Leave(HandleId handle);

  // The handle's session and role; FAILED_PRECONDITION when it has not joined, or when the
  // session has ended (unless `allow_ended`).
  absl::StatusOr<Membership> Find(HandleId handle, bool allow_ended = false) const;

  // Replaces a joined handle's token (its subject was checked by the caller).
  absl::Status ReplaceToken(HandleId handle, const std::string& token);

  // Creates (therapist only) or amends a draft; see DraftOutcome.
  DraftOutcome ChangeDraft(HandleId handle, const DraftChange& change);

  // A copy of a draft the therapist is about to assign. PERMISSION_DENIED for a client,
  // NOT_FOUND for an unknown draft (naming `draft`).
  absl::StatusOr<Draft> DraftToAssign(HandleId handle, const std::string& draft_id) const;

  // The draft became `assignment`: ends it and records it for the summary. The members to tell.
  absl::StatusOr<SessionMembers> Assigned(HandleId handle, const std::string& draft_id,
                                          const therapy::homework::v1::Assignment& assignment);

  // Ends a draft (therapist only). The members to tell.
  absl::StatusOr<SessionMembers> Discard(HandleId handle, const std::string& draft_id);

  // Records a completion reviewed in this session, for the summary.
  void Reviewed(HandleId handle, const std::string& completion);

  // Ends the session (therapist only): discards open drafts and returns the summary and members.
  absl::StatusOr<std::pair<SessionSummary, SessionMembers>> End(HandleId handle, absl::Time now);

  // Everyone in the handle's session; nullopt when it has not joined.
  std::optional<SessionMembers> Members(HandleId handle) const;

 private:
  struct Session {
    std::string client;
    std::string instance;
    std::vector<Participant> participants;  // join order
    std::map<std::string, Draft> drafts;    // by id
    int64_t next_draft = 1;
    std::vector<AssignedRecord> assigned;
    std::vector<std::string> reviewed;
    int drafts_discarded = 0;
    bool ended = false;
  };
  struct HandleEntry {
    std::string session;
    std::string token;
  };

  // The handle's session and participant, or an error as Find describes.
  absl::Status Locate(HandleId handle, bool allow_ended, const Session** session,
                      const Participant** participant) const ABSL_SHARED_LOCKS_REQUIRED(mutex_);
  // The same for the methods that change the session.
  absl::Status LocateForChange(HandleId handle, bool allow_ended, Session** session,
                               const Participant** participant)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mutex_);
  static SessionMembers MembersOf(const std::string& id, const Session& session);

  mutable absl::Mutex mutex_;
  absl::BitGen random_ ABSL_GUARDED_BY(mutex_);
  std::map<std::string, Session> sessions_ ABSL_GUARDED_BY(mutex_);
  std::map<HandleId, HandleEntry> handles_ ABSL_GUARDED_BY(mutex_);
};

}  // namespace therapy::homework::janus_plugin

#endif  // PLUGIN_JANUS_SESSION_REGISTRY_H_
