#!/usr/bin/env python3
"""Writes the billing-meter test recordings of the function splits issue 15 added for Canon,
Konica Minolta and Xerox (print and copy apart, their mono and colour sides;
docs/printer-profiles.md, "Shipped counters"), and expected-meters.json beside them.

No public walk carries these counters, so each recording is a device built value by value from
the public documentation named in snmp/profiles/<vendor>.yaml, around the standard objects a real
device answers. No value comes from a device: serials, MACs (locally administered 02:5a:3c:43:...)
and counters are invented, and the totals add up (the comments show the sums). Objects a profile
does not ship (Canon scans and fax, Konica Minolta large pages and scans, Xerox fax and copies) are
answered too, to show they are not reported. Run `python3 make_recordings.py` here.
"""
import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from recording import CMYK, base, write_all  # noqa: E402  (tests/data/recording.py)

MAC_PREFIX = "025a3c4300"
CANON_COUNTER = "1.3.6.1.4.1.1602.1.11.1.3.1.4."  # counter table by Canon counter id
CANON_NAMED = "1.3.6.1.4.1.1602.1.11.2.1.1."      # named table: .2 name, .3 value, by position
KM = "1.3.6.1.4.1.18334.1.1.1.5.7.2."             # Konica Minolta printer counters
XEROX = "1.3.6.1.4.1.253.8.53.13.2.1.6.1.20."     # xcmHrDevDetailValueInteger, printer row


def canon_device(name, sys_descr, model, serial, mac_last, lifetime, sys_object_id):
    r = base(f"Canon {sys_descr} /P", sys_object_id, name, f"Canon {sys_descr}", serial,
             mac_last, lifetime, mac_prefix=MAC_PREFIX)
    r["1.3.6.1.4.1.1602.1.1.1.1.0"] = ("4", model)
    r["1.3.6.1.4.1.1602.1.1.1.4.0"] = ("4", "83.02")
    return r


def canon_ids():
    # iR-ADV C5850i, a colour MFP with fax, counters by Canon id. Black 108 "Total (Black 1)"
    # 91340 = large 112 3120 + small 113 88220; colour 122 1875 + 123 56785 = 58660; 101 "Total 1"
    # 150000 = 91340 + 58660. Functions: 301 "Print (Total 1)" 98000 + 201 "Copy (Total 1)" 50500
    # = 148500; the other 1500 pages of 101 are received faxes and reports, which no shipped
    # counter names. 501 "Scan (Total 1)" 31250 and the colour print rows 321/322 are answered and
    # not reported (canon.yaml: scans' kind and those rows' ids are not settled).
    r = canon_device("CNC5850A", "iR-ADV C5850", "iR-ADV C5850", "2WX01198", "01", 150012,
                     "1.3.6.1.4.1.1602.4.7")
    for counter_id, value in {101: 150000, 108: 91340, 112: 3120, 113: 88220, 122: 1875,
                              123: 56785, 201: 50500, 301: 98000, 321: 410, 322: 39050,
                              501: 31250}.items():
        r[f"{CANON_COUNTER}{counter_id}"] = ("65", str(value))
    expected = {"lifetimeCount": 150012, "totalCount": 150000, "monoCount": 91340,
                "colorCount": 58660, "monoLargeCount": 3120, "colorLargeCount": 1875,
                "printCount": 98000, "copyCount": 50500}
    return r, expected


# The named table's rows as an MF642C shows them (a published walk: rows 1, 17, 25 named
# "Total 1", "Copy (Total 1)", "Print (Total 1)"), with the other names GLPI reads at positions
# of our own. One name is hex-encoded in the file (tag 4x), as some agents send the bytes.
CANON_MF_ROWS = [
    (1, "Total 1", 9026),
    (4, "Total (Black 1)", 5100),
    (9, "Total (Full Color + Single Color/Large)", 120),
    (10, "Total (Full Color + Single Color/Small)", 3806),
    (17, "Copy (Total 1)", 354),
    (25, "Print (Total 1)", 8672),
    (33, "Scan (Total 1)", 1410),
]


def canon_named():
    # i-SENSYS MF746Cx, a colour MF model that answers the named table only. "Total 1" 9026 =
    # "Print (Total 1)" 8672 + "Copy (Total 1)" 354 (as on the published MF642C walk) = black
    # 5100 + colour 120 + 3806. Scans (row 33) are not reported.
    r = canon_device("CNMF746C", "MF741C/743C", "MF741C/743C", "3FE44102", "02", 9026,
                     "1.3.6.1.4.1.1602.4.1")
    for position, label, value in CANON_MF_ROWS:
        if label == "Copy (Total 1)":
            r[f"{CANON_NAMED}2.{position}"] = ("4x", label.encode().hex())
        else:
            r[f"{CANON_NAMED}2.{position}"] = ("4", label)
        r[f"{CANON_NAMED}3.{position}"] = ("65", str(value))
    expected = {"lifetimeCount": 9026, "totalCount": 9026, "monoCount": 5100,
                "colorCount": 3926, "printCount": 8672, "copyCount": 354}
    return r, expected


