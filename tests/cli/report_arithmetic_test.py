#!/usr/bin/env python3
"""Recomputes every figure of `proact report` from the formula printed
beside it, as a reader would by hand, for the docs' Lambda and `proact
serve` examples in JSON and CSV: the numbers substituted into each formula
must give the figure's value. Also checks the relations between figures
(cost per execution, net savings) and that text, CSV and JSON agree.

    report_arithmetic_test.py PROACT SOURCE_DIR
"""
import csv
import io
import json
import math
import os
import re
import subprocess
import sys

failures = []


def evaluate(formula):
    """The arithmetic of a formula, or None when it has none."""
    if " = " not in formula:
        return None
    expr = formula.split(" = ", 1)[1]
    # Nested "(name = expr)": keep the expression.
    expr = re.sub(r"\(([a-z][a-z. ]*?) = ", "(", expr)
    expr = expr.replace(" x ", " * ")
    if not re.fullmatch(r"[0-9.+\-*/() ]+", expr):
        failures.append("formula is not plain arithmetic: %r" % formula)
        return None
    return eval(expr, {"__builtins__": {}})  # digits and operators only (checked above)


def close(a, b):
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-15)


def check_group(where, figures):
    values = {f["name"]: f["value"] for f in figures}
    for f in figures:
        got = evaluate(f["formula"])
        if got is not None and not close(got, f["value"]):
            failures.append("%s %s: %s gives %r, the report says %r" % (where, f["name"], f["formula"], got, f["value"]))
    n = values.get("billed_executions", values["executions"])
    if n and not close(values["cost_per_execution_usd"], values["platform_cost_usd"] / n):
        failures.append("%s: cost per execution is not platform cost / executions" % where)
    if not close(values["net_savings_usd"], values["human_cost_usd"] - values["platform_cost_usd"]):
        failures.append("%s: net savings is not human cost - platform cost" % where)
    return len(figures)


def main():
    proact, src = sys.argv[1], sys.argv[2]
    checked = 0
    for log in ["lambda-filter-log-events.json", "decisions.log"]:
        path = os.path.join(src, "docs/examples/report", log)
        report = json.loads(subprocess.run([proact, "report", "--format", "json", path], check=True,
                                           capture_output=True, text=True).stdout)
        groups = [("all", g) for g in report["savings"]]
        groups += [(p["period"], g) for p in report["periods"] for g in p["savings"]]
        for period, g in groups:
            checked += check_group("%s %s %s" % (log, period, g["policy"]), g["figures"])
        total = next(g for g in report["savings"] if g["policy"] == "TOTAL")
        t = {f["name"]: f["value"] for f in total["figures"]}
        if not close(t["human_cost_usd"], report["totals"]["usd_saved"]):
            failures.append("%s: total human cost differs from the outcome table's USD saved" % log)
        # CSV: the same figures, one a row, each recomputable.
        rows = list(csv.DictReader(io.StringIO(subprocess.run(
            [proact, "report", "--format", "csv", path], check=True, capture_output=True, text=True).stdout)))
        for row in rows:
            if row["period"] == "inputs" or not row["unit"]:
                continue
            got = evaluate(row["formula"])
            if got is not None and not close(got, float(row["value"])):
                failures.append("%s csv %s %s: %s gives %r, not %s" % (log, row["policy"], row["figure"],
                                                                       row["formula"], got, row["value"]))
            checked += 1
        csv_total = {r["figure"]: float(r["value"]) for r in rows if r["period"] == "all" and r["policy"] == "TOTAL"}
        for name in ["platform_cost_usd", "human_cost_usd", "net_savings_usd", "cost_per_execution_usd"]:
            if not close(csv_total[name], t[name]):
                failures.append("%s: csv and json differ on %s" % (log, name))
        # Text: the total's net savings line carries the same number.
        text = subprocess.run([proact, "report", path], check=True, capture_output=True, text=True).stdout
        block = text.split("whole log, TOTAL", 1)[1]
        m = re.search(r"net savings\s+(-?[0-9.]+) USD", block)
        if not m or not close(float(m.group(1)), t["net_savings_usd"]):
            failures.append("%s: text and json differ on the net savings" % log)
    # The evaluator catches a wrong sum.
    before = len(failures)
    check_group("self-test", [{"name": "platform_cost_usd", "value": 1.0, "formula": "a = 2 x 3"},
                              {"name": "executions", "value": 1, "formula": "x"},
                              {"name": "cost_per_execution_usd", "value": 1.0, "formula": "x"},
                              {"name": "human_cost_usd", "value": 2.0, "formula": "x"},
                              {"name": "net_savings_usd", "value": 1.0, "formula": "x"}])
    if len(failures) == before:
        failures.append("self-test: a wrong formula went unnoticed")
    else:
        del failures[before:]
    for f in failures:
        print("FAIL:", f)
    print("recomputed %d figures from their formulas" % checked)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
