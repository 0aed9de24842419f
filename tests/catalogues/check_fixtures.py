#!/usr/bin/env python3
"""Checks the field catalogues (catalogues/*.json) against the repository's
real payloads, and checks that the check itself reports mistakes.

    check_fixtures.py [PROACT_CLI] [SOURCE_DIR]
    check_fixtures.py --self-test

Payloads: every *.json / *.jsonl under rules/fixtures/ and tests/data/corpus/.
Each is turned into EventBridge envelopes the way proact does it:
  * with PROACT_CLI (the built `proact`): `proact normalize FILE` — the real
    normalizer, so source/detail-type are exactly what policies see;
  * a GitHub webhook body (a file under a github/ folder) has no
    X-GitHub-Event header in the file; the envelope is built here as proact's
    GitHubEnvelope does: source "github", detail-type = the event name, which
    is the file name up to its first dot (rules/github/*_test.yaml give the
    same name in X-GitHub-Event), detail = the body;
  * without PROACT_CLI, only payloads that already are EventBridge envelopes
    (string source and detail-type) and GitHub bodies are checked, and the
    output says so.

For every envelope whose source/detail-type matches a catalogue's applies_to,
every field of `detail` is walked against the catalogue's shape; a field the
catalogue does not allow (unknown member of a closed object, or a JSON type
the shape does not list) is reported. Parts a catalogue marks "any", and
members not listed in an "open" object, are not checked (counted apart).

Fixture fields that are not provider fields are exempt and counted: the
Panther p_* metadata keys at the top of a *.panther.json record (Panther adds
them to the stored log; rules/fixtures/SOURCES.md says so).

Known fixture deviations (KNOWN_DEVIATIONS below) are payloads that are not
the provider's format at one path; problems at or under that path in that
file are listed as known, not failures. Each has its reason.

Exit status 0 when nothing is reported, 1 otherwise.
"""
import fnmatch
import glob
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

# (file-name pattern, path prefixes, reason): problems at or under one of
# the paths, in a file whose name matches, are known and listed, not failed.
KNOWN_DEVIATIONS = [
    ("cloudtrail.ec2-authorizeSecurityGroupIngress-console.panther.json",
     ["detail.userIdentity."],
     "Panther's test record has userIdentity's keys lower-cased "
     "(principalid, accountid, sessioncontext...); CloudTrail writes them camelCase"),
    ("audit-log.*.json",
     ["detail.insertid:", "detail.logname:", "detail.receivetimestamp:",
      "detail.protoPayload.at_sign_type:"],
     "a log store's form of the LogEntry (Panther lower-cases top-level keys and renames "
     "@type to at_sign_type; proact's normalizer accepts it, docs/sources.md); "
     "not Google's field names"),
]


def jtype(v):
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, (int, float)):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "array"
    return "object"


def shape_kind(shape):
    if isinstance(shape, str):
        return shape
    if isinstance(shape, dict):
        if "object" in shape:
            return "object"
        if "array" in shape:
            return "array"
    return "?"


class Checker:
    def __init__(self, catalogue):
        self.cat = catalogue
        self.shapes = catalogue.get("shapes", {})
        self.fields = 0      # (path, value) pairs checked against a shape
        self.unchecked = 0   # values under "any" or unlisted in open objects

    def resolve(self, shape):
        seen = 0
        while isinstance(shape, dict) and "$ref" in shape:
            shape = self.shapes[shape["$ref"]]
            seen += 1
            if seen > 100:
                raise ValueError("$ref loop")
        return shape

    def count_all(self, value):
        n = 1
        if isinstance(value, dict):
            n += sum(self.count_all(v) for v in value.values())
        elif isinstance(value, list):
            n += sum(self.count_all(v) for v in value)
        return n

    def check(self, value, shape, path, problems, counting=True):
        """Appends problems; returns nothing."""
        shape = self.resolve(shape)
        if counting:
            self.fields += 1
        if shape == "any":
            self.unchecked += self.count_all(value) - 1
            return
        if isinstance(shape, list):
            best = None
            for alt in shape:
                p = []
                sub = Checker(self.cat)
                sub.check(value, alt, path, p, counting=False)
                if not p:
                    # Count the nested fields once, with the matching alternative.
                    self.check(value, alt, path, [], counting=False)
                    return
                if best is None or len(p) < len(best):
                    best = p
            kinds = sorted({shape_kind(self.resolve(a)) for a in shape})
            if jtype(value) not in kinds:
                problems.append(f"{path}: {jtype(value)}, catalogue allows {'|'.join(kinds)}")
            else:
                self.check(value, next(a for a in shape if shape_kind(self.resolve(a)) == jtype(value)),
                           path, problems, counting=False)
            return
        kind = shape_kind(shape)
        t = jtype(value)
        if kind != t:
            problems.append(f"{path}: {t}, catalogue says {kind}")
            return
        if kind == "object":
            members = shape["object"]
            for k, v in value.items():
                p = f"{path}.{k}"
                if k in members:
                    self.check(v, members[k], p, problems)
                elif shape.get("open"):
                    self.unchecked += self.count_all(v)
                else:
                    near = [m for m in members if m.lower() == k.lower()]
                    hint = f" (did you mean {near[0]}?)" if near else ""
                    problems.append(f"{p}: not in catalogue (closed object){hint}")
        elif kind == "array":
            for i, v in enumerate(value):
                self.check(v, shape["array"], f"{path}[{i}]", problems)


