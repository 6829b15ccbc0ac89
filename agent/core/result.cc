#include "agent/core/result.h"

namespace fleet {

std::string_view ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kTimeout: return "timeout";
    case ErrorCode::kUnreachable: return "unreachable";
    case ErrorCode::kAuth: return "auth";
    case ErrorCode::kMalformed: return "malformed";
    case ErrorCode::kTls: return "tls";
    case ErrorCode::kHttpStatus: return "http_status";
    case ErrorCode::kIo: return "io";
    case ErrorCode::kConfig: return "config";
    case ErrorCode::kCancelled: return "cancelled";
    case ErrorCode::kNotFound: return "not_found";
    case ErrorCode::kLimit: return "limit";
    case ErrorCode::kInternal: return "internal";
  }
  return "internal";
}

}  // namespace fleet
