// The one place the emulator includes Asio/Beast: Boost 1.74 with GCC 12 in C++20 needs
// <utility> before any Asio header (STYLE.md).
#pragma once

#include <utility>

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
