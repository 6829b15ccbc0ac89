#!/usr/bin/env python3
"""Soak of the real daemon (issue 17, point 4): does it grow, and does every read arrive once?

Runs fleet-agent as a daemon (no mode) for CYCLES scans at a short scan.interval against
fleet-printer-sim (PRINTERS printers on loopback) and the real cloud emulator (TLS, the test CA),
stops the emulator by PID for DOWN cycles in the middle and starts it again on the same port and
database. While it runs it samples the daemon every 100 ms: VmRSS from /proc/PID/status, open
fds (/proc/PID/fd), the sizes of state.db and outbox.db (each with its -wal). At the end it
switches the daemon to an hourly interval (SIGHUP), waits until the cloud holds every read the
daemon's log says it took, and asks the emulator (GET /admin/read-deliveries) how many stored
reports carried each read: none missing, none doubled, trimmed reads equal to what the outbox's
warnings say it dropped. A scan reads one meter read per printer it read, except where its log
line counts read errors (a printer answered, its page count timed out): such a scan may hold
fewer, never more; the drain is over when the daemon's outbox is empty (`status --format json`).

Prints a table (warm-up value, max after warm-up, growth) and PASS/FAIL per bound: RSS growth
<= 2 MB, fds growth 0 (idle at the end against the warm-up), outbox within its retention bound (cloud.outbox_max_mb), exactly-once.
--check makes it a test: exit 1 when exactly-once or fds fail (RSS is not judged there: that is
the benchmark's figure, and a short run on a loaded machine is no measure of it).
The RSS, fds and file figures are also given per phase (until the cloud returns; after it, with
the drain of the outage's backlog) and per cycle in WORK/samples.tsv (kept with --keep). SIGUSR1
ends the scanning after the cycle then running and judges the cycles run (a run that cannot
finish in the time there is).

Used by scripts/bench (soak) and by the `soak` ctest (tests/integration/CMakeLists.txt). Only
127.0.0.0/8 addresses. Every process it starts it stops by PID, also on Ctrl-C.
"""

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

MB = 1024 * 1024
HISTORY_KEPT = 400  # kHistoryReadsKept in agent/state/state_store.h
FD_WINDOW = 5  # cycles over which the idle fd count is the fewest seen
STOP_EARLY = threading.Event()  # set by SIGUSR1


class Proc:
    """A child process with its output in files; stopped by PID (SIGTERM, then SIGKILL)."""

    def __init__(self, argv, out, err):
        self.out, self.err = out, err
        with open(out, "wb") as o, open(err, "wb") as e:
            self.p = subprocess.Popen(argv, stdout=o, stderr=e, stdin=subprocess.DEVNULL)

    @property
    def pid(self):
        return self.p.pid

    def running(self):
        return self.p.poll() is None

    def stop(self, timeout=30):
        if self.p.poll() is not None:
            return self.p.returncode
        self.p.send_signal(signal.SIGTERM)
        try:
            return self.p.wait(timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            return self.p.wait()


def wait_for(pattern, path, proc, seconds=30):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with open(path, encoding="utf-8", errors="replace") as f:
                m = re.search(pattern, f.read())
            if m:
                return m
        except FileNotFoundError:
            pass
        if not proc.running():
            break
        time.sleep(0.05)
    raise RuntimeError(f"{path}: no line matching {pattern!r}")


def http(method, url, body=None):
    req = urllib.request.Request(url, method=method, data=body)
    with urllib.request.urlopen(req, timeout=300) as r:
        return json.loads(r.read().decode())


def size(path):
    total = 0
    for p in (path, path + "-wal"):
        try:
            total += os.path.getsize(p)
        except FileNotFoundError:
            pass
    return total


def proc_status(pid):
    rss = hwm = 0
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1]) * 1024
            elif line.startswith("VmHWM:"):
                hwm = int(line.split()[1]) * 1024
    return rss, hwm


