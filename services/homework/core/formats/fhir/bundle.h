#ifndef SERVICES_HOMEWORK_CORE_FORMATS_FHIR_BUNDLE_H_
#define SERVICES_HOMEWORK_CORE_FORMATS_FHIR_BUNDLE_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "therapy/homework/v1/assignment.pb.h"
#include "therapy/homework/v1/client.pb.h"
#include "therapy/homework/v1/completion.pb.h"
#include "therapy/homework/v1/hierarchy.pb.h"
#include "therapy/homework/v1/review_summary.pb.h"

namespace therapy::homework::fhir {

// What goes into a client's export, already loaded and authorised.
struct ClientRecord {
  v1::Client client;
  std::vector<v1::Assignment> assignments;  // every state
  std::vector<v1::Completion> completions;  // of the requested range, any order
  std::vector<v1::Hierarchy> hierarchies;
  // The reliable change of each PHQ-9 / GAD-7 total, by completion name (MeasureChanges in
  // review_summary.h, from the client's first total of the measure ever): its Observation's
  // interpretation and components. A measure completion without an entry has neither.
  std::map<std::string, v1::MeasureChange> measure_changes;
};

struct Bundle {
  std::string json;                            // the FHIR R4 Bundle, application/fhir+json
  std::map<std::string, int> resource_counts;  // resourceType -> count
};

// Maps a client record to a FHIR R4 Bundle of type collection (docs/fhir-mapping.md). Pure and
// deterministic: the same record gives byte-identical JSON, with resource ids derived from the
// resource names so that an EHR can upsert.
absl::StatusOr<Bundle> BuildBundle(const ClientRecord& record);

}  // namespace therapy::homework::fhir

#endif  // SERVICES_HOMEWORK_CORE_FORMATS_FHIR_BUNDLE_H_
