// The one way into Boost.Asio and Beast. Boost 1.74 with GCC 12 in C++20 fails to compile unless
// <utility> comes before any Asio header (STYLE.md, "Asio on this toolchain"): include this
// header first, in its own block, before any other <boost/asio/...> or <boost/beast/...> header.
// It brings the io_context, post and steady_timer that most users need.
#pragma once

#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
