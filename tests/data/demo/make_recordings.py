#!/usr/bin/env python3
"""Writes the project's own simulated SNMP devices (snmpsim .snmprec files) and expected.json.

Every value below was written for this project: nothing is recorded from, or copied out of,
third-party recordings. OIDs follow the public MIBs (MIB-II, IF-MIB, HOST-RESOURCES-MIB,
Printer-MIB RFC 3805, ENTITY-MIB, BRIDGE-MIB) and the vendor OIDs listed in README.md.

Usage: python3 make_recordings.py [OUTDIR]   (default: the directory of this script)
Re-run after editing; the .snmprec files and expected.json are regenerated together.
"""
import json
import os
import sys

# ---------------------------------------------------------------------------------------------
# snmprec helpers

INT, STR, HEX, OID, IPADDR, COUNTER32, GAUGE32, TIMETICKS, COUNTER64 = (
    "2", "4", "4x", "6", "64", "65", "66", "67", "70")


class Rec:
    def __init__(self):
        self.rows = {}

    def add(self, oid, tag, value):
        oid = oid.lstrip(".")
        if oid in self.rows:
            raise ValueError("duplicate OID " + oid)
        value = str(value)
        if tag == STR and ("\n" in value or "\r" in value):
            raise ValueError("newline in plain string at " + oid + "; use HEX")
        self.rows[oid] = (tag, value)

    def text(self):
        keys = sorted(self.rows, key=lambda o: tuple(int(a) for a in o.split(".")))
        return "".join("%s|%s|%s\n" % (k, self.rows[k][0], self.rows[k][1]) for k in keys)


def hexs(data):
    if isinstance(data, str):
        data = data.encode("ascii")
    return data.hex().upper()


def hp_pml(text):
    """HP PML string: 0x01 0x15 prefix, then ASCII."""
    return "0115" + hexs(text)


def hp_wrapped(text):
    """HP firmware quirk: first 16 characters, a newline, then a hex dump of the rest plus NUL,
    16 bytes a line ("XX " each, newline after every 16th byte)."""
    head, rest = text[:16], (text[16:] + "\0").encode("ascii")
    dump = ""
    for i, b in enumerate(rest):
        dump += "%02X " % b
        if i % 16 == 15 and i != len(rest) - 1:
            dump += "\n"
    return hexs(head + "\n" + dump)


def mac_hex(mac):
    return mac.replace(":", "").upper()


MIB2 = "1.3.6.1.2.1"
HRDEV_PRINTER = "1.3.6.1.2.1.25.3.1.5"
HRDEV_NETWORK = "1.3.6.1.2.1.25.3.1.4"
HRDEV_PROCESSOR = "1.3.6.1.2.1.25.3.1.3"
HRDEV_DISK = "1.3.6.1.2.1.25.3.1.6"


def system_group(r, descr, objid, uptime, contact, name, location, services=72, descr_hex=False):
    r.add(MIB2 + ".1.1.0", HEX if descr_hex else STR, hexs(descr) if descr_hex else descr)
    r.add(MIB2 + ".1.2.0", OID, objid)
    r.add(MIB2 + ".1.3.0", TIMETICKS, uptime)
    r.add(MIB2 + ".1.4.0", STR, contact)
    r.add(MIB2 + ".1.5.0", STR, name)
    r.add(MIB2 + ".1.6.0", STR, location)
    r.add(MIB2 + ".1.7.0", INT, services)


