"""acked.py ACKS LOG_JSON - is every acknowledged event in the ledger?

ACKS holds the lines "ack SEQ EVENT_ID" a load (bench_fill with
LPG_BENCH_ACKS=1) printed for each event the service answered; LOG_JSON
is `lpgtrace --json log`, one entry per line. Exits 1, saying how many,
if an acknowledged event is not in the ledger at its seq.
"""
import json
import sys

have = {}
with open(sys.argv[2]) as f:
    for line in f:
        o = json.loads(line)
        have[o["seq"]] = o.get("event_id")
with open(sys.argv[1]) as f:
    missing = [l for l in f if l.startswith("ack ")
               and have.get(int(l.split()[1])) != l.split()[2]]
print("acknowledged events missing:", len(missing))
sys.exit(1 if missing else 0)
