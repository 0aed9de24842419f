#!/usr/bin/python3
"""docs/actions.md's status table says, for every action the pack emits,
how it runs: declared as data and executed by the adapters, `manual` (no API
can do it), or left to a host handler. This script computes the table from
rules/ and compares it with the one between the status markers of
docs/actions.md (or rewrites it with --write).
Usage: pack_status.py SOURCE_DIR [--write]
"""
import glob
import os
import sys

import yaml

BEGIN, END = "<!-- status:begin -->", "<!-- status:end -->"


def table(src):
    emitted = {}
    declared, manual = set(), {}
    for path in sorted(glob.glob(os.path.join(src, "rules", "**", "*.yaml"), recursive=True)):
        if path.endswith("_test.yaml") or "/fixtures/" in path:
            continue
        with open(path) as f:
            doc = yaml.safe_load(f) or {}
        for name, t in (doc.get("action_types") or {}).items():
            declared.add(name)
            if isinstance(t, dict) and t.get("manual"):
                manual[name] = " ".join(str(t["manual"]).split())
        for p in doc.get("policies") or []:
            for a in p.get("actions") or []:
                emitted.setdefault(a["action"], set()).add(p["id"])
    rows = ["| action | runs as | policies |", "|---|---|---|"]
    counts = {"executed": 0, "manual": 0, "host handler": 0}
    for name in sorted(emitted):
        if name in manual:
            how = "manual: " + manual[name].replace("|", "\\|")
            counts["manual"] += 1
        elif name in declared:
            how = "executed (rules/actions/)"
            counts["executed"] += 1
        else:
            how = "host handler (not expressible as data yet)"
            counts["host handler"] += 1
        rows.append("| `%s` | %s | %d |" % (name, how, len(emitted[name])))
    summary = ("%d action types: %d executed by the adapters, %d manual, %d left to a host handler."
               % (len(emitted), counts["executed"], counts["manual"], counts["host handler"]))
    return "\n".join([summary, ""] + rows)


def main():
    src = sys.argv[1]
    path = os.path.join(src, "docs", "actions.md")
    text = open(path).read()
    if BEGIN not in text or END not in text:
        print("FAIL: docs/actions.md has no status markers")
        return 1
    head, rest = text.split(BEGIN, 1)
    _, tail = rest.split(END, 1)
    want = table(src)
    if "--write" in sys.argv:
        open(path, "w").write(head + BEGIN + "\n" + want + "\n" + END + tail)
        print(want.splitlines()[0])
        return 0
    got = rest.split(END, 1)[0].strip()
    if got != want.strip():
        print("FAIL: docs/actions.md's status table is not what rules/ says; run "
              "tests/remediation/pack_status.py . --write\n" + want)
        return 1
    print("pack status: " + want.splitlines()[0])
    return 0


if __name__ == "__main__":
    sys.exit(main())
