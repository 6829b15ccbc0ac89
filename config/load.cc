// The loader's entry points: read the file (bounded, never blocking on a FIFO), parse it, sort
// the errors into file order, and warn about files holding secrets that others may read.
#include <fcntl.h>
#include <sys/stat.h>
#ifdef _WIN32
#include <io.h>
#else
#include <unistd.h>
#endif

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <filesystem>

#include "config/config_internal.h"
#include "config/loader.h"

namespace fleet::config {
namespace {

using internal::ExposedSecretFile;
using internal::FileKind;
using internal::kMaxConfigBytes;
using internal::Loader;
using internal::ReadAtMost;

LoadResult Load(const std::string& yaml, const std::string& name, const std::string& base_dir) {
  LoadResult result;
  Loader loader(name, base_dir);
  if (yaml.size() > kMaxConfigBytes) {
    loader.Error({}, "",
                 "the configuration is larger than the limit of 1 MiB (" +
                     std::to_string(kMaxConfigBytes) + " bytes); is this the right file?");
    result.errors = std::move(loader.errors());
    return result;
  }
  YAML::Node root;
  try {
    root = YAML::Load(yaml);
  } catch (const YAML::Exception& e) {
    // yaml-cpp marks are 0-based; editors count from 1.
    const SourcePos pos = e.mark.is_null() ? SourcePos{}
                                           : SourcePos{e.mark.line + 1, e.mark.column + 1};
    loader.Error(pos, "", "YAML syntax error: " + e.msg);
    result.errors = std::move(loader.errors());
    return result;
  }
  if (CheckValueSizes(root, &loader)) {
    result.errors = std::move(loader.errors());
    return result;
  }
  Config config = internal::DefaultConfig();
  config.path = name;
  loader.Walk(root, &config);
  result.errors = std::move(loader.errors());
  // File order; errors without a position (none today) go last.
  std::stable_sort(result.errors.begin(), result.errors.end(),
                   [](const ConfigError& a, const ConfigError& b) {
                     const int la = a.pos.line == 0 ? INT32_MAX : a.pos.line;
                     const int lb = b.pos.line == 0 ? INT32_MAX : b.pos.line;
                     return la != lb ? la < lb : a.pos.column < b.pos.column;
                   });
  if (result.errors.empty()) result.config = std::move(config);
  result.inline_secrets = std::move(loader.inline_secrets());
  result.warnings = std::move(loader.warnings());
  return result;
}

}  // namespace

std::string ConfigError::ToString() const {
  std::string out = file;
  if (pos.line > 0) out += ":" + std::to_string(pos.line) + ":" + std::to_string(pos.column);
  out += ": ";
  if (!key_path.empty()) out += key_path + ": ";
  return out + message;
}

LoadResult LoadConfigFile(const std::string& path) {
  // Not blocking on a FIFO, and never reading more than the limit plus one byte.
  const int fd = ::open(path.c_str(), internal::kOpenForReading);
  if (fd < 0) {
    LoadResult result;
    result.errors.push_back(
        {path, {}, "", std::string("cannot read the file: ") + std::strerror(errno)});
    return result;
  }
  struct stat st {};
  std::optional<std::string> content;
  std::string problem;
  if (::fstat(fd, &st) != 0) {
    problem = std::string("cannot read the file: ") + std::strerror(errno);
  } else if (!S_ISREG(st.st_mode)) {
    problem = "is " + FileKind(st.st_mode) +
              ", not a regular file; expected the YAML configuration";
  } else if (content = ReadAtMost(fd, kMaxConfigBytes); !content) {
    problem = std::string("cannot read the file: ") + std::strerror(errno);
  }
  ::close(fd);
  if (!problem.empty()) {
    LoadResult result;
    result.errors.push_back({path, {}, "", problem});
    return result;
  }
  namespace fs = std::filesystem;
  const fs::path parent = fs::absolute(fs::path(path)).parent_path();
  LoadResult result = Load(*content, path, parent.string());
  if (!result.config) return result;
  // The file itself: secrets written in it (or a proxy password) make its mode matter.
  std::vector<std::string> held = result.inline_secrets;
  if (RedactUrlPassword(result.config->cloud.proxy) != result.config->cloud.proxy) {
    held.push_back("cloud.proxy password");
  }
  std::vector<std::string> warnings;
  auto check = [&](const std::string& file, const std::string& holds) {
    const int fd = ::open(file.c_str(), internal::kOpenForReading);
    if (fd < 0) return;
    if (std::string exposed = ExposedSecretFile(fd, file, holds); !exposed.empty()) {
      warnings.push_back(std::move(exposed));
    }
    ::close(fd);
  };
  if (!held.empty()) {
    std::string holds;
    for (const std::string& key : held) holds += (holds.empty() ? "" : ", ") + key;
    check(path, holds);
  }
  if (!result.config->cloud.client_key.empty())
    check(result.config->cloud.client_key, "cloud.client_key");
  warnings.insert(warnings.end(), result.warnings.begin(), result.warnings.end());
  result.warnings = std::move(warnings);
  return result;
}

LoadResult LoadConfigString(const std::string& yaml, const std::string& name) {
  return Load(yaml, name, "");
}

}  // namespace fleet::config
