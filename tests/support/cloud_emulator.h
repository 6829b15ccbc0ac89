// The fleet-cloud-emulator binary for tests: started on 127.0.0.1 with OS-chosen ports (read from
// its "listening https=... admin=..." line), driven over its admin side with curl, stopped by
// PID. Also the test PKI (scripts/lib/make-test-pki) it serves. Header-only so that only the
// tests that run the emulator depend on its build (they define FLEET_EMULATOR_BINARY and
// FLEET_SOURCE_DIR). Not thread-safe.
#pragma once

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/process.h"

namespace fleet::test {

// Generates the test PKI into `dir` (see scripts/lib/make-test-pki); "" on success, else why.
inline std::string MakeTestPki(const std::string& dir) {
  CommandResult r = RunCommand({std::string(FLEET_SOURCE_DIR) + "/scripts/lib/make-test-pki", dir},
                               std::chrono::seconds(60));
  return r.exit_code == 0 ? "" : "make-test-pki failed: " + r.stderr_text;
}

struct HttpResult {
  int curl_exit = -1;
  int status = 0;
  std::string body;
  std::string headers;  // raw response header block(s)
  std::string curl_error;
  std::chrono::milliseconds elapsed{0};
  nlohmann::json Json() const { return nlohmann::json::parse(body, nullptr, false); }
};

struct EmulatorOptions {
  std::string pki_dir;              // from MakeTestPki
  std::string cert = "server.pem";  // file names inside pki_dir
  std::string key = "server.key";
  std::string client_ca;  // "" = no client certificates asked for
  std::string db;         // SQLite file
  std::string work_dir;   // logs and curl scratch files
  int https_port = 0;     // 0: the OS picks; a fixed one restarts an emulator at the same URL
};

class CloudEmulator {
 public:
  explicit CloudEmulator(EmulatorOptions options) : options_(std::move(options)) {
    SpawnOptions spawn;
    const std::string listen = "127.0.0.1:" + std::to_string(options_.https_port);
    spawn.argv = {
        FLEET_EMULATOR_BINARY, "--listen", listen,      "--cert",  Pki(options_.cert), "--key",
        Pki(options_.key),     "--db",     options_.db, "--admin", "127.0.0.1:0"};
    if (!options_.client_ca.empty()) {
      spawn.argv.insert(spawn.argv.end(), {"--client-ca", Pki(options_.client_ca)});
    }
    static std::atomic<int> instance = 0;
    const std::string tag = std::to_string(++instance);
    stdout_path_ = options_.work_dir + "/emulator-" + tag + ".out";
    stderr_path_ = options_.work_dir + "/emulator-" + tag + ".err";
    spawn.stdout_path = stdout_path_;
    spawn.stderr_path = stderr_path_;
    process_ = Process::Spawn(spawn);
    if (process_.pid() < 0) return;
    // The sanitizer build starts slowly; the line appears once both ports are bound.
    const std::regex line(R"(listening https=127\.0\.0\.1:(\d+) admin=127\.0\.0\.1:(\d+)\n)");
    for (auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
         std::chrono::steady_clock::now() < deadline && process_.running();
         std::this_thread::sleep_for(std::chrono::milliseconds(20))) {
      std::smatch match;
      const std::string out = ReadFile(stdout_path_);
      if (std::regex_search(out, match, line)) {
        https_port_ = std::stoi(match[1]);
        admin_port_ = std::stoi(match[2]);
        return;
      }
    }
  }

  bool ready() const { return https_port_ > 0 && admin_port_ > 0; }
  std::string url() const { return "https://127.0.0.1:" + std::to_string(https_port_); }
  int https_port() const { return https_port_; }
  int admin_port() const { return admin_port_; }
  std::string log() const { return ReadFile(stderr_path_); }
  int Stop() { return process_.Stop(); }
  Process& process() { return process_; }
  std::string Pki(const std::string& file) const { return options_.pki_dir + "/" + file; }

  // curl with the test CA against the HTTPS side.
  HttpResult Api(const std::string& method, const std::string& path, const std::string& body = "",
                 const std::vector<std::string>& headers = {},
                 const std::vector<std::string>& extra = {}) {
    std::vector<std::string> args = {"--cacert", Pki("ca.pem")};
    args.insert(args.end(), extra.begin(), extra.end());
    return Curl(method, url() + path, body, headers, args);
  }
  HttpResult Admin(const std::string& method, const std::string& path,
                   const std::string& body = "") {
    return Curl(method, "http://127.0.0.1:" + std::to_string(admin_port_) + path, body, {}, {});
  }
  // The admin answer as JSON (discarded JSON when the call failed).
  nlohmann::json AdminJson(const std::string& path) { return Admin("GET", path).Json(); }
  std::string NewActivationCode() {
    return Admin("POST", "/admin/activation-codes").Json().value("code", "");
  }
  bool SetFault(const std::string& mode, int retry_after_s = 0, int delay_ms = 0) {
    return Admin("PUT", "/admin/faults",
                 nlohmann::json{
                     {"mode", mode}, {"retry_after_s", retry_after_s}, {"delay_ms", delay_ms}}
                     .dump())
               .status == 200;
  }

 private:
  HttpResult Curl(const std::string& method, const std::string& url, const std::string& body,
                  const std::vector<std::string>& headers,
                  const std::vector<std::string>& args) const {
    static std::atomic<int> call = 0;
    const std::string stem = options_.work_dir + "/curl-" + std::to_string(++call);
    std::vector<std::string> argv = {
        "curl", "-sS", "--noproxy",    "*",  "--max-time",      "20", "-X",
        method, "-o",  stem + ".body", "-D", stem + ".headers", "-w", "%{http_code}"};
    argv.insert(argv.end(), args.begin(), args.end());
    for (const auto& h : headers) {
      argv.push_back("-H");
      argv.push_back(h);
    }
    if (!body.empty()) {
      WriteFile(stem + ".request", body);
      argv.insert(argv.end(), {"-H", "Content-Type: application/json", "--data-binary",
                               "@" + stem + ".request"});
    }
    argv.push_back(url);
    CommandResult run = RunCommand(argv, std::chrono::seconds(30));
    HttpResult result;
    result.curl_exit = run.exit_code;
    result.status = std::atoi(run.stdout_text.c_str());
    result.body = ReadFile(stem + ".body");
    result.headers = ReadFile(stem + ".headers");
    result.curl_error = run.stderr_text;
    result.elapsed = run.elapsed;
    return result;
  }

  EmulatorOptions options_;
  std::string stdout_path_;
  std::string stderr_path_;
  Process process_;
  int https_port_ = 0;
  int admin_port_ = 0;
};

// The options most tests use: the test PKI's server certificate from `pki_dir`, the emulator's
// database (cloud.db) and logs in the test's own directory `dir`.
inline EmulatorOptions EmulatorIn(const std::string& pki_dir, const std::string& dir) {
  EmulatorOptions o;
  o.pki_dir = pki_dir;
  o.db = dir + "/cloud.db";
  o.work_dir = dir;
  return o;
}

// Starts an emulator; the test fails (and goes on) when it does not come up, with its log.
inline std::unique_ptr<CloudEmulator> StartCloudEmulator(EmulatorOptions options) {
  auto e = std::make_unique<CloudEmulator>(std::move(options));
  EXPECT_TRUE(e->ready()) << e->log();
  return e;
}

}  // namespace fleet::test
