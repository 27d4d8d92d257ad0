#ifndef SERVICES_HOMEWORK_CORE_FORMATS_FHIR_RESOURCE_IDS_H_
#define SERVICES_HOMEWORK_CORE_FORMATS_FHIR_RESOURCE_IDS_H_

// Stable ids for the resources of an export: RFC 9562 (formerly RFC 4122) version-5 UUIDs, so
// the same service resource always gets the same FHIR id and an EHR can upsert a repeated export.

#include <string>

#include "absl/strings/string_view.h"

namespace therapy::homework::fhir {

// The name-based (SHA-1, version 5) UUID of `name` in the namespace `namespace_uuid` (text form,
// "6ba7b811-9dad-11d1-80b4-00c04fd430c8"), in lower-case text form. An unparsable namespace
// counts as the nil UUID.
std::string NameBasedUuid(absl::string_view namespace_uuid, absl::string_view name);

// The FHIR id of the resource `key` names: NameBasedUuid(the RFC URL namespace,
// "https://therapy-homework.example/fhir/" + key). A key is a service resource name with the
// FHIR type and, where one resource yields several, a part: "practices/p/clients/c#Patient",
// "practices/p/clients/c/assignments/a/completions/x#Observation/suds"
// (docs/fhir-mapping.md, "Ids and references"). 36 characters, a valid FHIR id.
std::string ResourceId(absl::string_view key);

}  // namespace therapy::homework::fhir

#endif  // SERVICES_HOMEWORK_CORE_FORMATS_FHIR_RESOURCE_IDS_H_
