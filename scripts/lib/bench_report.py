#!/usr/bin/env python3
"""Prints scripts/bench's table: one row per tool and range, then fleet-agent's ratios.

Input: results.tsv lines `tool range exit wall user sys rss_kb packets output`; next to each
output file, `<output>.map` is the simulator's map (ip, index, recording, serial, page_count, ...)
and, for FusionInventory, `<output>.dir` names its --save folder.
"""
import glob
import json
import os
import re
import sys
import xml.etree.ElementTree as ET


def load_map(path):
    rows = {}
    with open(path) as f:
        for line in f:
            cols = line.rstrip("\n").split("\t")
            if cols[0] == "ip" or len(cols) < 5:
                continue
            rows[cols[0]] = {"serial": cols[3], "pages": cols[4]}
    return rows


def score_agent(out, truth):
    try:
        with open(out) as f:
            doc = json.load(f)
    except (OSError, ValueError):
        return None, None
    found = correct = 0
    for p in doc.get("printers", []):
        t = truth.get(p.get("ip"))
        if not t:
            continue
        found += 1
        if p.get("serial") == t["serial"] and str(p.get("lifetime_page_count")) == t["pages"]:
            correct += 1
    return found, correct


def score_braa(out, truth):
    seen = {}
    # id:ip:NNms:last-arc:value (braa prints a query's /id first)
    line_re = re.compile(r"^([a-z]+):(\d+\.\d+\.\d+\.\d+):\d+ms:[^:]*:(.*)$")
    with open(out, errors="replace") as f:
        for line in f:
            m = line_re.match(line.strip())
            if m:
                seen.setdefault(m.group(2), {})[m.group(1)] = m.group(3).strip()
    found = sum(1 for ip in seen if ip in truth)
    correct = sum(1 for ip, v in seen.items() if ip in truth and
                  v.get("serial") == truth[ip]["serial"] and v.get("pages") == truth[ip]["pages"])
    return found, correct


def score_onesixtyone(out, truth):
    found = set()
    with open(out, errors="replace") as f:
        for line in f:
            m = re.match(r"^(\d+\.\d+\.\d+\.\d+) \[", line)
            if m and m.group(1) in truth:
                found.add(m.group(1))
    return len(found), None  # reads no serial or page count


def score_fusion(folder, truth):
    # One netinventory/<ip>.xml per device inventoried; the IPs inside are the device's own
    # interface addresses (from the recording), so the file name says which address it was.
    found = correct = 0
    for path in glob.glob(os.path.join(folder, "netinventory", "*.xml")):
        ip = os.path.basename(path)[:-len(".xml")]
        if ip not in truth:
            continue
        try:
            root = ET.parse(path).getroot()
        except ET.ParseError:
            continue
        device = root.find(".//DEVICE")
        if device is None or (device.findtext("INFO/TYPE") or "") != "PRINTER":
            continue
        found += 1
        serial = (device.findtext("INFO/SERIAL") or "").strip()
        pages = (device.findtext("PAGECOUNTERS/TOTAL") or "").strip()
        if serial == truth[ip]["serial"] and pages == truth[ip]["pages"]:
            correct += 1
    return found, correct


def curve(path):
    print(f"\n{'range:printers':<16}{'wall s':>8}{'CPU s':>8}{'RSS MB':>8}{'packets':>9}{'found':>7}{'ok':>7}")
    with open(path) as f:
        for line in f:
            tool, rng, status, wall, user, sys_, rss, packets, out = line.rstrip("\n").split("\t")
            found, correct = score_agent(out, load_map(out + ".map"))
            print(f"{rng:<16}{float(wall):>8.2f}{float(user) + float(sys_):>8.2f}"
                  f"{int(rss) / 1024:>8.1f}{packets:>9}{found:>7}{correct:>7}")


def main():
    if sys.argv[1] == "--curve":
        curve(sys.argv[2])
        return
    results, rate = sys.argv[1], int(sys.argv[2])
    rows = []
    with open(results) as f:
        for line in f:
            tool, rng, status, wall, user, sys_, rss, packets, out = line.rstrip("\n").split("\t")
            truth = load_map(out + ".map")
            if tool.startswith("fleet-agent"):
                found, correct = score_agent(out, truth)
            elif tool == "braa":
                found, correct = score_braa(out, truth)
            elif tool == "onesixtyone":
                found, correct = score_onesixtyone(out, truth)
            else:
                folder = open(out + ".dir").read().strip()
                found, correct = score_fusion(folder, truth)
            rows.append(dict(tool=tool, range=rng, status=int(status), wall=float(wall),
                             cpu=float(user) + float(sys_), rss=int(rss) / 1024.0,
                             packets=int(packets), printers=len(truth), found=found,
                             correct=correct))

    def cell(v, fmt="{}"):
        return "-" if v is None else fmt.format(v)

    header = ("tool", "range", "printers", "exit", "wall s", "CPU s", "peak RSS MB", "packets",
              "found", "serial+pages ok")
    table = [header]
    for r in rows:
        status = "ok" if r["status"] == 0 else ("timeout" if r["status"] == 124 else str(r["status"]))
        table.append((r["tool"], r["range"], str(r["printers"]), status, f"{r['wall']:.2f}",
                      f"{r['cpu']:.2f}", f"{r['rss']:.1f}", str(r["packets"]),
                      cell(r["found"]), cell(r["correct"])))
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    print()
    for i, row in enumerate(table):
        print("  ".join(c.ljust(w) if j < 2 else c.rjust(w) for j, (c, w) in enumerate(zip(row, widths))))
        if i == 0:
            print("  ".join("-" * w for w in widths))

    print("\nfleet-agent compared (peer / fleet-agent: above 1 means fleet-agent is faster or leaner;"
          "\n braa against fleet-agent-retries0, the same one packet per address)")
    agent = {r["range"]: r for r in rows if r["tool"] == "fleet-agent"}
    retries0 = {(r["range"], "r0"): r for r in rows if r["tool"] == "fleet-agent-retries0"}
    for r in rows:
        if r["tool"].startswith("fleet-agent") or r["range"] not in agent:
            continue
        a = agent[r["range"]]
        if r["tool"] == "braa" and (r["range"], "r0") in retries0:
            a = retries0[(r["range"], "r0")]  # braa retries nothing: compare like with like
        print(f"  {r['range']:>4} vs {r['tool']:<16} wall x{r['wall'] / a['wall']:.1f}  "
              f"CPU x{r['cpu'] / max(a['cpu'], 0.01):.1f}  RSS x{r['rss'] / a['rss']:.1f}"
              + ("" if r["status"] == 0 else f"  (peer exit {r['status']})"))

    limited = [r for r in rows if r["tool"].startswith("fleet-agent@")]
    for r in limited:
        ideal = r["packets"] / rate
        print(f"\nrate-limited {r['range']} at {rate} packets/s: {r['packets']} packets, "
              f"packets/limit {ideal:.2f} s, wall {r['wall']:.2f} s "
              f"({(r['wall'] / ideal - 1) * 100:+.0f} %; includes the last packet's 1 s timeout)")

    print("\ntargets (issue 5): /16 with 1,000 printers <= 10 s wall, <= 3 s CPU, RSS <= 48 MB "
          "for every range")
    for r in agent.values():
        print(f"  {r['range']:>4}: wall {r['wall']:.2f} s, CPU {r['cpu']:.2f} s, "
              f"RSS {r['rss']:.1f} MB, {r['correct']}/{r['printers']} printers read correctly")


if __name__ == "__main__":
    main()
