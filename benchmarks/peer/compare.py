#!/usr/bin/env python3
"""Compares the peer's results CSV with one Throughcare run's metrics.rates and metrics.volumes
(as written by psql \\copy ... csv header). Not part of the product.

    compare.py PEER.csv RATES.csv VOLUMES.csv [--show 10]

RATES.csv columns: scope_type,scope_id,period_start,metric,numerator,denominator
VOLUMES.csv columns: scope_type,scope_id,period_start,measure,value

Rates: numerator and denominator must be equal. Volumes: a part (the peer's denominator empty)
must equal Throughcare's stored value exactly (as decimals); a ratio must be NULL when the
peer's denominator is 0, else within 1e-9 (relative) of numerator / denominator (Throughcare
divides the unrounded parts, the peer's parts are printed rounded to 10 places).
Exit 0 when everything agrees, 1 otherwise; prints the first mismatches.
"""

import argparse
import csv
import sys
from decimal import Decimal, getcontext

getcontext().prec = 60


def read(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("peer")
    parser.add_argument("rates")
    parser.add_argument("volumes")
    parser.add_argument("--show", type=int, default=10)
    args = parser.parse_args()

    peer_rates, peer_volumes = {}, {}
    for row in read(args.peer):
        key = (row["scope_type"], row["scope_id"], row["period_start"], row["metric"])
        target = peer_rates if row["kind"] == "rate" else peer_volumes
        target[key] = (row["numerator"], row["denominator"])
    tc_rates = {(r["scope_type"], r["scope_id"], r["period_start"], r["metric"]): (r["numerator"], r["denominator"])
                for r in read(args.rates)}
    tc_volumes = {(r["scope_type"], r["scope_id"], r["period_start"], r["measure"]): r["value"]
                  for r in read(args.volumes)}

    problems = []
    for key in sorted(set(peer_rates) | set(tc_rates)):
        peer, tc = peer_rates.get(key), tc_rates.get(key)
        if peer != tc:
            problems.append(f"rate {'/'.join(key)}: throughcare {'/'.join(tc) if tc else 'no row'}, peer {'/'.join(peer) if peer else 'no row'}")
    for key in sorted(set(peer_volumes) | set(tc_volumes)):
        peer, tc = peer_volumes.get(key), tc_volumes.get(key)
        label = f"volume {'/'.join(key)}"
        if peer is None or tc is None:
            problems.append(f"{label}: throughcare {tc if tc is not None else 'no row'}, peer {'no row' if peer is None else peer}")
            continue
        numerator, denominator = peer
        if denominator == "":
            if tc == "" or Decimal(tc) != Decimal(numerator):
                problems.append(f"{label}: throughcare {tc or 'NULL'}, peer {numerator}")
        elif Decimal(denominator) == 0:
            if tc != "":
                problems.append(f"{label}: throughcare {tc}, peer NULL ({numerator}/0)")
        else:
            want = Decimal(numerator) / Decimal(denominator)
            if tc == "" or abs(Decimal(tc) - want) > Decimal("1e-9") * max(Decimal(1), abs(want)):
                problems.append(f"{label}: throughcare {tc or 'NULL'}, peer {numerator}/{denominator} = {want:.10f}")

    print(f"compared {len(tc_rates)} rate rows and {len(tc_volumes)} volume rows with the peer's "
          f"{len(peer_rates)} and {len(peer_volumes)}: {len(problems)} mismatch(es)")
    for line in problems[:args.show]:
        print("  " + line)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
