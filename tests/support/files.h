// Files for tests: a private temporary directory, whole-file read and write. Portable (the Windows
// tests under Wine use them too). Not thread-safe per object.
#pragma once

#include <string>

namespace fleet::test {

// A private temporary directory, removed recursively in the destructor.
class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "fleet-test");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::string ReadFile(const std::string& path);
bool WriteFile(const std::string& path, const std::string& content);

}  // namespace fleet::test
