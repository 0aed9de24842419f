#!/usr/bin/env python3
"""Prints, per catalogue, its size, applies_to entries and the number of
distinct field paths it describes (array elements as [], each named shape
expanded once per path; alternatives' members merged)."""
import glob
import json
import os
import sys


def paths(cat, shape, prefix, out, stack=()):
    if isinstance(shape, list):
        for a in shape:
            paths(cat, a, prefix, out, stack)
    elif isinstance(shape, dict):
        if "$ref" in shape:
            if shape["$ref"] in stack:
                return
            paths(cat, cat["shapes"][shape["$ref"]], prefix, out, stack + (shape["$ref"],))
        elif "array" in shape:
            paths(cat, shape["array"], prefix + "[]", out, stack)
        elif "object" in shape:
            for k, v in shape["object"].items():
                out.add(prefix + "." + k)
                paths(cat, v, prefix + "." + k, out, stack)


root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..")
for f in sorted(glob.glob(os.path.join(root, "catalogues", "*.json"))):
    cat = json.load(open(f))
    per_entry = []
    union = set()
    for e in cat["applies_to"]:
        shape = {"$ref": e["shape"]} if "shape" in e else cat["detail"]
        out = set()
        paths(cat, shape, "detail", out)
        per_entry.append(len(out))
        union |= out
    print(f"{os.path.basename(f)}: {os.path.getsize(f)} bytes, {len(cat['applies_to'])} applies_to "
          f"entries, {len(cat['shapes'])} named shapes, {len(union)} distinct field paths, "
          f"{sum(per_entry)} summed over entries (per entry: min {min(per_entry)}, max {max(per_entry)})")
