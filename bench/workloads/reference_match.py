#!/usr/bin/env python3
"""Naive reference matcher for the EventBridge pattern subset the benchmark
workloads use. It is the correctness oracle behind expected.jsonl, so it is
kept deliberately plain: the parsed event is written out once as a table
from leaf path to the scalar values found there, and each candidate pattern
is checked against it field by field. It never calls the C++ engine.

Semantics:
  * A pattern is a JSON object; nested objects name nested event fields and
    every leaf is a list of entries.
  * Every field a pattern names must be present in the event.
  * A field matches when one of its event values satisfies one of the
    entries. Arrays in the event (at the end of the path or on the way
    there) contribute every element as a value.
  * Entries: an exact string, number, boolean or null; {"prefix": s} (a
    string starting with s); {"anything-but": [..]} (a string not in the
    list; a bare string is a one-element list); {"numeric": [op, n]} or
    {"numeric": [op, n, op, n]} with op in < <= = > >= (numbers only, every
    condition must hold).
  * A pattern matches when all of its fields match (AND).

The one shortcut: patterns are filed under their exact "source" strings, and
an event is only checked against the patterns filed under its own source
(plus any pattern without an exact source list, checked against everything).
Each candidate then gets the full check, source included.

Usage:
  reference_match.py --self-test
  reference_match.py PATTERNS.json EVENTS.jsonl              print match sets
  reference_match.py PATTERNS.json EVENTS.jsonl EXPECTED.jsonl  compare
"""

import json
import sys

NUMERIC_OPS = ("<", "<=", "=", ">", ">=")


def is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def pattern_fields(pattern, path=()):
    """The leaves of a pattern as a list of (path tuple, list of entries)."""
    if not isinstance(pattern, dict):
        raise ValueError("pattern must be an object, got %r" % (pattern,))
    fields = []
    for key, value in pattern.items():
        if isinstance(value, dict):
            fields.extend(pattern_fields(value, path + (key,)))
        elif isinstance(value, list):
            fields.append((path + (key,), value))
        else:
            raise ValueError("pattern leaf %s is not a list" % ".".join(path + (key,)))
    return fields


def event_fields(event):
    """The event as a map from leaf path (a tuple of keys) to the list of
    scalar values found there. The elements of an array count under the
    array's own path (at any depth, nested arrays included). Objects and
    empty arrays hold no scalar, so a field holding only those is treated
    like an absent one: neither can satisfy any entry."""
    fields = {}

    def walk(node, path):
        if isinstance(node, dict):
            for key, value in node.items():
                walk(value, path + (key,))
        elif isinstance(node, list):
            for item in node:
                walk(item, path)
        else:
            fields.setdefault(path, []).append(node)

    walk(event, ())
    return fields


def numeric_holds(spec, value):
    if not isinstance(spec, list) or len(spec) not in (2, 4):
        raise ValueError("bad numeric spec %r" % (spec,))
    for i in range(0, len(spec), 2):
        op, bound = spec[i], spec[i + 1]
        if op not in NUMERIC_OPS or not is_number(bound):
            raise ValueError("bad numeric spec %r" % (spec,))
        if op == "<" and not value < bound:
            return False
        if op == "<=" and not value <= bound:
            return False
        if op == "=" and not value == bound:
            return False
        if op == ">" and not value > bound:
            return False
        if op == ">=" and not value >= bound:
            return False
    return True


def entry_matches(entry, value):
    """Does one event value satisfy one pattern entry?"""
    if isinstance(entry, str):
        return isinstance(value, str) and value == entry
    if entry is None:
        return value is None
    if isinstance(entry, bool):
        return isinstance(value, bool) and value == entry
    if is_number(entry):
        return is_number(value) and value == entry
    if isinstance(entry, dict) and len(entry) == 1:
        (op, arg), = entry.items()
        if op == "prefix":
            if not isinstance(arg, str):
                raise ValueError("bad prefix %r" % (entry,))
            return isinstance(value, str) and value.startswith(arg)
        if op == "anything-but":
            excluded = arg if isinstance(arg, list) else [arg]
            return isinstance(value, str) and value not in excluded
        if op == "numeric":
            return is_number(value) and numeric_holds(arg, value)
    raise ValueError("unsupported pattern entry %r" % (entry,))


