#!/usr/bin/env python3
"""Writes catalogues/guardduty.json from botocore's GuardDuty service model.

Run once by hand (not at test time):
    python3 tools/catalogues/guardduty.py [SERVICE-2.JSON] > catalogues/guardduty.json

The model is Debian's python3-botocore (dpkg -s python3-botocore gives its
version), file botocore/data/guardduty/2017-11-28/service-2.json. The Finding
shape is what EventBridge delivers as `detail` of a "GuardDuty Finding" event,
with each member named by its locationName (camelCase).

Type mapping: integer/long/double/float -> number; string/timestamp -> string
(EventBridge carries ISO text); boolean -> boolean; list -> array; map ->
object open (keys are data); structure -> object, open (GuardDuty adds members
over time and this model is from one botocore release).

Exception, from the EventBridge form: service.additionalInfo is free-form JSON
in EventBridge findings ({"sample": true, ...}), not the API's {value, type}
pair, so it is "any".
"""
import json
import subprocess
import sys

DEFAULT = "/usr/lib/python3/dist-packages/botocore/data/guardduty/2017-11-28/service-2.json"


def member_name(name, member):
    loc = member.get("locationName")
    if loc:
        return loc
    return name[:1].lower() + name[1:]


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else DEFAULT
    model = json.load(open(path))
    shapes = model["shapes"]
    out = {}

    def convert(name):
        s = shapes[name]
        t = s["type"]
        if t in ("integer", "long", "double", "float"):
            return "number"
        if t in ("string", "timestamp", "blob"):
            return "string"
        if t == "boolean":
            return "boolean"
        if t == "list":
            return {"array": convert(s["member"]["shape"])}
        if t == "map":
            return {"object": {}, "open": True}
        if t == "structure":
            if name not in out:
                out[name] = None  # recursion guard
                members = {}
                for mname, m in s.get("members", {}).items():
                    members[member_name(mname, m)] = convert(m["shape"])
                out[name] = {"object": members, "open": True}
            return {"$ref": name}
        raise SystemExit(f"unhandled shape type {t} for {name}")

    detail = convert("Finding")
    # EventBridge form: additionalInfo is free-form.
    out["Service"]["object"]["additionalInfo"] = "any"
    # The model says Organization.asn is a string; EventBridge findings have
    # carried it as a number too (the Cloud Custodian GuardDuty sample in
    # rules/fixtures/aws/ has "asn": -1). Both are allowed.
    out["Organization"]["object"]["asn"] = ["string", "number"]
    if "ServiceAdditionalInfo" in out and not any(
            "ServiceAdditionalInfo" in json.dumps(v) for k, v in out.items() if k != "ServiceAdditionalInfo"):
        del out["ServiceAdditionalInfo"]
    try:
        version = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "python3-botocore"],
                                 capture_output=True, text=True).stdout.strip()
    except OSError:
        version = "unknown"
    doc = {
        "_provenance": {
            "what": "GuardDuty finding as EventBridge delivers it (detail of 'GuardDuty Finding'): "
                    "the Finding shape of the GuardDuty API model, members by locationName",
            "from": f"Debian python3-botocore {version}: botocore/data/guardduty/2017-11-28/service-2.json "
                    "(shape Finding and the shapes it references)",
            "extracted_by": "tools/catalogues/guardduty.py",
            "date": "2026-11-29",
            "licence": "botocore is Apache-2.0 (Amazon.com, Inc.); the model data is redistributed under it",
            "notes": "All structures open: the model is one release's snapshot and GuardDuty adds members "
                     "(new finding types, features). service.additionalInfo is 'any' (free-form in "
                     "EventBridge findings); organization.asn string or number (seen as a number in "
                     "EventBridge samples). Timestamps are ISO strings in EventBridge.",
        },
        "applies_to": [{"source": "aws.guardduty", "detail-type": "GuardDuty Finding"}],
        "shapes": dict(sorted(out.items())),
        "detail": detail,
    }
    json.dump(doc, sys.stdout, indent=1, sort_keys=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