def if_table(r, ifs, uptime):
    """ifs: list of (index, descr, type, mtu, speed, mac or '', admin, oper, in_oct, out_oct)."""
    r.add(MIB2 + ".2.1.0", INT, len(ifs))
    for (i, descr, typ, mtu, speed, mac, admin, oper, ino, outo) in ifs:
        base = MIB2 + ".2.2.1."
        r.add(base + "1.%d" % i, INT, i)
        r.add(base + "2.%d" % i, STR, descr)
        r.add(base + "3.%d" % i, INT, typ)
        r.add(base + "4.%d" % i, INT, mtu)
        r.add(base + "5.%d" % i, GAUGE32, speed)
        if mac:
            r.add(base + "6.%d" % i, HEX, mac_hex(mac))
        else:
            r.add(base + "6.%d" % i, STR, "")
        r.add(base + "7.%d" % i, INT, admin)
        r.add(base + "8.%d" % i, INT, oper)
        r.add(base + "9.%d" % i, TIMETICKS, min(uptime, 1200 + 37 * i))
        r.add(base + "10.%d" % i, COUNTER32, ino)
        r.add(base + "11.%d" % i, COUNTER32, ino // 900)
        r.add(base + "16.%d" % i, COUNTER32, outo)
        r.add(base + "17.%d" % i, COUNTER32, outo // 1100)


def ip_addr(r, ifindex, addr, mask):
    base = MIB2 + ".4.20.1."
    r.add(base + "1." + addr, IPADDR, addr)
    r.add(base + "2." + addr, INT, ifindex)
    r.add(base + "3." + addr, IPADDR, mask)
    r.add(base + "4." + addr, INT, 1)


def hr_device(r, index, typ, descr, status, errors=0):
    base = MIB2 + ".25.3.2.1."
    r.add(base + "1.%d" % index, INT, index)
    r.add(base + "2.%d" % index, OID, typ)
    r.add(base + "3.%d" % index, STR, descr)
    r.add(base + "4.%d" % index, OID, "0.0")
    r.add(base + "5.%d" % index, INT, status)
    r.add(base + "6.%d" % index, COUNTER32, errors)


# hrDeviceStatus: 1 unknown, 2 running, 3 warning, 4 testing, 5 down
# hrPrinterStatus: 1 other, 2 unknown, 3 idle, 4 printing, 5 warmup
# hrPrinterDetectedErrorState bits (first octet, MSB first): lowPaper, noPaper, lowToner,
#   noToner, doorOpen, jammed, offline, serviceRequested  (RFC 2790)
ERR_LOW_TONER = 0x20
ERR_JAMMED = 0x04
ERR_NO_TONER = 0x10


def printer_common(r, p):
    """Host-Resources printer rows and the Printer-MIB groups from a printer dict."""
    hr_device(r, 1, HRDEV_PRINTER, p["hr_descr"], p["hr_status"], p.get("hr_errors", 0))
    hr_device(r, 2, HRDEV_NETWORK, p.get("net_descr", "Network Interface"), 2)
    r.add(MIB2 + ".25.1.1.0", TIMETICKS, p["uptime"] - 113)
    r.add(MIB2 + ".25.1.6.0", GAUGE32, p.get("processes", 0))
    r.add(MIB2 + ".25.2.2.0", INT, p.get("memory_kb", 524288))
    r.add(MIB2 + ".25.3.5.1.1.1", INT, p["hr_printer_status"])
    r.add(MIB2 + ".25.3.5.1.2.1", HEX, "%02X" % p.get("err_state", 0))

    g = MIB2 + ".43.5.1.1."
    r.add(g + "1.1", COUNTER32, p.get("config_changes", 4))
    r.add(g + "2.1", INT, 1)
    r.add(g + "3.1", INT, 3)
    r.add(g + "4.1", STR, "")
    r.add(g + "5.1", STR, "")
    r.add(g + "6.1", INT, 1)
    r.add(g + "7.1", INT, 1)
    r.add(g + "8.1", INT, 1)
    r.add(g + "9.1", INT, 1)
    r.add(g + "10.1", INT, 1)
    r.add(g + "11.1", INT, p.get("console_lines", 4))
    r.add(g + "12.1", INT, p.get("console_chars", 30))
    r.add(g + "13.1", INT, 3)
    if p.get("printer_name") is not None:
        r.add(g + "16.1", STR, p["printer_name"])
    if p.get("prt_serial") is not None:
        r.add(g + "17.1", STR, p["prt_serial"])
    alerts = p.get("alerts", [])
    r.add(g + "18.1", COUNTER32, sum(1 for a in alerts if a[0] == 3))
    r.add(g + "19.1", COUNTER32, p.get("all_events", len(alerts) + 11))

    # cover table
    for i, (descr, status) in enumerate(p.get("covers", [("Front Cover", 4)]), 1):
        r.add(MIB2 + ".43.6.1.1.2.1.%d" % i, STR, descr)
        r.add(MIB2 + ".43.6.1.1.3.1.%d" % i, INT, status)

    # input trays: (type, max, level, media, name)
    for i, (typ, mx, lvl, media, name) in enumerate(p.get("inputs", []), 1):
        b = MIB2 + ".43.8.2.1."
        r.add(b + "2.1.%d" % i, INT, typ)
        r.add(b + "3.1.%d" % i, INT, 4)  # micrometers
        r.add(b + "9.1.%d" % i, INT, mx)
        r.add(b + "10.1.%d" % i, INT, lvl)
        r.add(b + "12.1.%d" % i, STR, media)
        r.add(b + "13.1.%d" % i, STR, name)

    # marker
    m = MIB2 + ".43.10.2.1."
    r.add(m + "2.1.1", INT, 4)  # electrophotographicLaser
    r.add(m + "3.1.1", INT, p["counter_unit"])
    if p.get("life_count") is not None:
        r.add(m + "4.1.1", COUNTER32, p["life_count"])
    if p.get("power_on_count") is not None:
        r.add(m + "5.1.1", COUNTER32, p["power_on_count"])
    r.add(m + "6.1.1", INT, 4 if p["colour"] else 1)
    r.add(m + "7.1.1", INT, 0)
    r.add(m + "8.1.1", INT, 3)
    r.add(m + "9.1.1", INT, p.get("dpi", 600))
    r.add(m + "10.1.1", INT, p.get("dpi", 600))
    for col in (11, 12, 13, 14):
        r.add(m + "%d.1.1" % col, INT, 1667)
    r.add(m + "15.1.1", INT, 2 if p["hr_printer_status"] == 4 else 0)

    # supplies: dict(descr, raw_descr(optional hex), colorant, cls, type, unit, max, level)
    s = MIB2 + ".43.11.1.1."
    for i, sup in enumerate(p["supplies"], 1):
        r.add(s + "2.1.%d" % i, INT, 1)
        r.add(s + "3.1.%d" % i, INT, sup["colorant"])
        r.add(s + "4.1.%d" % i, INT, sup["cls"])
        r.add(s + "5.1.%d" % i, INT, sup["type"])
        if sup.get("raw_hex"):
            r.add(s + "6.1.%d" % i, HEX, sup["raw_hex"])
        else:
            r.add(s + "6.1.%d" % i, STR, sup["descr"])
        r.add(s + "7.1.%d" % i, INT, sup["unit"])
        r.add(s + "8.1.%d" % i, INT, sup["max"])
        r.add(s + "9.1.%d" % i, INT, sup["level"])

    # colorants
    c = MIB2 + ".43.12.1.1."
    for i, name in enumerate(p["colorants"], 1):
        r.add(c + "2.1.%d" % i, INT, 1)
        r.add(c + "3.1.%d" % i, INT, 3)  # process
        r.add(c + "4.1.%d" % i, STR, name)
        r.add(c + "5.1.%d" % i, INT, 256)

    # console display buffer
    for i, line in enumerate(p.get("console", ["Ready"]), 1):
        r.add(MIB2 + ".43.16.5.1.2.1.%d" % i, STR, line)

    # alerts: (severity, training, group, group_index, location, code, descr, time)
    a = MIB2 + ".43.18.1.1."
    for i, (sev, trn, grp, gidx, loc, code, descr, t) in enumerate(alerts, 1):
        r.add(a + "2.1.%d" % i, INT, sev)
        r.add(a + "3.1.%d" % i, INT, trn)
        r.add(a + "4.1.%d" % i, INT, grp)
        r.add(a + "5.1.%d" % i, INT, gidx)
        r.add(a + "6.1.%d" % i, INT, loc)
        r.add(a + "7.1.%d" % i, INT, code)
        r.add(a + "8.1.%d" % i, STR, descr)
        r.add(a + "9.1.%d" % i, TIMETICKS, t)


# Printer-MIB codes used below
CLS_CONSUMED, CLS_RECEPTACLE = 3, 4
T_OTHER, T_TONER, T_WASTE, T_OPC, T_DEVELOPER, T_FUSER, T_TRANSFER, T_CARTRIDGE = 1, 3, 4, 9, 10, 15, 20, 21
U_IMPRESSIONS, U_PERCENT, U_TENTHS_GRAMS = 7, 19, 13
SEV_CRITICAL, SEV_WARNING = 3, 4
TRAIN_UNTRAINED, TRAIN_TRAINED, TRAIN_NONE = 3, 4, 7
GRP_MEDIAPATH, GRP_SUPPLIES = 13, 11
CODE_JAM, CODE_TONER_ALMOST_EMPTY = 8, 1104
TRAY_SHEETFEED_REMOVABLE, TRAY_SHEETFEED_MANUAL = 4, 5


def sup(descr, colorant, cls, typ, unit, mx, level, color, etype, raw_hex=None):
    return dict(descr=descr, colorant=colorant, cls=cls, type=typ, unit=unit, max=mx,
                level=level, color=color, etype=etype, raw_hex=raw_hex)


def expected_supply(index, s):
    """The project's rule for level_percent and state (see README.md)."""
    level, mx = s["level"], s["max"]
    if level == -3:
        pct, state = None, "some_remaining"
    elif level > 0 and mx == -2:
        pct, state = None, "some_remaining"
    elif level < 0 or mx < 0 or mx == 0:
        pct, state = None, "unknown"
    else:
        pct = int(round(100.0 * level / mx))
        state = "empty" if level == 0 else ("low" if pct <= 10 else "ok")
    return {"index": index, "description": s["descr"], "type": s["etype"], "color": s["color"],
            "level_percent": pct, "state": state}


# ---------------------------------------------------------------------------------------------
# The devices

PRINTERS = []
OTHERS = []


def printer(fn):
    PRINTERS.append(fn)
    return fn


def other(fn):
    OTHERS.append(fn)
    return fn


@printer
def hp_laserjet_m507():
    r = Rec()
    up = 31245600
    serial, fw, model, mac = "PHBJQ41207", "2411177_060154", "HP LaserJet M507", "02:5a:3c:10:07:01"
    system_group(r, "HP ETHERNET MULTI-ENVIRONMENT,ROM none,JETDIRECT,JD153,EEPROM JSI24110176,"
                 "CIDATE 11/25/2024", "1.3.6.1.4.1.11.2.3.9.1", up, "Facilities desk ext. 4410",
                 "NPI1007A1", "Building A, 2nd floor, copy room")
    if_table(r, [(1, "HP ETHERNET MULTI-ENVIRONMENT", 6, 1500, 1000000000, mac, 1, 1, 88231455, 14022317),
                 (2, "Loopback", 24, 1500, 10000000, "", 1, 1, 5120, 5120)], up)
    ip_addr(r, 1, "192.0.2.21", "255.255.255.0")
    supplies = [
        sup("Black Cartridge HP 89A CF289A", 1, CLS_CONSUMED, T_TONER, U_PERCENT, 100, 47, "black", "toner"),
        sup("Fuser Kit HP 110V-F2G76A", 0, CLS_CONSUMED, T_FUSER, U_PERCENT, 100, 84, "", "fuser"),
    ]
    printer_common(r, dict(
        uptime=up, hr_descr=model, hr_status=5, hr_errors=1, hr_printer_status=1,
        err_state=ERR_JAMMED, printer_name=None, prt_serial=None, counter_unit=U_IMPRESSIONS,
        life_count=None, power_on_count=None, colour=False, supplies=supplies, colorants=["black"],
        net_descr="HP Ethernet Multi-Environment",
        inputs=[(TRAY_SHEETFEED_MANUAL, 100, 0, "Plain", "Tray 1"),
                (TRAY_SHEETFEED_REMOVABLE, 550, 310, "Plain", "Tray 2")],
        console=["Jam in Tray 2", "13.A2.D2"],
        alerts=[(SEV_CRITICAL, TRAIN_UNTRAINED, GRP_MEDIAPATH, 1, 13002, CODE_JAM,
                 "13.A2.D2 Jam in Tray 2", up - 4200)]))
    # HP PML (HP-LASERJET-COMMON-MIB): model, serial, firmware date code, firmware, counters
    pml = "1.3.6.1.4.1.11.2.3.9.4.2.1."
    r.add(pml + "1.3.2.0", HEX, hp_pml(model))
    r.add(pml + "1.3.3.0", HEX, hp_pml(serial))
    r.add(pml + "1.3.5.0", HEX, hp_pml("20241125"))
    r.add(pml + "1.3.6.0", HEX, hp_pml(fw))
    r.add(pml + "4.1.2.5.0", INT, 48213)     # total engine page count
    r.add(pml + "4.1.2.22.0", INT, 20117)    # duplex page count
    r.add("1.3.6.1.4.1.11.2.3.9.1.1.7.0", STR,
          "MFG:HP;MDL:HP LaserJet M507;CMD:PJL,PCL,PCLXL,POSTSCRIPT,PDF,PWG,URF;CLS:PRINTER;"
          "DES:1PV87A;MEM:MEM=512MB;")
    exp = dict(is_printer=True, manufacturer="HP", model=model, serial=serial, firmware=fw,
               lifetime_page_count=48213, page_count_unit="impressions", mac=mac,
               hostname="NPI1007A1", location="Building A, 2nd floor, copy room",
               supplies=[expected_supply(i, s) for i, s in enumerate(supplies, 1)],
               notes="HP serial only in the HP PML subtree (11.2.3.9.4.2.1.1.3.3.0) as hex with a "
                     "01 15 prefix, no prtGeneralSerialNumber; firmware only in PML 1.3.6.0 (same "
                     "01 15 form; the sysDescr EEPROM field is the JetDirect firmware, not the "
                     "device's); prtMarkerLifeCount absent, count only in PML total engine page "
                     "count 11.2.3.9.4.2.1.4.1.2.5.0 (prtMarkerCounterUnit 7 still present); "
                     "paper-jam alert (prtAlertCode 8) with hrPrinterDetectedErrorState jammed.",
               sources=dict(manufacturer="sysObjectID enterprise 11", model="hrDeviceDescr.1 (= PML model 1.3.2.0)",
                            serial="1.3.6.1.4.1.11.2.3.9.4.2.1.1.3.3.0", firmware="1.3.6.1.4.1.11.2.3.9.4.2.1.1.3.6.0",
                            lifetime_page_count="1.3.6.1.4.1.11.2.3.9.4.2.1.4.1.2.5.0"))
    return r, exp


@printer
def hp_color_laserjet_pro_m479():
    r = Rec()
    up = 8642050
    serial, fw, model, mac = "VNB5K20931", "002.2310A", "HP Color LaserJet Pro MFP M479fdw", "02:5a:3c:10:07:02"
    system_group(r, "HP ETHERNET MULTI-ENVIRONMENT,SN:%s,FN:4B81Q7M,SVCID:28161,PID:%s" % (serial, model),
                 "1.3.6.1.4.1.11.2.3.9.1", up, "it-helpdesk@example.com", "HPF0A9C2",
                 "Building B, ground floor, reception")
    if_table(r, [(1, "HP ETHERNET MULTI-ENVIRONMENT", 6, 1500, 100000000, mac, 1, 1, 21144872, 5530019),
                 (2, "Loopback", 24, 1500, 10000000, "", 1, 1, 2048, 2048)], up)
    ip_addr(r, 1, "192.0.2.22", "255.255.255.0")
    names = [("Black Cartridge HP W2030A", 1, "black", 62),
             ("Cyan Cartridge HP W2031A", 2, "cyan", 35),
             ("Magenta Cartridge HP W2033A", 3, "magenta", 8),
             ("Yellow Cartridge HP W2032A", 4, "yellow", 0)]
    supplies = [sup(d, c, CLS_CONSUMED, T_TONER, U_PERCENT, 100, lvl, col, "toner", raw_hex=hp_wrapped(d))
                for (d, c, col, lvl) in names]
    printer_common(r, dict(
        uptime=up, hr_descr=model, hr_status=3, hr_printer_status=3,
        err_state=ERR_LOW_TONER | ERR_NO_TONER, printer_name=None, prt_serial=serial, counter_unit=U_IMPRESSIONS, life_count=21877,
        power_on_count=1904, colour=True, supplies=supplies,
        colorants=["black", "cyan", "magenta", "yellow"],
        inputs=[(TRAY_SHEETFEED_MANUAL, 50, 0, "Plain", "Tray 1"),
                (TRAY_SHEETFEED_REMOVABLE, 250, 180, "Plain", "Tray 2")],
        console=["Ready", "Yellow cartridge very low"]))
    pml = "1.3.6.1.4.1.11.2.3.9.4.2.1."
    r.add(pml + "1.3.2.0", STR, model)
    r.add(pml + "1.3.3.0", STR, serial)
    r.add(pml + "1.3.5.0", STR, "20230310")
    r.add(pml + "1.3.6.0", STR, fw)
    r.add(pml + "4.1.2.5.0", INT, 21877)
    r.add(pml + "4.1.2.7.0", INT, 9360)
    r.add("1.3.6.1.4.1.11.2.3.9.1.1.7.0", STR,
          "MFG:HP;MDL:HP Color LaserJet Pro MFP M479fdw;CMD:PJL,PCL,PCLXL,POSTSCRIPT,PDF,PWG,URF;"
          "CLS:PRINTER;DES:W1A80A;")
    exp = dict(is_printer=True, manufacturer="HP", model=model, serial=serial, firmware=fw,
               lifetime_page_count=21877, page_count_unit="impressions", mac=mac,
               hostname="HPF0A9C2", location="Building B, ground floor, reception",
               supplies=[expected_supply(i, s) for i, s in enumerate(supplies, 1)],
               notes="Colour CMYK; every supply description comes as HP's wrapped form (4x: first "
                     "16 characters, a newline, then a hex dump of the rest and a NUL) and must be "
                     "decoded to the plain text; magenta low (8%), yellow empty (0); serial in "
                     "prtGeneralSerialNumber, sysDescr SN: and PML (plain strings here).",
               sources=dict(manufacturer="sysObjectID enterprise 11", model="hrDeviceDescr.1",
                            serial="prtGeneralSerialNumber.1", firmware="1.3.6.1.4.1.11.2.3.9.4.2.1.1.3.6.0",
                            lifetime_page_count="prtMarkerLifeCount.1.1"))
    return r, exp


@printer
def brother_hl_l8360cdw():
    r = Rec()
    up = 4419930
    serial, fw, mac = "E79214K1N274455", "1.42", "02:5a:3c:10:07:03"
    system_group(r, "Brother NC-8900w, Firmware Ver.%s  (23.05.18),MID 8CE-K9J-022,FID 2" % fw,
                 "1.3.6.1.4.1.2435.2.3.9.1", up, "", "BRN025A3C100703", "Accounts office")
    if_table(r, [(1, "Brother NC-8900w", 6, 1500, 100000000, mac, 1, 1, 9120554, 2210087)], up)
    ip_addr(r, 1, "192.0.2.23", "255.255.255.0")
    supplies = [
        sup("Black Toner Cartridge", 1, CLS_CONSUMED, T_TONER, U_PERCENT, 100, -3, "black", "toner"),
        sup("Cyan Toner Cartridge", 2, CLS_CONSUMED, T_TONER, U_PERCENT, 100, -3, "cyan", "toner"),
        sup("Magenta Toner Cartridge", 3, CLS_CONSUMED, T_TONER, U_PERCENT, 100, -3, "magenta", "toner"),
        sup("Yellow Toner Cartridge", 4, CLS_CONSUMED, T_TONER, U_PERCENT, 100, -3, "yellow", "toner"),
        sup("Drum Unit", 0, CLS_CONSUMED, T_OPC, U_IMPRESSIONS, 30000, 21000, "", "drum"),
        sup("Belt Unit", 0, CLS_CONSUMED, T_TRANSFER, U_IMPRESSIONS, 50000, 45000, "", "transfer"),
        sup("Waste Toner Box", 0, CLS_RECEPTACLE, T_WASTE, U_IMPRESSIONS, 50000, 48000, "", "waste"),
    ]
    printer_common(r, dict(
        uptime=up, hr_descr="Brother HL-L8360CDW series", hr_status=2, hr_printer_status=3,
        printer_name="Brother HL-L8360CDW series", prt_serial=None, counter_unit=U_IMPRESSIONS,
        life_count=15402, power_on_count=812, colour=True, supplies=supplies,
        colorants=["black", "cyan", "magenta", "yellow"], memory_kb=262144,
        inputs=[(TRAY_SHEETFEED_REMOVABLE, 250, 120, "Plain Paper", "Tray1"),
                (TRAY_SHEETFEED_MANUAL, 1, 0, "Plain Paper", "MP Tray")],
        console=["Sleep"]))
    b = "1.3.6.1.4.1.2435."
    r.add(b + "2.3.9.1.1.7.0", STR, "MFG:Brother;CMD:PJL,PCL,PCLXL,URF,POSTSCRIPT;MDL:HL-L8360CDW series;CLS:PRINTER;CID:Brother Laser Color Type1;")
    r.add(b + "2.3.9.4.2.1.5.5.1.0", STR, serial)                       # brInfoSerialNumber
    # brInfoCounter: binary records (id, length, value); first record = total pages
    r.add(b + "2.3.9.4.2.1.5.5.10.0", HEX,
          "0001" + "04" + "%08X" % 15402 + "0101" + "04" + "%08X" % 9877 + "FFFFFFFF")
    r.add(b + "2.4.3.1240.1.1.0", STR, "BRN025A3C100703")                # brpsNodeName
    r.add(b + "2.4.3.1240.1.3.0", STR, "Ethernet 10/100BASE-TX / IEEE 802.11b/g/n")  # brpsHardwareType
    r.add(b + "2.4.3.1240.1.4.0", STR, fw)                               # brpsMainRevision
    r.add(b + "2.4.3.2435.5.13.3.0", STR, "Brother HL-L8360CDW series")  # product name
    exp = dict(is_printer=True, manufacturer="Brother", model="Brother HL-L8360CDW", serial=serial, firmware=fw,
               lifetime_page_count=15402, page_count_unit="impressions", mac=mac,
               hostname="BRN025A3C100703", location="Accounts office",
               supplies=[expected_supply(i, s) for i, s in enumerate(supplies, 1)],
               notes="Serial only in the Brother subtree (2435.2.3.9.4.2.1.5.5.1.0), no "
                     "prtGeneralSerialNumber; toner levels -3 (some remaining) as Brother lasers "
                     "report them; drum and belt counted in impressions; waste toner box (class 4 "
                     "receptacle); model names end in ' series' (dropped by the model convention); "
                     "empty sysContact.",
               sources=dict(manufacturer="sysObjectID enterprise 2435", model="hrDeviceDescr.1 without ' series'",
                            serial="1.3.6.1.4.1.2435.2.3.9.4.2.1.5.5.1.0", firmware="brpsMainRevision 1.3.6.1.4.1.2435.2.4.3.1240.1.4.0",
                            lifetime_page_count="prtMarkerLifeCount.1.1"))
    return r, exp


@printer
def kyocera_ecosys_p3145dn():
    r = Rec()
    up = 15533870
    serial, fw, model, mac = "VWE3Y48213", "2V9_2F00.008.005", "ECOSYS P3145dn", "02:5a:3c:10:07:04"
    system_group(r, "KYOCERA Document Solutions Printing System", "1.3.6.1.4.1.1347.41", up,
                 "Print room attendant", "KM7A0113", "Warehouse office, dispatch")
    if_table(r, [(1, "Kyocera ECOSYS P3145dn Ethernet", 6, 1500, 1000000000, mac, 1, 1, 30551820, 7004311),
                 (2, "lo", 24, 16436, 10000000, "", 1, 1, 1024, 1024)], up)
    ip_addr(r, 1, "192.0.2.24", "255.255.255.0")
    supplies = [sup("TK-3162", 1, CLS_CONSUMED, T_TONER, U_PERCENT, 100, 5, "black", "toner")]
    printer_common(r, dict(
        uptime=up, hr_descr=model, hr_status=3, hr_printer_status=3, err_state=ERR_LOW_TONER,
        printer_name=model, prt_serial=None, counter_unit=U_IMPRESSIONS, life_count=131774,
        power_on_count=2215, colour=False, supplies=supplies, colorants=["black"],
        inputs=[(TRAY_SHEETFEED_MANUAL, 100, 0, "Plain", "MP tray"),
                (TRAY_SHEETFEED_REMOVABLE, 500, 260, "Plain", "Cassette 1")],
        console=["Toner is low.", "TK-3162"],
        alerts=[(SEV_WARNING, TRAIN_NONE, GRP_SUPPLIES, 1, 0, CODE_TONER_ALMOST_EMPTY,
                 "Toner is low. Replace the toner container (K).", up - 86000)]))
    k = "1.3.6.1.4.1.1347."
    r.add(k + "40.10.1.1.5.1", STR, "KM7A0113")                # host name
    r.add(k + "42.3.1.1.1.1.1", INT, 131774)                   # printed pages total
    r.add(k + "43.5.1.1.1.1", STR, model)                      # kcprtGeneralModelName
    r.add(k + "43.5.1.1.28.1", STR, serial)                    # kcprtSerialNumber
    r.add(k + "43.5.4.1.5.1.1", STR, fw)                       # controller firmware
    r.add(k + "43.5.4.1.5.1.2", STR, "2V9_1000.004.002")       # engine firmware
    exp = dict(is_printer=True, manufacturer="Kyocera", model=model, serial=serial, firmware=fw,
               lifetime_page_count=131774, page_count_unit="impressions", mac=mac,
               hostname="KM7A0113", location="Warehouse office, dispatch",
               supplies=[expected_supply(i, s) for i, s in enumerate(supplies, 1)],
               notes="Serial only in the Kyocera subtree (1347.43.5.1.1.28.1); generic sysDescr "
                     "(model only in hrDeviceDescr / prtGeneralPrinterName / 1347.43.5.1.1.1.1); "
                     "firmware in 1347.43.5.4.1.5.1.1; toner low (5%) with a prtAlert toner-almost-"
                     "empty (1104) warning; supply description is the part number only.",
               sources=dict(manufacturer="sysObjectID enterprise 1347", model="hrDeviceDescr.1 (= 1347.43.5.1.1.1.1)",
                            serial="1.3.6.1.4.1.1347.43.5.1.1.28.1", firmware="1.3.6.1.4.1.1347.43.5.4.1.5.1.1",
                            lifetime_page_count="prtMarkerLifeCount.1.1 (= 1347.42.3.1.1.1.1.1)"))
    return r, exp


@printer
def ricoh_im_c3000():
    r = Rec()
    up = 27730410
    serial, fw, model, mac = "3109R840172", "1.08", "RICOH IM C3000", "02:5a:3c:10:07:05"
    system_group(r, "%s %s / RICOH Network Printer C model / RICOH Network Scanner C model / "
                    "RICOH Network Facsimile C model" % (model, fw),
                 "1.3.6.1.4.1.367.1.1", up, "Office services", "RNP025A3C100705", "HQ 3rd floor east")
    if_table(r, [(1, "ncmac0", 6, 1500, 1000000000, mac, 1, 1, 55120977, 19087210),
                 (2, "lo0", 24, 33184, 0, "", 1, 1, 40960, 40960)], up)
    ip_addr(r, 1, "192.0.2.25", "255.255.255.0")
    supplies = [
        sup("Black Toner", 1, CLS_CONSUMED, T_TONER, U_PERCENT, 100, 80, "black", "toner"),
        sup("Cyan Toner", 2, CLS_CONSUMED, T_TONER, U_PERCENT, 100, 20, "cyan", "toner"),
        sup("Magenta Toner", 3, CLS_CONSUMED, T_TONER, U_PERCENT, 100, 10, "magenta", "toner"),
        sup("Yellow Toner", 4, CLS_CONSUMED, T_TONER, U_PERCENT, 100, 40, "yellow", "toner"),
        sup("Waste Toner", 0, CLS_RECEPTACLE, T_WASTE, U_PERCENT, 100, -3, "", "waste"),
    ]
    printer_common(r, dict(
        uptime=up, hr_descr=model, hr_status=2, hr_printer_status=3, printer_name=model,
        prt_serial=None, counter_unit=U_IMPRESSIONS, life_count=86420, power_on_count=3110,
        colour=True, supplies=supplies, colorants=["black", "cyan", "magenta", "yellow"],
        memory_kb=2097152,
        inputs=[(TRAY_SHEETFEED_REMOVABLE, 550, 400, "Plain Paper", "Tray 1"),
                (TRAY_SHEETFEED_REMOVABLE, 550, 550, "Plain Paper", "Tray 2"),
                (TRAY_SHEETFEED_MANUAL, 100, 0, "Plain Paper", "Bypass Tray")],
        console=["Ready to Print"]))
    rc = "1.3.6.1.4.1.367.3.2.1."
    r.add(rc + "2.1.4.0", STR, serial)                    # engine serial number
    # ricohEngCounter table: type (10 total, 401 print black, 402 print colour), value
    for i, (typ, name, val) in enumerate([(10, "Total", 86420), (401, "Printer:Black & White", 51203),
                                          (402, "Printer:Full Color", 35217)], 1):
        r.add(rc + "2.19.5.1.2.%d" % i, INT, typ)
        r.add(rc + "2.19.5.1.3.%d" % i, STR, name)
        r.add(rc + "2.19.5.1.9.%d" % i, INT, val)
    r.add(rc + "6.1.1.7.1", STR, "RNP025A3C100705")         # host name
    exp = dict(is_printer=True, manufacturer="Ricoh", model=model, serial=serial, firmware=fw,
               lifetime_page_count=86420, page_count_unit="impressions", mac=mac,
               hostname="RNP025A3C100705", location="HQ 3rd floor east",
               supplies=[expected_supply(i, s) for i, s in enumerate(supplies, 1)],
               notes="Serial only in the Ricoh subtree (367.3.2.1.2.1.4.0), no "
                     "prtGeneralSerialNumber; firmware only in sysDescr (the version after the "
                     "model name); colour CMYK, magenta at exactly 10% (low); waste toner "
                     "receptacle (class 4) with level -3; vendor counter table 367.3.2.1.2.19.5 "
                     "agrees with prtMarkerLifeCount.",
               sources=dict(manufacturer="sysObjectID enterprise 367", model="hrDeviceDescr.1 (= prtGeneralPrinterName)",
                            serial="1.3.6.1.4.1.367.3.2.1.2.1.4.0", firmware="sysDescr ('RICOH IM C3000 1.08 / ...')",
                            lifetime_page_count="prtMarkerLifeCount.1.1"))
    return r, exp


@printer
def lexmark_ms621():
    r = Rec()
    up = 19877210
    serial, fw, model, mac = "4614281M22CX", "MXTGM.230.037", "Lexmark MS621", "02:5a:3c:10:07:06"
    system_group(r, "%s version %s kernel 4.11.12-yocto-standard All-N-1" % (model, fw),
                 "1.3.6.1.4.1.641.1.5.7", up, "Service desk +1 555 0100", "ET025A3C100706",
                 "Plant 2, shipping")
    if_table(r, [(1, "lo", 24, 65536, 10000000, "", 1, 1, 8814420, 8814420),
                 (2, "eth0", 6, 1500, 1000000000, mac, 1, 1, 61207733, 12876501)], up)
    ip_addr(r, 2, "192.0.2.26", "255.255.255.0")
    supplies = [
        sup("Black Cartridge", 1, CLS_CONSUMED, T_TONER, U_PERCENT, 100, 34, "black", "toner"),
        sup("Imaging Unit", 1, CLS_CONSUMED, T_OPC, U_IMPRESSIONS, 60000, 41000, "black", "drum"),
        sup("Maintenance Kit", 0, CLS_CONSUMED, T_OTHER, U_IMPRESSIONS, -2, 127000, "", "kit"),
        sup("Fuser", 0, CLS_CONSUMED, T_FUSER, U_PERCENT, -2, -2, "", "fuser"),
    ]
    printer_common(r, dict(
        uptime=up, hr_descr="%s %s %s" % (model, serial, fw), hr_status=2, hr_printer_status=3,
        printer_name=model, prt_serial=serial, counter_unit=8, life_count=213590,
        power_on_count=4120, colour=False, supplies=supplies, colorants=["black"],
        net_descr="Lexmark Network Interface", memory_kb=1048576,
        inputs=[(TRAY_SHEETFEED_REMOVABLE, 550, 275, "Plain Paper", "Tray 1"),
                (TRAY_SHEETFEED_MANUAL, 100, 0, "Plain Paper", "Multipurpose Feeder")],
        console=["Ready"]))
    lx = "1.3.6.1.4.1.641."
    r.add(lx + "2.1.2.1.2.1", STR, model)      # prtgenPrinterName
    r.add(lx + "2.1.2.1.4.1", STR, fw)         # prtgenCodeRevision
    r.add(lx + "2.1.2.1.6.1", STR, serial)     # prtgenSerialNo
    exp = dict(is_printer=True, manufacturer="Lexmark", model=model, serial=serial, firmware=fw,
               lifetime_page_count=213590, page_count_unit="sheets", mac=mac,
               hostname="ET025A3C100706", location="Plant 2, shipping",
               supplies=[expected_supply(i, s) for i, s in enumerate(supplies, 1)],
               notes="prtMarkerCounterUnit 8 (sheets), not impressions; hrDeviceDescr carries "
                     "serial and firmware after the model (model comes from prtGeneralPrinterName "
                     "/ Lexmark prtgenPrinterName); maintenance kit with level > 0 and max -2 "
                     "(some remaining); fuser level and max -2 (unknown); ifIndex 1 is the "
                     "loopback, the MAC is on ifIndex 2.",
               sources=dict(manufacturer="sysObjectID enterprise 641", model="prtGeneralPrinterName.1 (= 641.2.1.2.1.2.1)",
                            serial="prtGeneralSerialNumber.1 (= 641.2.1.2.1.6.1)", firmware="641.2.1.2.1.4.1 (also in sysDescr)",
                            lifetime_page_count="prtMarkerLifeCount.1.1"))
    return r, exp


@printer
def xerox_versalink_c405():
    r = Rec()
    up = 6125580
    serial, fw, model, mac = "3390512874", "67.43.61", "Xerox VersaLink C405", "02:5a:3c:10:07:07"
    system_group(r, "%s; SS %s, NC %s, UI %s, ME 82.19.01, CC %s, IR 3.9.1, Boot %s" % (model, fw, fw, fw, fw, fw),
                 "1.3.6.1.4.1.253.8.62.1.28.1.34.1", up, "Site IT", "XRX025A3C100707", "Sales, 1st floor")
    if_table(r, [(1, "Xerox Embedded Ethernet Controller, 10/100/1000 Mbps", 6, 1500, 1000000000, mac, 1, 1,
                  40112873, 9823007),
                 (2, "Software Loopback Interface", 24, 16384, 0, "", 1, 1, 3072, 3072)], up)
    ip_addr(r, 1, "192.0.2.27", "255.255.255.0")
    supplies = [
        sup("Black Toner Cartridge 106R03508", 1, CLS_CONSUMED, T_CARTRIDGE, U_PERCENT, 100, 55, "black", "toner"),
        sup("Cyan Toner Cartridge 106R03510", 2, CLS_CONSUMED, T_CARTRIDGE, U_PERCENT, 100, 72, "cyan", "toner"),
        sup("Magenta Toner Cartridge 106R03511", 3, CLS_CONSUMED, T_CARTRIDGE, U_PERCENT, 100, 66, "magenta", "toner"),
        sup("Yellow Toner Cartridge 106R03509", 4, CLS_CONSUMED, T_CARTRIDGE, U_PERCENT, 100, 9, "yellow", "toner"),
        sup("Drum Cartridge 108R01121", 0, CLS_CONSUMED, T_OPC, U_PERCENT, 100, 63, "", "drum"),
        sup("Waste Cartridge 108R01124", 0, CLS_RECEPTACLE, T_WASTE, U_PERCENT, 100, 85, "", "waste"),
        sup("Fuser 115R00115", 0, CLS_CONSUMED, T_FUSER, U_PERCENT, 100, 91, "", "fuser"),
    ]
    printer_common(r, dict(
        uptime=up, hr_descr=model, hr_status=3, hr_printer_status=3, err_state=ERR_LOW_TONER,
        printer_name=model, prt_serial=serial, counter_unit=U_IMPRESSIONS, life_count=35118,
        power_on_count=655, colour=True, supplies=supplies,
        colorants=["black", "cyan", "magenta", "yellow"], memory_kb=2097152,
        inputs=[(TRAY_SHEETFEED_REMOVABLE, 550, 500, "Plain", "Tray 1"),
                (TRAY_SHEETFEED_MANUAL, 150, 0, "Plain", "Bypass Tray")],
        console=["Ready", "Yellow toner low"],
        alerts=[(SEV_WARNING, TRAIN_NONE, GRP_SUPPLIES, 4, 0, CODE_TONER_ALMOST_EMPTY,
                 "Yellow Toner Cartridge is low.", up - 250000)]))
    x = "1.3.6.1.4.1.253.8.53."
    r.add(x + "3.2.1.3.1", STR, serial)                        # device serial number
    r.add(x + "13.2.1.6.1.20.1", COUNTER32, 35118)             # total impressions
    r.add(x + "13.2.1.6.1.20.33", COUNTER32, 19702)            # colour impressions
    r.add(x + "13.2.1.6.1.20.34", COUNTER32, 15416)            # black impressions
    exp = dict(is_printer=True, manufacturer="Xerox", model=model, serial=serial, firmware=fw,
               lifetime_page_count=35118, page_count_unit="impressions", mac=mac,
               hostname="XRX025A3C100707", location="Sales, 1st floor",
               supplies=[expected_supply(i, s) for i, s in enumerate(supplies, 1)],
               notes="Colour CMYK toners typed tonerCartridge (21); firmware only in sysDescr (the "
                     "SS system software version); drum, waste cartridge (class 4 receptacle) and "
                     "fuser; yellow toner low (9%) with a prtAlert toner-almost-empty warning.",
               sources=dict(manufacturer="sysObjectID enterprise 253", model="hrDeviceDescr.1 (= prtGeneralPrinterName)",
                            serial="prtGeneralSerialNumber.1 (= 253.8.53.3.2.1.3.1)", firmware="sysDescr 'SS' field",
                            lifetime_page_count="prtMarkerLifeCount.1.1 (= 253.8.53.13.2.1.6.1.20.1)"))
    return r, exp


@printer
def canon_iradv_dx_c3826():
    r = Rec()
    up = 12204470
    serial, fw, model, mac = "3HW04517", "33.04", "Canon iR-ADV DX C3826", "02:5a:3c:10:07:08"
    system_group(r, "%s  /P" % model, "1.3.6.1.4.1.1602.4.7", up, "Facilities", "iR-C3826-2F",
                 "Legal department, 2nd floor")
    if_table(r, [(1, "Canon iR-ADV DX C3826  /P", 6, 1500, 1000000000, mac, 1, 1, 70114399, 22034187)], up)
    ip_addr(r, 1, "192.0.2.28", "255.255.255.0")
    supplies = [
        sup("Black Toner", 1, CLS_CONSUMED, T_TONER, U_PERCENT, 100, 45, "black", "toner"),
        sup("Cyan Toner", 2, CLS_CONSUMED, T_TONER, U_PERCENT, 100, 88, "cyan", "toner"),
        sup("Magenta Toner", 3, CLS_CONSUMED, T_TONER, U_PERCENT, 100, 77, "magenta", "toner"),
        sup("Yellow Toner", 4, CLS_CONSUMED, T_TONER, U_PERCENT, 100, 100, "yellow", "toner"),
        sup("Waste Toner Container", 0, CLS_RECEPTACLE, T_WASTE, U_PERCENT, 100, -2, "", "waste"),
    ]
    printer_common(r, dict(
        uptime=up, hr_descr=model, hr_status=2, hr_printer_status=4, printer_name=model,
        prt_serial=serial, counter_unit=U_IMPRESSIONS, life_count=154233, power_on_count=7730,
        colour=True, supplies=supplies, colorants=["black", "cyan", "magenta", "yellow"],
        memory_kb=4194304,
        inputs=[(TRAY_SHEETFEED_REMOVABLE, 550, 330, "Plain", "Drawer 1"),
                (TRAY_SHEETFEED_REMOVABLE, 550, 550, "Plain", "Drawer 2"),
                (TRAY_SHEETFEED_MANUAL, 100, 0, "Plain", "Multi-Purpose Tray")],
        console=["Printing..."]))
    c = "1.3.6.1.4.1.1602."
    r.add(c + "1.1.1.1.0", STR, model)                 # canPdInfoProductName
    r.add(c + "1.1.1.4.0", STR, fw)                    # canPdInfoProductVersion
    r.add(c + "1.2.1.4.0", STR, serial)                # serial number
    r.add(c + "1.2.1.8.1.3.1.1", STR, serial)          # canServInfoSerialNumberDeviceNumber
    # 108 "Total (Black 1)" = 112 + 113 (black large + small); 101 "Total 1" = 108 + 122 + 123.
    for idx, val in ((101, 154233), (108, 88910), (112, 6120), (113, 82790), (122, 4877), (123, 60446)):
        r.add(c + "1.11.1.3.1.4.%d" % idx, INT, val)    # counters (101 = total)
    exp = dict(is_printer=True, manufacturer="Canon", model=model, serial=serial, firmware=fw,
               lifetime_page_count=154233, page_count_unit="impressions", mac=mac,
               hostname="iR-C3826-2F", location="Legal department, 2nd floor",
               supplies=[expected_supply(i, s) for i, s in enumerate(supplies, 1)],
               notes="Colour CMYK, yellow full (100%); waste toner container (class 4) with level "
                     "-2 (unknown); firmware in canPdInfoProductVersion (1602.1.1.1.4.0); Canon "
                     "counter 101 agrees with prtMarkerLifeCount; sysDescr has Canon's '  /P' suffix; "
                     "printer currently printing (hrPrinterStatus 4).",
               sources=dict(manufacturer="sysObjectID enterprise 1602", model="hrDeviceDescr.1 (= canPdInfoProductName)",
                            serial="prtGeneralSerialNumber.1 (= 1602.1.2.1.4.0)", firmware="1.3.6.1.4.1.1602.1.1.1.4.0",
                            lifetime_page_count="prtMarkerLifeCount.1.1 (= 1602.1.11.1.3.1.4.101)"))
    return r, exp


NOT_PRINTER = dict(is_printer=False, manufacturer=None, model=None, serial=None, firmware=None,
                   lifetime_page_count=None, page_count_unit=None, mac=None, hostname=None,
                   location=None, supplies=[])


@other
def switch_cisco_c2960x():
    r = Rec()
    up = 1731554000
    descr = ("Cisco IOS Software, C2960X Software (C2960X-UNIVERSALK9-M), Version 15.2(7)E9, "
             "RELEASE SOFTWARE (fc1)\r\nTechnical Support: http://www.cisco.com/techsupport\r\n"
             "Copyright (c) 1986-2023 by Cisco Systems, Inc.\r\nCompiled Tue 28-Mar-23 12:10 by mcpre")
    system_group(r, descr, "1.3.6.1.4.1.9.1.1208", up, "netops@example.com", "sw-core-a2.example.com",
                 "Building A, comms room rack 3", services=2, descr_hex=True)
    base_mac = "02:5a:3c:20:00:%02x"
    ifs = [(1, "Vlan1", 53, 1500, 1000000000, base_mac % 0x40, 1, 1, 991022431, 44120774)]
    for p in range(1, 9):
        ifs.append((10100 + p, "GigabitEthernet1/0/%d" % p, 6, 1500, 1000000000, base_mac % p,
                    1, 1 if p <= 5 else 2, 120000000 * p, 98000000 * p))
    if_table(r, ifs, up)
    for (i, descr, *_rest) in ifs:
        short = descr.replace("GigabitEthernet", "Gi")
        r.add(MIB2 + ".31.1.1.1.1.%d" % i, STR, short)
        r.add(MIB2 + ".31.1.1.1.18.%d" % i, STR, "uplink" if i == 10101 else "")
    ip_addr(r, 1, "192.0.2.2", "255.255.255.0")
    r.add(MIB2 + ".17.1.1.0", HEX, mac_hex(base_mac % 0x80))
    r.add(MIB2 + ".17.1.2.0", INT, 8)
    r.add(MIB2 + ".17.1.3.0", INT, 2)
    e = MIB2 + ".47.1.1.1.1."
    r.add(e + "2.1001", STR, "WS-C2960X-24PS-L")
    r.add(e + "5.1001", INT, 3)
    r.add(e + "7.1001", STR, "1")
    r.add(e + "10.1001", STR, "15.2(7)E9")
    r.add(e + "11.1001", STR, "FOC2314Z1QX")
    r.add(e + "13.1001", STR, "WS-C2960X-24PS-L")
    exp = dict(NOT_PRINTER, notes="Cisco Catalyst 2960-X switch: sysObjectID under enterprise 9, "
                                  "sysDescr multi-line (4x hex with CR LF), no Host-Resources and no "
                                  "Printer-MIB; must not be reported as a printer.")
    return r, exp


@other
def server_linux_netsnmp():
    r = Rec()
    up = 90817743
    system_group(r, "Linux files01 6.1.0-25-amd64 #1 SMP PREEMPT_DYNAMIC Debian 6.1.106-3 (2024-08-26) x86_64",
                 "1.3.6.1.4.1.8072.3.2.10", up, "Me <me@example.org>", "files01",
                 "Sitting on the Dock of the Bay")
    if_table(r, [(1, "lo", 24, 65536, 10000000, "", 1, 1, 188213, 188213),
                 (2, "ens18", 6, 1500, 4294967295, "02:5a:3c:30:00:01", 1, 1, 3922018822, 1120983301)], up)
    ip_addr(r, 1, "127.0.0.1", "255.0.0.0")
    ip_addr(r, 2, "192.0.2.40", "255.255.255.0")
    r.add(MIB2 + ".25.1.1.0", TIMETICKS, up + 881200)
    r.add(MIB2 + ".25.1.5.0", GAUGE32, 2)
    r.add(MIB2 + ".25.1.6.0", GAUGE32, 187)
    r.add(MIB2 + ".25.1.7.0", INT, 0)
    r.add(MIB2 + ".25.2.2.0", INT, 16318460)
    st = MIB2 + ".25.2.3.1."
    for idx, typ, descr, units, size, used in (
            (1, "1.3.6.1.2.1.25.2.1.2", "Physical memory", 1024, 16318460, 6120331),
            (3, "1.3.6.1.2.1.25.2.1.3", "Virtual memory", 1024, 17367032, 6201113),
            (31, "1.3.6.1.2.1.25.2.1.4", "/", 4096, 12335121, 2984410),
            (36, "1.3.6.1.2.1.25.2.1.4", "/srv", 4096, 488213270, 301877216)):
        r.add(st + "1.%d" % idx, INT, idx)
        r.add(st + "2.%d" % idx, OID, typ)
        r.add(st + "3.%d" % idx, STR, descr)
        r.add(st + "4.%d" % idx, INT, units)
        r.add(st + "5.%d" % idx, INT, size)
        r.add(st + "6.%d" % idx, INT, used)
    cpu = "GenuineIntel: Intel(R) Xeon(R) E-2314 CPU @ 2.80GHz"
    for n in range(4):
        hr_device(r, 196608 + n, HRDEV_PROCESSOR, cpu, 2)
        r.add(MIB2 + ".25.3.3.1.1.%d" % (196608 + n), OID, "0.0")
        r.add(MIB2 + ".25.3.3.1.2.%d" % (196608 + n), INT, (3, 7, 2, 5)[n])
    hr_device(r, 262145, HRDEV_NETWORK, "network interface lo", 2)
    hr_device(r, 262146, HRDEV_NETWORK, "network interface ens18", 2)
    hr_device(r, 393232, HRDEV_DISK, "SCSI disk (/dev/sda)", 2)
    hr_device(r, 393248, HRDEV_DISK, "SCSI disk (/dev/sdb)", 2)
    r.add("1.3.6.1.4.1.2021.100.2.0", STR, "5.9.3")
    exp = dict(NOT_PRINTER, notes="Debian server running net-snmp (sysObjectID 8072.3.2.10): "
                                  "hrDeviceTable lists processors, network interfaces and disks, no "
                                  "hrDevicePrinter row and no Printer-MIB; must not be reported as a "
                                  "printer.")
    return r, exp


def model_without_brand(exp):
    """The agent reports the model without the manufacturer's name in front ("LaserJet M507",
    not "HP LaserJet M507"): manufacturer is its own field, and the cloud matches models by
    pattern. The devices here state the name with the brand, as real ones do."""
    if exp.get("model") and exp.get("manufacturer"):
        brand = exp["manufacturer"]
        if exp["model"].upper().startswith(brand.upper() + " "):
            exp["model"] = exp["model"][len(brand) + 1:]


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    expected = {}
    for fn in PRINTERS + OTHERS:
        rec, exp = fn()
        model_without_brand(exp)
        name = fn.__name__ + ".snmprec"
        with open(os.path.join(out, name), "w") as f:
            f.write(rec.text())
        expected[name] = exp
    with open(os.path.join(out, "expected.json"), "w") as f:
        json.dump(expected, f, indent=2, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
