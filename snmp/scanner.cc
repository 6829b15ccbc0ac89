#include "snmp/scanner.h"

#include <algorithm>
#include <utility>
#include "agent/core/sockets.h"

#include "snmp/decode.h"

namespace fleet::snmp {
namespace {

uint32_t AddressKey(const std::string& ip) {
  in_addr a{};
  if (inet_pton(AF_INET, ip.c_str(), &a) != 1) return 0;
  return ntohl(a.s_addr);
}

std::string FormatAddress(uint32_t address) {
  in_addr a{};
  a.s_addr = htonl(address);
  char text[INET_ADDRSTRLEN] = {};
  inet_ntop(AF_INET, &a, text, sizeof text);
  return text;
}

// Devices and issues are ordered by address: IPv4 numerically, then IPv6 by its bytes (and
// zone), then anything else as text.
std::pair<int, std::string> SortKey(const std::string& ip) {
  in_addr a{};
  if (inet_pton(AF_INET, ip.c_str(), &a) == 1) {
    return {0, std::string(reinterpret_cast<const char*>(&a), sizeof a)};
  }
  const size_t percent = ip.find('%');
  in6_addr a6{};
  if (inet_pton(AF_INET6, ip.substr(0, percent).c_str(), &a6) == 1) {
    return {1, std::string(reinterpret_cast<const char*>(&a6), sizeof a6) +
                   (percent == std::string::npos ? "" : ip.substr(percent))};
  }
  return {2, ip};
}

// A reply into what the device answered so far (snmp/types.h MergeVarbinds: exceptions skipped,
// the varbinds moved in). The reply is not used after.
void Merge(VarbindMap& into, std::vector<Varbind>&& varbinds) {
  MergeVarbinds(into, std::move(varbinds));
}
void Merge(VarbindMap& into, const std::vector<Varbind>& varbinds) {
  Merge(into, std::vector<Varbind>(varbinds));
}

}  // namespace

std::string AddressSortKey(const std::string& ip) {
  const auto [kind, bytes] = SortKey(ip);
  std::string key(1, static_cast<char>('0' + kind));
  if (kind == 2) return key + bytes;
  // Hex keeps the bytes' order and makes the key text (a SQLite TEXT column compares it so).
  static constexpr char kHex[] = "0123456789abcdef";
  const size_t raw = kind == 0 ? 4 : 16;  // the address; the zone (text) follows
  for (size_t i = 0; i < raw; ++i) {
    const auto b = static_cast<unsigned char>(bytes[i]);
    key += kHex[b >> 4];
    key += kHex[b & 15];
  }
  return key + bytes.substr(raw);
}

// One address being read: a small state machine driven by its session's callbacks.
class Scanner::Device {
 public:
  Device(Scanner& owner, std::string ip, size_t first_credential)
      : owner_(owner), ip_(std::move(ip)), first_credential_(first_credential) {}

  void Start() { TryCredential(0); }
  // Continues from a sweep's answer: the credential is known to work, and the identification GET
  // is done unless the sweep could not use its reply (then it is asked again).
  void StartAnswered(size_t credential, const std::vector<Varbind>& identification) {
    answered_sweep_ = true;
    first_credential_ = credential;
    if (identification.empty()) {
      TryCredential(0);
      return;
    }
    credential_index_ = credential;
    if (ScanObserver* o = owner_.options_.observer) {
      o->OnSweepAnswer(ip_, credential, credentials()[credential], identification);
    }
    session_ = Open(credential);
    responded_ = true;
    Merge(collected_, identification);
    Probe();
  }
  void Cancel() {
    if (session_) session_->Cancel();
  }

  const std::string& ip() const { return ip_; }
  bool responded() const { return responded_; }
  size_t credential_index() const { return credential_index_; }
  std::optional<Printer>& printer() { return printer_; }
  std::optional<DeviceIssue>& issue() { return issue_; }

 private:
  const std::vector<Credential>& credentials() const { return owner_.options_.credentials; }

  std::unique_ptr<Session> Open(size_t credential) {
    auto session = owner_.factory_.Open(Target{ip_, owner_.options_.port},
                                        credentials()[credential]);
    if (ScanObserver* o = owner_.options_.observer) return ObserveSession(std::move(session), *o);
    return session;
  }

