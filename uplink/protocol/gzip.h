// The body encoding of a report (docs/uplink-protocol.md, "Compression"): `Content-Encoding:
// gzip`, RFC 1952, through zlib. One compressor for the agent's uploader and one decompressor for
// the cloud emulator, which bounds what a body may decompress to (a gzip bomb is refused, never
// inflated into memory). Thread-safe (pure functions).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "agent/core/result.h"

namespace fleet::uplink::protocol {

// The HTTP content coding named in the header and in the cloud's word (`accept_encoding`).
inline constexpr char kGzipEncoding[] = "gzip";

// `text` as one gzip member (default compression level). kInternal only when zlib fails (no
// memory).
Result<std::string> Gzip(std::string_view text);

// The gzip body `data` decompressed. kMalformed when it is not gzip or is cut short; kLimit when
// it would decompress to more than `max_bytes` (it stops there: nothing past the limit is held).
Result<std::string> Gunzip(std::string_view data, size_t max_bytes);

}  // namespace fleet::uplink::protocol