def matches(spec, value):
    if spec is None:
        return True
    if isinstance(spec, str):
        return spec == value
    if isinstance(spec, dict) and "prefix" in spec:
        return isinstance(value, str) and value.startswith(spec["prefix"])
    raise ValueError(f"bad applies_to value {spec!r}")


def detail_shape(cat, envelope):
    """The catalogue's shape for this envelope's detail, or None."""
    for entry in cat["applies_to"]:
        if matches(entry.get("source"), envelope.get("source")) and \
           matches(entry.get("detail-type"), envelope.get("detail-type")):
            if "shape" in entry:
                return {"$ref": entry["shape"]}
            return cat["detail"]
    return None


def load_catalogues(source_dir):
    cats = {}
    for f in sorted(glob.glob(os.path.join(source_dir, "catalogues", "*.json"))):
        with open(f) as fh:
            cats[os.path.basename(f)] = json.load(fh)
    return cats


def validate_catalogue(name, cat):
    """The catalogue itself follows the format: every $ref resolves."""
    errors = []
    for key in ("_provenance", "applies_to", "shapes", "detail"):
        if key not in cat:
            errors.append(f"{name}: no {key}")
    shapes = cat.get("shapes", {})

    def walk(s, where):
        if isinstance(s, str):
            if s not in ("string", "number", "boolean", "null", "any"):
                errors.append(f"{name}: {where}: bad shape {s!r}")
        elif isinstance(s, list):
            for i, a in enumerate(s):
                walk(a, f"{where}[{i}]")
        elif isinstance(s, dict):
            if "$ref" in s:
                if s["$ref"] not in shapes:
                    errors.append(f"{name}: {where}: $ref {s['$ref']} missing")
            elif "object" in s:
                for k, v in s["object"].items():
                    walk(v, f"{where}.{k}")
            elif "array" in s:
                walk(s["array"], f"{where}[]")
            else:
                errors.append(f"{name}: {where}: bad shape {s!r}")
        else:
            errors.append(f"{name}: {where}: bad shape {s!r}")
    walk(cat.get("detail"), "detail")
    for k, v in shapes.items():
        walk(v, f"shapes.{k}")
    for e in cat.get("applies_to", []):
        if "shape" in e and e["shape"] not in shapes:
            errors.append(f"{name}: applies_to shape {e['shape']} missing")
    return errors


def envelopes_of(path, cli, source_dir):
    """[(label, envelope)] for one payload file; label names file and line."""
    rel = os.path.relpath(path, source_dir)
    parts = rel.split(os.sep)
    if "github" in parts[:-1]:
        event = os.path.basename(path).split(".")[0]
        with open(path) as fh:
            body = json.load(fh)
        return [(rel, {"source": "github", "detail-type": event, "detail": body})], None
    if cli:
        r = subprocess.run([cli, "normalize", path], capture_output=True, text=True)
        out = []
        text = r.stdout.strip()
        docs = []
        try:
            docs = [json.loads(text)] if text else []
            if isinstance(docs[0], list):
                docs = docs[0]
        except (json.JSONDecodeError, IndexError):
            docs = [json.loads(l) for l in text.splitlines() if l.strip()]
        for i, d in enumerate(docs):
            if isinstance(d, dict) and "detail" in d and "source" in d:
                out.append((f"{rel}#{i}", d))
        return out, None
    with open(path) as fh:
        try:
            d = json.load(fh)
        except json.JSONDecodeError:
            return [], "not one JSON document"
    if isinstance(d, dict) and isinstance(d.get("source"), str) and isinstance(d.get("detail-type"), str):
        return [(rel, d)], None
    return [], "needs the normalizer (no PROACT_CLI)"


