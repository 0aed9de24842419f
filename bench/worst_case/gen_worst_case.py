#!/usr/bin/env python3
"""Worst-case policy sets and crafted events for the per-event bound.

Writes <out>/<scenario>/policies/*.yaml and events.jsonl for each scenario
below. Every set loads under the default CompileOptions (set budget) and
every event under the default EngineOptions size limits (4 MiB, 100,000
values); together they aim at the most work the limits allow per event.
Standard library only; deterministic.
"""

import argparse
import json
import os

MAX_EVENT = 4 * 1024 * 1024 - 1024  # room for the envelope


def hostile(length, seed):
    """a/b text with no 'c': RE2's DFA for [ab]*a[ab]{k}c overflows its cache."""
    x = seed * 2654435761 % (1 << 32) or 1
    out = bytearray()
    for _ in range(length):
        x ^= (x << 13) & 0xFFFFFFFF
        x ^= x >> 17
        x ^= (x << 5) & 0xFFFFFFFF
        out.append(ord("a") if x & 1 else ord("b"))
    return out.decode()


def event(detail):
    return json.dumps({"source": "bench", "detail-type": "worst", "detail": detail},
                      separators=(",", ":"))


def write(out, name, policies, events):
    """policies/NNN.yaml (2,000 policies a file, under max_file_bytes)."""
    d = os.path.join(out, name)
    os.makedirs(os.path.join(d, "policies"), exist_ok=True)
    for n in range(0, len(policies), 2000):
        with open(os.path.join(d, "policies", "%03d.yaml" % (n // 2000)), "w") as f:
            f.write("policies:\n" + "".join(policies[n:n + 2000]))
    with open(os.path.join(d, "events.jsonl"), "w") as f:
        for e in events:
            f.write(e + "\n")


def policy(pid, match):
    return "  - id: %s\n    match: %s\n" % (pid, json.dumps(match, separators=(",", ":")))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    out = ap.parse_args().out

    # 1. 256 distinct regexes (max_set_regex_mem: 256 x 1 MiB), each hostile
    # to RE2's DFA (program ~400 instructions), on one field; values from 64
    # bytes to 4 MiB, and 60,000 short values in one array.
    regexes = [policy("re%d" % i, {"detail": {"v": [{"regex": "[ab]*a[ab]{400}c%d" % i}]}})
               for i in range(256)]
    events = [event({"v": hostile(n, n)}) for n in (64, 1024, 16384, 39000, 1 << 20)]
    events.append(event({"v": hostile(MAX_EVENT, 7)}))
    events.append(event({"v": [hostile(16, i) for i in range(60000)]}))
    write(out, "regex-nfa", regexes, events)

    # 2. The same with ordinary regexes (a short program, DFA speed).
    plain = [policy("re%d" % i, {"detail": {"v": [{"regex": "^arn:aws:iam::[0-9]{12}:user/x%d" % i}]}})
             for i in range(256)]
    events = [event({"v": "arn:aws:iam::123456789012:user/" + "x" * n}) for n in (16, 16384)]
    events.append(event({"v": "arn:aws:iam::123456789012:user/" + "x" * MAX_EVENT}))
    events.append(event({"v": ["arn:aws:iam::123456789012:user/%d" % i for i in range(60000)]}))
    write(out, "regex-dfa", plain, events)

    # 3. anything-but with 10,000 values; 100,000 array elements, all excluded.
    values = ["v%d" % i for i in range(10000)]
    ab = [policy("ab", {"detail": {"v": [{"anything-but": values}]}}),
          policy("abic", {"detail": {"w": [{"anything-but": {"equals-ignore-case": values}}]}})]
    events = [event({"v": [values[i % 10000] for i in range(99990)]}),
              event({"w": [values[i % 10000].upper() for i in range(99990)]})]
    write(out, "anything-but-10000", ab, events)

    # 4. anything-but prefix with 10,000 entries (tried one by one).
    abp = [policy("abp", {"detail": {"v": [{"anything-but": {"prefix": ["p%05d" % i for i in range(10000)]}}]}})]
    events = [event({"v": ["p%05dx" % (i % 10000) for i in range(99990)]})]
    write(out, "anything-but-prefix-10000", abp, events)

    # 5. max_policies (100,000) unanchored policies, 9 prefix tests each
    # (2,000,000 value tests in all with their field tests); each value
    # long and sharing most of each prefix.
    long_prefix = "x" * 40
    many = [policy("p%d" % i, {"detail": {"v": [{"prefix": long_prefix + "%d-%d" % (i, j)} for j in range(9)]}})
            for i in range(100000)]
    events = [event({"v": long_prefix + "zz"}),
              event({"v": [long_prefix + "zz%d" % i for i in range(4)]})]
    write(out, "unanchored-100000", many, events)

    # 6. The same-element search: x and y in one element each, z in others.
    same = [policy("same", {"detail": {"a": {"x": [1], "y": [1], "z": [1]}}})]
    elems = [{"x": 1, "y": 1}] * 30000 + [{"z": 1}] * 30000
    write(out, "same-element", same, [event({"a": elems})])

    # 7. Wildcards with a long inner chunk on a long value (quadratic search).
    wild = [policy("w%d" % i, {"detail": {"v": [{"wildcard": "*%s%d*" % ("a" * 200, i)}]}})
            for i in range(1000)]
    write(out, "wildcard", wild, [event({"v": "a" * 100000}), event({"v": "a" * MAX_EVENT})])


if __name__ == "__main__":
    main()
