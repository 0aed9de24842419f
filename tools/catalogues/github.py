#!/usr/bin/env python3
"""Writes catalogues/github.json from @octokit/webhooks-schemas (the JSON
Schemas of GitHub's webhook payloads, maintained in github.com/octokit/webhooks
from GitHub's webhook documentation).

Run once by hand, with the package installed outside the repository:
    mkdir -p /tmp/ghschemas && cd /tmp/ghschemas && npm init -y &&
    npm install --no-audit --no-fund @octokit/webhooks-schemas@7.6.1
    python3 tools/catalogues/github.py /tmp/ghschemas/node_modules/@octokit/webhooks-schemas \
        > catalogues/github.json

Conversion of JSON Schema (draft-07) to catalogue shapes:
  * every `definitions` entry that something references becomes a named
    shape, and $ref stays $ref, so common parts (repository, user,
    organization, installation...) are written once;
  * type string/integer/number/boolean/null/array/object map to the
    catalogue types (integer -> number); a list of types, oneOf and anyOf
    become alternatives; enum/const without a type gives the types of its
    values; a schema with no type and no structure is "any";
  * object: properties are the members; the object is closed only when the
    schema says additionalProperties: false, else open;
  * allOf: the parts' object members are merged (closed if any part is);
  * each event: the `<event>_event` definition (oneOf the `<event>$<action>`
    payloads) or `<event>$event` for events without actions; applies_to gives
    source "github", detail-type = the event name (X-GitHub-Event), shape =
    that definition.
"""
import json
import os
import sys

TYPES = {"string": "string", "integer": "number", "number": "number",
         "boolean": "boolean", "null": "null"}


def value_type(v):
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, (int, float)):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return {"array": "any"}
    return {"object": {}, "open": True}


def dedupe(alts):
    out = []
    for a in alts:
        if isinstance(a, list):
            for b in a:
                if b not in out:
                    out.append(b)
        elif a not in out:
            out.append(a)
    if "any" in out:
        return "any"
    return out[0] if len(out) == 1 else out


class Converter:
    def __init__(self, defs):
        self.defs = defs
        self.shapes = {}

    def ref(self, r):
        name = r.split("/")[-1]
        if name not in self.shapes:
            self.shapes[name] = None  # placeholder against recursion
            self.shapes[name] = self.convert(self.defs[name])
        return {"$ref": name}

    def resolve(self, shape):
        while isinstance(shape, dict) and "$ref" in shape:
            shape = self.shapes[shape["$ref"]]
        return shape

    def merge_all(self, parts):
        members, closed, others = {}, False, []
        for p in parts:
            s = self.resolve(p)
            if isinstance(s, dict) and "object" in s:
                for k, v in s["object"].items():
                    members[k] = v  # later parts refine
                if not s.get("open", True):
                    closed = True
            elif s == "any":
                continue
            else:
                others.append(s)
        if others and not members:
            return dedupe(others)
        return {"object": members, "open": not closed}

    def convert(self, s):
        if s is True or s == {}:
            return "any"
        if s is False:
            return "null"
        if "$ref" in s:
            return self.ref(s["$ref"])
        if "allOf" in s:
            parts = [self.convert(p) for p in s["allOf"]]
            rest = {k: v for k, v in s.items() if k != "allOf"}
            if rest.get("properties") or rest.get("type") == "object":
                parts.append(self.convert(rest))
            return self.merge_all(parts)
        for key in ("oneOf", "anyOf"):
            if key in s:
                alts = [self.convert(p) for p in s[key]]
                return dedupe(alts)
        t = s.get("type")
        if t is None:
            if "properties" in s or "additionalProperties" in s:
                t = "object"
            elif "items" in s:
                t = "array"
            elif "enum" in s:
                return dedupe([value_type(v) for v in s["enum"]])
            elif "const" in s:
                return value_type(s["const"])
            else:
                return "any"
        if isinstance(t, list):
            return dedupe([self.convert(dict(s, type=x)) for x in t])
        if t in TYPES:
            return TYPES[t]
        if t == "array":
            items = s.get("items")
            if items is None:
                return {"array": "any"}
            if isinstance(items, list):
                return {"array": dedupe([self.convert(i) for i in items])}
            return {"array": self.convert(items)}
        if t == "object":
            members = {k: self.convert(v) for k, v in s.get("properties", {}).items()}
            return {"object": members, "open": s.get("additionalProperties", True) is not False}
        raise SystemExit(f"unhandled schema {json.dumps(s)[:200]}")