def fd_targets(pid, names):
    targets = []
    for name in names:
        try:
            target = os.readlink(f"/proc/{pid}/fd/{name}")
        except OSError:
            continue
        # socket:[inode] and pipe:[inode] differ every time: the kind is what says what leaked.
        targets.append(re.sub(r":\[\d+\]$", "", target))
    return sorted(targets)


def cloud_sockets(pid, cloud_port):
    """Inodes of the daemon's TCP sockets connected to the cloud's port: the uplink keeps one
    connection alive between uploads (or not, when the cloud closed it), so it is not a leak."""
    inodes = set()
    for table in ("tcp", "tcp6"):
        try:
            with open(f"/proc/{pid}/net/{table}") as f:
                next(f)
                for line in f:
                    cols = line.split()
                    if int(cols[2].rsplit(":", 1)[1], 16) == cloud_port:
                        inodes.add(cols[9])
        except (FileNotFoundError, ProcessLookupError, StopIteration):
            pass
    return inodes


def idle_fd_count(pid, names, cloud_port):
    """Open fds less the uplink's one kept-alive connection to the cloud (open or not depending
    on when the last upload ran). A second connection open at the same time is counted."""
    to_cloud = cloud_sockets(pid, cloud_port)
    kept = 0
    for name in names:
        try:
            target = os.readlink(f"/proc/{pid}/fd/{name}")
        except OSError:
            continue
        m = re.fullmatch(r"socket:\[(\d+)\]", target)
        if m and m.group(1) in to_cloud:
            kept += 1
    return len(names) - min(kept, 1)


class Sampler(threading.Thread):
    """Every 100 ms: the daemon's RSS, fds and file sizes, filed under the cycle then running
    (cycle k = after the k-th "scan done" line)."""

    def __init__(self, pid, state_dir, cloud_port):
        super().__init__(daemon=True)
        self.pid, self.state_dir, self.cloud_port = pid, state_dir, cloud_port
        self.cycle = 0
        self.per_cycle = {}  # cycle -> dict(rss_max, fds_min, fds_max, state, outbox)
        self.hwm = 0
        self.stop_event = threading.Event()

    def run(self):
        while not self.stop_event.is_set():
            try:
                rss, self.hwm = proc_status(self.pid)
                fd_names = os.listdir(f"/proc/{self.pid}/fd")
            except (FileNotFoundError, ProcessLookupError):
                return
            fds = idle_fd_count(self.pid, fd_names, self.cloud_port)
            fds_open = len(fd_names)
            s = self.per_cycle.setdefault(self.cycle, {"rss_max": 0, "fds_min": 1 << 30,
                                                       "fds_max": 0, "state": 0, "outbox": 0,
                                                       "rss_min": 1 << 62, "t": time.time()})
            s["rss_max"] = max(s["rss_max"], rss)
            s["rss_min"] = min(s["rss_min"], rss)
            s["hwm"] = self.hwm
            if fds < s["fds_min"]:
                s["fds_at_min"] = fd_targets(self.pid, fd_names)  # what is open when idle
            s["fds_min"] = min(s["fds_min"], fds)
            s["fds_max"] = max(s["fds_max"], fds_open)
            s["state"] = max(s["state"], size(os.path.join(self.state_dir, "state.db")))
            s["outbox"] = max(s["outbox"], size(os.path.join(self.state_dir, "outbox.db")))
            self.stop_event.wait(0.1)


