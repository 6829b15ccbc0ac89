# Cross-compiling for 64-bit Windows with Debian's mingw-w64 (g++-mingw-w64-x86-64-posix).
#   cmake -S agent/windows -B build/mingw \
#         -DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/mingw-w64-x86_64.cmake
# The posix thread model is the one whose libstdc++ has std::thread and std::mutex in GCC 12 (the
# win32 model gained them only in GCC 13); its winpthreads and the C++ runtime are linked
# statically so the .exe needs no mingw DLLs beside it.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)

set(FLEET_MINGW_TRIPLE x86_64-w64-mingw32)
find_program(CMAKE_C_COMPILER NAMES ${FLEET_MINGW_TRIPLE}-gcc-posix ${FLEET_MINGW_TRIPLE}-gcc REQUIRED)
find_program(CMAKE_CXX_COMPILER NAMES ${FLEET_MINGW_TRIPLE}-g++-posix ${FLEET_MINGW_TRIPLE}-g++ REQUIRED)
find_program(CMAKE_RC_COMPILER NAMES ${FLEET_MINGW_TRIPLE}-windres)
find_program(FLEET_MINGW_OBJDUMP NAMES ${FLEET_MINGW_TRIPLE}-objdump)

# FLEET_WINDOWS_DEPS: the prefix scripts/windows-deps built the agent's libraries into (cache
# variable or environment). Searched like the mingw sysroot, never the host's /usr.
if(NOT FLEET_WINDOWS_DEPS AND DEFINED ENV{FLEET_WINDOWS_DEPS})
  set(FLEET_WINDOWS_DEPS "$ENV{FLEET_WINDOWS_DEPS}")
endif()
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES FLEET_WINDOWS_DEPS)
set(CMAKE_FIND_ROOT_PATH /usr/${FLEET_MINGW_TRIPLE} ${FLEET_WINDOWS_DEPS})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

set(CMAKE_EXE_LINKER_FLAGS_INIT "-static -static-libgcc -static-libstdc++")