def konica_modes(r, function, modes, large=()):
    """2.2.1.5.<mode>.<function> (mode 1 black, 2 full colour, 3 single colour, 4 two colours;
    function 1 copy, 2 print) and the large-page column 2.2.1.7 (not shipped)."""
    for mode, value in enumerate(modes, start=1):
        r[f"{KM}2.1.5.{mode}.{function}"] = ("2", str(value))
    for mode, value in enumerate(large, start=1):
        r[f"{KM}2.1.7.{mode}.{function}"] = ("2", str(value))


def konica():
    # bizhub C659, a colour MFP. Copies: black 30120 + full colour 14210 + single colour 630 +
    # two colours 1480 (colour copies 16320); prints: black 61005 + full colour 40330 (+ 0 + 0).
    # Total 2.1.1.0 = 30120 + 16320 + 61005 + 40330 = 147775. Large pages, scans 3.1.5.1 and
    # 2.1.5.0 and duplex 2.1.3.0 are answered and not reported (konica.yaml).
    r = base("KONICA MINOLTA bizhub C659", "1.3.6.1.4.1.18334.1.2.1.2.1.155.3.1", "KMBT6C5903",
             "KONICA MINOLTA bizhub C659", "AA2J021012345", "03", 147790, mac_prefix=MAC_PREFIX)
    r["1.3.6.1.4.1.18334.1.1.1.1.6.1.0"] = ("4", "GC7-M0")
    r["1.3.6.1.4.1.18334.1.1.1.1.6.2.1.0"] = ("4", "KONICA MINOLTA bizhub C659")
    r[f"{KM}1.1.0"] = ("2", "147775")
    r[f"{KM}1.3.0"] = ("2", "52240")
    r[f"{KM}1.5.0"] = ("2", "22460")
    r[f"{KM}3.1.5.1"] = ("2", "22460")
    konica_modes(r, 1, [30120, 14210, 630, 1480], large=[1210, 640, 20, 45])
    konica_modes(r, 2, [61005, 40330, 0, 0], large=[2230, 1820, 0, 0])
    expected = {"lifetimeCount": 147790, "totalCount": 147775, "monoCopySideCount": 30120,
                "colorCopySideCount": 16320, "monoPrintSideCount": 61005,
                "colorPrintSideCount": 40330}
    return r, expected


def xerox():
    # AltaLink C8170, a colour MFP. 20.1 total 203400 = black 20.34 121900 + colour 20.33 81500.
    # Prints: black 20.7 84300 + colour 20.29 61250 = 145550 (<= total; copies, faxes and reports
    # are the rest). Large 20.44 4100 + 20.43 2900 = 20.47 7000. Fax 20.71 1280 is answered and
    # not reported (one public reader).
    r = base("Xerox AltaLink C8170; SS 103.002.012.04100, NC 103.012.04100, UI 103.012.04100",
             "1.3.6.1.4.1.253.8.62.1.26.2.10.1", "XRX8170A", "Xerox AltaLink C8170",
             "3TB412345", "04", 203400, mac_prefix=MAC_PREFIX)
    for row, value in {1: 203400, 7: 84300, 29: 61250, 33: 81500, 34: 121900, 43: 2900,
                       44: 4100, 47: 7000, 71: 1280}.items():
        r[f"{XEROX}{row}"] = ("65", str(value))
    expected = {"lifetimeCount": 203400, "totalCount": 203400, "monoCount": 121900,
                "colorCount": 81500, "monoLargeCount": 4100, "colorLargeCount": 2900,
                "largeCount": 7000, "monoPrintSideCount": 84300, "colorPrintSideCount": 61250,
                "printCount": 145550}
    return r, expected


def xerox_mono():
    # B8145, a mono MFP: the colour rows 20.33, 20.29 and 20.43 answer 0 (the model lacks colour:
    # left out); printCount = 20.7 + 0. Total 20.1 58240 = black 20.34; prints 40115.
    r = base("Xerox AltaLink B8145; SS 103.008.012.04100", "1.3.6.1.4.1.253.8.62.1.26.2.11.1",
             "XRX8145B", "Xerox AltaLink B8145", "4PC508812", "05", 58240,
             supplies=[("Black Toner", 44)], mac_prefix=MAC_PREFIX)
    for row, value in {1: 58240, 7: 40115, 29: 0, 33: 0, 34: 58240, 43: 0, 44: 1650,
                       47: 1650}.items():
        r[f"{XEROX}{row}"] = ("65", str(value))
    expected = {"lifetimeCount": 58240, "totalCount": 58240, "monoCount": 58240,
                "monoLargeCount": 1650, "largeCount": 1650, "monoPrintSideCount": 40115,
                "printCount": 40115}
    return r, expected


def main():
    write_all(HERE, [("canon_iradv_c5850.snmprec", canon_ids),
                     ("canon_mf746c.snmprec", canon_named),
                     ("konica_bizhub_c659.snmprec", konica),
                     ("xerox_altalink_c8170.snmprec", xerox),
                     ("xerox_altalink_b8145.snmprec", xerox_mono)])


if __name__ == "__main__":
    main()
