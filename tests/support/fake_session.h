// A fake snmp::SessionFactory over in-memory devices, for unit tests of the scanner and walks.
//
// Each device is a VarbindMap answered like an SNMP agent would (GET, GETNEXT, GETBULK in OID
// order), or is silent (kTimeout), or demands a community / v3 user (wrong ones time out or get
// kAuth, as real agents do). Callbacks are posted to the io_context, never run inline, and the
// factory records the most requests ever outstanding on one session, so tests can check the
// one-request-per-device rule. Not thread-safe.
#pragma once

#include "agent/core/asio.h"  // first: <utility> before any Asio header

#include <boost/asio/io_context.hpp>
#include <map>
#include <memory>
#include <string>

#include "snmp/session.h"

namespace fleet::test {

struct FakeDevice {
  snmp::VarbindMap varbinds;
  bool silent = false;
  std::string community = "public";  // v1/v2c: any other community times out
  std::string v3_user;               // v3: any other user gets kAuth
  int answer_first = -1;  // >= 0: answers that many requests, then times out (a slow device)
  mutable int answered = 0;
};

class FakeSessionFactory : public snmp::SessionFactory {
 public:
  explicit FakeSessionFactory(boost::asio::io_context& io) : io_(io) {}
  void Add(const std::string& ip, FakeDevice device) { devices_[ip] = std::move(device); }

  std::unique_ptr<snmp::Session> Open(const snmp::Target& target,
                                      const snmp::Credential& credential) override;

  // Statistics across every session opened so far.
  int max_outstanding_per_session() const { return max_outstanding_; }
  int max_outstanding_total() const { return max_outstanding_total_; }
  int sessions_opened() const { return sessions_opened_; }
  int requests() const { return requests_; }

 private:
  friend class FakeSession;
  boost::asio::io_context& io_;
  std::map<std::string, FakeDevice> devices_;
  int max_outstanding_ = 0;
  int outstanding_total_ = 0;
  int max_outstanding_total_ = 0;
  int sessions_opened_ = 0;
  int requests_ = 0;
};

}  // namespace fleet::test
