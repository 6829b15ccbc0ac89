# Finding the agent's libraries in a mingw-w64 cross build (included from the top-level
# CMakeLists.txt when WIN32). scripts/windows-deps builds them from Debian's source packages into
# <cache>/<key>/prefix and exposes the header-only ones (Boost, nlohmann-json, CLI11) through
# <cache>/<key>/host-include, a directory of symlinks: /usr/include itself must never reach the
# cross compiler, or glibc's headers would shadow mingw's.
#
# FLEET_WINDOWS_DEPS (cache variable or environment) is the prefix; when unset, the prefix of the
# complete cache matching the installed Debian packages is asked from scripts/windows-deps.
if(NOT FLEET_WINDOWS_DEPS)
  execute_process(COMMAND "${PROJECT_SOURCE_DIR}/scripts/windows-deps" --print-prefix
                  OUTPUT_VARIABLE _fleet_deps OUTPUT_STRIP_TRAILING_WHITESPACE
                  ERROR_VARIABLE _fleet_deps_error RESULT_VARIABLE _fleet_deps_rc)
  if(NOT _fleet_deps_rc EQUAL 0)
    message(FATAL_ERROR "No Windows dependencies: ${_fleet_deps_error}\n"
            "Build them with scripts/windows-deps (10-18 min on 2 cores, once per Debian "
            "version set), or point -DFLEET_WINDOWS_DEPS=<prefix> at an existing build.")
  endif()
  set(FLEET_WINDOWS_DEPS "${_fleet_deps}" CACHE PATH "scripts/windows-deps prefix" FORCE)
endif()
if(NOT EXISTS "${FLEET_WINDOWS_DEPS}/lib/libnetsnmp.a" OR
   NOT EXISTS "${FLEET_WINDOWS_DEPS}/../host-include/boost")
  message(FATAL_ERROR "FLEET_WINDOWS_DEPS=${FLEET_WINDOWS_DEPS} is not a complete "
          "scripts/windows-deps prefix (no lib/libnetsnmp.a or ../host-include/boost); run "
          "scripts/windows-deps and use the prefix it prints")
endif()
get_filename_component(FLEET_WINDOWS_HOST_INCLUDE "${FLEET_WINDOWS_DEPS}/../host-include" ABSOLUTE)
# A new dependency cache (another Debian upload, another recipe): forget every library, header
# and package directory found in the old one, or the build would mix the two.
if(FLEET_WINDOWS_DEPS_USED AND NOT FLEET_WINDOWS_DEPS_USED STREQUAL FLEET_WINDOWS_DEPS)
  get_filename_component(_fleet_old_key "${FLEET_WINDOWS_DEPS_USED}" DIRECTORY)
  message(STATUS "Windows dependencies changed from ${FLEET_WINDOWS_DEPS_USED}: "
                 "looking for every library again")
  get_cmake_property(_fleet_cache_vars CACHE_VARIABLES)
  foreach(_fleet_var IN LISTS _fleet_cache_vars)
    get_property(_fleet_value CACHE "${_fleet_var}" PROPERTY VALUE)
    string(FIND "${_fleet_value}" "${_fleet_old_key}" _fleet_at)
    if(NOT _fleet_at EQUAL -1 OR _fleet_var MATCHES "^(__pkg_config_checked_|pkgcfg_lib_)NETSNMP")
      unset(${_fleet_var} CACHE)
    endif()
  endforeach()
endif()
set(FLEET_WINDOWS_DEPS_USED "${FLEET_WINDOWS_DEPS}" CACHE INTERNAL "the prefix the cache's finds came from")
message(STATUS "Windows dependencies: ${FLEET_WINDOWS_DEPS}")

list(APPEND CMAKE_FIND_ROOT_PATH "${FLEET_WINDOWS_DEPS}")
list(APPEND CMAKE_PREFIX_PATH "${FLEET_WINDOWS_DEPS}")

# Boost (headers only: Asio, Beast) through FindBoost, pointed at the symlink directory.
set(Boost_NO_BOOST_CMAKE ON)
set(Boost_INCLUDE_DIR "${FLEET_WINDOWS_HOST_INCLUDE}" CACHE PATH "" FORCE)
# nlohmann-json and CLI11: Debian's CMake configs live in the host's /usr; the same headers
# through the symlink directory.
add_library(fleet_windows_host_headers INTERFACE IMPORTED)
target_include_directories(fleet_windows_host_headers SYSTEM INTERFACE "${FLEET_WINDOWS_HOST_INCLUDE}")
add_library(nlohmann_json::nlohmann_json ALIAS fleet_windows_host_headers)
add_library(CLI11::CLI11 ALIAS fleet_windows_host_headers)

set(OPENSSL_ROOT_DIR "${FLEET_WINDOWS_DEPS}")
set(OPENSSL_USE_STATIC_LIBS ON)
# zlib is not in the scripts/windows-deps cache: Debian's libz-mingw-w64-dev installs it in the
# mingw sysroot (/usr/x86_64-w64-mingw32), searched by the toolchain file. Static, like the rest.
set(ZLIB_USE_STATIC_LIBS ON)
# pkg-config (net-snmp) must read the cross prefix's .pc files, never the host's.
set(ENV{PKG_CONFIG_LIBDIR} "${FLEET_WINDOWS_DEPS}/lib/pkgconfig")
set(ENV{PKG_CONFIG_PATH} "")

# Target Windows 10 / Server 2016; lean windows.h without min/max macros; the W API.
# _POSIX_THREAD_SAFE_FUNCTIONS: mingw-w64 declares gmtime_r/localtime_r only with it.
add_compile_definitions(_WIN32_WINNT=0x0A00 WIN32_LEAN_AND_MEAN NOMINMAX UNICODE _UNICODE
                        _POSIX_THREAD_SAFE_FUNCTIONS=200112L)
# Static: fleet-agent.exe imports only Windows system DLLs (docs/windows.md checks objdump -p).
add_link_options(-static)
# Asio on Windows: Winsock and AcceptEx & co.; OpenSSL's static libcrypto: CryptoAPI, GDI, user32.
link_libraries(ws2_32 mswsock)
