#!/usr/bin/env python3
"""Peak memory of one scan (issue 17, point 1): `--scan-once --format json` and a daemon cycle.

  bench_cycle.py --agent A --sim S --emulator E --source TREE --printers N [--minimal]
                 [--mode scan-once|daemon|both]

scan-once: fleet-agent --scan-once --format json against N simulated printers on a /16, under
GNU time (wall, CPU = user + system, peak RSS), stdout to a file; the printers in the output are
counted.
daemon: the release daemon (no mode) at scan.interval 1s against the same printers and the real
cloud emulator (TLS, the test CA, activated with a code), so every cycle records the scan in
state.db and queues it in the outbox; the second cycle compares with an inventory of N printers.
After "scan done cycle=3" (cycles 1 and 2 swept, recorded, queued and delivered; the third
swept, not yet recorded) the daemon's VmHWM is read from /proc and it is stopped. CPU seconds
are the daemon's utime + stime at that moment.

--minimal: the demo recordings without their supply and colorant tables (Printer-MIB
prtMarkerSupplies 43.11, prtMarkerColorant 43.12), written to the work directory; otherwise the
demo recordings as they are (one to seven supplies each, "full supply tables").

Reuses the soak's process machinery (scripts/lib/bench_soak.py). Only 127.0.0.0/8 addresses;
every process it starts it stops by PID.
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_soak import Proc, add_fleet_args, http, proc_status, wait_for  # noqa: E402

MB = 1024 * 1024


def recordings(source, work, minimal):
    demo = os.path.join(source, "tests/data/demo")
    files = sorted(os.path.join(demo, f) for f in os.listdir(demo)
                   if f.endswith(".snmprec") and not f.startswith(("switch_", "server_")))
    if not minimal:
        return ",".join(files)
    out = []
    for path in files:
        stripped = os.path.join(work, "minimal-" + os.path.basename(path))
        with open(path) as src, open(stripped, "w") as dst:
            for line in src:
                if not line.startswith(("1.3.6.1.2.1.43.11.", "1.3.6.1.2.1.43.12.")):
                    dst.write(line)
        out.append(stripped)
    return ",".join(out)


def start_sim(a, work, recs):
    sim = Proc([a.sim, "--printers", str(a.printers), "--range", a.range, "--recordings", recs,
                "--port", str(a.port)],
               os.path.join(work, "sim.out"), os.path.join(work, "sim.err"))
    try:
        wait_for(r"ready", sim.out, sim)
    except RuntimeError:
        sim.stop()
        raise
    return sim


def snmp_config(a, state_dir):
    return f"""search:
  include: [{a.range}]
snmp:
  port: {a.port}
  timeout: 1s
  retries: 1
  rate_limit_pps: 0
  credentials:
    - version: 2c
      community: public
agent:
  state_dir: {state_dir}
"""


def scan_once(a, work, recs):
    sim = start_sim(a, work, recs)
    try:
        config = os.path.join(work, "scan-once.yaml")
        with open(config, "w") as f:
            f.write(snmp_config(a, os.path.join(work, "state-once")))
        out = os.path.join(work, "scan-once.json")
        timing = os.path.join(work, "time")
        with open(out, "wb") as o, open(out + ".err", "wb") as e:
            status = subprocess.run(["/usr/bin/time", "-f", "%e %U %S %M", "-o", timing,
                                     a.agent, "--config", config, "--scan-once", "--format",
                                     "json"], stdout=o, stderr=e, check=False).returncode
        wall, user, system, rss_kb = open(timing).read().split()[-4:]
        with open(out, encoding="utf-8") as f:
            printers = len(re.findall(r'"communication":', f.read()))
        return {"mode": "scan-once", "exit": status, "wall": float(wall),
                "cpu": float(user) + float(system), "peak_mb": int(rss_kb) * 1024 / MB,
                "printers": printers}
    finally:
        sim.stop()


def daemon(a, work, recs):
    procs = {}
    try:
        procs["sim"] = start_sim(a, work, recs)
        pki = os.path.join(work, "pki")
        subprocess.run([os.path.join(a.source, "scripts/lib/make-test-pki"), pki], check=True,
                       stdout=subprocess.DEVNULL)
        procs["cloud"] = Proc([a.emulator, "--listen", "127.0.0.1:0",
                               "--cert", os.path.join(pki, "server.pem"),
                               "--key", os.path.join(pki, "server.key"),
                               "--db", os.path.join(work, "cloud.db"),
                               "--admin", "127.0.0.1:0", "--log-level", "warn"],
                              os.path.join(work, "cloud.out"), os.path.join(work, "cloud.err"))
        m = wait_for(r"listening https=127\.0\.0\.1:(\d+) admin=127\.0\.0\.1:(\d+)",
                     procs["cloud"].out, procs["cloud"])
        admin = f"http://127.0.0.1:{m.group(2)}"
        config = os.path.join(work, "daemon.yaml")
        with open(config, "w") as f:
            f.write(snmp_config(a, os.path.join(work, "state-daemon")) + f"""scan:
  interval: 1s
cloud:
  url: https://127.0.0.1:{m.group(1)}
  ca_file: {os.path.join(pki, "ca.pem")}
  drain_rate: 600
log:
  level: info
""")
        code = http("POST", admin + "/admin/activation-codes")["code"]
        subprocess.run([a.agent, "--config", config, "activate", "--code", code], check=True,
                       capture_output=True, timeout=120)
        log = os.path.join(work, "daemon.err")
        procs["agent"] = Proc([a.agent, "--config", config], os.path.join(work, "daemon.out"), log)
        started = time.time()
        printers = [int(p) for p in re.findall(
            r"scan done cycle=\d+ .*? printers=(\d+) ",
            wait_for(r"scan done cycle=3 .*", log, procs["agent"], seconds=a.limit).string)]
        _, hwm = proc_status(procs["agent"].pid)
        with open(f"/proc/{procs['agent'].pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return {"mode": "daemon, 2 cycles", "exit": 0, "wall": time.time() - started, "cpu": cpu,
                "peak_mb": hwm / MB, "printers": printers[1] if len(printers) > 1 else 0}
    finally:
        for name in ("agent", "cloud", "sim"):
            if procs.get(name):
                procs[name].stop()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_fleet_args(ap, 10000, "127.46.0.0/16", 17197)
    ap.add_argument("--minimal", action="store_true", help="printers without supply tables")
    ap.add_argument("--mode", choices=("scan-once", "daemon", "both"), default="both")
    ap.add_argument("--limit", type=int, default=900, help="seconds the daemon may take")
    ap.add_argument("--keep", help="work in this directory and keep it")
    a = ap.parse_args()
    work = a.keep or tempfile.mkdtemp(prefix="fleet-cycle.")
    os.makedirs(work, exist_ok=True)
    try:
        recs = recordings(a.source, work, a.minimal)
        kind = "minimal" if a.minimal else "full supplies"
        rows = []
        if a.mode in ("scan-once", "both"):
            rows.append(scan_once(a, work, recs))
        if a.mode in ("daemon", "both"):
            rows.append(daemon(a, work, recs))
        for r in rows:
            print(f"{r['mode']}\t{a.printers} {kind}\texit {r['exit']}\twall {r['wall']:.2f} s\t"
                  f"cpu {r['cpu']:.2f} s\tpeak {r['peak_mb']:.1f} MB\tprinters {r['printers']}")
        return 0 if all(r["exit"] == 0 for r in rows) else 1
    finally:
        if not a.keep:
            subprocess.run(["rm", "-rf", work], check=False)


if __name__ == "__main__":
    sys.exit(main())
