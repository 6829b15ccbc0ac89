#!/usr/bin/env python3
"""Writes the billing-meter test recordings of the vendor gaps closed in issue 15
(docs/printer-profiles.md, "Shipped counters"), and expected-meters.json beside them.

No public walk carries these counters, so each recording is a device built value by value from
the public documentation named in snmp/profiles/<vendor>.yaml, around the standard objects a real
device answers. No value comes from a device: serials, MACs (locally administered 02:5a:3c:42:...)
and counters are invented, and the totals add up. Run `python3 make_recordings.py` here.
"""
import json
import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from recording import base, write  # noqa: E402  (tests/data/recording.py)

KYOCERA = "1.3.6.1.4.1.1347."


def kyocera_modes(r, function, modes):
    """kmMFPColorModeCounterTable 42.3.1.2.1.1.<function>.<mode>: mode 1 black & white, 2 single
    colour, 3 full colour (KMCOMMON-MIB; the readers named in kyocera.yaml)."""
    for mode, value in enumerate(modes, start=1):
        r[f"{KYOCERA}42.3.1.2.1.1.{function}.{mode}"] = ("2", str(value))


def kyocera_mfp():
    # TASKalfa 6054ci, a colour MFP with fax. Printer 210925 = 120400 black & white + 2310 single
    # colour + 88215 full colour; copier 56060 = 40120 + 610 + 15330; fax 2150 black & white.
    # kcprtMarkerServiceCount 269135 = printer + copier + fax; prtMarkerLifeCount 271020 differs
    # (as on real Kyocera devices). Scanned originals: copy 30210 + fax 1875 + other (scan-to-send)
    # 25470 = 57555.
    r = base("KYOCERA Document Solutions Printing System", "1.3.6.1.4.1.1347.41",
             "KM6054A1", "TASKalfa 6054ci", "", "01", 271020, mac_prefix="025a3c4200")
    del r["1.3.6.1.2.1.43.5.1.1.17.1"]  # Kyocera: serial only in its subtree
    r.update({
        KYOCERA + "42.3.1.1.1.1.1": ("2", "210925"),
        KYOCERA + "42.3.1.1.1.1.2": ("2", "56060"),
        KYOCERA + "42.3.1.1.1.1.4": ("2", "2150"),
        KYOCERA + "42.3.1.3.1.1.2": ("2", "30210"),
        KYOCERA + "42.3.1.3.1.1.4": ("2", "1875"),
        KYOCERA + "42.3.1.4.1.1.1": ("2", "25470"),
        KYOCERA + "43.5.1.1.1.1": ("4", "TASKalfa 6054ci"),
        KYOCERA + "43.5.1.1.28.1": ("4", "W5A2Y00123"),
        KYOCERA + "43.5.4.1.5.1.1": ("4", "2XN_S000.003.104"),
        KYOCERA + "43.10.1.1.12.1.1": ("2", "269135"),
    })
    kyocera_modes(r, 1, [120400, 2310, 88215])
    kyocera_modes(r, 2, [40120, 610, 15330])
    kyocera_modes(r, 4, [2150])
    expected = {"lifetimeCount": 271020, "totalCount": 269135, "printCount": 210925,
                "copyCount": 56060, "faxCount": 2150, "monoPrintSideCount": 120400,
                "colorPrintSideCount": 90525, "monoCopySideCount": 40120,
                "colorCopySideCount": 15940, "scanCount": 25470, "totalScanCount": 57555}
    return r, expected


def kyocera_printer():
    # ECOSYS P6235cdn, a colour printer without scanner, copier or fax: those rows answer 0 (the
    # model lacks the function, not a reading). Its colour pages are in mode 2, as a public
    # Python billing script reads ECOSYS models; mode 3 is 0. Printer 18450 = 11200 + 7250.
    r = base("KYOCERA Document Solutions Printing System", "1.3.6.1.4.1.1347.41",
             "KM6235B2", "ECOSYS P6235cdn", "", "02", 18461, mac_prefix="025a3c4200")
    del r["1.3.6.1.2.1.43.5.1.1.17.1"]
    r.update({
        KYOCERA + "42.3.1.1.1.1.1": ("2", "18450"),
        KYOCERA + "42.3.1.1.1.1.2": ("2", "0"),
        KYOCERA + "42.3.1.1.1.1.4": ("2", "0"),
        KYOCERA + "42.3.1.3.1.1.2": ("2", "0"),
        KYOCERA + "42.3.1.3.1.1.4": ("2", "0"),
        KYOCERA + "42.3.1.4.1.1.1": ("2", "0"),
        KYOCERA + "43.5.1.1.1.1": ("4", "ECOSYS P6235cdn"),
        KYOCERA + "43.5.1.1.28.1": ("4", "VCF9Z04567"),
        KYOCERA + "43.5.4.1.5.1.1": ("4", "2V9_S000.002.303"),
        KYOCERA + "43.10.1.1.12.1.1": ("2", "18450"),
    })
    kyocera_modes(r, 1, [11200, 7250, 0])
    kyocera_modes(r, 2, [0, 0, 0])
    kyocera_modes(r, 4, [0])
    expected = {"lifetimeCount": 18461, "totalCount": 18450, "printCount": 18450,
                "monoPrintSideCount": 11200, "colorPrintSideCount": 7250}
    return r, expected


def main():
    expected = {}
    for name, build in [("kyocera_taskalfa_6054ci.snmprec", kyocera_mfp),
                        ("kyocera_ecosys_p6235cdn.snmprec", kyocera_printer)]:
        rows, counters = build()
        write(HERE / name, rows)
        expected[name] = counters
    (HERE / "expected-meters.json").write_text(json.dumps(expected, indent=2, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