def field_matches(entries, values):
    """Does some value satisfy some entry?"""
    for value in values:
        for entry in entries:
            if entry_matches(entry, value):
                return True
    return False


def fields_match(fields, values_at):
    """Full check of one pattern (fields as pattern_fields gives them) against
    an event (as event_fields gives it): every field present and matching."""
    for path, entries in fields:
        values = values_at.get(path)
        if not values or not field_matches(entries, values):
            return False
    return True


def pattern_matches(pattern, event):
    return fields_match(pattern_fields(pattern), event_fields(event))


class ReferenceMatcher:
    def __init__(self, patterns):
        self.fields = [pattern_fields(p) for p in patterns]
        self.by_source = {}
        self.everywhere = []
        for pid, fields in enumerate(self.fields):
            sources = [entries for path, entries in fields if path == ("source",)]
            if len(sources) == 1 and sources[0] and all(isinstance(s, str) for s in sources[0]):
                for s in sources[0]:
                    ids = self.by_source.setdefault(s, [])
                    if not ids or ids[-1] != pid:
                        ids.append(pid)
            else:
                self.everywhere.append(pid)

    def candidates(self, values_at):
        ids = set(self.everywhere)
        for value in values_at.get(("source",), ()):
            if isinstance(value, str):
                ids.update(self.by_source.get(value, ()))
        return sorted(ids)

    def match(self, event):
        """Sorted ids of the patterns that match a parsed event."""
        values_at = event_fields(event)
        return [pid for pid in self.candidates(values_at) if fields_match(self.fields[pid], values_at)]


# ---------------------------------------------------------------------------
# Self-test: hand-written cases, one semantic point each.
# ---------------------------------------------------------------------------

CT_EVENT = {
    "source": "aws.s3",
    "account": "111122223333",
    "detail": {
        "eventName": "PutObject",
        "awsRegion": "eu-west-1",
        "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::111122223333:user/erin"},
        "additionalEventData": {"bytesTransferredIn": 2048},
        "readOnly": False,
        "responseElements": None,
        "tags": ["prod", "team-a"],
        "items": [{"id": "a1"}, {"id": "b2"}],
    },
}

SELF_TESTS = [
    # (description, pattern, event, expected)
    ("exact string", {"source": ["aws.s3"]}, CT_EVENT, True),
    ("exact string, other value", {"source": ["aws.ec2"]}, CT_EVENT, False),
    ("any entry of the list", {"detail": {"eventName": ["GetObject", "PutObject"]}}, CT_EVENT, True),
    ("AND across fields", {"source": ["aws.s3"], "account": ["999999999999"]}, CT_EVENT, False),
    ("absent field never matches", {"detail": {"errorCode": ["AccessDenied"]}}, CT_EVENT, False),
    ("anything-but needs the field", {"detail": {"errorCode": [{"anything-but": ["x"]}]}}, CT_EVENT, False),
    ("anything-but, value not listed", {"detail": {"userIdentity": {"type": [{"anything-but": ["AWSService", "Root"]}]}}}, CT_EVENT, True),
    ("anything-but, value listed", {"detail": {"awsRegion": [{"anything-but": ["us-east-1", "eu-west-1"]}]}}, CT_EVENT, False),
    ("anything-but is for strings", {"detail": {"additionalEventData": {"bytesTransferredIn": [{"anything-but": ["1"]}]}}}, CT_EVENT, False),
    ("prefix", {"detail": {"userIdentity": {"arn": [{"prefix": "arn:aws:iam::111122223333:user/"}]}}}, CT_EVENT, True),
    ("prefix, no", {"detail": {"eventName": [{"prefix": "Get"}]}}, CT_EVENT, False),
    ("prefix on a number", {"detail": {"additionalEventData": {"bytesTransferredIn": [{"prefix": "2"}]}}}, CT_EVENT, False),
    ("numeric range in", {"detail": {"additionalEventData": {"bytesTransferredIn": [{"numeric": [">=", 1024, "<", 4096]}]}}}, CT_EVENT, True),
    ("numeric range, upper bound excluded", {"detail": {"additionalEventData": {"bytesTransferredIn": [{"numeric": [">", 0, "<", 2048]}]}}}, CT_EVENT, False),
    ("numeric =", {"detail": {"additionalEventData": {"bytesTransferredIn": [{"numeric": ["=", 2048]}]}}}, CT_EVENT, True),
    ("numeric on a string", {"detail": {"eventName": [{"numeric": [">", 0]}]}}, CT_EVENT, False),
    ("exact number", {"detail": {"additionalEventData": {"bytesTransferredIn": [2048]}}}, CT_EVENT, True),
    ("number is not its string", {"detail": {"additionalEventData": {"bytesTransferredIn": ["2048"]}}}, CT_EVENT, False),
    ("exact false", {"detail": {"readOnly": [False]}}, CT_EVENT, True),
    ("exact null", {"detail": {"responseElements": [None]}}, CT_EVENT, True),
    ("array element", {"detail": {"tags": ["team-a"]}}, CT_EVENT, True),
    ("array, no element", {"detail": {"tags": ["team-b"]}}, CT_EVENT, False),
    ("array of objects", {"detail": {"items": {"id": ["b2"]}}}, CT_EVENT, True),
    ("object is not a value", {"detail": {"userIdentity": ["IAMUser"]}}, CT_EVENT, False),
    ("mixed entries, one fits", {"detail": {"eventName": [{"prefix": "Delete"}, "PutObject"]}}, CT_EVENT, True),
    ("nested arrays", {"a": {"b": [3]}}, {"a": [[{"b": [1, [3]]}]]}, True),
]


