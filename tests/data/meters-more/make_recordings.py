#!/usr/bin/env python3
"""Writes the Lexmark and Epson billing-meter test recordings (docs/printer-profiles.md,
"Shipped counters"), and expected-meters.json beside them.

No public walk carries these vendors' counter objects, so each recording is a printer built value
by value from the public documentation named in snmp/profiles/<vendor>.yaml (Lexmark: its
LEXMARK-MPS-MIB paperGeneralCountTable; Epson: the 1248.1.2.2.27.1.1 counters as the public meter
readers there read them), around the standard objects a real device answers. No value comes from
a device: serials, MACs (locally administered 02:5a:3c:...) and counters are invented, and the
totals add up. Run `python3 make_recordings.py` here.
"""
import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
from recording import base, write_all  # noqa: E402  (tests/data/recording.py)


# LEXMARK-MPS-MIB paperGeneralCountTable 641.6.4.2.1 (index deviceIndex.paperGeneralCountIndex):
# column 2 paperGeneralCountType, 3 paperGeneralCountUnits (UnitsTC: 4 sides, 5 sheets),
# 4 paperGeneralCountValue. The rows, in the order the device lists them (the index is a position,
# the type says what the row counts).
LEXMARK_ROWS = [
    # (type, units, value)   type names from the MIB's PaperGeneralCountType
    (1, 5, 61240),    # totalPicked: sheets picked (duplex sheets once)
    (2, 4, 84512),    # totalSafe = 53308 + 31204
    (3, 4, 53308),    # totalMonoSafe
    (4, 4, 31204),    # totalColorSafe
    (16, 4, 60120),   # printTotal = 38710 + 21410
    (17, 4, 38710),   # printMono
    (18, 4, 21410),   # printColor
    (32, 4, 22870),   # copyTotal = 13076 + 9794
    (33, 4, 13076),   # copyMono
    (34, 4, 9794),    # copyColor
    (48, 4, 1522),    # faxTotal (received faxes printed): mono only
    (49, 4, 1522),    # faxMono
    (50, 4, 0),       # faxColor
    (64, 4, 310),     # blankTotal: not shipped
    (80, 4, 84512),   # printerPageCount: not shipped (one source)
]


def lexmark():
    # CX725de. 60120 print + 22870 copy + 1522 fax = 84512 = totalSafe = mono + colour.
    # prtMarkerLifeCount 84830 differs from the vendor total (it counts blank pages too).
    r = base("Lexmark CX725 version CXTPP.230.037 kernel 4.11.0 All-N-1",
             "1.3.6.1.4.1.641.1.5.7.55", "ET0021B7", "Lexmark CX725", "7531A0LMX", "01", 84830,
             mac_prefix="025a3c4100", general_model=False)
    mps = "1.3.6.1.4.1.641.6.4.2.1.1."
    # Shuffled on purpose: index 1 is not the first type.
    for index, (kind, units, value) in zip([7, 1, 3, 12, 2, 15, 4, 9, 5, 11, 6, 13, 8, 14, 10],
                                           LEXMARK_ROWS):
        r[f"{mps}2.1.{index}"] = ("2", str(kind))
        r[f"{mps}3.1.{index}"] = ("2", str(units))
        r[f"{mps}4.1.{index}"] = ("65", str(value))
    expected = {"lifetimeCount": 84830, "totalCount": 84512, "monoCount": 53308,
                "colorCount": 31204, "printCount": 60120, "monoPrintSideCount": 38710,
                "colorPrintSideCount": 21410, "copyCount": 22870, "monoCopySideCount": 13076,
                "colorCopySideCount": 9794, "faxCount": 1522}
    return r, expected


def lexmark_mono():
    # MS621dn, a mono printer without scanner or fax: the colour rows are 0 (the model lacks the
    # function) and the copy and fax rows absent.
    r = base("Lexmark MS621 version MSNGM.230.037 kernel 4.11.0 All-N-1",
             "1.3.6.1.4.1.641.1.5.7.50", "ET0021B8", "Lexmark MS621", "4514B0LMX", "02", 20550,
             mac_prefix="025a3c4100", general_model=False)
    mps = "1.3.6.1.4.1.641.6.4.2.1.1."
    for index, (kind, value) in enumerate([(1, 15010), (2, 20544), (3, 20544), (4, 0),
                                           (16, 20544), (17, 20544), (18, 0)], start=1):
        r[f"{mps}2.1.{index}"] = ("2", str(kind))
        r[f"{mps}3.1.{index}"] = ("2", "5" if kind == 1 else "4")
        r[f"{mps}4.1.{index}"] = ("65", str(value))
    expected = {"lifetimeCount": 20550, "totalCount": 20544, "monoCount": 20544,
                "printCount": 20544, "monoPrintSideCount": 20544}
    return r, expected


def epson():
    # WF-C5790. Black & white 27.1.1.3.1.1 + colour 27.1.1.4.1.1 = prtMarkerLifeCount.
    # 27.1.1.30.1.1 / 33.1.1 / 5.1.1 (read as the total by some readers, as duplex by another)
    # are present and must not be reported.
    r = base("EPSON Built-in 11b/g/n Print Server", "1.3.6.1.4.1.1248.1.1.2.1.3.5.69.69.80.83.50", "EPSON9A1B2C",
             "EPSON WF-C5790 Series", "X3B7004521", "03", 81563,
             mac_prefix="025a3c4100", general_model=False)
    e = "1.3.6.1.4.1.1248.1.2.2.27.1.1."
    for column, value in [(3, 39797), (4, 41766), (5, 81563), (6, 39797), (30, 12030), (33, 81563)]:
        r[f"{e}{column}.1.1"] = ("2", str(value))
    expected = {"lifetimeCount": 81563, "monoCount": 39797, "colorCount": 41766}
    return r, expected


def main():
    write_all(HERE, [("lexmark_cx725.snmprec", lexmark), ("lexmark_ms621.snmprec", lexmark_mono),
                     ("epson_wf_c5790.snmprec", epson)])


if __name__ == "__main__":
    main()