def count_paths(shapes, shape, seen=()):
    """Distinct member paths reachable (each named shape expanded once per path)."""
    if isinstance(shape, list):
        return sum(count_paths(shapes, a, seen) for a in shape)
    if isinstance(shape, dict):
        if "$ref" in shape:
            if shape["$ref"] in seen:
                return 0
            return count_paths(shapes, shapes[shape["$ref"]], seen + (shape["$ref"],))
        if "array" in shape:
            return count_paths(shapes, shape["array"], seen)
        if "object" in shape:
            return sum(1 + count_paths(shapes, v, seen) for v in shape["object"].values())
    return 0


def main():
    pkg = sys.argv[1]
    schema = json.load(open(os.path.join(pkg, "schema.json")))
    meta = json.load(open(os.path.join(pkg, "package.json")))
    defs = schema["definitions"]
    conv = Converter(defs)
    applies = []
    for entry in schema["oneOf"]:
        name = entry["$ref"].split("/")[-1]
        event = name[:-len("_event")] if name.endswith("_event") else name.split("$")[0]
        conv.ref(entry["$ref"])
        applies.append({"source": "github", "detail-type": event, "shape": name})
    applies.sort(key=lambda a: a["detail-type"])
    # Correction: GitHub's webhook documentation ("Webhook events and
    # payloads", common properties) says any payload may carry `enterprise`
    # when the webhook is on an enterprise or an organization in one; the
    # schemas in this package omit it. Added to every payload that has
    # `sender`, as an open object with the members GitHub's docs list.
    conv.shapes["enterprise"] = {"object": {
        "id": "number", "slug": "string", "name": "string", "node_id": "string",
        "avatar_url": "string", "description": ["string", "null"],
        "website_url": ["string", "null"], "html_url": "string",
        "created_at": ["string", "null"], "updated_at": ["string", "null"]}, "open": True}
    for shape in conv.shapes.values():
        if isinstance(shape, dict) and "object" in shape and "sender" in shape["object"] \
                and "enterprise" not in shape["object"]:
            shape["object"]["enterprise"] = {"$ref": "enterprise"}
    doc = {
        "_provenance": {
            "what": "GitHub webhook payloads, one shape per event (X-GitHub-Event), as proact's "
                    "envelope carries them in detail",
            "from": f"npm {meta['name']}@{meta['version']} (schema.json; {meta.get('repository')}, "
                    "community-maintained JSON Schemas of GitHub's documented webhook payloads)",
            "extracted_by": "tools/catalogues/github.py",
            "date": "2026-11-29",
            "licence": f"{meta.get('license')} (@octokit/webhooks-schemas)",
            "notes": "Objects are closed only where the schema says additionalProperties: false. "
                     "Added: `enterprise` (open) on every payload with `sender`, which GitHub's "
                     "webhook documentation lists as a common property and the schemas omit. "
                     "Events GitHub added after this package version are not listed (not checked).",
        },
        "applies_to": applies,
        "shapes": dict(sorted(conv.shapes.items())),
        "detail": "any",
    }
    json.dump(doc, sys.stdout, separators=(",", ":"))
    sys.stdout.write("\n")
    total = sum(count_paths(conv.shapes, {"$ref": a["shape"]}) for a in applies)
    print(f"{len(applies)} events, {len(conv.shapes)} shapes, {total} field paths (per event, summed)",
          file=sys.stderr)


if __name__ == "__main__":
    main()
