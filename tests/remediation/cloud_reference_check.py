#!/usr/bin/python3
"""Checks the requests the pack's Okta, GCP and Azure action types would send
against the providers' published API descriptions, kept offline in
cloud_operations.json (extracted once from the SDKs; see its _provenance).

    cloud_reference_check.py PROACT SOURCE_DIR

Runs `proact plan --rules rules/` on rules/fixtures/{okta,gcp,azure}/ and on
the events of rules/{okta,gcp,azure}/*_test.yaml, and checks each planned
request: an operation of the same method whose path template matches the
path, the query parameters it knows (and api-version for Azure), required
body fields, and enumerated values in bodies and in the type's compliant_if.
Every field a compliant_if tests must be one the reference describes for the
answer (an enum, or a field whose declared type the values must have); an
Azure operation answering 202 (long-running) must be polled; an
already_done success status must be one the operation answers; a parameter
going into a path as several segments (`| path`) must declare a pattern.
Google Cloud IAM policy edits (getIamPolicy, then setIamPolicy): the body's
fields must be the reference's (GetIamPolicyRequest, SetIamPolicyRequest or
compute's Zone/Region/GlobalSetPolicyRequest, Policy), the read must ask for
policy version 3, the write carry the etag and version read, and a Resource
Manager write's updateMask (default bindings, etag) name what it writes.
Where a reference is known to be wrong (remediation-facts.md: two Azure SDK
defects), the check says so and checks the documented REST shape instead.
stdlib only; exit status 1 on any mismatch.
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import urllib.parse

PROVIDERS = ("okta", "gcp", "azure")

# Plan errors that are the intended behaviour, with why.
EXPECTED_PLAN_ERRORS = {
    ("okta.authenticator.reactivate", "parameter 'factor' is null"):
        "the stored event has no target: the type refuses to guess which authenticator",
}


# --- a YAML subset: what the pack's test and action files use --------------
class Yaml:
    """Block mappings and sequences, flow collections, plain, quoted and
    folded scalars. Enough for rules/*_test.yaml and rules/actions/*.yaml."""

    def __init__(self, text):
        self.lines = []
        block = None
        for raw in text.split("\n"):
            if block is not None:
                ind = len(raw) - len(raw.lstrip(" "))
                if raw.strip() == "" or ind > block[0]:
                    block[1].append(raw.strip())
                    continue
                block = None
            line = self._strip_comment(raw).rstrip()
            if not line.strip():
                continue
            ind = len(line) - len(line.lstrip(" "))
            self.lines.append([ind, line.strip(), None])
            if re.search(r":\s*[>|][-+]?$", line):
                block = (ind, [])
                self.lines[-1][2] = block[1]

    @staticmethod
    def _strip_comment(line):
        quote = None
        for i, c in enumerate(line):
            if quote:
                if c == quote:
                    quote = None
            elif c in "\"'" and (i == 0 or line[i - 1] in " [{,:-"):
                quote = c
            elif c == "#" and (i == 0 or line[i - 1] == " "):
                return line[:i]
        return line

    def parse(self):
        self.i = 0
        return self._block(self.lines[0][0]) if self.lines else None

    def _block(self, indent):
        if self.lines[self.i][1].startswith("- ") or self.lines[self.i][1] == "-":
            return self._seq(indent)
        return self._map(indent)

    def _seq(self, indent):
        out = []
        while self.i < len(self.lines) and self.lines[self.i][0] == indent and \
                (self.lines[self.i][1].startswith("- ") or self.lines[self.i][1] == "-"):
            rest = self.lines[self.i][1][1:].strip()
            if not rest:
                self.i += 1
                out.append(self._block(self.lines[self.i][0]))
            elif self._key(rest) is not None:
                self.lines[self.i][0] = indent + 2
                self.lines[self.i][1] = rest
                out.append(self._map(indent + 2))
            else:
                self.i += 1
                out.append(self._scalar(rest))
        return out

    @staticmethod
    def _key(text):
        if text[0] in "\"'":
            end = text.index(text[0], 1)
            if text[end + 1:end + 2] == ":" and text[end + 2:end + 3] in ("", " "):
                return text[1:end], text[end + 2:].strip()
            return None
        if text[0] in "[{":
            return None
        m = re.match(r"([^:]+?):(?: |$)(.*)$", text)
        return (m.group(1), m.group(2).strip()) if m else None

    def _map(self, indent):
        out = {}
        while self.i < len(self.lines) and self.lines[self.i][0] == indent:
            kv = self._key(self.lines[self.i][1])
            if kv is None:
                raise ValueError("cannot read YAML line: " + self.lines[self.i][1])
            key, rest = kv
            folded = self.lines[self.i][2]
            self.i += 1
            if folded is not None:
                sep = "\n" if rest.startswith("|") else " "
                out[key] = sep.join(x for x in folded if x)
            elif rest:
                out[key] = self._scalar(rest)
            elif self.i < len(self.lines) and (self.lines[self.i][0] > indent or (
                    self.lines[self.i][0] == indent and self.lines[self.i][1].startswith("-"))):
                out[key] = self._block(self.lines[self.i][0])
            else:
                out[key] = None
        return out

    def _scalar(self, text):
        value, end = self._flow(text, 0, top=True)
        if text[end:].strip():
            raise ValueError("trailing text in YAML value: " + text)
        return value

    def _flow(self, s, i, top=False):
        while i < len(s) and s[i] == " ":
            i += 1
        c = s[i] if i < len(s) else ""
        if c == "{":
            out, i = {}, i + 1
            while True:
                while s[i] in " ,":
                    i += 1
                if s[i] == "}":
                    return out, i + 1
                k, i = self._flow(s, i)
                while s[i] == " ":
                    i += 1
                if s[i] != ":":
                    raise ValueError("bad flow mapping: " + s)
                v, i = self._flow(s, i + 1)
                out[k] = v
        if c == "[":
            out, i = [], i + 1
            while True:
                while s[i] in " ,":
                    i += 1
                if s[i] == "]":
                    return out, i + 1
                v, i = self._flow(s, i)
                out.append(v)
        if c == '"':
            j = i + 1
            while s[j] != '"':
                j += 2 if s[j] == "\\" else 1
            return json.loads(s[i:j + 1]), j + 1
        if c == "'":
            j, buf = i + 1, []
            while True:
                if s[j] == "'" and s[j + 1:j + 2] == "'":
                    buf.append("'")
                    j += 2
                elif s[j] == "'":
                    return "".join(buf), j + 1
                else:
                    buf.append(s[j])
                    j += 1
        if top:
            return self._plain(s[i:].strip()), len(s)
        m = re.match(r"((?:[^,\]}:]|:(?! ))+)", s[i:])
        return self._plain(m.group(1).strip()), i + len(m.group(1))

    @staticmethod
    def _plain(t):
        if t in ("null", "~", ""):
            return None
        if t in ("true", "false"):
            return t == "true"
        if re.fullmatch(r"-?[0-9]+", t):
            return int(t)
        if re.fullmatch(r"-?[0-9]+\.[0-9]+", t):
            return float(t)
        return t


def load_yaml(path):
    with open(path, encoding="utf-8") as f:
        return Yaml(f.read()).parse()


# --- checks ----------------------------------------------------------------
def template_regex(template, unencoded=()):
    """{x}: one segment; {+x} (Google's reserved expansion): a resource name
    of several segments; a parameter the SDK leaves unencoded (Azure ids and
    scopes): one or more segments, with or without its leading '/'."""
    out = ""
    for part in re.split(r"(\{\+?[^}]+\})", template):
        if part.startswith("{+"):
            out += r"(?:[^/?#]+(?:/[^/?#]+)+)"
        elif part.startswith("{") and part[1:-1] in unencoded:
            out += (r"" if out.endswith("/") else r"/?") + r"(?:[^/?#]+(?:/[^/?#]+)*)"
        elif part.startswith("{"):
            out += r"[^/?#]+"
        else:
            out += re.escape(part)
    return re.compile(out)


def get_path(obj, dotted):
    for k in dotted.split("."):
        if not isinstance(obj, dict) or k not in obj:
            return None
        obj = obj[k]
    return obj


def leaves(pattern, prefix=""):
    """(field path, [(value, ignore_case)]) of an event pattern's value lists;
    `$or` alternatives are read in place, {equals-ignore-case: X} as X."""
    if isinstance(pattern, dict):
        for k, v in pattern.items():
            if k == "$or" and isinstance(v, list):
                for alt in v:
                    yield from leaves(alt, prefix)
            else:
                yield from leaves(v, prefix + ("." if prefix else "") + k)
    elif isinstance(pattern, list):
        vals = []
        for x in pattern:
            if not isinstance(x, dict):
                vals.append((x, False))
            elif "equals-ignore-case" in x:
                vals.append((x["equals-ignore-case"], True))
            else:
                vals.append((x, False))     # another operator: checked as a value, so refused
        yield prefix, vals


TS_TYPES = {"boolean": bool, "string": str, "number": (int, float)}


def pattern_fields(spec):
    return [f for f, _ in leaves(spec.get("compliant_if") or {})] if spec else []


class Checker:
    def __init__(self, refs, types):
        self.refs = refs
        self.types = types
        self.errors = []
        self.notes = []
        self.checked = 0

    def fail(self, where, msg):
        self.errors.append(f"{where}: {msg}")

    def find_op(self, provider, method, url):
        parts = urllib.parse.urlsplit(url)
        found = []
        for op_id, op in self.refs[provider]["operations"].items():
            if op["method"] != method:
                continue
            if provider == "gcp":
                root = urllib.parse.urlsplit(op["root_url"])
                if root.netloc != parts.netloc:
                    continue
            defect = self.refs[provider].get("known_defects", {}).get(op_id, {})
            template = defect.get("rest_shape", {}).get("path", op["path"])
            if template_regex(template, op.get("unencoded_path_params", [])).fullmatch(parts.path):
                found.append(op_id)
        return found

    def check_request(self, action, req, where):
        provider = action.split(".")[0]
        self.checked += 1
        where = f"{where} {action} request '{req['name']}' {req['method']} {req['url']}"
        if "%2f" in urllib.parse.urlsplit(req["url"]).path.lower():
            self.fail(where, "an encoded '/' in the path: the API takes resource names as path segments")
            return
        ops = self.find_op(provider, req["method"], req["url"])
        if not ops:
            self.fail(where, "0 reference operations match the method and path")
            return
        # Several operations may describe one request (Azure's delete by id
        # and by scope + name): it must fit one of them.
        first = None
        for op_id in ops:
            sub = Checker(self.refs, self.types)
            sub.check_op(action, req, where, provider, op_id)
            if not sub.errors:
                self.notes.extend(sub.notes)
                return
            first = first or sub
        self.errors.extend(first.errors)
        self.notes.extend(first.notes)

    def check_op(self, action, req, where, provider, op_id):
        op = self.refs[provider]["operations"][op_id]
        src = op["source"]
        defect = self.refs[provider].get("known_defects", {}).get(op_id)
        if defect:
            self.notes.append(f"{where}: reference {src['package']} {op_id} is known to be wrong "
                              f"({defect['defect']}); checking the documented REST shape instead")
        parts = urllib.parse.urlsplit(req["url"])
        query = urllib.parse.parse_qs(parts.query, keep_blank_values=True)
        known = set(op.get("query", []))
        if provider == "azure":
            known.add("api-version")
            got = query.get("api-version", [None])[0]
            if got != op["api_version"]:
                self.fail(where, f"api-version {got}, reference {op_id} uses {op['api_version']} "
                                 f"({src['package']} {src['file']})")
        for name in query:
            if name not in known:
                self.fail(where, f"query parameter '{name}' is not one of {op_id}'s ({sorted(known)})")
        body = None
        if req["body"]:
            try:
                body = json.loads(req["body"])
            except ValueError:
                self.fail(where, "body is not JSON")
                return
        required = []
        if defect:
            required = defect["rest_shape"].get("body_required", [])
            for field, typ in defect["rest_shape"].get("body_types", {}).items():
                v = get_path(body or {}, field)
                if typ == "boolean" and not isinstance(v, bool):
                    self.fail(where, f"body field {field} must be a boolean (documented REST shape)")
        elif provider == "gcp" and op_id.endswith(".setIamPolicy"):
            schema = self.refs["gcp"]["schemas"][SET_POLICY_SCHEMA.get(op_id.split(".")[0], "SetIamPolicyRequest")]
            required = [f for f, d in schema["fields"].items() if d["required"]]
        for field in required:
            if get_path(body or {}, field) is None:
                self.fail(where, f"required body field '{field}' missing (reference {op_id})")
        spec = self.request_spec(action, req["name"])
        if provider == "gcp" and op_id.endswith(("IamPolicy")):
            self.check_iam_policy(action, req, where, op_id, body, spec)
        for enum in self.refs[provider].get("enums", []):
            if op_id not in enum["operations"]:
                continue
            if "body" in enum["in"] and body is not None:
                v = get_path(body, enum["field"])
                if v is not None and v not in enum["values"]:
                    self.fail(where, f"body {enum['field']}={v!r} not one of {enum['values']}")
            if "answer" in enum["in"] and spec and spec.get("compliant_if"):
                for field, values in leaves(spec["compliant_if"]):
                    if field == enum["field"]:
                        bad = [v for v, ci in values if not any(
                            v == e or (ci and isinstance(v, str) and v.lower() == e.lower())
                            for e in enum["values"])]
                        if bad:
                            self.fail(where, f"compliant_if {field} {bad} not among the answer's values {enum['values']}")
        if spec and spec.get("compliant_if"):
            described = {e["field"] for e in self.refs[provider].get("enums", [])
                         if op_id in e["operations"] and "answer" in e["in"]}
            for af in self.refs[provider].get("answer_fields", []):
                if op_id not in af["operations"]:
                    continue
                described.add(af["field"])
                want = TS_TYPES.get(af["type"])
                for field, values in leaves(spec["compliant_if"]):
                    if field == af["field"] and want:
                        bad = [v for v, _ in values if not isinstance(v, want) or
                               (want is not bool and isinstance(v, bool))]
                        if bad:
                            self.fail(where, f"compliant_if {field} {bad}: the answer's field is a {af['type']} "
                                             f"({af['source']['package']} {af['source'].get('interface', '')})")
            for field in pattern_fields(spec):
                if field not in described:
                    self.fail(where, f"compliant_if tests {field}, which reference {op_id} does not describe")
        if spec and 202 in op.get("responses", []):
            poll = spec.get("poll") or {}
            if 202 not in (poll.get("status") or []) or not poll.get("done_if") or not poll.get("url_headers"):
                self.fail(where, f"{op_id} is long-running (answers 202): the request must poll "
                                 f"(status [202], url_headers, done_if)")
        if spec and op.get("responses"):
            for rule in spec.get("already_done") or []:
                st = rule.get("status")
                for code in (st if isinstance(st, list) else [st]):
                    if isinstance(code, int) and 200 <= code < 300 and code not in op["responses"]:
                        self.fail(where, f"already_done status {code} is not an answer of {op_id} {op['responses']}")
        if spec and spec.get("query"):
            # The plan redacts values of names that look secret
            # (oauthTokens=[redacted]): check the declared value instead.
            for name, value in spec["query"].items():
                if name not in known:
                    self.fail(where, f"declared query '{name}' unknown to {op_id}")

    # --- Google Cloud IAM policies: getIamPolicy, then setIamPolicy -------
    def check_iam_policy(self, action, req, where, op_id, body, spec):
        """The body's fields are the reference's (GetIamPolicyRequest,
        SetIamPolicyRequest or compute's Zone/Region/GlobalSetPolicyRequest,
        and Policy inside); the read asks for policy version 3 (conditional
        bindings read whole); the write carries the etag and version read
        (a concurrent change then fails instead of being overwritten);
        Resource Manager's default update mask is bindings and etag, so a
        write changing auditConfigs must name it in updateMask."""
        schemas = self.refs["gcp"]["schemas"]
        kind = op_id.split(".")[0]
        compute = kind in SET_POLICY_SCHEMA
        src = lambda name: f"{schemas[name]['source']['package']} Schema${name.replace('ComputePolicy', 'Policy')}"
        def known(obj, name, at):
            fields = schemas[name]["fields"]
            for k in (obj or {}) if isinstance(obj, dict) else []:
                if k not in fields:
                    self.fail(where, f"body field {at}{k} is not in {src(name)} ({sorted(fields)})")
        if op_id.endswith(".getIamPolicy"):
            if compute:
                got = urllib.parse.parse_qs(urllib.parse.urlsplit(req["url"]).query).get("optionsRequestedPolicyVersion")
                if got != ["3"]:
                    self.fail(where, f"the read must ask for policy version 3 (optionsRequestedPolicyVersion=3), got {got}")
                return
            known(body, "GetIamPolicyRequest", "")
            known((body or {}).get("options"), "GetPolicyOptions", "options.")
            if get_path(body or {}, "options.requestedPolicyVersion") != 3:
                self.fail(where, "the read must ask for policy version 3 (options.requestedPolicyVersion: 3)")
            return
        schema = SET_POLICY_SCHEMA.get(kind, "SetIamPolicyRequest")
        known(body, schema, "")
        policy = (body or {}).get("policy")
        known(policy, "ComputePolicy" if compute else "Policy", "policy.")
        if not isinstance(policy, dict):
            return
        decl = ((spec or {}).get("body") or {}).get("json") or {}
        dpol = decl.get("policy") or {}
        if dpol.get("etag") != "{{ steps.read.body.etag }}":
            self.fail(where, "policy.etag must be the etag read ({{ steps.read.body.etag }}): without it a "
                             "concurrent change is overwritten")
        if "version" not in policy:
            self.fail(where, "policy.version missing: write the version read (3 keeps conditional bindings)")
        if compute:
            if "updateMask" in (body or {}):
                self.fail(where, "compute's setIamPolicy has no updateMask")
            return
        mask = [m.strip() for m in str((body or {}).get("updateMask") or "bindings,etag").split(",")]
        for field in policy:
            if field not in mask and field not in ("etag", "version"):
                self.fail(where, f"policy.{field} is written but updateMask {mask} does not name it: "
                                 f"IAM would keep the old {field}")
        for field in mask:
            if field not in policy and field != "etag":
                self.fail(where, f"updateMask names {field} but the policy written has none: IAM would clear it")

    def check_types(self):
        """A param going into a path as several segments needs a pattern."""
        for action, t in sorted(self.types.items()):
            params = (t or {}).get("params") or {}
            for r in (t or {}).get("requests") or []:
                for m in re.finditer(r"\{\{\s*params\.(\w+)\s*\|\s*path\s*\}\}", r.get("path") or ""):
                    decl = params.get(m.group(1))
                    if not isinstance(decl, dict) or not decl.get("pattern"):
                        self.fail(f"{action} request '{r.get('name')}'",
                                  f"params.{m.group(1)} goes into the path as several segments "
                                  f"but declares no pattern")

    def request_spec(self, action, name):
        t = self.types.get(action) or {}
        for r in t.get("requests", []) or []:
            if r.get("name") == name:
                return r
        return None


# compute's setIamPolicy bodies by resource kind (the other kinds: Resource
# Manager's SetIamPolicyRequest).
SET_POLICY_SCHEMA = {"disks": "ZoneSetPolicyRequest", "instances": "ZoneSetPolicyRequest",
                     "regiondisks": "RegionSetPolicyRequest", "images": "GlobalSetPolicyRequest",
                     "snapshots": "GlobalSetPolicyRequest"}
CRM = "https://cloudresourcemanager.googleapis.com/v3/"
DISK = "https://compute.googleapis.com/compute/v1/projects/p-123456/zones/us-central1-a/disks/d1"

SUB = "/subscriptions/00000000-0000-0000-0000-000000000001"
NSG_RULE = SUB + "/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/nsg/securityRules/ssh"
# The checker checked: requests the types send, and requests that must be
# refused. (action, request, expected error substrings: none means it must
# pass[, the request's declaration in place of the one in rules/actions]).
SELF_TEST = [
    ("azure.storage.disable_blob_public_access",
     {"name": "write", "method": "PATCH", "body": '{"properties":{"allowBlobPublicAccess":false}}',
      "url": "https://management.azure.com" + SUB + "/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/acct?api-version=2025-08-01"}, []),
    ("azure.storage.disable_blob_public_access",     # what the defective SDK sends
     {"name": "write", "method": "PATCH", "body": "{}",
      "url": "https://management.azure.com" + SUB + "/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/acct?api-version=2025-08-01"},
     ["required body field 'properties.allowBlobPublicAccess'"]),
    ("azure.network.delete_security_rule",
     {"name": "delete", "method": "DELETE", "body": "",
      "url": "https://management.azure.com" + SUB + "/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/nsg/securityRules/ssh?api-version=2025-05-01"}, []),
    ("azure.network.delete_security_rule",
     {"name": "delete", "method": "DELETE", "body": "",
      "url": "https://management.azure.com" + SUB + "/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/nsg/securityRules/ssh?api-version=2019-01-01"},
     ["api-version 2019-01-01"]),
    ("azure.authorization.delete_role_assignment",
     {"name": "delete", "method": "DELETE", "body": "",
      "url": "https://management.azure.com" + SUB + "/providers/Microsoft.Authorization/roleAssignments/a1b2c3d4-e5f6-7890-abcd-ef1234567890?api-version=2022-04-01"}, []),
    ("azure.authorization.delete_role_assignment",   # deleteById's double slash
     {"name": "delete", "method": "DELETE", "body": "",
      "url": "https://management.azure.com/" + SUB + "/providers/Microsoft.Authorization/roleAssignments/a1b2c3d4-e5f6-7890-abcd-ef1234567890?api-version=2022-04-01"},
     ["0 reference operations match"]),
    ("gcp.iam.disable_service_account_key",          # %2F in a {+name} path
     {"name": "disable", "method": "POST", "body": "",
      "url": "https://iam.googleapis.com/v1/projects%2Fp%2FserviceAccounts%2Fa%40p.iam.gserviceaccount.com%2Fkeys%2Fk:disable"},
     ["encoded '/' in the path"]),
    ("gcp.storage.enforce_public_access_prevention",
     {"name": "write", "method": "PATCH", "body": '{"iamConfiguration":{"publicAccessPrevention":"on"}}',
      "url": "https://storage.googleapis.com/storage/v1/b/bucket?fields=iamConfiguration&force=true"},
     ["publicAccessPrevention='on'", "query parameter 'force'"]),
    ("azure.network.delete_security_rule",           # long-running, not polled
     {"name": "delete", "method": "DELETE", "body": "",
      "url": "https://management.azure.com" + NSG_RULE + "?api-version=2025-05-01"},
     ["long-running"], {"name": "delete", "already_done": [{"status": 204}]}),
    ("azure.network.delete_security_rule",           # an access value ARM never answers
     {"name": "read", "method": "GET", "body": "",
      "url": "https://management.azure.com" + NSG_RULE + "?api-version=2025-05-01"},
     ["compliant_if properties.access ['Denied']"],
     {"name": "read", "read": True, "compliant_if": {"properties": {"$or": [{"access": ["Denied"]}]}}}),
    ("azure.network.delete_security_rule",           # a field the answer does not have
     {"name": "read", "method": "GET", "body": "",
      "url": "https://management.azure.com" + NSG_RULE + "?api-version=2025-05-01"},
     ["does not describe"], {"name": "read", "read": True, "compliant_if": {"properties": {"enabled": [False]}}}),
    ("azure.storage.disable_blob_public_access",     # a boolean field compared with a string
     {"name": "read", "method": "GET", "body": "",
      "url": "https://management.azure.com" + SUB + "/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/acct?api-version=2025-08-01"},
     ["is a boolean"], {"name": "read", "read": True,
                        "compliant_if": {"properties": {"allowBlobPublicAccess": ["false"]}}}),
    ("azure.authorization.delete_role_assignment",   # a status Delete By Id never answers
     {"name": "delete", "method": "DELETE", "body": "",
      "url": "https://management.azure.com" + SUB + "/providers/Microsoft.Authorization/roleAssignments/a1b2c3d4-e5f6-7890-abcd-ef1234567890?api-version=2022-04-01"},
     ["already_done status 202"], {"name": "delete", "already_done": [{"status": 202}]}),
    ("gcp.compute.disable_firewall_rule",
     {"name": "write", "method": "PATCH", "body": '{"disabled":true}',
      "url": "https://compute.googleapis.com/compute/v1/projects/p-123456/global/firewalls/allow-ssh"}, []),
    ("gcp.compute.disable_firewall_rule",            # the name as one segment
     {"name": "write", "method": "PATCH", "body": '{"disabled":true}',
      "url": "https://compute.googleapis.com/compute/v1/projects%2Fp-123456%2Fglobal%2Ffirewalls%2Fallow-ssh"},
     ["encoded '/' in the path"]),
    ("gcp.iam.disable_service_account_key",
     {"name": "disable", "method": "POST", "body": "{}",
      "url": "https://iam.googleapis.com/v1/projects/p/serviceAccounts/a%40p.iam.gserviceaccount.com/keys/k:disable"}, []),
    ("gcp.iam.disable_service_account_key",          # compliant_if on a string
     {"name": "read", "method": "GET", "body": "",
      "url": "https://iam.googleapis.com/v1/projects/p/serviceAccounts/a%40p.iam.gserviceaccount.com/keys/k"},
     ["is a boolean"], {"name": "read", "read": True, "compliant_if": {"disabled": ["true"]}}),
    ("gcp.logging.restore_audit_config",
     {"name": "write", "method": "POST", "url": CRM + "projects/p-123456:setIamPolicy",
      "body": '{"policy":{"version":1,"auditConfigs":[],"etag":"<steps.read.body.etag>"},"updateMask":"auditConfigs"}'}, []),
    ("gcp.logging.restore_audit_config",             # the default mask: the audit configs not written
     {"name": "write", "method": "POST", "url": CRM + "projects/p-123456:setIamPolicy",
      "body": '{"policy":{"version":1,"auditConfigs":[],"etag":"<steps.read.body.etag>"}}'},
     ["updateMask ['bindings', 'etag'] does not name it"]),
    ("gcp.iam.revert_binding_deltas",                # no policy
     {"name": "write", "method": "POST", "url": CRM + "organizations/888888888888:setIamPolicy",
      "body": '{"bindings":[]}'},
     ["required body field 'policy' missing", "body field bindings is not in"]),
    ("gcp.iam.revert_binding_deltas",                # the read at version 1
     {"name": "read", "method": "POST", "url": CRM + "folders/123:getIamPolicy",
      "body": '{"options":{"requestedPolicyVersion":1}}'}, ["policy version 3"]),
    ("gcp.iam.remove_member",                        # the write without the etag read
     {"name": "write", "method": "POST", "url": CRM + "projects/p-123456:setIamPolicy",
      "body": '{"policy":{"version":1,"bindings":[]}}'},
     ["policy.etag must be the etag read"], {"name": "write", "body": {"json": {"policy": {"bindings": "x"}}}}),
    ("gcp.iam.remove_primitive_role_bindings",
     {"name": "read", "method": "GET", "body": "", "url": DISK + "/getIamPolicy?optionsRequestedPolicyVersion=3"}, []),
    ("gcp.iam.remove_primitive_role_bindings",       # the read without version 3
     {"name": "read", "method": "GET", "body": "", "url": DISK + "/getIamPolicy"}, ["policy version 3"]),
    ("gcp.iam.remove_primitive_role_bindings",       # a Resource Manager body on compute
     {"name": "write", "method": "POST", "url": DISK + "/setIamPolicy",
      "body": '{"policy":{"version":1,"bindings":[],"etag":"e"},"updateMask":"bindings"}'},
     ["body field updateMask is not in @googleapis/compute Schema$ZoneSetPolicyRequest"]),
]


def self_test(refs, types):
    errors, notes = [], []
    for action, req, expected, *spec in SELF_TEST:
        c = Checker(refs, dict(types, **{action: {"requests": spec}}) if spec else types)
        c.check_request(action, req, "self-test")
        got = "\n".join(c.errors)
        notes.extend(c.notes)
        if not expected and c.errors:
            errors.append(f"self-test: {action} {req['url']} should pass: {got}")
        for e in expected:
            if e not in got:
                errors.append(f"self-test: {action} {req['url']} should be refused with '{e}', got: {got or 'no error'}")
    return errors, notes


def collect_events(src):
    """(label, event or path) for every fixture and test event."""
    out = []
    for p in PROVIDERS:
        fixdir = os.path.join(src, "rules", "fixtures", p)
        for f in sorted(os.listdir(fixdir)):
            out.append((f"rules/fixtures/{p}/{f}", os.path.join(fixdir, f)))
        rdir = os.path.join(src, "rules", p)
        for f in sorted(os.listdir(rdir)):
            if not f.endswith("_test.yaml"):
                continue
            doc = load_yaml(os.path.join(rdir, f))
            for case in doc.get("tests", []):
                ev = case.get("event")
                if isinstance(ev, dict):
                    out.append((f"rules/{p}/{f} '{case.get('name')}'", ev))
    return out


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    proact, src = sys.argv[1], sys.argv[2]
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "cloud_operations.json"), encoding="utf-8") as f:
        refs = json.load(f)
    types = {}
    for p in PROVIDERS:
        doc = load_yaml(os.path.join(src, "rules", "actions", p + ".yaml"))
        types.update(doc.get("action_types") or {})
    checker = Checker(refs, types)
    planned = manual = host = 0
    host_actions = set()
    seen_types = set()
    with tempfile.TemporaryDirectory() as tmp:
        for label, ev in collect_events(src):
            if isinstance(ev, dict):
                path = os.path.join(tmp, "event.json")
                with open(path, "w", encoding="utf-8") as f:
                    json.dump(ev, f)
            else:
                path = ev
            run = subprocess.run([proact, "plan", "--rules", os.path.join(src, "rules"), path],
                                 capture_output=True, text=True)
            lines = [json.loads(x) for x in run.stdout.splitlines() if x.strip()]
            if run.returncode not in (0, 1) or (run.returncode == 1 and not any(x.get("error") for x in lines)):
                checker.fail(label, f"proact plan exited {run.returncode}: {run.stderr.strip()[:300]}")
                continue
            for line in lines:
                action = line["action"]
                if action.split(".")[0] not in PROVIDERS:
                    continue
                if line.get("error"):
                    why = [r for (a, s), r in EXPECTED_PLAN_ERRORS.items() if a == action and s in line["error"]]
                    if why:
                        checker.notes.append(f"{label}: {action} not planned, as intended ({why[0]}): {line['error']}")
                    else:
                        checker.fail(label, f"{action}: plan error: {line['error']}")
                    continue
                if line.get("handler") == "host":
                    host += 1
                    host_actions.add(action)
                    continue
                if "manual" in line:
                    manual += 1
                    seen_types.add(action)
                    if not line["manual"] or line["requests"]:
                        checker.fail(label, f"{action}: a manual type plans no requests and gives a reason")
                    continue
                planned += 1
                seen_types.add(action)
                for req in line["requests"]:
                    checker.check_request(action, req, label)
    checker.check_types()
    for t in sorted(set(types) - seen_types):
        checker.fail("coverage", f"declared type {t} was never planned on the pack's fixtures and test events")
    selftest, notes = self_test(refs, types)
    checker.errors.extend(selftest)
    checker.notes.extend(notes)
    print(f"checker self-test: {len(SELF_TEST)} requests, {len(selftest)} wrong")
    for note in checker.notes:
        print("note: " + note)
    for err in checker.errors:
        print("MISMATCH: " + err)
    print(f"{planned} planned actions ({manual} manual, {host} left to host handlers: "
          f"{', '.join(sorted(host_actions))})")
    print(f"{checker.checked} requests checked")
    return 1 if checker.errors else 0


if __name__ == "__main__":
    sys.exit(main())
