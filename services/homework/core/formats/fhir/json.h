#ifndef SERVICES_HOMEWORK_CORE_FORMATS_FHIR_JSON_H_
#define SERVICES_HOMEWORK_CORE_FORMATS_FHIR_JSON_H_

// The JSON type of the FHIR mapping: insertion-ordered, so every resource reads in the order the
// FHIR specification lists its elements (resourceType and id first) and the output is
// deterministic. For the files of this folder only; nothing outside sees nlohmann.

#include <nlohmann/json.hpp>

namespace therapy::homework::fhir {

using Json = nlohmann::ordered_json;

}  // namespace therapy::homework::fhir

#endif  // SERVICES_HOMEWORK_CORE_FORMATS_FHIR_JSON_H_
