#!/usr/bin/env python3
"""Writes the vendor billing-meter test recordings (docs/printer-profiles.md, "Shipped counters").

Each recording is a colour MFP built value by value from the public documentation of its vendor's
counter table (the sources named in snmp/profiles/<vendor>.yaml), around the standard objects a
real device answers (MIB-II system, Host-Resources printer row, Printer-MIB general/marker/
supplies, one Ethernet interface). No value comes from a device: serials, MACs and counters are
invented, MACs are locally administered (02:5a:3c:...). Run `python3 make_recordings.py` here.
"""
import json
import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from recording import CMYK, base, kyocera_base, write  # noqa: E402  (tests/data/recording.py)


def kyocera():
    # TASKalfa 3554ci. Printer 52410 = 30125 mono + 1250 single colour + 21035 full colour;
    # copier 18230 = 11020 + 430 + 6780; fax 1150 mono. kcprtMarkerServiceCount = 71790, the sum;
    # prtMarkerLifeCount 72312 differs, as it does on real Kyocera devices.
    r = kyocera_base("KM4D21A7", "TASKalfa 3554ci", "01", 72312)
    k = "1.3.6.1.4.1.1347."
    r.update({
        k + "42.3.1.1.1.1.1": ("2", "52410"),
        k + "42.3.1.1.1.1.2": ("2", "18230"),
        k + "42.3.1.1.1.1.4": ("2", "1150"),
        k + "42.3.1.2.1.1.1.1": ("2", "30125"),
        k + "42.3.1.2.1.1.1.2": ("2", "1250"),
        k + "42.3.1.2.1.1.1.3": ("2", "21035"),
        k + "42.3.1.2.1.1.2.1": ("2", "11020"),
        k + "42.3.1.2.1.1.2.2": ("2", "430"),
        k + "42.3.1.2.1.1.2.3": ("2", "6780"),
        k + "42.3.1.2.1.1.4.1": ("2", "1150"),
        k + "43.5.1.1.1.1": ("4", "TASKalfa 3554ci"),
        k + "43.5.1.1.28.1": ("4", "W4K9X71234"),
        k + "43.5.4.1.5.1.1": ("4", "2V0_S000.002.201"),
        k + "43.10.1.1.12.1.1": ("2", "71790"),
    })
    return r


RICOH_ROWS = [  # (ricohEngCounterName, ricohEngCounterValue)
    ("Counter: Machine Total", 154870),
    ("Counter:Copy:Total", 40210),
    ("Counter:Copy:Black & White", 17650),
    ("Counter:Copy:Single/Two-color", 1320),
    ("Counter:Copy:Full Color", 21240),
    ("Counter:FAX:Total", 2115),
    ("Counter:FAX:Black & White", 2115),
    ("Counter:Print:Total", 112545),
    ("Counter:Print:Black & White", 70110),
    ("Counter:Print:Single/Two-col.", 980),
    ("Counter:Print:Full Color", 41455),
]


def ricoh():
    # IM C4500: copy 17650 + 1320 + 21240 = 40210, print 70110 + 980 + 41455 = 112545,
    # machine total = copy + fax + print = 154870 = prtMarkerLifeCount.
    r = base("RICOH IM C4500 1.09 / RICOH Network Printer C model / RICOH Network Scanner C model",
             "1.3.6.1.4.1.367.1.1", "RNP025A3C400002", "RICOH IM C4500", "", "02", 154870, CMYK)
    del r["1.3.6.1.2.1.43.5.1.1.17.1"]  # Ricoh: the engine serial is in its subtree
    k = "1.3.6.1.4.1.367.3.2.1."
    r[k + "1.1.1.0"] = ("4", "RICOH IM C4500")
    r[k + "1.1.2.0"] = ("4", "1.09")
    r[k + "2.1.4.0"] = ("4", "3120R740118")
    r[k + "2.19.1.0"] = ("2", "154870")
    for i, (name, value) in enumerate(RICOH_ROWS, start=1):
        r[f"{k}2.19.5.1.5.{i}"] = ("4", name)
        r[f"{k}2.19.5.1.9.{i}"] = ("2", str(value))
    return r


def xerox():
    # AltaLink C8045: 84512 impressions = 31204 colour + 53308 black; large: 2210 colour,
    # 3120 black; 47: 5330 large = 2210 + 3120 (71: 640 fax, not shipped).
    r = base("Xerox AltaLink C8045; SS 103.002.031.11320, NC 103.031.11320, UI 103.031.11320",
             "1.3.6.1.4.1.253.8.62.1.34.1.4.1", "XRX9C934E5A0003", "Xerox AltaLink C8045",
             "4YC351207", "03", 84512, CMYK)
    k = "1.3.6.1.4.1.253.8.53.13.2.1.6.1.20."
    for n, v in [(1, 84512), (33, 31204), (34, 53308), (43, 2210), (44, 3120), (47, 5330),
                 (71, 640)]:
        r[f"{k}{n}"] = ("65", str(v))
    return r