def matcher_self_tests():
    """Cases for ReferenceMatcher: the source prefilter must not change answers."""
    patterns = [
        {"source": ["aws.s3"], "detail": {"eventName": ["PutObject"]}},
        {"source": ["aws.ec2", "aws.s3"]},
        {"source": ["aws.ec2"]},
        {"account": ["111122223333"]},  # no source: checked against every event
        {"source": [{"prefix": "aws."}]},  # no exact source: checked against every event
    ]
    m = ReferenceMatcher(patterns)
    return [
        ("matcher: sorted ids, prefilter", m.match(CT_EVENT), [0, 1, 3, 4]),
        ("matcher: other source", m.match({"source": "aws.ec2"}), [1, 2, 4]),
        ("matcher: no source", m.match({"account": "111122223333"}), [3]),
    ]


def self_test():
    passed = failed = 0
    for desc, pattern, event, want in SELF_TESTS:
        got = pattern_matches(pattern, event)
        if got == want:
            passed += 1
        else:
            failed += 1
            print("FAIL: %s: pattern %s gave %s, want %s" % (desc, json.dumps(pattern), got, want))
    for desc, got, want in matcher_self_tests():
        if got == want:
            passed += 1
        else:
            failed += 1
            print("FAIL: %s: got %s, want %s" % (desc, got, want))
    print("%d passed, %d failed" % (passed, failed))
    return 0 if failed == 0 else 1


def run_files(patterns_path, events_path, expected_path=None):
    with open(patterns_path) as f:
        matcher = ReferenceMatcher(json.load(f))
    expected = None
    if expected_path:
        with open(expected_path) as f:
            expected = [json.loads(line) for line in f if line.strip()]
    mismatches = 0
    n = 0
    with open(events_path) as f:
        for line in f:
            if not line.strip():
                continue
            got = matcher.match(json.loads(line))
            if expected is None:
                sys.stdout.write(json.dumps(got, separators=(",", ":")) + "\n")
            elif n >= len(expected) or expected[n] != got:
                mismatches += 1
                if mismatches <= 5:
                    want = expected[n] if n < len(expected) else "(missing)"
                    print("event line %d: reference %s, expected file %s" % (n + 1, got, want))
            n += 1
    if expected is not None:
        if len(expected) != n:
            print("expected file has %d lines, events file %d" % (len(expected), n))
            mismatches += 1
        print("%d events, %d mismatches" % (n, mismatches))
        return 1 if mismatches else 0
    return 0


def main(argv):
    if argv == ["--self-test"]:
        return self_test()
    if len(argv) in (2, 3) and not any(a.startswith("-") for a in argv):
        return run_files(*argv)
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
