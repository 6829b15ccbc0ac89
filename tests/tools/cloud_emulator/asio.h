// The one place the emulator includes Asio/Beast, after the project's wrapper
// (agent/core/asio.h: <utility> before any Asio header, STYLE.md).
#pragma once

#include "agent/core/asio.h"  // first: <utility> before any Asio header

#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
