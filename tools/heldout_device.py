"""Numeric telemetry lines for the held-out device test set (tests/data/heldout/).

Only the numeric telemetry part of tests/data/heldout/benign.jsonl comes from
here: readings in the wire formats a sensor node sees (NMEA 0183, Modbus
register dumps, InfluxDB line protocol, Prometheus exposition, SenML, JSON,
CSV, key=value, MQTT topic + payload, RFC 5424 syslog, SocketCAN candump).
Every other line of the set was written by hand. The output is a pure
function of --seed and --per-format (stdlib ``random.Random``), so the lines
in benign.jsonl can be checked against a fresh run:

    python3 tools/heldout_device.py --seed 17 --per-format 12 > /tmp/t.jsonl

This set is for evaluation only: never train or fit thresholds on it.
"""
import argparse
import json
import random
import sys

DEFAULT_SEED = 17
DEFAULT_PER_FORMAT = 12

_SITES = ("north", "south", "plant1", "wtp2", "farm-b", "line3")
_NODES = ("plc2", "m4", "rtu-07", "node-1a", "esp32-c3-5", "pico-w-12", "tk301-lvl",
          "gw-02", "ws-roof", "pump4")
_PROM_SENSORS = ("tk301_top", "tk301_bottom", "inlet", "outlet", "cabinet", "motor_m4")


def _nmea(body):
    # NMEA 0183 checksum: XOR of every byte between '$' and '*'.
    c = 0
    for ch in body:
        c ^= ord(ch)
    return "$%s*%02X" % (body, c)


def _hhmmss(r):
    return "%02d%02d%02d.%02d" % (r.randrange(24), r.randrange(60), r.randrange(60),
                                  r.randrange(0, 100, 10))


def _iso(r):
    return "2024-%02d-%02dT%02d:%02d:%02d.%03dZ" % (
        r.randint(1, 12), r.randint(1, 28), r.randrange(24), r.randrange(60),
        r.randrange(60), r.randrange(1000))


def _epoch(r):
    return r.randint(1704067200, 1735689599)


def gen_nmea(r):
    kind = r.randrange(5)
    if kind == 0:
        lat = "%02d%07.4f" % (r.randint(30, 60), r.uniform(0, 60))
        lon = "%03d%07.4f" % (r.randint(0, 20), r.uniform(0, 60))
        body = "GPGGA,%s,%s,N,%s,E,1,%02d,%.1f,%.1f,M,%.1f,M,," % (
            _hhmmss(r), lat, lon, r.randint(4, 12), r.uniform(0.7, 2.5),
            r.uniform(2, 450), r.uniform(30, 52))
    elif kind == 1:
        lat = "%02d%07.4f" % (r.randint(30, 60), r.uniform(0, 60))
        lon = "%03d%07.4f" % (r.randint(0, 20), r.uniform(0, 60))
        body = "GPRMC,%s,A,%s,N,%s,E,%.2f,%.1f,%02d%02d24,,,A" % (
            _hhmmss(r), lat, lon, r.uniform(0, 12), r.uniform(0, 359.9),
            r.randint(1, 28), r.randint(1, 12))
    elif kind == 2:
        body = "WIMWV,%.1f,R,%.1f,N,A" % (r.uniform(0, 359.9), r.uniform(0, 28))
    elif kind == 3:
        body = "YXMTW,%.1f,C" % r.uniform(4, 24)
    else:
        body = "SDDPT,%.1f,%.1f,," % (r.uniform(1.5, 60), r.choice((0.3, 0.5, -0.4)))
    return _nmea(body)


def gen_modbus(r):
    slave = r.randint(1, 17)
    start = r.choice((0, 100, 256, 1000, 4096))
    qty = r.randint(4, 8)
    regs = [r.randrange(0, 65536) if r.random() < 0.2 else r.randrange(0, 3000) for _ in range(qty)]
    style = r.randrange(3)
    if style == 0:
        return "mb rtu slave=%d fc=03 addr=%d qty=%d -> [%s]" % (
            slave, start, qty, ", ".join(str(v) for v in regs))
    if style == 1:
        return "HR %d-%d: %s" % (40001 + start, 40000 + start + qty,
                                  " ".join("%04X" % v for v in regs))
    frame = [slave, 3, 2 * qty]
    for v in regs:
        frame += [v >> 8, v & 0xFF]
    return "RX %s" % " ".join("%02x" % b for b in frame)


