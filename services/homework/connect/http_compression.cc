#include "services/homework/connect/http_compression.h"

#include <zlib.h>

#include <memory>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "brotli/decode.h"
#include "brotli/encode.h"

namespace therapy::homework {
namespace {

absl::StatusOr<std::string> Inflate(absl::string_view body, std::size_t max_bytes, bool gzip) {
  z_stream stream{};
  // 15 + 32: zlib or gzip header, detected; 15: zlib ("deflate" as HTTP means it).
  if (inflateInit2(&stream, gzip ? 15 + 32 : 15) != Z_OK) {
    return absl::InternalError("cannot start inflating the request body");
  }
  std::unique_ptr<z_stream, decltype(&inflateEnd)> guard(&stream, &inflateEnd);
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(body.data()));
  stream.avail_in = static_cast<uInt>(body.size());
  std::string out;
  char buffer[16384];
  int result = Z_OK;
  while (result != Z_STREAM_END) {
    stream.next_out = reinterpret_cast<Bytef*>(buffer);
    stream.avail_out = sizeof(buffer);
    result = inflate(&stream, Z_NO_FLUSH);
    if (result != Z_OK && result != Z_STREAM_END) {
      return absl::InvalidArgumentError("the request body is not valid compressed data");
    }
    out.append(buffer, sizeof(buffer) - stream.avail_out);
    if (out.size() > max_bytes) {
      return absl::ResourceExhaustedError("the inflated request body exceeds the size limit");
    }
    if (result == Z_OK && stream.avail_in == 0 && stream.avail_out != 0) {
      return absl::InvalidArgumentError("the compressed request body is truncated");
    }
  }
  return out;
}

absl::StatusOr<std::string> Unbrotli(absl::string_view body, std::size_t max_bytes) {
  std::unique_ptr<BrotliDecoderState, decltype(&BrotliDecoderDestroyInstance)> state(
      BrotliDecoderCreateInstance(nullptr, nullptr, nullptr), &BrotliDecoderDestroyInstance);
  size_t available_in = body.size();
  const auto* next_in = reinterpret_cast<const uint8_t*>(body.data());
  std::string out;
  uint8_t buffer[16384];
  while (true) {
    size_t available_out = sizeof(buffer);
    uint8_t* next_out = buffer;
    const BrotliDecoderResult result = BrotliDecoderDecompressStream(
        state.get(), &available_in, &next_in, &available_out, &next_out, nullptr);
    out.append(reinterpret_cast<char*>(buffer), sizeof(buffer) - available_out);
    if (out.size() > max_bytes) {
      return absl::ResourceExhaustedError("the inflated request body exceeds the size limit");
    }
    if (result == BROTLI_DECODER_RESULT_SUCCESS) return out;
    if (result == BROTLI_DECODER_RESULT_NEEDS_MORE_OUTPUT) continue;
    return absl::InvalidArgumentError("the request body is not valid br data");
  }
}

}  // namespace

absl::StatusOr<std::string> InflateBody(absl::string_view encoding, absl::string_view body,
                                        std::size_t max_bytes) {
  const std::string name = absl::AsciiStrToLower(absl::StripAsciiWhitespace(encoding));
  if (name.empty() || name == "identity") return std::string(body);
  if (name == "gzip") return Inflate(body, max_bytes, /*gzip=*/true);
  if (name == "deflate") return Inflate(body, max_bytes, /*gzip=*/false);
  if (name == "br") return Unbrotli(body, max_bytes);
  return absl::UnimplementedError(absl::StrCat("Content-Encoding \"", name.substr(0, 32),
                                               "\" is not supported; send identity, gzip, "
                                               "deflate or br"));
}

std::string PickResponseEncoding(absl::string_view accept_encoding) {
  bool gzip = false;
  for (absl::string_view part : absl::StrSplit(accept_encoding, ',')) {
    absl::string_view coding = absl::StripAsciiWhitespace(part.substr(0, part.find(';')));
    const absl::string_view parameters =
        part.find(';') == absl::string_view::npos ? "" : part.substr(part.find(';'));
    if (absl::StrContains(parameters, "q=0") && !absl::StrContains(parameters, "q=0.")) continue;
    if (absl::EqualsIgnoreCase(coding, "br")) return "br";
    if (absl::EqualsIgnoreCase(coding, "gzip")) gzip = true;
  }
  return gzip ? "gzip" : "";
}

std::string CompressBody(absl::string_view encoding, absl::string_view body) {
  if (encoding == "br") {
    size_t size = BrotliEncoderMaxCompressedSize(body.size());
    std::string out(size, '\0');
    if (BrotliEncoderCompress(4, BROTLI_DEFAULT_WINDOW, BROTLI_MODE_TEXT, body.size(),
                              reinterpret_cast<const uint8_t*>(body.data()), &size,
                              reinterpret_cast<uint8_t*>(out.data())) == BROTLI_TRUE) {
      out.resize(size);
      return out;
    }
    return std::string(body);
  }
  z_stream stream{};
  deflateInit2(&stream, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);  // gzip wrapper
  std::string out(deflateBound(&stream, static_cast<uLong>(body.size())) + 32, '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(body.data()));
  stream.avail_in = static_cast<uInt>(body.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  deflate(&stream, Z_FINISH);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  return out;
}

}  // namespace therapy::homework
