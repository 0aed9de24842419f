#!/usr/bin/env python3
"""Writes catalogues/okta.json: the Okta System Log LogEvent, from the models
of the Okta Node.js SDK (@okta/okta-sdk-nodejs, generated from Okta's
Management API OpenAPI description).

Run once by hand, with the package installed outside the repository (the
version pinned in tests/remediation/extract_cloud_operations.js):
    mkdir -p /tmp/okta && cd /tmp/okta && npm init -y &&
    npm install --no-audit --no-fund @okta/okta-sdk-nodejs@8.1.0
    python3 tools/catalogues/okta.py /tmp/okta/node_modules/@okta/okta-sdk-nodejs > catalogues/okta.json

Each model file src/generated/models/<Name>.js has an attributeTypeMap of
{name, baseName, type}; members are named by baseName (the JSON name).
Types: string/Date -> string, number, boolean, Array<T> -> array,
'{ [key: string]: any; }' and 'any' -> open object / any, a model without an
attributeTypeMap, or a type named ...Enum, is an enum -> string. A model's fields map one-to-one to the
JSON; LogEvent's top level is closed, every nested object open (Okta adds
context fields over time, and the SDK's models lag the live API).

Corrections from Okta's LogEvent documentation
(developer.okta.com/docs/reference/api/system-log/#logevent-object), which
the SDK model lacks: actor.detailEntry / target[].detailEntry are open
objects or null; null is allowed for every optional member (Okta's examples
show null for strings, numbers and booleans such as securityContext.asNumber
and isProxy); `device` (the SDK's LogDevice model, documented as a LogEvent
member, not yet referenced by the SDK's LogEvent) and `insertionTimestamp`
(present in Okta's event hook delivery example) are added.
"""
import json
import os
import re
import sys

ENTRY = re.compile(r"\{\s*'name':\s*'([^']*)',\s*'baseName':\s*'([^']*)',\s*'type':\s*'([^']*)'")


def main():
    pkg = sys.argv[1]
    models = os.path.join(pkg, "src", "generated", "models")
    version = json.load(open(os.path.join(pkg, "package.json")))["version"]
    shapes = {}

    def parse(name):
        text = open(os.path.join(models, name + ".js")).read()
        if "attributeTypeMap" not in text:
            return None  # an enum
        return ENTRY.findall(text)

    def convert(t):
        if t in ("string", "Date"):
            return "string"
        if t == "number":
            return "number"
        if t == "boolean":
            return "boolean"
        if t == "any":
            return "any"
        if t.startswith("{ [key: string]"):
            return {"object": {}, "open": True}
        m = re.fullmatch(r"Array<(.+)>", t)
        if m:
            return {"array": convert(m.group(1))}
        if not os.path.exists(os.path.join(models, t + ".js")) and t.endswith("Enum"):
            return "string"  # an enum declared inside its model's file
        if not os.path.exists(os.path.join(models, t + ".js")):
            raise SystemExit(f"unknown type {t}")
        if t not in shapes:
            fields = parse(t)
            if fields is None:
                return "string"
            shapes[t] = None
            members = {base: convert(ty) for _, base, ty in fields}
            shapes[t] = {"object": members, "open": True}
        return {"$ref": t}

    detail = convert("LogEvent")
    device = convert("LogDevice")  # a model of this SDK that LogEvent does not reference
    event = shapes.pop("LogEvent")
    event["object"]["device"] = device
    event["object"]["insertionTimestamp"] = "string"
    event["open"] = False
    # Nullable where Okta's documented examples and real events have null.
    for k, v in list(event["object"].items()):
        if k not in ("eventType", "published", "uuid"):
            event["object"][k] = [v, "null"]
    for name in ("LogActor", "LogTarget"):
        shapes[name]["object"]["detailEntry"] = [{"object": {}, "open": True}, "null"]
    for name, s in shapes.items():
        for k, v in list(s["object"].items()):
            if v in ("string", "number", "boolean") or (isinstance(v, dict) and "$ref" in v):
                s["object"][k] = [v, "null"]
    doc = {
        "_provenance": {
            "what": "Okta System Log LogEvent (the detail of 'Okta System Log Event', source okta)",
            "from": f"npm @okta/okta-sdk-nodejs@{version}: src/generated/models/LogEvent.js and the Log* "
                    "models it references (generated from Okta's Management API OpenAPI description); "
                    "corrections from developer.okta.com System Log API LogEvent object documentation",
            "extracted_by": "tools/catalogues/okta.py",
            "date": "2026-11-29",
            "licence": "Apache-2.0 (@okta/okta-sdk-nodejs)",
            "notes": "Top level closed, nested objects open; optional strings and objects may be null "
                     "(as in Okta's examples); actor/target detailEntry open; device and insertionTimestamp added from "
                     "Okta's documentation/examples.",
        },
        "applies_to": [{"source": "okta", "detail-type": "Okta System Log Event"}],
        "shapes": dict(sorted(shapes.items())),
        "detail": {"object": event["object"], "open": False},
    }
    json.dump(doc, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