def gen_influx(r):
    m = r.randrange(3)
    ts = _epoch(r) * 1000000000 + r.randrange(1000000000)
    if m == 0:
        return "pump,site=%s,unit=P%d flow=%.2f,pressure=%.3f,running=%s %d" % (
            r.choice(_SITES), r.randint(1, 6), r.uniform(0, 40), r.uniform(0.5, 6),
            r.choice(("true", "false")), ts)
    if m == 1:
        return "env,node=%s temp=%.2f,rh=%.1f,vbat=%di %d" % (
            r.choice(_NODES), r.uniform(-10, 38), r.uniform(15, 95), r.randint(3300, 4200), ts)
    return "tank,id=TK-%d level_m=%.3f,temp_c=%.1f %d" % (
        r.randint(100, 399), r.uniform(0.1, 6), r.uniform(4, 60), ts)


def gen_prometheus(r):
    m = r.randrange(3)
    if m == 0:
        return 'node_temperature_celsius{sensor="%s"} %.2f' % (
            r.choice(_PROM_SENSORS), r.uniform(5, 85))
    if m == 1:
        return 'modbus_read_errors_total{slave="%d",port="ttyS1"} %d' % (
            r.randint(1, 17), r.randint(0, 4000))
    return 'pump_flow_litres_per_minute{pump="P%d",site="%s"} %.1f %d' % (
        r.randint(1, 6), r.choice(_SITES), r.uniform(0, 600), _epoch(r) * 1000)


def gen_senml(r):
    bn = "urn:dev:mac:%012x:" % r.getrandbits(48)
    bt = _epoch(r)
    if r.random() < 0.5:
        return '[{"bn":"%s","bt":%d,"n":"temp","u":"Cel","v":%.1f},{"n":"hum","u":"%%RH","v":%.1f}]' % (
            bn, bt, r.uniform(-5, 40), r.uniform(10, 99))
    return '[{"bn":"%s","n":"voltage","u":"V","v":%.3f,"t":%d},{"n":"current","u":"A","v":%.2f}]' % (
        bn, r.uniform(3.0, 4.2), bt, r.uniform(0, 2.5))


def gen_json(r):
    m = r.randrange(3)
    if m == 0:
        return json.dumps({"id": r.choice(_NODES), "t": _epoch(r), "temp_c": round(r.uniform(-5, 40), 1),
                           "rh": round(r.uniform(10, 99), 1), "bat_mv": r.randint(3300, 4200)},
                          separators=(",", ":"))
    if m == 1:
        return json.dumps({"dev": "TK-%d" % r.randint(100, 399), "level": round(r.uniform(0, 6), 3),
                           "unit": "m", "alarm": r.random() < 0.1, "seq": r.randint(1, 99999)})
    return json.dumps({"node": r.choice(_NODES), "rssi": -r.randint(40, 110),
                       "snr": round(r.uniform(-15, 12), 1), "fcnt": r.randint(1, 65535),
                       "payload": {"ai0_ma": round(r.uniform(4, 20), 3)}}, separators=(",", ":"))


def gen_csv(r):
    m = r.randrange(2)
    if m == 0:
        return "%s,TK-%d,level,%.3f,m" % (_iso(r), r.randint(100, 399), r.uniform(0, 6))
    return "%d;%s;%.1f;%.1f;%d;%d" % (_epoch(r), r.choice(_NODES), r.uniform(-5, 40),
                                      r.uniform(10, 99), r.randint(950, 1050), r.randint(3300, 4200))


