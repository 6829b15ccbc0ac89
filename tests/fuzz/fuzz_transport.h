// The fuzz targets' cloud (tests/fuzz/fuzz_uplink_response.cc, fuzz_removal_answer.cc): an
// uplink::Transport that answers every request with the fuzzed response, after `fill` has put in
// what the request carried (its placeholders, fuzz_support.h ReplaceAll). It answers on the
// io_context, never inline (the Transport contract, uplink/transport.h). Header-only; not
// thread-safe.
#pragma once

#include "agent/core/asio.h"  // first: <utility> before any Asio header

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <functional>
#include <utility>

#include "uplink/transport.h"

namespace fleet::fuzz {

class FuzzTransport final : public uplink::Transport {
 public:
  using Fill = std::function<void(const uplink::HttpRequest&, uplink::HttpResponse&)>;

  FuzzTransport(boost::asio::io_context& io, uplink::HttpResponse response, Fill fill)
      : io_(io), response_(std::move(response)), fill_(std::move(fill)) {}

  void Send(uplink::HttpRequest request, uplink::ResponseCallback done) override {
    uplink::HttpResponse response = response_;
    fill_(request, response);
    boost::asio::post(io_,
                      [done = std::move(done), response = std::move(response)] { done(response); });
  }
  void Cancel() override {}

 private:
  boost::asio::io_context& io_;
  uplink::HttpResponse response_;
  Fill fill_;
};

}  // namespace fleet::fuzz
