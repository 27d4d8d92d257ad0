#ifndef SERVICES_HOMEWORK_CONNECT_HTTP_COMPRESSION_H_
#define SERVICES_HOMEWORK_CONNECT_HTTP_COMPRESSION_H_

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace therapy::homework {

// Inflates a request body sent with Content-Encoding `encoding` ("gzip", "deflate", "br";
// "identity" or empty: as is). UNIMPLEMENTED naming the header for another encoding,
// INVALID_ARGUMENT for a corrupt body, RESOURCE_EXHAUSTED when it inflates past `max_bytes`.
absl::StatusOr<std::string> InflateBody(absl::string_view encoding, absl::string_view body,
                                        std::size_t max_bytes);

// The encoding to answer with for an Accept-Encoding header: "br", "gzip" or "" (none).
std::string PickResponseEncoding(absl::string_view accept_encoding);

// `body` compressed with `encoding` ("br" or "gzip").
std::string CompressBody(absl::string_view encoding, absl::string_view body);

}  // namespace therapy::homework

#endif  // SERVICES_HOMEWORK_CONNECT_HTTP_COMPRESSION_H_