  // Tries credentials in order, starting with the one that worked last time for this address.
  void TryCredential(size_t attempt) {
    const size_t n = credentials().size();
    if (attempt >= n || owner_.cancelled_) {
      Done();
      return;
    }
    credential_index_ = (first_credential_ + attempt) % n;
    // The previous credential's session may be the one whose callback we are in: retire it, do
    // not destroy it here (Cancel() only closes its socket; nothing of it is outstanding).
    if (session_) {
      session_->Cancel();
      retired_.push_back(std::move(session_));
    }
    if (ScanObserver* o = owner_.options_.observer) {
      o->OnCredential(ip_, credential_index_, credentials()[credential_index_]);
    }
    session_ = Open(credential_index_);
    session_->Get(IdentificationOids(), [this, attempt](Result<std::vector<Varbind>> r) {
      if (!r.ok()) {
        if (r.error().code == ErrorCode::kAuth) {
          // An agent is there but refused us: worth telling the administrator even when a later
          // credential works, since the refused one may be a typo.
          auth_errors_.push_back(credentials()[credential_index_].Describe() + ": " +
                                 r.error().message);
        }
        if (r.error().code == ErrorCode::kCancelled) {
          Done();
          return;
        }
        if (!identify_errors_.empty()) identify_errors_ += "; ";
        identify_errors_ += credentials()[credential_index_].Describe() + ": " + r.error().message;
        TryCredential(attempt + 1);
        return;
      }
      responded_ = true;
      Merge(collected_, std::move(r.value()));
      Probe();
    });
  }

  void Probe() {
    session_->GetNext({PrinterMibProbe()}, [this](Result<std::vector<Varbind>> r) {
      if (r.ok()) {
        Merge(collected_, std::move(r.value()));
      } else if (!Tolerate(r.error(), "Printer-MIB probe")) {
        return;
      }
      plan_ = PlanCollection(owner_.profiles_, collected_);
      if (ScanObserver* o = owner_.options_.observer) o->OnPlan(ip_, plan_);
      if (!plan_.candidate) {
        Done();
        return;
      }
      NextGet(0);
    });
  }

  // Vendor scalars, in PDUs of bounded size (v1 agents answer noSuchName for the whole PDU; the
  // engine retries without the missing OID, so a small PDU keeps that cheap).
  void NextGet(size_t from) {
    if (from >= plan_.get.size()) {
      NextWalk(0);
      return;
    }
    const size_t to = std::min(plan_.get.size(), from + owner_.options_.max_oids_per_get);
    std::vector<Oid> oids(plan_.get.begin() + static_cast<std::ptrdiff_t>(from),
                          plan_.get.begin() + static_cast<std::ptrdiff_t>(to));
    session_->Get(std::move(oids), [this, to](Result<std::vector<Varbind>> r) {
      if (r.ok()) {
        Merge(collected_, std::move(r.value()));
      } else if (!Tolerate(r.error(), "GET")) {
        return;
      }
      NextGet(to);
    });
  }

  void NextWalk(size_t index) {
    if (index >= plan_.walk.size()) {
      Done();
      return;
    }
    const Oid root = plan_.walk[index];
    Walk(*session_, root, owner_.options_.walk,
         [this, index, root](Result<std::vector<Varbind>> r) {
           if (r.ok()) {
             Merge(collected_, std::move(r.value()));
           } else if (!Tolerate(r.error(), "walk " + FormatOid(root))) {
             return;
           }
           NextWalk(index + 1);
         });
  }

  // Decides whether the device is still worth talking to after a failed step. A timeout in the
  // middle of a read means the device went away (or died: fragile stacks do); stop there and
  // decode what we have. A guard violation (loop, oversized table) spoils only that subtree.
  bool Tolerate(const Error& error, const std::string& step) {
    if (!read_error_.empty()) read_error_ += "; ";
    read_error_ += step + ": " + error.message;
    if (error.code == ErrorCode::kTimeout && timed_out_step_.empty()) timed_out_step_ = step;
    if (error.code == ErrorCode::kTimeout || error.code == ErrorCode::kCancelled ||
        error.code == ErrorCode::kAuth || error.code == ErrorCode::kUnreachable) {
      Done();
      return false;
    }
    return true;
  }

  void Done() {
    if (done_) return;
    done_ = true;
    if (responded_) {
      Printer p = DecodePrinter(owner_.profiles_, collected_, ip_);
      if (!read_error_.empty()) p.error = read_error_;
      if (!plan_.candidate && !p.is_printer && p.not_printer_reason.empty()) {
        p.not_printer_reason = plan_.not_printer_reason;
      }
      // What a timeout kept us from reading is unknown, not absent from the device
      // (docs/robustness.md, "Timeouts are not facts").
      if (!timed_out_step_.empty() && !p.lifetime_page_count) {
        p.page_count_missing_reason = "not read: timeout (" + timed_out_step_ + ")";
      }
      if (ScanObserver* o = owner_.options_.observer) o->OnDecoded(ip_, p);
      printer_ = std::move(p);
      if (!read_error_.empty()) {
        issue_ = DeviceIssue{ip_,
                             timed_out_step_.empty() ? ErrorCode::kMalformed : ErrorCode::kTimeout,
                             "incomplete read: " + read_error_};
      }
    } else if (answered_sweep_ && auth_errors_.empty()) {
      // It answered the sweep, then never gave a usable reply: it must not vanish.
      issue_ = DeviceIssue{
          ip_, ErrorCode::kMalformed,
          "answered the sweep, then nothing could be read: " +
              (identify_errors_.empty() ? std::string("no reply") : identify_errors_)};
    } else if (!auth_errors_.empty()) {
      std::string message = "SNMP agent refused every credential: ";
      for (size_t i = 0; i < auth_errors_.size(); ++i) {
        if (i) message += "; ";
        message += auth_errors_[i];
      }
      issue_ = DeviceIssue{ip_, ErrorCode::kAuth, std::move(message)};
    }
    owner_.Finish(this);
  }