def canon():
    # iR-ADV C5535: 101 Total 1 = 112 + 113 + 122 + 123 = 231450 = prtMarkerLifeCount; no 108,
    # so black is 112 + 113 = 128450 and colour 122 + 123 = 103000. 301 "Print (Total 1)" 180220
    # is the printer function (issue 15's function split); 501 scans are not shipped.
    r = base("Canon iR-ADV C5535 /P", "1.3.6.1.4.1.1602.4.7", "CNB5C0A3", "Canon iR-ADV C5535",
             "XLM04412", "04", 231450, CMYK)
    r["1.3.6.1.4.1.1602.1.1.1.1.0"] = ("4", "iR-ADV C5535")
    r["1.3.6.1.4.1.1602.1.1.1.4.0"] = ("4", "75.01")
    k = "1.3.6.1.4.1.1602.1.11.1.3.1.4."
    for n, v in [(101, 231450), (112, 8120), (113, 120330), (122, 6410), (123, 96590),
                 (301, 180220), (501, 40110)]:
        r[f"{k}{n}"] = ("65", str(v))
    return r


def konica():
    # bizhub C458: total 98765 = copies 22100 black + 12345 colour, prints 40120 + 24200.
    r = base("KONICA MINOLTA bizhub C458", "1.3.6.1.4.1.18334.1.2.1.2.1.118.3.1",
             "KMBT5A3C05", "KONICA MINOLTA bizhub C458", "A7PU021004321", "05", 98765, CMYK)
    k = "1.3.6.1.4.1.18334.1.1.1."
    r[k + "1.6.1.0"] = ("4", "G00-R1")
    r[k + "1.6.2.1.0"] = ("4", "KONICA MINOLTA bizhub C458")
    for oid, v in [("5.7.2.1.1.0", 98765), ("5.7.2.1.3.0", 20110), ("5.7.2.2.1.5.1.1", 22100),
                   ("5.7.2.2.1.5.1.2", 40120), ("5.7.2.2.1.5.2.1", 12345),
                   ("5.7.2.2.1.5.2.2", 24200), ("5.7.2.3.1.5.1", 3050)]:
        r[k + oid] = ("2", str(v))
    return r


# What the agent must report for each recording: every shipped counter of its profile, and no
# other (docs/printer-profiles.md, "Shipped counters"). Read by tests/unit/snmp/vendor_meters_test
# and tests/integration/meters_brother_test.
EXPECTED = {
    "kyocera_taskalfa_3554ci.snmprec": {
        "lifetimeCount": 72312, "totalCount": 71790, "printCount": 52410, "copyCount": 18230,
        "faxCount": 1150, "monoPrintSideCount": 30125, "monoCopySideCount": 11020,
        # Colour = every mode but black & white (single 1250 + full 21035; 430 + 6780).
        "colorPrintSideCount": 22285, "colorCopySideCount": 7210},
    "ricoh_im_c4500.snmprec": {
        "lifetimeCount": 154870, "totalCount": 154870, "printCount": 112545,
        "monoPrintSideCount": 70110, "copyCount": 40210, "monoCopySideCount": 17650,
        "faxCount": 2115,
        # Colour = "Full Color" + "Single/Two-color" rows: 41455 + 980, 21240 + 1320.
        "colorPrintSideCount": 42435, "colorCopySideCount": 22560},
    "xerox_altalink_c8045.snmprec": {
        "lifetimeCount": 84512, "totalCount": 84512, "monoCount": 53308, "colorCount": 31204,
        "monoLargeCount": 3120, "colorLargeCount": 2210, "largeCount": 5330},
    "canon_iradv_c5535.snmprec": {
        "lifetimeCount": 231450, "totalCount": 231450, "monoCount": 128450,
        "colorCount": 103000, "monoLargeCount": 8120, "colorLargeCount": 6410,
        "printCount": 180220},
    "konica_bizhub_c458.snmprec": {
        "lifetimeCount": 98765, "totalCount": 98765, "monoCopySideCount": 22100,
        "monoPrintSideCount": 40120, "colorPrintSideCount": 24200},
}

if __name__ == "__main__":
    write(HERE / "kyocera_taskalfa_3554ci.snmprec", kyocera())
    write(HERE / "ricoh_im_c4500.snmprec", ricoh())
    write(HERE / "xerox_altalink_c8045.snmprec", xerox())
    write(HERE / "canon_iradv_c5535.snmprec", canon())
    write(HERE / "konica_bizhub_c458.snmprec", konica())
    (HERE / "expected-meters.json").write_text(json.dumps(EXPECTED, indent=2) + "\n")