def add_fleet_args(ap, printers, cidr, port):
    """The options every daemon benchmark takes: the binaries, the source tree, the simulator."""
    ap.add_argument("--agent", required=True)
    ap.add_argument("--sim", required=True)
    ap.add_argument("--emulator", required=True)
    ap.add_argument("--source", required=True, help="the source tree (recordings, test PKI)")
    ap.add_argument("--printers", type=int, default=printers)
    ap.add_argument("--range", default=cidr, help="the simulator's CIDR")
    ap.add_argument("--port", type=int, default=port, help="the simulator's UDP port")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_fleet_args(ap, 1000, "127.40.0.0/22", 17181)
    ap.add_argument("--include", default="", help="search.include (default: --range)")
    ap.add_argument("--cycles", type=int, default=500)
    ap.add_argument("--down-at", type=int, default=0, help="cycle after which the cloud stops "
                    "(default: the middle)")
    ap.add_argument("--down", type=int, default=50, help="cycles the cloud stays down")
    ap.add_argument("--warmup", type=int, default=0, help="warm-up cycles (default 10 %%)")
    ap.add_argument("--interval", default="2s")
    ap.add_argument("--timeout", default="500ms", help="snmp.timeout")
    ap.add_argument("--retries", type=int, default=0)
    ap.add_argument("--drain-rate", type=int, default=600, help="cloud.drain_rate")
    ap.add_argument("--outbox-max-mb", type=int, default=64)
    ap.add_argument("--settle", type=int, default=300,
                    help="seconds to wait at the end for every read to reach the cloud")
    ap.add_argument("--check", action="store_true", help="exit 1 unless exactly-once and fds hold")
    ap.add_argument("--tsv", help="write the result figures here (scripts/bench)")
    ap.add_argument("--keep", help="work in this directory and keep it")
    a = ap.parse_args()
    down_at = a.down_at or max(1, (a.cycles - a.down) // 2)
    warmup = a.warmup or max(1, a.cycles // 10)
    work = a.keep or tempfile.mkdtemp(prefix="fleet-soak.")
    os.makedirs(work, exist_ok=True)
    procs = {}

    def stop_all(*_):
        for name in ("agent", "emulator", "sim"):
            if procs.get(name):
                procs[name].stop()
                procs[name] = None

    def on_signal(number, _frame):
        stop_all()
        sys.exit(128 + number)

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    # SIGUSR1: stop scanning after the cycle now running and judge the cycles run (a run that
    # cannot finish in the time there is still gets its table and its exactly-once check).
    signal.signal(signal.SIGUSR1, lambda *_: STOP_EARLY.set())
    try:
        return run(a, work, procs, down_at, warmup)
    except RuntimeError as e:
        print(f"soak: FAIL: {e}", file=sys.stderr)
        return 1
    finally:
        stop_all()
        if not a.keep:
            subprocess.run(["rm", "-rf", work], check=False)


def run(a, work, procs, down_at, warmup):
    pki = os.path.join(work, "pki")
    subprocess.run([os.path.join(a.source, "scripts/lib/make-test-pki"), pki], check=True)
    demo = os.path.join(a.source, "tests/data/demo")
    recordings = ",".join(sorted(os.path.join(demo, f) for f in os.listdir(demo)
                                 if f.endswith(".snmprec") and not f.startswith(("switch_",
                                                                                  "server_"))))

    procs["sim"] = Proc([a.sim, "--printers", str(a.printers), "--range", a.range,
                         "--recordings", recordings, "--port", str(a.port),
                         "--map", os.path.join(work, "map.tsv")],
                        os.path.join(work, "sim.out"), os.path.join(work, "sim.err"))
    wait_for(r"ready port=", procs["sim"].out, procs["sim"])

    db = os.path.join(work, "cloud.db")
    starts = [0]

    def start_cloud(https_port):
        starts[0] += 1
        n = starts[0]
        procs["emulator"] = Proc([a.emulator, "--listen", f"127.0.0.1:{https_port}",
                                  "--cert", os.path.join(pki, "server.pem"),
                                  "--key", os.path.join(pki, "server.key"), "--db", db,
                                  "--admin", "127.0.0.1:0", "--log-level", "warn"],
                                 os.path.join(work, f"cloud-{n}.out"),
                                 os.path.join(work, f"cloud-{n}.err"))
        m = wait_for(r"listening https=127\.0\.0\.1:(\d+) admin=127\.0\.0\.1:(\d+)",
                     procs["emulator"].out, procs["emulator"])
        return int(m.group(1)), f"http://127.0.0.1:{m.group(2)}"

    https_port, admin = start_cloud(0)
    state_dir = os.path.join(work, "state")
    config = os.path.join(work, "agent.yaml")

    def write_config(interval):
        with open(config, "w") as f:
            f.write(f"""search:
  include: [{a.include or a.range}]
snmp:
  port: {a.port}
  timeout: {a.timeout}
  retries: {a.retries}
  rate_limit_pps: 0
  credentials:
    - version: 2c
      community: public
scan:
  interval: {interval}
cloud:
  url: https://127.0.0.1:{https_port}
  ca_file: {os.path.join(pki, "ca.pem")}
  drain_rate: {a.drain_rate}
  outbox_max_mb: {a.outbox_max_mb}
agent:
  state_dir: {state_dir}
log:
  level: info
""")

    write_config(a.interval)
    code = http("POST", admin + "/admin/activation-codes")["code"]
    activated = subprocess.run([a.agent, "--config", config, "activate", "--code", code],
                               capture_output=True, text=True, timeout=120, check=False)
    if activated.returncode != 0:
        raise RuntimeError(f"fleet-agent activate exited {activated.returncode}:\n"
                           + activated.stderr[-2000:])

    log = os.path.join(work, "daemon.err")
    procs["agent"] = Proc([a.agent, "--config", config], os.path.join(work, "daemon.out"), log)
    sampler = Sampler(procs["agent"].pid, state_dir, https_port)
    sampler.start()
    # errors=: printers or addresses whose read failed in part; such a scan may hold fewer meter
    # reads than printers (a printer answered, its page count did not: no read is taken).
    done_re = re.compile(r"scan done cycle=(\d+) .*? printers=(\d+) errors=(\d+) ")
    started = time.time()
    printers_per_scan = []  # printers read by each finished scan, in order
    down_since = None
    log_pos = 0
    pending = ""
    while len(printers_per_scan) < a.cycles:
        if not procs["agent"].running():
            raise RuntimeError("the daemon exited:\n" + open(log).read()[-3000:])
        with open(log, encoding="utf-8", errors="replace") as f:
            f.seek(log_pos)
            chunk = f.read()
            log_pos = f.tell()
        pending += chunk
        lines = pending.split("\n")
        pending = lines.pop()
        for line in lines:
            m = done_re.search(line)
            if not m:
                continue
            printers_per_scan.append(int(m.group(2)))
            n = len(printers_per_scan)
            sampler.cycle = n
            if n == down_at:
                procs["emulator"].stop()
                procs["emulator"] = None
                down_since = n
            elif down_since is not None and n == down_since + a.down:
                _, admin = start_cloud(https_port)
                down_since = None
            if n % 50 == 0 or n == a.cycles:
                print(f"soak: cycle {n}/{a.cycles} rss="
                      f"{sampler.per_cycle.get(n - 1, {}).get('rss_max', 0) / MB:.1f} MB "
                      f"elapsed={time.time() - started:.0f} s", flush=True)
            if n >= a.cycles:
                break
            if STOP_EARLY.is_set():
                print(f"soak: stopped early (SIGUSR1) after cycle {n} of {a.cycles}", flush=True)
                a.cycles = n
                break
        time.sleep(0.05)
    if procs["emulator"] is None:  # fewer cycles than the outage: bring the cloud back
        _, admin = start_cloud(https_port)
    scanning_s = time.time() - started
    sampler.cycle = a.cycles + 1  # the settle: no more scans, the outbox drains

    # Stop scanning (an hourly interval by SIGHUP), then let the outbox drain.
    write_config("1h")
    os.kill(procs["agent"].pid, signal.SIGHUP)
    wait_for(r"reload applied", log, procs["agent"])
    time.sleep(3)  # a scan already running when the reload came finishes and is counted

    def scans_done():
        with open(log, encoding="utf-8", errors="replace") as f:
            return [(int(m.group(2)), int(m.group(3))) for m in done_re.finditer(f.read())]

    def outbox_empty():
        """The daemon's outbox holds nothing more to send (`status --format json`)."""
        shown = subprocess.run([a.agent, "--config", config, "status", "--format", "json"],
                               capture_output=True, text=True, timeout=120, check=False)
        try:
            o = json.loads(shown.stdout)["outbox"]
        except (ValueError, KeyError, TypeError):
            return False
        return (o.get("pending_reports") == 0 and o.get("pending_meter_reads") == 0 and
                o.get("pending_states") == 0)

    deadline = time.time() + a.settle
    last_reads = -1
    while True:
        scans_logged = scans_done()
        printers_per_scan = [p for p, _ in scans_logged]
        # The cloud is asked only once the daemon's outbox is empty: counting the deliveries
        # decodes every stored report (seconds at 500 scans), and the emulator serves one request
        # at a time, so asking while the outbox drains would hold up the very uploads awaited
        # (the daemon's TLS handshakes time out meanwhile).
        if not outbox_empty() and time.time() < deadline:
            time.sleep(2)
            continue
        counted = http("GET", admin + "/admin/read-deliveries")
        with open(log, encoding="utf-8", errors="replace") as f:
            text = f.read()
        trimmed = sum(int(x) for x in
                      re.findall(r"outbox holds the meter reads of more than \d+ scans: dropped "
                                 r"(\d+)", text))
        trimmed += sum(int(x) for x in re.findall(r"outbox over [^:]*: dropped (\d+) oldest", text))
        expected = sum(printers_per_scan)
        if counted["reads"] + trimmed >= expected or time.time() > deadline:
            break
        # Fewer reads than printers (a scan with read errors): done when the cloud's count
        # stands still with the outbox empty.
        if counted["reads"] == last_reads:
            break
        last_reads = counted["reads"]
        time.sleep(2)
    settle_s = time.time() - started - scanning_s
    sampler.stop_event.set()
    sampler.join()
    stats = http("GET", admin + "/admin/stats")
    procs["agent"].stop()
    procs["agent"] = None

    # Exactly once: every scan the log counted is in the cloud with as many reads as printers
    # it read (scans matched in order: collected_at is the scan's start), none carried twice.
    # A scan with read errors (errors= in its log line) may hold fewer reads than printers, never
    # more; every other scan exactly as many.
    scans = counted["scans"]
    # A scan that read no printer (every one timed out, on a loaded machine) holds no read, so the
    # cloud has no scan for it: it is left out of the matching.
    scans_logged = [(p, e) for p, e in scans_logged if p > 0]
    printers_per_scan = [p for p, _ in scans_logged]
    per_scan_ok = (len(scans) == len(printers_per_scan) and
                   all(s["reads"] == p if e == 0 else s["reads"] <= p
                       for s, (p, e) in zip(scans, scans_logged)))
    not_read = 0  # reads a scan with read errors did not take (printers less its reads)
    if len(scans) == len(printers_per_scan):
        not_read = sum(p - s["reads"] for s, (p, e) in zip(scans, scans_logged)
                       if e > 0 and s["reads"] <= p)
    with_errors = sum(1 for _, e in scans_logged if e > 0)
    missing = expected - trimmed - counted["reads"] - not_read
    exactly_once = (missing == 0 and counted["doubled"] == 0 and
                    counted["deliveries"] == counted["reads"] and
                    counted["unreadable_reports"] == 0 and (per_scan_ok or trimmed > 0))

    cycles = sorted(c for c in sampler.per_cycle if 1 <= c <= a.cycles + 1)
    warm = [sampler.per_cycle[c] for c in cycles if c <= warmup]
    after = [sampler.per_cycle[c] for c in cycles if c > warmup]
    back_at = down_at + a.down  # the cycle after which the cloud is back
    # Before the cloud returns, and after (the outage's backlog drains, then steady again):
    # the drain is where reports of many scans are built and sent.
    until_back = [sampler.per_cycle[c] for c in cycles if warmup < c <= back_at] or after
    since_back = [sampler.per_cycle[c] for c in cycles if c > back_at] or after
    with open(os.path.join(work, "samples.tsv"), "w") as f:
        f.write("cycle\tseconds\trss_min_mb\trss_max_mb\thwm_mb\tfds_idle\tfds_max"
                "\tstate_mb\toutbox_mb\n")
        for c in cycles:
            x = sampler.per_cycle[c]
            f.write(f"{c}\t{x['t'] - started:.1f}\t{x['rss_min'] / MB:.2f}\t"
                    f"{x['rss_max'] / MB:.2f}\t{x.get('hwm', 0) / MB:.2f}\t{x['fds_min']}\t"
                    f"{x['fds_max']}\t{x['state'] / MB:.2f}\t{x['outbox'] / MB:.2f}\n")
    if not warm or not after:
        raise RuntimeError("too few samples: is the interval shorter than 100 ms?")
    rss_warm = max(s["rss_max"] for s in warm)
    rss_after = max(s["rss_max"] for s in after)
    # Idle fds: the fewest open over a window of FD_WINDOW cycles. A cycle may have no idle
    # moment (its upload's connection open while the next scan starts); a leak raises the floor
    # for good, so it shows in every window after it.
    def floor(samples):
        return min(samples, key=lambda s: s["fds_min"])

    fds_warm_at = floor(warm[-FD_WINDOW:])
    fds_grown = max((floor(after[i:i + FD_WINDOW])
                     for i in range(max(1, len(after) - FD_WINDOW + 1))),
                    key=lambda s: s["fds_min"])
    # Judged at the end, when the daemon is idle for sure (scans stopped, outbox drained): with
    # cycles longer than the interval a window may have no idle moment, and a 500-cycle run read
    # that as +1 (docs/scaling.md). A leak stays open to the end.
    settle = sampler.per_cycle.get(a.cycles + 1)
    if settle is not None:
        fds_grown = settle
    fds_warm, fds_after = fds_warm_at["fds_min"], fds_grown["fds_min"]
    fds_peak = max(s["fds_max"] for s in warm + after)
    state_warm, state_after = warm[-1]["state"], max(s["state"] for s in after)
    outbox_warm, outbox_after = warm[-1]["outbox"], max(s["outbox"] for s in after)
    # After the outage has drained, the outbox reuses its pages: its size at the end is the
    # high-water mark of the outage, never more.
    rss_ok = rss_after - rss_warm <= 2 * MB
    fds_ok = fds_after - fds_warm <= 0
    outbox_ok = outbox_after <= a.outbox_max_mb * MB
    found = f"{min(printers_per_scan)}-{max(printers_per_scan)}"

    def verdict(ok):
        return "PASS" if ok else "FAIL"

    print()
    print(f"soak: {len(printers_per_scan)} cycles at scan.interval {a.interval}, "
          f"{a.printers} printers ({a.range}, found per scan {found}), cloud down for cycles "
          f"{down_at + 1}-{down_at + a.down}; warm-up {warmup} cycles; "
          f"{scanning_s:.0f} s scanning + {settle_s:.0f} s to drain")
    rows = [
        ("RSS MB", rss_warm / MB, rss_after / MB, (rss_after - rss_warm) / MB, "<= 2 MB",
         verdict(rss_ok)),
        ("open fds (idle; growth at the end)", fds_warm, fds_after, fds_after - fds_warm, "0",
         verdict(fds_ok)),
        ("state.db+wal MB", state_warm / MB, state_after / MB, (state_after - state_warm) / MB,
         "-", ""),
        ("outbox.db+wal MB", outbox_warm / MB, outbox_after / MB,
         (outbox_after - outbox_warm) / MB, f"<= {a.outbox_max_mb} MB (outbox_max_mb)",
         verdict(outbox_ok)),
    ]
    phases = {
        "RSS MB": [max(s["rss_max"] for s in p) / MB for p in (until_back, since_back)],
        "open fds (idle; growth at the end)": [max(floor(p[i:i + FD_WINDOW])["fds_min"]
                                for i in range(max(1, len(p) - FD_WINDOW + 1)))
                            for p in (until_back, since_back)],
        "state.db+wal MB": [max(s["state"] for s in p) / MB for p in (until_back, since_back)],
        "outbox.db+wal MB": [max(s["outbox"] for s in p) / MB for p in (until_back, since_back)],
    }
    print(f"| figure | warm-up (cycles 1-{warmup}) | max, cycles {warmup + 1}-{back_at} | max, "
          f"cycles {back_at + 1}-{len(printers_per_scan)} and the drain (after the outage) | "
          "growth | bound | |")
    print("|---|---:|---:|---:|---:|---|---|")
    for name, w, m, g, bound, v in rows:
        fmt = "{:.0f}" if name.startswith("open") else "{:.1f}"
        p1, p2 = phases[name]
        print(f"| {name} | {fmt.format(w)} | {fmt.format(p1)} | {fmt.format(p2)} | "
              f"{fmt.format(g)} | {bound} | {v} |")
    end = sampler.per_cycle[cycles[-1]]
    print(f"RSS at the end (scans stopped, outbox drained): {end['rss_min'] / MB:.1f} MB; "
          "per-cycle samples in " +
          (os.path.join(work, "samples.tsv") if a.keep else "WORK/samples.tsv (with --keep)"))
    print(f"peak RSS (VmHWM) {sampler.hwm / MB:.1f} MB; fds at most {fds_peak} (during scans)")
    if not fds_ok:
        before, later = list(fds_warm_at.get("fds_at_min", [])), fds_grown.get("fds_at_min", [])
        for t in before:
            if t in later:
                later.remove(t)
        print(f"fds open when idle after warm-up and not before: {later}; idle fds per cycle: "
              + " ".join(str(sampler.per_cycle[c]["fds_min"]) for c in cycles))
    # state.db keeps the newest 400 reads of each printer (kHistoryReadsKept,
    # agent/state/state_store.h): it grows until then by design, and must be flat after.
    bounded = [sampler.per_cycle[c]["state"] for c in cycles if c > HISTORY_KEPT + 10]
    if bounded:
        print(f"state.db+wal past the meter history's bound ({HISTORY_KEPT} reads per printer): "
              f"{bounded[0] / MB:.1f} MB at cycle {HISTORY_KEPT + 11}, at most "
              f"{max(bounded) / MB:.1f} MB after (growth {(max(bounded) - bounded[0]) / MB:.1f} MB)")
    print(f"reads: printers read {expected} in {len(printers_per_scan)} scans, in the cloud "
          f"{counted['reads']} (scans {len(scans)}, per printer "
          f"{counted['per_printer']['min_reads']}-{counted['per_printer']['max_reads']}), "
          f"delivered {counted['deliveries']} times over {counted['reports']} reports "
          f"(+{stats.get('duplicates_ignored', 0)} duplicates ignored), doubled "
          f"{counted['doubled']}, missing {missing}, trimmed by the outbox {trimmed} (its "
          f"warnings), not taken {not_read} (page counts not read in the {with_errors} scans "
          f"with read errors) -> exactly once {verdict(exactly_once)}")
    if a.tsv:
        with open(a.tsv, "w") as f:
            f.write("\t".join(str(x) for x in (
                len(printers_per_scan), a.printers, a.interval, a.down, rss_warm / MB,
                rss_after / MB, fds_warm, fds_after, state_after / MB, outbox_after / MB,
                expected, counted["reads"], counted["doubled"], missing, trimmed,
                verdict(rss_ok and fds_ok and outbox_ok and exactly_once))) + "\n")
    if a.check and not (exactly_once and fds_ok):
        print("soak: FAIL (exactly once and flat fds are required); work dir kept in "
              + (a.keep or "(use --keep DIR to keep it)"))
        if not a.keep:
            print(open(log).read()[-4000:])
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
