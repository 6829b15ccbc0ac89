#include "tests/support/tinyproxy.h"

#include "agent/core/asio.h"  // first: <utility> before any Asio header

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <filesystem>
#include <thread>

namespace fleet::test {

namespace asio = boost::asio;

std::uint16_t FreeLoopbackPort() {
  asio::io_context io;
  asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
  return acceptor.local_endpoint().port();  // closed when the acceptor goes
}

bool Tinyproxy::Start(const std::string& dir, std::uint16_t connect_port, const std::string& user,
                      const std::string& password) {
  log_path_ = dir + "/tinyproxy.log";
  for (int attempt = 0; attempt < 5; ++attempt) {
    port_ = FreeLoopbackPort();
    std::string conf = "Port " + std::to_string(port_) +
                       "\n"
                       "Listen 127.0.0.1\n"
                       "Allow 127.0.0.1\n"
                       "ConnectPort " +
                       std::to_string(connect_port) +
                       "\n"
                       "MaxClients 20\n"
                       "Timeout 30\n"
                       "LogLevel Info\n"
                       "LogFile \"" +
                       log_path_ + "\"\nPidFile \"" + dir + "/tinyproxy.pid\"\n";
    if (!user.empty()) conf += "BasicAuth " + user + " " + password + "\n";
    WriteFile(dir + "/tinyproxy.conf", conf);
    std::filesystem::remove(log_path_);
    SpawnOptions spawn;
    spawn.argv = {"tinyproxy", "-d", "-c", dir + "/tinyproxy.conf"};
    spawn.stdout_path = dir + "/tinyproxy.out";
    spawn.stderr_path = dir + "/tinyproxy.err";
    process_ = Process::Spawn(spawn);
    if (process_.pid() < 0) return false;
    if (WaitListening()) return true;
    process_.Stop();
  }
  return false;
}

bool Tinyproxy::WaitListening() {
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (std::chrono::steady_clock::now() < until) {
    if (!process_.running()) return false;
    asio::io_context io;
    asio::ip::tcp::socket socket(io);
    boost::system::error_code ec;
    socket.connect({asio::ip::make_address("127.0.0.1"), port_}, ec);
    if (!ec) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

}  // namespace fleet::test
