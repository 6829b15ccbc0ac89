// The loader's entry points: read the file and its conf.d drop-ins (bounded, never blocking on a
// FIFO), parse them, merge them in name order, sort the errors into file order, and warn about
// files holding secrets that others may read.
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
#include <map>

#include "agent/core/platform.h"
#include "config/config_internal.h"
#include "config/loader.h"

namespace fleet::config {
namespace {

using internal::ExposedSecretFile;
using internal::FileKind;
using internal::kMaxConfigBytes;
using internal::Loader;
using internal::ReadAtMost;

// One file's text, its name in errors, and the directory its relative paths start from.
struct Source {
  std::string yaml;
  std::string name;
  std::string base_dir;
};

// Parses one source into a document; false (errors recorded under its name) when it cannot be.
bool ParseSource(const Source& source, Loader* loader, std::vector<internal::Document>* documents) {
  const size_t errors_before = loader->errors().size();
  // Errors before the walk name the file being parsed.
  internal::Document document{source.name, source.base_dir, {}};
  Loader one(source.name, source.base_dir);
  if (source.yaml.size() > kMaxConfigBytes) {
    one.Error({}, "",
              "the configuration is larger than the limit of 1 MiB (" +
                  std::to_string(kMaxConfigBytes) + " bytes); is this the right file?");
  } else {
    try {
      document.root = YAML::Load(source.yaml);
      CheckValueSizes(document.root, &one);
    } catch (const YAML::Exception& e) {
      // yaml-cpp marks are 0-based; editors count from 1.
      const SourcePos pos = e.mark.is_null() ? SourcePos{}
                                             : SourcePos{e.mark.line + 1, e.mark.column + 1};
      one.Error(pos, "", "YAML syntax error: " + e.msg);
    }
  }
  for (auto& e : one.errors()) loader->errors().push_back(std::move(e));
  if (loader->errors().size() != errors_before) return false;
  documents->push_back(std::move(document));
  return true;
}

// `held`, when given: per file, the secrets written in it ("key, key"), for the mode check.
LoadResult Load(const std::vector<Source>& sources,
                std::map<std::string, std::string>* held = nullptr) {
  LoadResult result;
  if (sources.empty()) return result;
  Loader loader(sources.front().name, sources.front().base_dir);
  std::vector<internal::Document> documents;
  for (const Source& source : sources) ParseSource(source, &loader, &documents);
  if (!loader.errors().empty()) {
    result.errors = std::move(loader.errors());
    return result;
  }
  Config config = internal::DefaultConfig();
  config.path = sources.front().name;
  loader.WalkAll(documents, &config);
  result.errors = std::move(loader.errors());
  // File order (the main file, then the drop-ins in name order), then line order; errors
  // without a position (none today) go last in their file.
  std::map<std::string, size_t> file_index;
  for (size_t i = 0; i < sources.size(); ++i) file_index.emplace(sources[i].name, i);
  std::stable_sort(result.errors.begin(), result.errors.end(),
                   [&](const ConfigError& a, const ConfigError& b) {
                     const size_t fa = file_index[a.file];
                     const size_t fb = file_index[b.file];
                     if (fa != fb) return fa < fb;
                     const int la = a.pos.line == 0 ? INT32_MAX : a.pos.line;
                     const int lb = b.pos.line == 0 ? INT32_MAX : b.pos.line;
                     return la != lb ? la < lb : a.pos.column < b.pos.column;
                   });
  if (result.errors.empty()) {
    for (size_t i = 1; i < sources.size(); ++i) config.drop_ins.push_back(sources[i].name);
    if (held != nullptr) {
      auto hold = [&](const std::string& file, const std::string& key) {
        std::string& keys = (*held)[file];
        keys += (keys.empty() ? "" : ", ") + key;
      };
      const auto& files = loader.inline_secret_files();
      for (size_t i = 0; i < loader.inline_secrets().size(); ++i) {
        hold(i < files.size() ? files[i] : config.path, loader.inline_secrets()[i]);
      }
      if (RedactUrlPassword(config.cloud.proxy) != config.cloud.proxy) {
        const std::string file = loader.FileOfKey(internal::FindSpec("cloud", "proxy"));
        hold(file.empty() ? config.path : file, "cloud.proxy password");
      }
    }
    result.config = std::move(config);
  }
  result.inline_secrets = std::move(loader.inline_secrets());
  result.warnings = std::move(loader.warnings());
  return result;
}

// The file's text, or what is wrong with it (never blocking on a FIFO, never reading more than
// the limit plus one byte).
std::optional<std::string> ReadConfigText(const std::string& path, std::string* problem) {
  const int fd = ::open(path.c_str(), internal::kOpenForReading);
  if (fd < 0) {
    *problem = std::string("cannot read the file: ") + std::strerror(errno);
    return std::nullopt;
  }
  struct stat st {};
  std::optional<std::string> content;
  if (::fstat(fd, &st) != 0) {
    *problem = std::string("cannot read the file: ") + std::strerror(errno);
  } else if (!S_ISREG(st.st_mode)) {
    *problem = "is " + FileKind(st.st_mode) +
               ", not a regular file; expected the YAML configuration";
  } else if (content = ReadAtMost(fd, kMaxConfigBytes); !content) {
    *problem = std::string("cannot read the file: ") + std::strerror(errno);
  }
  ::close(fd);
  if (!problem->empty()) return std::nullopt;
  return content;
}

// conf.d/*.yaml beside the configuration file, in byte order of their names. Hidden files (an
// editor's .swp, ".#x.yaml") and other extensions (x.yaml.dpkg-old, x.yml.bak, README) are not
// read, so a package upgrade's leftovers never change the configuration.
std::vector<std::string> DropInFiles(const std::filesystem::path& config_dir) {
  namespace fs = std::filesystem;
  std::vector<std::string> files;
  const fs::path dir = config_dir / "conf.d";
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return files;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = PathToUtf8(it->path().filename());
    if (name.empty() || name.front() == '.' || it->path().extension() != ".yaml") continue;
    files.push_back(PathToUtf8(it->path()));
  }
  std::sort(files.begin(), files.end());
  return files;
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
  namespace fs = std::filesystem;
  const fs::path parent = fs::absolute(fs::path(path)).parent_path();
  std::vector<Source> sources;
  LoadResult unreadable;
  std::string problem;
  if (auto text = ReadConfigText(path, &problem)) {
    sources.push_back({std::move(*text), path, PathToUtf8(parent)});
  } else {
    unreadable.errors.push_back({path, {}, "", problem});
  }
  // The drop-ins: paths as the main file's are written (relative stays relative).
  const fs::path dir = fs::path(path).parent_path();
  for (const std::string& file : DropInFiles(parent)) {
    const std::string shown = PathToUtf8(dir / "conf.d" / fs::path(file).filename());
    problem.clear();
    if (auto text = ReadConfigText(file, &problem)) {
      sources.push_back({std::move(*text), shown, PathToUtf8(parent / "conf.d")});
    } else {
      unreadable.errors.push_back({shown, {}, "", problem});
    }
  }
  if (!unreadable.errors.empty()) return unreadable;

  std::map<std::string, std::string> held;  // file -> the secrets written in it
  LoadResult result = Load(sources, &held);
  if (!result.config) return result;
  std::vector<std::string> warnings;
  auto check = [&](const std::string& file, const std::string& holds) {
    const int fd = ::open(file.c_str(), internal::kOpenForReading);
    if (fd < 0) return;
    if (std::string exposed = ExposedSecretFile(fd, file, holds); !exposed.empty()) {
      warnings.push_back(std::move(exposed));
    }
    ::close(fd);
  };
  for (const auto& [file, holds] : held) check(file, holds);
  if (!result.config->cloud.client_key.empty())
    check(result.config->cloud.client_key, "cloud.client_key");
  warnings.insert(warnings.end(), result.warnings.begin(), result.warnings.end());
  result.warnings = std::move(warnings);
  return result;
}

LoadResult LoadConfigString(const std::string& yaml, const std::string& name) {
  return Load({Source{yaml, name, ""}});
}

}  // namespace fleet::config
