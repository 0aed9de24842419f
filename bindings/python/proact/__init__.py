"""proact: the decision core of Proactive Ops, from Python.

    import proact
    policies = proact.PolicySet.load(["rules/"])        # raises PolicyError
    engine = proact.Engine(policies)
    for event in proact.normalize(payload, headers):     # EventBridge envelopes
        decision = engine.evaluate(event)                # dict, str or bytes
        for match in decision["matches"]:
            for action in match["actions"]:
                run(action["action"], action["params"])

Decisions have the shape of a `proact eval` output line. Evaluation releases
the GIL, so threads scale. Errors are exceptions: PolicyError (with
.diagnostics), EventError, NormalizeError.
"""

import json as _json

from . import _proact

__all__ = ["PolicySet", "Engine", "Normalizer", "normalize", "normalize_detailed", "version", "PolicyError", "EventError",
           "NormalizeError"]


class PolicyError(Exception):
    """Policies did not compile. .diagnostics is a list of dicts with file,
    line, column, severity, code, message and text (compiler style)."""

    def __init__(self, message, diagnostics):
        super().__init__(message + "".join("\n" + d["text"] for d in diagnostics))
        self.diagnostics = diagnostics


class EventError(ValueError):
    """An event could not be evaluated (malformed JSON, not an EventBridge
    envelope, over a limit).
    .code is the status name, e.g. "invalid-argument"."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


class NormalizeError(ValueError):
    """Some or all of a payload could not be normalized. .errors lists
    dicts with origin, message, unauthenticated, message_id; .events holds
    the envelopes that were normalized."""

    def __init__(self, errors, events):
        super().__init__("; ".join((e["origin"] + ": " if e["origin"] else "") + e["message"]
                                   for e in errors))
        self.errors = errors
        self.events = events


def version():
    return _proact.version()


def _text(value):
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8")
    if isinstance(value, str):
        return value
    return _json.dumps(value, separators=(",", ":"))


class PolicySet:
    """A compiled, immutable set of policies."""

    def __init__(self, native, warnings):
        self._native = native
        self.warnings = warnings

    @classmethod
    def _wrap(cls, result):
        native, message, diagnostics = result
        if native is None:
            raise PolicyError(message, diagnostics)
        return cls(native, diagnostics)

    @classmethod
    def load(cls, paths):
        """Loads policy files and directories (a path or a list of paths)."""
        if isinstance(paths, str):
            paths = [paths]
        return cls._wrap(_proact.PolicySet.load([str(p) for p in paths]))

    @classmethod
    def from_string(cls, yaml, name="<string>"):
        return cls._wrap(_proact.PolicySet.from_string(yaml, name))

    def __len__(self):
        return len(self._native)

    def ids(self):
        return self._native.ids()


class Engine:
    """Evaluates events against a PolicySet; safe to share between threads.

    raw_events=False (the default): events must be EventBridge envelopes,
    as proact.normalize makes them. raw_events=True matches any JSON object
    as it is (EngineOptions::raw_events, `proact eval --input raw`)."""

    def __init__(self, policy_set, raw_events=False):
        if not isinstance(policy_set, PolicySet):
            raise TypeError("Engine takes a proact.PolicySet")
        self.raw_events = bool(raw_events)
        self._native = _proact.Engine(policy_set._native, self.raw_events)

    def evaluate(self, event):
        """Evaluates one event (dict, str or bytes) and returns the decision
        as a dict.

        The event must be an EventBridge envelope: a JSON object with a
        string "source" and "detail-type" at its top level. Any other
        payload (a GitHub webhook body, a CloudTrail record, an SQS batch)
        goes through proact.normalize(payload, headers) first, which returns
        the envelopes to evaluate one by one. Given anything else, evaluate
        raises EventError (code "invalid-argument", the message saying to
        normalize it) rather than silently match nothing, unless the engine
        was made with raw_events=True, which matches the object as it is.
        Malformed JSON and events over a limit raise EventError too."""
        decision, code, message = self._native.evaluate(_text(event))
        if decision is None:
            raise EventError(code, message)
        return _json.loads(decision)

    def explain(self, event, policy=""):
        """Why each policy (or only `policy`) matched the event or did not,
        as text. Raises EventError: code "not-found" for an unknown policy
        id, otherwise the error evaluate would raise for the event."""
        text, code, message = self._native.explain(_text(event), policy)
        if text is None:
            raise EventError(code, message)
        return text


class Normalizer:
    """Normalizes raw payloads, verifying webhooks with the secrets given
    (never stored in policies): github_secret (X-Hub-Signature-256),
    slack_signing_secret, okta_authorization (the expected Authorization
    header of Okta event hooks), and require_signature to reject any HTTP
    request no secret verifies. Thread-safe."""

    def __init__(self, github_secret="", slack_signing_secret="", okta_authorization="",
                 require_signature=False):
        self._native = _proact.Normalizer(github_secret, slack_signing_secret, okta_authorization,
                                          require_signature)

    def normalize_detailed(self, payload, headers=None):
        return _detailed(_proact.normalize(self._native, _text(payload), list((headers or {}).items())))

    def normalize(self, payload, headers=None, strict=True):
        return _events(self.normalize_detailed(payload, headers), strict)


_DEFAULT = None


def _default():
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = Normalizer()
    return _DEFAULT


def _detailed(raw):
    events, errors, challenge = raw
    return {
        "events": [{"event": _json.loads(j), "message_id": m, "origin": o, "kind": k}
                   for (j, m, o, k) in events],
        "errors": [{"origin": o, "message": m, "unauthenticated": u, "message_id": i}
                   for (o, m, u, i) in errors],
        "challenge": None if challenge is None else
        {"status": challenge[0], "content_type": challenge[1], "body": challenge[2]},
    }


def _events(result, strict):
    events = [e["event"] for e in result["events"]]
    if result["errors"] and strict:
        raise NormalizeError(result["errors"], events)
    return events


def normalize_detailed(payload, headers=None):
    """Normalizes a raw payload and reports everything: a dict with
    "events" (each {"event": envelope dict, "message_id": SQS messageId or
    "", "origin": where in the payload, "kind": recognizers}), "errors"
    (each {"origin", "message", "unauthenticated", "message_id"}) and
    "challenge" (None, or {"status", "content_type", "body"} for a webhook
    verification handshake the host must answer)."""
    return _default().normalize_detailed(payload, headers)


def normalize(payload, headers=None, strict=True):
    """Normalizes a raw payload (any source or delivery envelope, as dict,
    str or bytes; with the HTTP headers when it is a webhook body) into a
    list of EventBridge envelopes (dicts). With strict=True (default) any
    part that fails raises NormalizeError."""
    return _events(normalize_detailed(payload, headers), strict)
