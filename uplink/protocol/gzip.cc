#include "uplink/protocol/gzip.h"

#include <zlib.h>

#include <algorithm>
#include <climits>

namespace fleet::uplink::protocol {
namespace {

// windowBits 15 + 16: a gzip header and trailer instead of zlib's (RFC 1952, not 1950).
constexpr int kGzipWindowBits = 15 + 16;
// zlib counts in uInt: larger inputs go through in chunks of at most this.
constexpr size_t kChunk = 1u << 20;

}  // namespace

Result<std::string> Gzip(std::string_view text) {
  z_stream z{};
  if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, kGzipWindowBits, 8, Z_DEFAULT_STRATEGY) !=
      Z_OK) {
    return MakeError(ErrorCode::kInternal, "gzip: zlib could not start compressing");
  }
  // Sized for a report's usual ratio (JSON of printers and reads compresses 5-10 times), grown
  // when short and trimmed when far too long: the compressed body is what a part in flight holds
  // (docs/scaling.md, "A daemon that does not grow"), so not a buffer of the body's whole size.
  std::string out(text.size() / 4 + 4096, '\0');
  size_t in_at = 0;
  size_t written = 0;
  for (int rc = Z_OK; rc != Z_STREAM_END;) {
    if (z.avail_in == 0 && in_at < text.size()) {
      const size_t in_now = std::min(kChunk, text.size() - in_at);
      // zlib's input pointer is not const-qualified; it never writes through it.
      z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data() + in_at));
      z.avail_in = static_cast<uInt>(in_now);
      in_at += in_now;
    }
    if (written == out.size()) out.resize(out.size() * 2);
    const size_t room = std::min(kChunk, out.size() - written);
    z.next_out = reinterpret_cast<Bytef*>(out.data() + written);
    z.avail_out = static_cast<uInt>(room);
    rc = deflate(&z, in_at == text.size() ? Z_FINISH : Z_NO_FLUSH);
    written += room - z.avail_out;
    if (rc == Z_STREAM_ERROR) {
      deflateEnd(&z);
      return MakeError(ErrorCode::kInternal, "gzip: zlib failed while compressing");
    }
  }
  out.resize(written);
  deflateEnd(&z);
  if (out.capacity() > written + written / 4 + 4096) out.shrink_to_fit();
  return out;
}

Result<std::string> Gunzip(std::string_view data, size_t max_bytes) {
  z_stream z{};
  if (inflateInit2(&z, kGzipWindowBits) != Z_OK) {
    return MakeError(ErrorCode::kInternal, "gunzip: zlib could not start decompressing");
  }
  std::string out;
  size_t in_at = 0;
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    if (z.avail_in == 0) {
      if (in_at == data.size()) {
        inflateEnd(&z);
        return MakeError(ErrorCode::kMalformed, "the gzip body is cut short");
      }
      const size_t in_now = std::min(kChunk, data.size() - in_at);
      z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data() + in_at));
      z.avail_in = static_cast<uInt>(in_now);
      in_at += in_now;
    }
    if (out.size() == max_bytes) {
      // Full, and the stream goes on: one byte more would be past the limit.
      char probe = 0;
      z.next_out = reinterpret_cast<Bytef*>(&probe);
      z.avail_out = 1;
      rc = inflate(&z, Z_NO_FLUSH);
      if (z.avail_out == 0) {
        inflateEnd(&z);
        return MakeError(ErrorCode::kLimit, "the gzip body decompresses to more than " +
                                                std::to_string(max_bytes) + " bytes");
      }
    } else {
      const size_t have = out.size();
      const size_t room = std::min({kChunk, max_bytes - have, std::max<size_t>(have, 4096)});
      out.resize(have + room);
      z.next_out = reinterpret_cast<Bytef*>(out.data() + have);
      z.avail_out = static_cast<uInt>(room);
      rc = inflate(&z, Z_NO_FLUSH);
      out.resize(have + room - z.avail_out);
    }
    if (rc == Z_BUF_ERROR && z.avail_in == 0 && in_at == data.size()) {
      inflateEnd(&z);
      return MakeError(ErrorCode::kMalformed, "the gzip body is cut short");
    }
    if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
      inflateEnd(&z);
      return MakeError(ErrorCode::kMalformed, std::string("the body is not valid gzip (") +
                                                  (z.msg ? z.msg : "zlib") + ")");
    }
  }
  const bool trailing = z.avail_in != 0 || in_at != data.size();
  inflateEnd(&z);
  if (trailing) return MakeError(ErrorCode::kMalformed, "bytes after the end of the gzip body");
  return out;
}

}  // namespace fleet::uplink::protocol
