"""The parts the billing-meter recording scripts share (tests/data/meters, meters-more, meters-gaps):
the standard objects a real colour printer answers around its vendor's counter table, and the
writer of the .snmprec file. No value comes from a device; MACs are locally administered
(02:5a:3c:...).
"""

CMYK = [("Black Toner", 62), ("Cyan Toner", 48), ("Magenta Toner", 55), ("Yellow Toner", 71)]


def base(sys_descr, sys_object_id, name, model, serial, mac_last, lifetime, supplies=CMYK,
         mac_prefix="025a3c4000", general_model=True):
    """MIB-II system, Host-Resources printer row, Printer-MIB general/marker/supplies and one
    Ethernet interface (MAC mac_prefix + mac_last, hex); general_model adds prtGeneralPrinterName."""
    rows = {
        "1.3.6.1.2.1.1.1.0": ("4", sys_descr),
        "1.3.6.1.2.1.1.2.0": ("6", sys_object_id),
        "1.3.6.1.2.1.1.3.0": ("67", "81234500"),
        "1.3.6.1.2.1.1.5.0": ("4", name),
        "1.3.6.1.2.1.1.6.0": ("4", "Billing lab"),
        "1.3.6.1.2.1.2.2.1.3.1": ("2", "6"),
        "1.3.6.1.2.1.2.2.1.6.1": ("4x", mac_prefix + mac_last),
        "1.3.6.1.2.1.25.3.2.1.2.1": ("6", "1.3.6.1.2.1.25.3.1.5"),
        "1.3.6.1.2.1.25.3.2.1.3.1": ("4", model),
        "1.3.6.1.2.1.25.3.2.1.5.1": ("2", "2"),
        "1.3.6.1.2.1.25.3.5.1.1.1": ("2", "3"),
        "1.3.6.1.2.1.43.5.1.1.1.1": ("2", "1"),
        "1.3.6.1.2.1.43.5.1.1.17.1": ("4", serial),
        "1.3.6.1.2.1.43.10.2.1.2.1.1": ("2", "4"),
        "1.3.6.1.2.1.43.10.2.1.3.1.1": ("2", "7"),
        "1.3.6.1.2.1.43.10.2.1.4.1.1": ("65", str(lifetime)),
    }
    if general_model:
        rows["1.3.6.1.2.1.43.5.1.1.16.1"] = ("4", model)
    for i, (descr, level) in enumerate(supplies, start=1):
        rows[f"1.3.6.1.2.1.43.11.1.1.4.1.{i}"] = ("2", "3")
        rows[f"1.3.6.1.2.1.43.11.1.1.5.1.{i}"] = ("2", "3")
        rows[f"1.3.6.1.2.1.43.11.1.1.6.1.{i}"] = ("4", descr)
        rows[f"1.3.6.1.2.1.43.11.1.1.7.1.{i}"] = ("2", "19")
        rows[f"1.3.6.1.2.1.43.11.1.1.8.1.{i}"] = ("2", "100")
        rows[f"1.3.6.1.2.1.43.11.1.1.9.1.{i}"] = ("2", str(level))
    return rows


def kyocera_base(name, model, mac_last, lifetime, **kwargs):
    """base() of a Kyocera device, which answers its serial only in its own subtree."""
    rows = base("KYOCERA Document Solutions Printing System", "1.3.6.1.4.1.1347.41", name, model,
                "", mac_last, lifetime, **kwargs)
    del rows["1.3.6.1.2.1.43.5.1.1.17.1"]
    return rows


def write(path, rows):
    """Writes rows as an snmprec file, ordered by OID."""
    def key(oid):
        return [int(x) for x in oid.split(".")]
    lines = [f"{oid}|{tag}|{value}" for oid, (tag, value) in sorted(rows.items(),
                                                                   key=lambda kv: key(kv[0]))]
    path.write_text("\n".join(lines) + "\n")


def write_all(here, builds):
    """Writes each (file name, build) of builds under here (build() gives the rows and the counters
    expected of them) and here/expected-meters.json, every file's counters."""
    import json
    expected = {}
    for name, build in builds:
        rows, counters = build()
        write(here / name, rows)
        expected[name] = counters
    (here / "expected-meters.json").write_text(json.dumps(expected, indent=2, sort_keys=True) + "\n")
