// Small C library functions that POSIX has and Windows spells differently, in one place so the
// rest of the code calls one name. Thread-safe, no state.
#pragma once

#include <cstddef>
#include <ctime>
#include <filesystem>
#include <string>

namespace fleet {

// Zeroes memory that held a secret; never optimised away (explicit_bzero / SecureZeroMemory).
void SecureZero(void* data, size_t size);

// The inverse of gmtime: broken-down UTC to time_t, -1 if out of range (timegm / _mkgmtime).
std::time_t TimeGm(std::tm* tm);

// A path as UTF-8, the encoding of every string in the agent. path::string() on Windows is the
// ANSI code page, and u8string() is std::u8string in C++20.
std::string PathToUtf8(const std::filesystem::path& path);

}  // namespace fleet