  Scanner& owner_;
  std::string ip_;
  size_t first_credential_ = 0;
  size_t credential_index_ = 0;
  std::unique_ptr<Session> session_;
  std::vector<std::unique_ptr<Session>> retired_;
  VarbindMap collected_;
  CollectionPlan plan_;
  bool responded_ = false;
  bool answered_sweep_ = false;  // the sweep had a reply from it
  bool done_ = false;
  std::string timed_out_step_;   // the read step a timeout ended, "" when none did
  std::string identify_errors_;  // why each credential's identification failed
  std::vector<std::string> auth_errors_;
  std::string read_error_;
  std::optional<Printer> printer_;
  std::optional<DeviceIssue> issue_;
};

Scanner::Scanner(SessionFactory& factory, const ProfileSet& profiles, ScanOptions options)
    : factory_(factory), profiles_(profiles), options_(std::move(options)) {
  if (options_.max_devices == 0) options_.max_devices = 1;
  if (options_.max_oids_per_get == 0) options_.max_oids_per_get = 1;
}

Scanner::~Scanner() {
  alive_.reset();
  if (sweeper_) sweeper_->Cancel();
  for (auto& [key, device] : active_) device->Cancel();
}

bool Scanner::running() const { return running_; }

void Scanner::Begin(size_t count, DoneFn done, ProgressFn progress) {
  next_ = 0;
  result_ = ScanResult{};
  result_.addresses_scanned = count;
  progress_ = ScanProgress{};
  progress_.total = count;
  done_ = std::move(done);
  on_progress_ = std::move(progress);
  finished_.clear();
  answered_.clear();
  running_ = true;
  cancelled_ = false;
}

void Scanner::Start(std::vector<std::string> addresses, DoneFn done, ProgressFn progress) {
  Begin(addresses.size(), std::move(done), std::move(progress));
  if (options_.credentials.empty()) {
    // Nothing can be asked without a credential; the config layer always supplies one.
    addresses_.clear();
  } else if (Sweeper* sweeper = factory_.sweeper()) {
    std::vector<uint32_t> keys;
    keys.reserve(addresses.size());
    addresses_.clear();
    for (std::string& ip : addresses) {
      if (ip.find(':') != std::string::npos) {
        addresses_.push_back(std::move(ip));  // IPv6: read beside the sweep
      } else {
        keys.push_back(AddressKey(ip));
      }
    }
    StartSweep(*sweeper, std::move(keys));
  } else {
    addresses_ = std::move(addresses);
  }
  Pump();
  MaybeDone();
}

void Scanner::Start(std::vector<uint32_t> addresses, DoneFn done, ProgressFn progress) {
  Start(std::move(addresses), {}, std::move(done), std::move(progress));
}

void Scanner::Start(std::vector<uint32_t> ipv4, std::vector<std::string> ipv6, DoneFn done,
                    ProgressFn progress) {
  Sweeper* sweeper = factory_.sweeper();
  if (sweeper && !options_.credentials.empty()) {
    Begin(ipv4.size() + ipv6.size(), std::move(done), std::move(progress));
    addresses_ = std::move(ipv6);
    StartSweep(*sweeper, std::move(ipv4));
    Pump();
    MaybeDone();
    return;
  }
  std::vector<std::string> text;
  text.reserve(ipv4.size() + ipv6.size());
  for (uint32_t a : ipv4) text.push_back(FormatAddress(a));
  for (std::string& a : ipv6) text.push_back(std::move(a));
  Start(std::move(text), std::move(done), std::move(progress));
}

void Scanner::StartSweep(Sweeper& sweeper, std::vector<uint32_t> addresses) {
  sweeping_ = true;
  sweeper_ = &sweeper;
  std::vector<SweepTarget> targets;
  targets.reserve(addresses.size());
  for (uint32_t address : addresses) {
    SweepTarget t;
    t.address = address;
    if (!remembered_credential_.empty()) {
      if (auto it = remembered_credential_.find(FormatAddress(address));
          it != remembered_credential_.end()) {
        t.first_credential = static_cast<uint8_t>(it->second);
      }
    }
    targets.push_back(t);
  }
  addresses = {};
  // The sweeper's callbacks may still be queued when the Scanner is destroyed mid-sweep.
  std::weak_ptr<int> alive = alive_;
  sweeper.Start(
      std::move(targets), options_.port, options_.credentials, IdentificationOids(),
      [this, alive](SweepHit hit) {
        if (!alive.expired()) OnSweepHit(std::move(hit));
      },
      [this, alive](uint32_t address, unsigned undecodable) {
        if (!alive.expired()) OnSweepSilent(address, undecodable);
      },
      [this, alive] {
        if (alive.expired()) return;
        sweeping_ = false;
        sweeper_ = nullptr;
        Pump();
        MaybeDone();
      });
}

void Scanner::OnSweepHit(SweepHit hit) {
  if (cancelled_) return;
  // The sweep finds devices faster than they are read: at 10,000 printers the waiting answers
  // (~1.5 KB of identification each) were the peak of the scan's memory. Past a bound, a waiting
  // device keeps only its credential and asks its identification again when its turn comes (one
  // GET more; docs/scaling.md, "The per-device sink").
  if (answered_.size() >= kIdentificationsWaiting * options_.max_devices) {
    std::vector<Varbind>().swap(hit.identification);
  }
  answered_.push_back(std::move(hit));
  Pump();
}

void Scanner::OnSweepSilent(uint32_t address, unsigned undecodable) {
  if (undecodable > 0) {
    // Something answers there, but never with a usable reply: broken or hostile. Silence would
    // hide it; the administrator should look.
    result_.issues.push_back(
        DeviceIssue{FormatAddress(address), ErrorCode::kMalformed,
                    "answered only with datagrams that are no valid reply to our request (" +
                        std::to_string(undecodable) + (undecodable >= 255 ? "+" : "") +
                        " undecodable or with a wrong request id); nothing read"});
  }
  ++progress_.done;
  if (on_progress_) on_progress_(progress_);
}

void Scanner::Cancel() {
  if (!running_) return;
  cancelled_ = true;
  next_ = addresses_.size();
  answered_.clear();
  if (sweeper_) sweeper_->Cancel();
  for (auto& [key, device] : active_) device->Cancel();
}

void Scanner::Pump() {
  while (!cancelled_ && active_.size() < options_.max_devices && !answered_.empty()) {
    SweepHit hit = std::move(answered_.front());
    answered_.pop_front();
    auto device = std::make_unique<Device>(*this, FormatAddress(hit.address), 0);
    Device* raw = device.get();
    active_.emplace(raw, std::move(device));
    raw->StartAnswered(hit.credential, hit.identification);
  }
  while (!cancelled_ && active_.size() < options_.max_devices && next_ < addresses_.size()) {
    const std::string& ip = addresses_[next_++];
    size_t first = 0;
    if (auto it = remembered_credential_.find(ip); it != remembered_credential_.end()) {
      first = it->second;
    }
    auto device = std::make_unique<Device>(*this, ip, first);
    Device* raw = device.get();
    active_.emplace(raw, std::move(device));
    raw->Start();
  }
}

void Scanner::Finish(Device* device) {
  // Devices finished earlier are destroyed now: their own callbacks have returned by this time.
  // The one finishing now is still inside its session's callback, so it waits its turn.
  finished_.clear();
  auto it = active_.find(device);
  if (it == active_.end()) return;

  ++progress_.done;
  if (device->responded()) {
    ++progress_.responding;
    ++result_.responding;
    remembered_credential_[device->ip()] = device->credential_index();
  }
  if (auto& p = device->printer()) {
    if (p->is_printer) ++progress_.printers;
    if (device_sink_) {
      Printer taken = std::move(*p);
      p.reset();
      device_sink_(std::move(taken));
    } else {
      result_.devices.push_back(std::move(*p));
    }
  }
  if (auto& issue = device->issue()) result_.issues.push_back(std::move(*issue));

  finished_.push_back(std::move(it->second));
  active_.erase(it);
  if (on_progress_) on_progress_(progress_);
  Pump();
  MaybeDone();
}

void Scanner::MaybeDone() {
  if (!running_ || sweeping_ || !active_.empty() || !answered_.empty() ||
      next_ < addresses_.size()) {
    return;
  }
  running_ = false;
  auto by_address = [](const auto& a, const auto& b) { return SortKey(a.ip) < SortKey(b.ip); };
  std::sort(result_.devices.begin(), result_.devices.end(), by_address);
  std::sort(result_.issues.begin(), result_.issues.end(), by_address);
  result_.cancelled = cancelled_;
  DoneFn done = std::move(done_);
  done_ = nullptr;
  if (done) done(std::move(result_));
}

}  // namespace fleet::snmp