def run(cli, source_dir):
    cats = load_catalogues(source_dir)
    if not cats:
        print("no catalogues found")
        return 1
    errors = []
    for name, cat in cats.items():
        errors += validate_catalogue(name, cat)
    files = []
    for root in ("rules/fixtures", "tests/data/corpus"):
        for ext in ("json", "jsonl"):
            files += glob.glob(os.path.join(source_dir, root, "**", f"*.{ext}"), recursive=True)
    files.sort()
    per_cat = {n: {"events": 0, "fields": 0, "unchecked": 0} for n in cats}
    skipped, unmatched, exempt, empty = [], 0, 0, 0
    problems, known = [], []
    for f in files:
        envs, why = envelopes_of(f, cli, source_dir)
        if why:
            skipped.append((os.path.relpath(f, source_dir), why))
        elif not envs:
            empty += 1
        for label, env in envs:
            hit = False
            for name, cat in cats.items():
                shape = detail_shape(cat, env)
                if shape is None:
                    continue
                hit = True
                detail = env["detail"]
                if f.endswith(".panther.json") and isinstance(detail, dict):
                    extra = [k for k in detail if k.startswith("p_")]
                    exempt += len(extra)
                    detail = {k: v for k, v in detail.items() if k not in extra}
                c = Checker(cat)
                p = []
                c.check(detail, shape, "detail", p)
                per_cat[name]["events"] += 1
                per_cat[name]["fields"] += c.fields
                per_cat[name]["unchecked"] += c.unchecked
                known_here = [(pre, why) for pat, pres, why in KNOWN_DEVIATIONS
                              if fnmatch.fnmatch(os.path.basename(f), pat) for pre in pres]
                for x in list(p):
                    for prefix, reason in known_here:
                        if x.startswith(prefix):
                            known.append(f"{label}: {x} -- {reason}")
                            p.remove(x)
                            break
                problems += [f"{label} [{env.get('source')} / {env.get('detail-type')}] ({name}): {x}" for x in p]
            if not hit:
                unmatched += 1
    for e in errors:
        print("catalogue error:", e)
    for k in known:
        print("known fixture deviation:", k)
    for p in problems:
        print("not allowed:", p)
    total_e = sum(v["events"] for v in per_cat.values())
    total_f = sum(v["fields"] for v in per_cat.values())
    print(f"normalizer: {'`' + cli + ' normalize`' if cli else 'none (EventBridge-shaped payloads and GitHub bodies only)'}")
    for name, v in per_cat.items():
        print(f"  {name}: {v['events']} events, {v['fields']} fields checked, "
              f"{v['unchecked']} values under 'any' or open members not checked")
    print(f"{len(files)} payload files; {total_e} events checked against a catalogue, "
          f"{total_f} fields; {unmatched} events no catalogue applies to; "
          f"{exempt} Panther p_* metadata fields exempt; {len(known)} known fixture deviations; {len(skipped)} files skipped; "
          f"{empty} files gave no event (not events, or errors by design)")
    for s, why in skipped:
        print(f"  skipped {s}: {why}")
    if errors or problems:
        print(f"FAIL: {len(errors)} catalogue errors, {len(problems)} fields not allowed")
        return 1
    if total_e == 0:
        print("FAIL: no event checked")
        return 1
    print("ok")
    return 0


def self_test(source_dir):
    cats = load_catalogues(source_dir)
    ct = cats["cloudtrail.json"]
    env = {"source": "aws.s3", "detail-type": "AWS API Call via CloudTrail",
           "detail": {"eventVersion": "1.08", "eventname": "PutBucketAcl",
                      "eventTime": "2024-01-01T00:00:00Z", "readOnly": "false",
                      "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::1:user/a"},
                      "requestParameters": {"anything": [1, {"x": None}]}}}
    shape = detail_shape(ct, env)
    assert shape is not None, "cloudtrail catalogue does not apply to an API call"
    c = Checker(ct)
    p = []
    c.check(env["detail"], shape, "detail", p)
    ok = True
    want = [("detail.eventname", "did you mean eventName"), ("detail.readOnly", "string")]
    for path, text in want:
        if not any(x.startswith(path + ":") and text in x for x in p):
            print(f"self-test: expected a report for {path} ({text}); got {p}")
            ok = False
    if any("requestParameters" in x for x in p):
        print(f"self-test: requestParameters is 'any' but was reported: {p}")
        ok = False
    gd = cats["guardduty.json"]
    env = {"source": "aws.guardduty", "detail-type": "GuardDuty Finding",
           "detail": {"severity": "5", "type": "x"}}
    p = []
    Checker(gd).check(env["detail"], detail_shape(gd, env), "detail", p)
    if not any(x.startswith("detail.severity:") and "number" in x for x in p):
        print(f"self-test: expected a report for detail.severity as a string; got {p}")
        ok = False
    print("self-test:", "ok" if ok else "FAIL", f"({len(want) + 1} mistakes planted)")
    return 0 if ok else 1


def main():
    args = sys.argv[1:]
    source_dir = os.path.abspath(os.path.join(HERE, "..", ".."))
    if args and args[0] == "--self-test":
        if len(args) > 1:
            source_dir = args[1]
        sys.exit(self_test(source_dir))
    cli = args[0] if args else os.environ.get("PROACT_CLI")
    if len(args) > 1:
        source_dir = args[1]
    rc = self_test(source_dir)
    rc |= run(cli, source_dir)
    sys.exit(rc)


if __name__ == "__main__":
    main()