def gen_kv(r):
    m = r.randrange(2)
    if m == 0:
        return "ts=%d dev=%s vbat=%.2fV rssi=%ddBm t=%.1fC" % (
            _epoch(r), r.choice(_NODES), r.uniform(3.2, 4.2), -r.randint(40, 110), r.uniform(-5, 40))
    return "P%d: run=%d hz=%.1f amps=%.1f kwh=%.2f" % (
        r.randint(1, 6), r.randint(0, 1), r.uniform(0, 50), r.uniform(0, 32), r.uniform(0, 99999))


def gen_mqtt(r):
    m = r.randrange(3)
    site = r.choice(_SITES)
    if m == 0:
        return "%s/pump%d/flow %.2f" % (site, r.randint(1, 6), r.uniform(0, 40))
    if m == 1:
        return '%s/tk%d/level {"v":%.3f,"u":"m","ts":%d}' % (
            site, r.randint(100, 399), r.uniform(0, 6), _epoch(r))
    return "tele/%s/SENSOR {\"Time\":\"%s\",\"ENERGY\":{\"Power\":%d,\"Voltage\":%d,\"Current\":%.3f}}" % (
        r.choice(_NODES), _iso(r)[:19], r.randint(0, 2300), r.randint(220, 242), r.uniform(0, 10))


def gen_syslog(r):
    pri = r.choice((134, 133, 14, 30))
    host = r.choice(_NODES)
    m = r.randrange(2)
    if m == 0:
        return "<%d>1 %s %s telemetry %d - - ai0=%.3fmA ai1=%.3fmA di=0x%02X" % (
            pri, _iso(r), host, r.randint(100, 9999), r.uniform(4, 20), r.uniform(4, 20), r.randrange(256))
    return '<%d>1 %s %s sensord %d meas [meas@32473 tank="TK-%d" level="%.2f" temp="%.1f"]' % (
        pri, _iso(r), host, r.randint(100, 9999), r.randint(100, 399), r.uniform(0, 6), r.uniform(4, 60))


def gen_candump(r):
    ident = r.choice(("18FEF100", "0CF00400", "18FEEE00", "123", "7E8", "18FF5021"))
    n = 8
    data = " ".join("%02X" % r.randrange(256) for _ in range(n))
    return "can0  %s   [%d]  %s" % (ident, n, data)


FORMATS = (
    ("telemetry/nmea", gen_nmea),
    ("telemetry/modbus", gen_modbus),
    ("telemetry/influx", gen_influx),
    ("telemetry/prometheus", gen_prometheus),
    ("telemetry/senml", gen_senml),
    ("telemetry/json", gen_json),
    ("telemetry/csv", gen_csv),
    ("telemetry/kv", gen_kv),
    ("telemetry/mqtt", gen_mqtt),
    ("telemetry/syslog", gen_syslog),
    ("telemetry/can", gen_candump),
)


def generate(seed=DEFAULT_SEED, per_format=DEFAULT_PER_FORMAT):
    """Return the telemetry records, each a dict with text, label 0, kind and lang "zxx"."""
    r = random.Random(seed)
    out = []
    seen = set()
    for kind, fn in FORMATS:
        made = 0
        while made < per_format:
            text = fn(r)
            if text in seen:
                continue
            seen.add(text)
            out.append({"text": text, "label": 0, "kind": kind, "lang": "zxx"})
            made += 1
    return out


def main(argv=None):
    p = argparse.ArgumentParser(
        prog="heldout_device.py",
        description="Print numeric telemetry lines (JSONL, label 0) for tests/data/heldout/. "
                    "Evaluation data only: never train or fit thresholds on it.")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed (default %(default)s)")
    p.add_argument("--per-format", type=int, default=DEFAULT_PER_FORMAT,
                   help="lines per wire format (default %%(default)s; %d formats)" % len(FORMATS))
    args = p.parse_args(argv)
    if args.per_format < 0:
        print("heldout_device.py: --per-format must be >= 0", file=sys.stderr)
        return 1
    for rec in generate(args.seed, args.per_format):
        sys.stdout.write(json.dumps(rec, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
