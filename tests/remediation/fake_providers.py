#!/usr/bin/python3
"""A loopback stand-in for every provider remediation talks to, that checks
what it receives.

It plays AWS (any service, with STS AssumeRole and AssumeRoot and the
container credentials endpoint), the GitHub App token exchange, the GCP
metadata server and the Azure managed identity endpoint. Every request that is not a control request
is recorded with the result of checking its SigV4 signature (recomputed with
botocore, an implementation independent of libcurl's) and its GitHub App JWT
(checked with PyJWT).

Start:
  /usr/bin/python3 fake_providers.py --port-file PATH
      [--aws-key AKID --aws-secret SECRET]
      [--github-app-public-key PEMFILE --github-app-id ID]
      [--container-token TOKEN] [--identity-header VALUE]
      [--sts-expiry-seconds N]
It listens on 127.0.0.1 on an ephemeral port and writes the port to PATH.

Control API (never recorded):
  GET  /_fake/requests  JSON list of the recorded requests, in arrival order:
       {"method","host","path","query","headers":{lower-case name: value},
        "body","sigv4":{"present","verified","service","region","error"},
        "jwt":{"present","verified","error"}}
  POST /_fake/reset     forgets recorded requests and scripts
  POST /_fake/script    {"method","path" | "path_prefix","host"?,
                         "responses":[{"status","headers","body","delay_ms"}]}
       queues answers for matching requests (first script with answers left);
       when they run out, the defaults answer again.

Defaults:
  STS AssumeRole (Host sts.*, Action=AssumeRole): needs a verified signature;
    answers the STS XML with new credentials (ASIA...), which the fake then
    accepts for signatures too; a RoleArn containing "denied" gets 403
    AccessDenied.
  STS AssumeRoot (Host sts.REGION.amazonaws.com, Action=AssumeRoot): every
    such request (scripted or not) is recorded with "assume_root":
    {"model_error": "" when the form is what botocore serializes for the
    operation as AWS's model describes it (sts_assume_root_model.py), else
    why not; "issued": the access key id answered, if any}. Needs a verified
    signature scoped to sts and the host's region (AWS serves AssumeRoot on
    regional endpoints only: the global host gets a 400); answers
    AssumeRootResponse with new credentials, checked to parse with the model.
  GET /creds: container credentials (Authorization must equal
    --container-token when given).
  POST /app/installations/{id}/access_tokens: GitHub App JWT (RS256, iss the
    app id, exp - iat <= 600, iat not ahead) -> 201 installation token; 401
    otherwise.
  GET /computeMetadata/v1/instance/service-accounts/default/token: needs
    "Metadata-Flavor: Google".
  GET /msi/token?api-version=2019-08-01&resource=...: X-IDENTITY-HEADER must
    equal --identity-header when given (be present otherwise).
  Google Cloud IAM policies (the section "Google Cloud IAM policies" below):
    POST /v3/{projects|folders|organizations}/ID:getIamPolicy and
    :setIamPolicy (Cloud Resource Manager v3), GET /compute/v1/projects/P/
    .../NAME/getIamPolicy and POST .../setIamPolicy (compute v1): a policy
    per resource, {version, etag, bindings, auditConfigs?}, seeded with
    POST /_fake/gcp/iam_policy {"resource", "policy"} (never recorded) or a
    default one; read back with GET /_fake/gcp/iam_policy?resource=R. A
    write with a stale etag is refused (409 ABORTED; compute: 412), as is a
    binding without members, a conditional binding written below version 3,
    or a setIamPolicy without a policy; Resource Manager applies the
    updateMask (default bindings, etag). A resource name containing "gone"
    answers 404.
  GET /repos/{owner}/{repo}/branches/{branch}/protection: GitHub's branch
    protection answer (restrictions and review-dismissal restrictions as
    user/team/App objects); a branch named "unprotected" answers 404 "Branch
    not protected" (script a 404 for a deleted rule's branch).
  GET /api/v1/users/{id}/roles, /api/v1/groups/{id}/roles: Okta role
    assignments ({id, label, type, status, assignmentType...}); OKTA_ROLES
    below says which principal holds which.
  Anything else: 200 {} with x-amzn-RequestId: fake-<n>.
"""

import argparse
import base64
import datetime
import hashlib
import http.server
import json
import os
import re
import secrets
import string
import sys
import threading
import time
import urllib.parse

from botocore.auth import S3SigV4Auth, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

try:
    import jwt as pyjwt
except ImportError:  # GitHub App checks then always fail
    pyjwt = None


def iso8601(ts):
    return datetime.datetime.fromtimestamp(ts, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def random_id(prefix, n, alphabet=string.ascii_uppercase + string.digits):
    return prefix + "".join(secrets.choice(alphabet) for _ in range(n))


class State:
    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.requests = []
        self.scripts = []
        self.counter = 0
        # access key id -> secret access key: the configured base key and
        # every key this fake has issued.
        self.keys = {}
        if args.aws_key and args.aws_secret:
            self.keys[args.aws_key] = args.aws_secret
        self.gcp_policies = {}  # Google Cloud IAM: resource name -> policy
        self.gcp_etags = 0
        self.public_key = None
        if args.github_app_public_key:
            with open(args.github_app_public_key, "rb") as f:
                self.public_key = f.read()

    def next_id(self):
        with self.lock:
            self.counter += 1
            return self.counter

    def issue_aws(self):
        akid = random_id("ASIA", 16)
        secret = random_id("", 40, string.ascii_letters + string.digits + "/+")
        token = "FQoGZXIvYXdzE" + random_id("", 120, string.ascii_letters + string.digits)
        with self.lock:
            self.keys[akid] = secret
        return akid, secret, token, time.time() + self.args.sts_expiry_seconds


AUTH_RE = re.compile(
    r"^AWS4-HMAC-SHA256\s+Credential=([^/,\s]+)/(\d{8})/([^/]+)/([^/]+)/aws4_request,\s*"
    r"SignedHeaders=([a-z0-9;\-]+),\s*Signature=([0-9a-f]{64})\s*$")


def verify_sigv4(state, method, header_list, raw_path, raw_query, body):
    """Recomputes the signature with botocore; returns the sigv4 record."""
    result = {"present": False, "verified": False, "service": "", "region": "", "error": ""}
    auths = [v for k, v in header_list if k == "authorization"]
    if not auths or not auths[0].startswith("AWS4-HMAC-SHA256"):
        return result
    result["present"] = True
    if len(auths) > 1:
        result["error"] = "several Authorization headers"
        return result
    m = AUTH_RE.match(auths[0])
    if not m:
        result["error"] = "malformed Authorization header"
        return result
    akid, date, region, service, signed, signature = m.groups()
    result["service"], result["region"] = service, region
    secret = state.keys.get(akid)
    if secret is None:
        result["error"] = "unknown access key id"
        return result
    signed_names = signed.split(";")
    if "host" not in signed_names:
        result["error"] = "host is not signed"
        return result
    amz_dates = [v for k, v in header_list if k == "x-amz-date"]
    if len(amz_dates) != 1:
        result["error"] = "expected one X-Amz-Date header, got %d" % len(amz_dates)
        return result
    amz_date = amz_dates[0].strip()
    if not amz_date.startswith(date):
        result["error"] = "X-Amz-Date does not match the credential scope date"
        return result
    if "x-amz-date" not in signed_names:
        result["error"] = "x-amz-date is not signed"
        return result
    host = next((v for k, v in header_list if k == "host"), "")
    url = "https://" + host + raw_path + ("?" + raw_query if raw_query else "")
    headers = []
    for name in signed_names:
        values = [v for k, v in header_list if k == name]
        if not values:
            result["error"] = "signed header %s is missing" % name
            return result
        for v in values:
            headers.append((name, v))
    if service == "s3":
        sha = next((v for k, v in header_list if k == "x-amz-content-sha256"), None)
        if sha is None:
            result["error"] = "S3 request without x-amz-content-sha256"
            return result
        if sha != "UNSIGNED-PAYLOAD" and sha != hashlib.sha256(body).hexdigest():
            result["error"] = "x-amz-content-sha256 is not the SHA-256 of the body"
            return result
    request = AWSRequest(method=method, url=url, data=body)
    for name, value in headers:
        request.headers[name] = value  # HTTPHeaders keeps repeated names
    request.context["timestamp"] = amz_date
    token = next((v for k, v in header_list if k == "x-amz-security-token"), None)
    creds = Credentials(akid, secret, token)
    auth_class = S3SigV4Auth if service == "s3" else SigV4Auth
    auth = auth_class(creds, service, region)
    canonical = auth.canonical_request(request)
    expected = auth.signature(auth.string_to_sign(request, canonical), request)
    if auth.signed_headers(auth.headers_to_sign(request)) != signed:
        result["error"] = "botocore would sign other headers: " + auth.signed_headers(auth.headers_to_sign(request))
        return result
    if expected != signature:
        result["error"] = "signature mismatch; botocore canonical request:\n" + canonical
        return result
    result["verified"] = True
    return result


def verify_jwt(state, header_list):
    result = {"present": False, "verified": False, "error": ""}
    auth = next((v for k, v in header_list if k == "authorization"), "")
    if not auth.startswith("Bearer "):
        return result
    token = auth[len("Bearer "):].strip()
    if token.count(".") != 2:
        return result
    result["present"] = True
    if pyjwt is None:
        result["error"] = "python3-jwt is not installed"
        return result
    if state.public_key is None:
        result["error"] = "no --github-app-public-key given"
        return result
    try:
        claims = pyjwt.decode(token, state.public_key, algorithms=["RS256"],
                              options={"require": ["iat", "exp", "iss"], "verify_iss": False})
    except Exception as e:  # noqa: BLE001 - PyJWT raises many kinds
        result["error"] = "JWT rejected: %s" % e
        return result
    header = pyjwt.get_unverified_header(token)
    now = time.time()
    if header.get("alg") != "RS256" or header.get("typ") != "JWT":
        result["error"] = "JWT header must be alg RS256, typ JWT"
    elif str(claims["iss"]) != str(state.args.github_app_id):
        result["error"] = "iss %r is not the app id" % claims["iss"]
    elif claims["exp"] - claims["iat"] > 600:
        result["error"] = "exp - iat exceeds 600 seconds"
    elif claims["iat"] > now + 5:
        result["error"] = "iat is in the future"
    else:
        result["verified"] = True
    return result


def sts_error(code, message, status, kind="Sender"):
    body = ("<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
            "<Error><Type>%s</Type><Code>%s</Code><Message>%s</Message></Error>"
            "<RequestId>%s</RequestId></ErrorResponse>" % (kind, code, message, random_id("", 8)))
    return status, {"Content-Type": "text/xml"}, body


# --- Google Cloud IAM policies ---------------------------------------------
# getIamPolicy / setIamPolicy as Cloud Resource Manager v3 and compute v1
# answer them (cloud.google.com/iam/docs/reference/rest/v1/Policy,
# cloud.google.com/resource-manager/reference/rest/v3/projects/setIamPolicy,
# cloud.google.com/compute/docs/reference/rest/v1/disks/setIamPolicy).
GCP_CRM_RE = re.compile(r"/v3/((?:projects|folders|organizations)/[^/:]+):(getIamPolicy|setIamPolicy)")
GCP_COMPUTE_RE = re.compile(r"/compute/v1/(projects/[^/]+/(?:zones|regions|global)/(?:[^/]+/)?[^/]+/[^/]+)"
                            r"/(getIamPolicy|setIamPolicy)")


def gcp_default_policy():
    return {"version": 1, "bindings": [{"role": "roles/owner", "members": ["user:owner@example.com"]}]}


def gcp_error(status, state_name, message):
    return status, {"Content-Type": "application/json"}, json.dumps(
        {"error": {"code": status, "message": message, "status": state_name}})


def gcp_new_etag(state):
    state.gcp_etags += 1
    return base64.b64encode(b"\x07\x05" + state.gcp_etags.to_bytes(6, "big")).decode()


def gcp_policy_control(state, method, body, query):
    """POST {"resource", "policy"}: seeds a policy (an etag is given if it
    has none); GET ?resource=R: the policy now."""
    json_type = {"Content-Type": "application/json"}
    with state.lock:
        if method == "POST":
            try:
                seed = json.loads(body)
                resource, policy = seed["resource"], dict(seed["policy"])
            except Exception:  # noqa: BLE001
                return 400, {}, "expected {resource, policy}"
            policy.setdefault("etag", gcp_new_etag(state))
            state.gcp_policies[resource] = policy
            return 200, json_type, json.dumps(policy)
        resource = (urllib.parse.parse_qs(query).get("resource") or [""])[0]
        return 200, json_type, json.dumps(state.gcp_policies.get(resource))


def gcp_iam_answer(state, record, body):
    """The answer to a getIamPolicy/setIamPolicy request, or None."""
    m = GCP_CRM_RE.fullmatch(record["path"])
    compute = False
    if m and record["method"] == "POST":
        pass
    else:
        m = GCP_COMPUTE_RE.fullmatch(record["path"])
        compute = True
        if not m or record["method"] != ("GET" if m.group(2) == "getIamPolicy" else "POST"):
            return None
    resource, op = m.group(1), m.group(2)
    json_type = {"Content-Type": "application/json"}
    if "gone" in resource:
        return gcp_error(404, "NOT_FOUND", "The resource '%s' was not found" % resource)
    try:
        req = json.loads(body) if body else {}
    except ValueError:
        return gcp_error(400, "INVALID_ARGUMENT", "Invalid JSON payload received.")
    with state.lock:
        if resource not in state.gcp_policies:
            policy = gcp_default_policy()
            policy["etag"] = gcp_new_etag(state)
            state.gcp_policies[resource] = policy
        current = state.gcp_policies[resource]
        if op == "getIamPolicy":
            if compute:
                q = urllib.parse.parse_qs(record["query"])
                version = int((q.get("optionsRequestedPolicyVersion") or ["0"])[0])
            else:
                version = int(((req.get("options") or {}).get("requestedPolicyVersion")) or 0)
            answer = dict(current)
            if version < 3 and any("condition" in b for b in current.get("bindings", [])):
                # IAM answers a version 1 policy whose conditional bindings
                # cannot be written back.
                answer["version"] = 1
                answer["bindings"] = [dict(b, role=b["role"] + "_withcond_fake") if "condition" in b else b
                                      for b in current.get("bindings", [])]
                for b in answer["bindings"]:
                    b.pop("condition", None)
            return 200, json_type, json.dumps(answer)
        policy = req.get("policy")
        if not isinstance(policy, dict):
            return gcp_error(400, "INVALID_ARGUMENT", "policy is required")
        if "etag" in policy and policy["etag"] != current["etag"]:
            if compute:
                return 412, json_type, json.dumps({"error": {"code": 412, "message": "Precondition Failed",
                                                             "errors": [{"reason": "conditionNotMet"}]}})
            return gcp_error(409, "ABORTED", "There were concurrent policy changes. Please retry the whole "
                             "read-modify-write with exponential backoff.")
        for b in policy.get("bindings") or []:
            if not b.get("members"):
                return gcp_error(400, "INVALID_ARGUMENT", "Binding for role %s has no members" % b.get("role"))
            if "condition" in b and policy.get("version") != 3:
                return gcp_error(400, "INVALID_ARGUMENT", "Conditional bindings need policy version 3")
            if b.get("role", "").endswith("_withcond_fake"):
                return gcp_error(400, "INVALID_ARGUMENT", "Role %s does not exist" % b["role"])
        if compute:
            if "updateMask" in req:
                return gcp_error(400, "INVALID_ARGUMENT", "Unknown name \"updateMask\"")
            mask = ["bindings", "auditConfigs", "version"]
        else:
            mask = [f.strip() for f in (req.get("updateMask") or "bindings,etag").split(",")]
            mask.append("version")
        new = dict(current)
        for field in mask:
            if field == "etag":
                continue
            if field in policy and policy[field] is not None:
                new[field] = policy[field]
            else:
                new.pop(field, None)
        new["etag"] = gcp_new_etag(state)
        state.gcp_policies[resource] = new
        return 200, json_type, json.dumps(new)
# --- GitHub branch protection and Okta role assignment reads ---------------
# Okta role assignments by principal id: (assignment id, label, type).
# Labels as Okta names its standard roles.
OKTA_ROLES = {
    # The user of rules/fixtures/okta/...privilege.grant-super-admin: the
    # super administrator role just granted, and two held before.
    "00u6eup97mAJZWYmP357": [("ra1b8aahBZuGJRRa30g4", "Super Administrator", "SUPER_ADMIN"),
                             ("ra1b8anIk7rx7em7L0g4", "Application Administrator", "APP_ADMIN"),
                             ("ra1b7aguRQ7e5iKYb0g4", "Help Desk Administrator", "HELP_DESK_ADMIN")],
    # The group of rules/okta/admin_test.yaml's group grant.
    "00g1emaKYZTWRYYRRTSK": [("ra1c9rtyWEYzMRh1O0g4", "Help Desk Administrator", "HELP_DESK_ADMIN"),
                             ("ra1c9s0bcdR5PR5sS0g4", "Report Administrator", "REPORT_ADMIN")],
}
# The assignments OKTA_ROLES holds that pack_e2e.py expects revoked.
OKTA_ROLES_GRANTED = {"00u6eup97mAJZWYmP357": ["ra1b8aahBZuGJRRa30g4"],
                      "00g1emaKYZTWRYYRRTSK": ["ra1c9rtyWEYzMRh1O0g4"]}


def okta_role(principal, kind, rid, label, rtype):
    base = "/api/v1/%s/%s/roles/%s" % ("users" if kind == "USER" else "groups", principal, rid)
    return {"id": rid, "label": label, "type": rtype, "status": "ACTIVE",
            "created": "2024-03-02T10:00:00.000Z", "lastUpdated": "2024-03-02T10:00:00.000Z",
            "assignmentType": kind,
            "_links": {"assignee": {"href": "/api/v1/%s/%s" % ("users" if kind == "USER" else "groups", principal)},
                       "self": {"href": base}}}


def github_protection(owner, repo, branch):
    """GET .../protection as GitHub answers it for a protected branch."""
    url = "https://api.github.com/repos/%s/%s/branches/%s/protection" % (owner, repo, branch)
    user = {"login": "release-bot", "id": 583231, "type": "User"}
    team = {"id": 1, "slug": "release-managers", "name": "Release managers"}
    return {
        "url": url,
        "required_status_checks": {"url": url + "/required_status_checks", "strict": False,
                                   "contexts": ["build"], "checks": [{"context": "build", "app_id": None}]},
        "required_pull_request_reviews": {
            "url": url + "/required_pull_request_reviews",
            "dismissal_restrictions": {"users": [user], "teams": [team], "apps": []},
            "dismiss_stale_reviews": False, "require_code_owner_reviews": False,
            "required_approving_review_count": 1, "require_last_push_approval": False},
        "enforce_admins": {"url": url + "/enforce_admins", "enabled": False},
        "restrictions": {"url": url + "/restrictions", "users": [user], "teams": [team],
                         "apps": [{"id": 1, "slug": "octoapp", "name": "Octocat App"}]},
        "required_signatures": {"url": url + "/required_signatures", "enabled": False},
        "required_linear_history": {"enabled": False},
        "allow_force_pushes": {"enabled": False},
        "allow_deletions": {"enabled": False},
        "required_conversation_resolution": {"enabled": False},
    }


def github_okta_read(record):
    """The fake's answer to the reads above, or None."""
    if record["method"] != "GET":
        return None
    json_type = {"Content-Type": "application/json"}
    path = urllib.parse.unquote(record["path"])
    m = re.fullmatch(r"/repos/([^/]+)/([^/]+)/branches/(.+)/protection", path)
    if m:
        owner, repo, branch = m.groups()
        if branch == "unprotected":
            return 404, json_type, json.dumps({"message": "Branch not protected",
                                               "documentation_url": "https://docs.github.com/rest/branches/branch-protection#get-branch-protection",
                                               "status": "404"})
        return 200, json_type, json.dumps(github_protection(owner, repo, branch))
    m = re.fullmatch(r"/api/v1/(users|groups)/([A-Za-z0-9]+)/roles", path)
    if m:
        kind = "USER" if m.group(1) == "users" else "GROUP"
        roles = OKTA_ROLES.get(m.group(2))
        if roles is None:
            return 404, json_type, json.dumps({"errorCode": "E0000007", "errorSummary": "Not found: Resource not found: %s (%s)"
                                               % (m.group(2), "User" if kind == "USER" else "UserGroup"),
                                               "errorLink": "E0000007", "errorId": "oaefake", "errorCauses": []})
        return 200, json_type, json.dumps([okta_role(m.group(2), kind, *r) for r in roles])
    return None

# --- AWS baseline (issue 15): CloudTrail trails and event selectors, VPC flow
# logs, instance isolation. Answers shaped as botocore's service models say
# (cloudtrail 2013-11-01 JSON 1.1; ec2 2016-11-15 query XML with the
# locationNames vpcSet, flowLogSet, reservationSet, instancesSet,
# networkInterfaceSet, groupSet, securityGroupInfo, unsuccessful). The
# account's state is fixed: the deleted trail is gone (GetTrail ->
# TrailNotFoundException), the weakened trail's selectors are read-only
# without management events, three VPCs of which one has a flow log, and
# instance i-99999999 running in vpc-0a1b2c3d4e5f60718 with two network
# interfaces, no proact-quarantine group yet.

AWS_BASELINE_VPCS = ["vpc-0a1b2c3d4e5f60718", "vpc-0b2c3d4e5f6071829", "vpc-0c3d4e5f60718293a"]
AWS_BASELINE_FLOW_LOGGED_VPC = "vpc-0b2c3d4e5f6071829"
AWS_BASELINE_INSTANCE_ENIS = ["eni-0aa11bb22cc33dd44", "eni-0ee55ff6600771188"]
AWS_BASELINE_QUARANTINE_GROUP = "sg-0f1e2d3c4b5a69788"
EC2_XMLNS = "http://ec2.amazonaws.com/doc/2016-11-15/"
CLOUDTRAIL_TARGET = "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101."


def _ec2_xml(action, inner):
    return (200, {"Content-Type": "text/xml;charset=UTF-8"},
            '<?xml version="1.0" encoding="UTF-8"?>\n<%sResponse xmlns="%s"><requestId>%s</requestId>%s</%sResponse>'
            % (action, EC2_XMLNS, random_id("", 8).lower(), inner, action))


def _cloudtrail_json(doc, status=200):
    return status, {"Content-Type": "application/x-amz-json-1.1"}, json.dumps(doc)


def aws_baseline_answer(record, body):
    """The answer of an operation of the baseline types, or None."""
    target = record["headers"].get("x-amz-target", "")
    if target.startswith(CLOUDTRAIL_TARGET):
        op = target[len(CLOUDTRAIL_TARGET):]
        try:
            req = json.loads(body or b"{}")
        except ValueError:
            return _cloudtrail_json({"__type": "SerializationException"}, 400)
        region = record["sigv4"]["region"] or "us-east-1"
        name = req.get("Name") or req.get("TrailName") or ""
        arn = name if name.startswith("arn:") else "arn:aws:cloudtrail:%s:111122223333:trail/%s" % (region, name)
        if op == "GetTrail":
            return _cloudtrail_json({"__type": "TrailNotFoundException",
                                     "message": "Unknown trail: %s for the user: 111122223333" % arn}, 400)
        if op in ("CreateTrail", "UpdateTrail"):
            if op == "CreateTrail" and not req.get("S3BucketName"):
                return _cloudtrail_json({"__type": "InvalidS3BucketNameException", "message": "no bucket"}, 400)
            return _cloudtrail_json({
                "Name": arn.rsplit("/", 1)[-1], "TrailARN": arn,
                "S3BucketName": req.get("S3BucketName", "org-trail-bucket"),
                "IncludeGlobalServiceEvents": req.get("IncludeGlobalServiceEvents", True),
                "IsMultiRegionTrail": req.get("IsMultiRegionTrail", True),
                "LogFileValidationEnabled": req.get("EnableLogFileValidation", True),
                **({"KmsKeyId": req["KmsKeyId"]} if req.get("KmsKeyId") else {}),
                "IsOrganizationTrail": False})
        if op == "StartLogging":
            return _cloudtrail_json({})
        if op == "GetEventSelectors":
            return _cloudtrail_json({"TrailARN": arn, "EventSelectors": [
                {"ReadWriteType": "ReadOnly", "IncludeManagementEvents": False,
                 "DataResources": [], "ExcludeManagementEventSources": []}]})
        if op == "PutEventSelectors":
            return _cloudtrail_json({"TrailARN": arn, "EventSelectors": req.get("EventSelectors", [])})
        return None
    if not record["sigv4"]["present"] or record["sigv4"]["service"] != "ec2":
        return None
    form = urllib.parse.parse_qs(body.decode("utf-8", "replace"))
    action = (form.get("Action") or [""])[0]
    if action == "DescribeVpcs":
        return _ec2_xml(action, "<vpcSet>%s</vpcSet>" % "".join(
            "<item><vpcId>%s</vpcId><state>available</state><cidrBlock>10.%d.0.0/16</cidrBlock>"
            "<isDefault>false</isDefault></item>" % (v, i) for i, v in enumerate(AWS_BASELINE_VPCS)))
    if action == "DescribeFlowLogs":
        return _ec2_xml(action, "<flowLogSet>"
                        "<item><flowLogId>fl-01234567890abcdef</flowLogId><resourceId>%s</resourceId>"
                        "<trafficType>ALL</trafficType><logDestinationType>s3</logDestinationType>"
                        "<flowLogStatus>ACTIVE</flowLogStatus></item>"
                        "<item><flowLogId>fl-0fedcba9876543210</flowLogId><resourceId>subnet-0123456789abcdef0</resourceId>"
                        "<trafficType>REJECT</trafficType><logDestinationType>s3</logDestinationType>"
                        "<flowLogStatus>ACTIVE</flowLogStatus></item>"
                        "</flowLogSet>" % AWS_BASELINE_FLOW_LOGGED_VPC)
    if action == "CreateFlowLogs":
        resources = [v[0] for k, v in sorted(form.items()) if k.startswith("ResourceId.")]
        if form.get("ResourceType") != ["VPC"] or not resources:
            return (400, {"Content-Type": "text/xml;charset=UTF-8"},
                    "<Response><Errors><Error><Code>InvalidParameter</Code><Message>ResourceType, ResourceId"
                    "</Message></Error></Errors><RequestID>x</RequestID></Response>")
        bad = [r for r in resources if r not in AWS_BASELINE_VPCS]
        return _ec2_xml(action, "<clientToken>%s</clientToken><flowLogIdSet>%s</flowLogIdSet><unsuccessful>%s</unsuccessful>" % (
            random_id("", 12).lower(),
            "".join("<item>fl-%s</item>" % random_id("", 17, "0123456789abcdef") for r in resources if r not in bad),
            "".join("<item><error><code>InvalidVpcID.NotFound</code><message>The vpc ID '%s' does not exist</message>"
                    "</error><resourceId>%s</resourceId></item>" % (r, r) for r in bad)))
    if action == "DescribeInstances":
        enis = "".join(
            "<item><networkInterfaceId>%s</networkInterfaceId><subnetId>subnet-0123456789abcdef0</subnetId>"
            "<vpcId>%s</vpcId><status>in-use</status><groupSet><item><groupId>sg-0123456789abcdef%d</groupId>"
            "<groupName>web-%d</groupName></item></groupSet><attachment><deviceIndex>%d</deviceIndex></attachment></item>"
            % (e, AWS_BASELINE_VPCS[0], i, i, i) for i, e in enumerate(AWS_BASELINE_INSTANCE_ENIS))
        ids = [v[0] for k, v in form.items() if k.startswith("InstanceId.")]
        if ids != ["i-99999999"]:
            return (400, {"Content-Type": "text/xml;charset=UTF-8"},
                    "<Response><Errors><Error><Code>InvalidInstanceID.NotFound</Code><Message>The instance ID '%s' "
                    "does not exist</Message></Error></Errors><RequestID>%s</RequestID></Response>" % (",".join(ids), random_id("", 8)))
        return _ec2_xml(action, "<reservationSet><item><reservationId>r-0123456789abcdef0</reservationId>"
                        "<ownerId>101010101111</ownerId><groupSet/><instancesSet><item><instanceId>i-99999999</instanceId>"
                        "<instanceState><code>16</code><name>running</name></instanceState><vpcId>%s</vpcId>"
                        "<networkInterfaceSet>%s</networkInterfaceSet></item></instancesSet></item></reservationSet>"
                        % (AWS_BASELINE_VPCS[0], enis))
    if action == "DescribeSecurityGroups":
        return _ec2_xml(action, "<securityGroupInfo/>")
    if action == "CreateSecurityGroup":
        if form.get("VpcId") != [AWS_BASELINE_VPCS[0]] or not form.get("GroupDescription"):
            return (400, {"Content-Type": "text/xml;charset=UTF-8"},
                    "<Response><Errors><Error><Code>InvalidParameterValue</Code><Message>VpcId, GroupDescription"
                    "</Message></Error></Errors><RequestID>x</RequestID></Response>")
        return _ec2_xml(action, "<return>true</return><groupId>%s</groupId>" % AWS_BASELINE_QUARANTINE_GROUP)
    if action in ("RevokeSecurityGroupEgress", "ModifyNetworkInterfaceAttribute"):
        return _ec2_xml(action, "<return>true</return>")
    return None

# --- end of AWS baseline section


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-providers"

    def log_message(self, fmt, *args):  # quiet
        pass

    def _read_body(self):
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            out = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return out
                out += self.rfile.read(size)
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(self, status, headers, body):
        data = body.encode() if isinstance(body, str) else body
        try:
            self.send_response(status)
            for k, v in headers.items():
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _handle(self):
        state = self.server.state
        body = self._read_body()
        raw_path, _, raw_query = self.path.partition("?")
        if raw_path.startswith("/_fake/"):
            return self._control(raw_path, body)
        header_list = [(k.lower(), v) for k, v in self.headers.raw_items()]
        headers = {}
        for k, v in header_list:
            headers[k] = headers[k] + "," + v if k in headers else v
        record = {
            "method": self.command,
            "host": headers.get("host", ""),
            "path": raw_path,
            "query": raw_query,
            "headers": headers,
            "body": body.decode("utf-8", "replace"),
            "sigv4": verify_sigv4(state, self.command, header_list, raw_path, raw_query, body),
            "jwt": verify_jwt(state, header_list),
        }
        if record["host"].split(":")[0].startswith("sts."):
            pairs = urllib.parse.parse_qsl(body.decode("utf-8", "replace") or raw_query, keep_blank_values=True)
            if ("Action", "AssumeRoot") in pairs:
                import sts_assume_root_model  # beside this file
                record["assume_root"] = {"model_error": sts_assume_root_model.check_request(pairs),
                                         "issued": ""}
        n = state.next_id()
        with state.lock:
            state.requests.append(record)
            answer = None
            for script in state.scripts:
                if not script["responses"]:
                    continue
                if script.get("method", self.command).upper() != self.command:
                    continue
                if "path" in script and script["path"] != raw_path:
                    continue
                if "path_prefix" in script and not raw_path.startswith(script["path_prefix"]):
                    continue
                if "host" in script and script["host"] != record["host"]:
                    continue
                answer = script["responses"].pop(0)
                break
        if answer is not None:
            if answer.get("delay_ms"):
                time.sleep(answer["delay_ms"] / 1000.0)
            status = int(answer.get("status", 200))
            out_headers = dict(answer.get("headers") or {})
            body_out = answer.get("body", "")
            if not isinstance(body_out, str):
                body_out = json.dumps(body_out)
        else:
            status, out_headers, body_out = self._default(record, body)
        if not any(k.lower() == "x-amzn-requestid" for k in out_headers):
            out_headers["x-amzn-RequestId"] = "fake-%d" % n
        self._send(status, out_headers, body_out)

    def _control(self, path, body):
        state = self.server.state
        if path == "/_fake/requests" and self.command == "GET":
            with state.lock:
                data = json.dumps(state.requests)
            return self._send(200, {"Content-Type": "application/json"}, data)
        if path == "/_fake/reset" and self.command == "POST":
            with state.lock:
                state.requests = []
                state.scripts = []
                state.gcp_policies = {}
            return self._send(200, {"Content-Type": "application/json"}, "{}")
        if path == "/_fake/script" and self.command == "POST":
            try:
                script = json.loads(body)
                assert isinstance(script.get("responses"), list)
            except Exception:  # noqa: BLE001
                return self._send(400, {}, "script must be JSON with a responses list")
            script["responses"] = list(script["responses"])
            with state.lock:
                state.scripts.append(script)
            return self._send(200, {"Content-Type": "application/json"}, "{}")
        if path == "/_fake/gcp/iam_policy":
            return self._send(*gcp_policy_control(state, self.command, body, self.path.partition("?")[2]))
        return self._send(404, {}, "unknown control request")

    def _default(self, record, body):
        state = self.server.state
        host = record["host"].split(":")[0]
        path = record["path"]
        json_type = {"Content-Type": "application/json"}
        if host.startswith("sts."):
            form = urllib.parse.parse_qs(body.decode("utf-8", "replace") or record["query"])
            if form.get("Action") == ["AssumeRole"]:
                return self._assume_role(record, form)
            if form.get("Action") == ["AssumeRoot"]:
                return self._assume_root(record, form)
        if path == "/creds" and record["method"] == "GET":
            want = state.args.container_token
            if want is not None and record["headers"].get("authorization") != want:
                return 401, json_type, json.dumps({"message": "bad authorization token"})
            akid, secret, token, expires = state.issue_aws()
            return 200, json_type, json.dumps({"AccessKeyId": akid, "SecretAccessKey": secret,
                                               "Token": token, "Expiration": iso8601(expires),
                                               "RoleArn": "arn:aws:iam::123456789012:role/task"})
        m = re.fullmatch(r"/app/installations/([0-9]+)/access_tokens", path)
        if m and record["method"] == "POST":
            if not record["jwt"]["verified"]:
                return 401, json_type, json.dumps({"message": "A JSON web token could not be decoded",
                                                   "documentation_url": "https://docs.github.com/rest"})
            return 201, json_type, json.dumps({
                "token": random_id("ghs_", 36, string.ascii_letters + string.digits),
                "expires_at": iso8601(time.time() + 3600),
                "permissions": {"contents": "write"}, "repository_selection": "all"})
        if path == "/oauth2/v1/token" and record["method"] == "POST":
            return self._okta_token(record, body)
        if path == "/computeMetadata/v1/instance/service-accounts/default/token":
            if record["headers"].get("metadata-flavor") != "Google":
                return 403, {"Content-Type": "text/html"}, "Missing Metadata-Flavor: Google header"
            return 200, json_type, json.dumps({"access_token": random_id("ya29.fake-", 40, string.ascii_letters),
                                               "expires_in": 3599, "token_type": "Bearer"})
        gcp = gcp_iam_answer(state, record, body)
        if gcp is not None:
            return gcp
        if path == "/msi/token":
            q = urllib.parse.parse_qs(record["query"])
            got = record["headers"].get("x-identity-header")
            want = state.args.identity_header
            if got is None or (want is not None and got != want):
                return 401, json_type, json.dumps({"error": "invalid_request",
                                                   "error_description": "bad X-IDENTITY-HEADER"})
            if q.get("api-version") != ["2019-08-01"] or not q.get("resource"):
                return 400, json_type, json.dumps({"error": "invalid_request",
                                                   "error_description": "api-version and resource required"})
            return 200, json_type, json.dumps({
                "access_token": random_id("eyJ0eXAi.fake-", 40, string.ascii_letters),
                "expires_on": str(int(time.time()) + 3600), "resource": q["resource"][0],
                "token_type": "Bearer", "client_id": "00000000-0000-0000-0000-000000000000"})
        answer = github_okta_read(record)
        if answer is not None:
            return answer
        baseline = aws_baseline_answer(record, body)  # AWS baseline section above
        if baseline is not None:
            return baseline
        return 200, json_type, "{}"

    def _okta_token(self, record, body):
        # Client credentials with private_key_jwt: the assertion is checked
        # with PyJWT against --okta-public-key.
        state = self.server.state
        json_type = {"Content-Type": "application/json"}
        form = urllib.parse.parse_qs(body.decode("utf-8", "replace"))

        def refuse(error, description):
            record["okta"] = {"verified": False, "error": description}
            return 401, json_type, json.dumps({"error": error, "error_description": description})

        if form.get("grant_type") != ["client_credentials"] or not form.get("scope"):
            return 400, json_type, json.dumps({"error": "invalid_request",
                                               "error_description": "grant_type and scope required"})
        if form.get("client_assertion_type") != ["urn:ietf:params:oauth:client-assertion-type:jwt-bearer"]:
            return refuse("invalid_client", "client_assertion_type must be jwt-bearer")
        if pyjwt is None or not state.args.okta_public_key:
            return refuse("invalid_client", "no --okta-public-key or python3-jwt")
        with open(state.args.okta_public_key, "rb") as f:
            key = f.read()
        aud = "http://%s%s" % (record["host"], record["path"])
        try:
            claims = pyjwt.decode(form.get("client_assertion", [""])[0], key, algorithms=["RS256"],
                                  audience=aud, options={"require": ["iss", "sub", "aud", "exp", "iat", "jti"]})
        except Exception as e:  # noqa: BLE001
            return refuse("invalid_client", "client assertion rejected: %s" % e)
        if claims["iss"] != state.args.okta_client_id or claims["sub"] != state.args.okta_client_id:
            return refuse("invalid_client", "iss and sub must be the client id")
        if claims["exp"] - claims["iat"] > 3600:
            return refuse("invalid_client", "the assertion lives longer than an hour")
        record["okta"] = {"verified": True, "error": "", "scope": form["scope"][0]}
        return 200, json_type, json.dumps({"token_type": "Bearer", "expires_in": 3600,
                                           "access_token": random_id("eyJraWQi.okta-", 40, string.ascii_letters),
                                           "scope": form["scope"][0]})

    def _assume_role(self, record, form):
        state = self.server.state
        sig = record["sigv4"]
        if not sig["present"]:
            return sts_error("MissingAuthenticationToken", "Request is missing Authentication Token", 403)
        if not sig["verified"]:
            if sig["error"] == "unknown access key id":
                return sts_error("InvalidClientTokenId", "The security token included in the request is invalid.", 403)
            return sts_error("SignatureDoesNotMatch", "The request signature we calculated does not match.", 403)
        if sig["service"] != "sts" or sig["region"] != "us-east-1":
            return sts_error("SignatureDoesNotMatch", "Credential should be scoped to a valid region.", 403)
        role = (form.get("RoleArn") or [""])[0]
        session = (form.get("RoleSessionName") or [""])[0]
        if form.get("Version") != ["2011-06-15"] or not role or not session:
            return sts_error("ValidationError", "RoleArn, RoleSessionName and Version are required", 400)
        if "denied" in role:
            return sts_error("AccessDenied", "User: arn:aws:iam::123456789012:user/proact is not authorized "
                             "to perform: sts:AssumeRole on resource: %s" % role, 403)
        akid, secret, token, expires = state.issue_aws()
        account = role.split(":")[4] if role.count(":") >= 5 else "123456789012"
        name = role.rsplit("/", 1)[-1]
        xml = ("<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
               "<AssumeRoleResult>"
               "<AssumedRoleUser><AssumedRoleId>AROA3XFRBF535PLBIFPI4:%s</AssumedRoleId>"
               "<Arn>arn:aws:sts::%s:assumed-role/%s/%s</Arn></AssumedRoleUser>"
               "<Credentials><AccessKeyId>%s</AccessKeyId><SecretAccessKey>%s</SecretAccessKey>"
               "<SessionToken>%s</SessionToken><Expiration>%s</Expiration></Credentials>"
               "</AssumeRoleResult>"
               "<ResponseMetadata><RequestId>%s</RequestId></ResponseMetadata>"
               "</AssumeRoleResponse>") % (session, account, name, session, akid, secret, token,
                                           iso8601(expires), random_id("", 8))
        return 200, {"Content-Type": "text/xml"}, xml

    def _assume_root(self, record, form):
        import sts_assume_root_model  # beside this file
        state = self.server.state
        sig = record["sigv4"]
        host = record["host"].split(":")[0]
        m = re.fullmatch(r"sts\.([a-z0-9-]+)\.amazonaws\.com", host)
        if not m:
            return sts_error("InvalidAction", "(fake) AssumeRoot is served by regional STS endpoints "
                             "(sts.REGION.amazonaws.com), not by %s" % host, 400)
        if not sig["present"]:
            return sts_error("MissingAuthenticationToken", "Request is missing Authentication Token", 403)
        if not sig["verified"]:
            if sig["error"] == "unknown access key id":
                return sts_error("InvalidClientTokenId", "The security token included in the request is invalid.", 403)
            return sts_error("SignatureDoesNotMatch", "The request signature we calculated does not match.", 403)
        if sig["service"] != "sts" or sig["region"] != m.group(1):
            return sts_error("SignatureDoesNotMatch", "Credential should be scoped to a valid region, not '%s'."
                             % sig["region"], 403)
        if record["assume_root"]["model_error"]:
            return sts_error("ValidationError", record["assume_root"]["model_error"], 400)
        target = form["TargetPrincipal"][0]
        akid, secret, token, expires = state.issue_aws()
        xml = ("<AssumeRootResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
               "<AssumeRootResult>"
               "<Credentials><AccessKeyId>%s</AccessKeyId><SecretAccessKey>%s</SecretAccessKey>"
               "<SessionToken>%s</SessionToken><Expiration>%s</Expiration></Credentials>"
               "</AssumeRootResult>"
               "<ResponseMetadata><RequestId>%s</RequestId></ResponseMetadata>"
               "</AssumeRootResponse>") % (akid, secret, token, iso8601(expires), random_id("", 8))
        parsed = sts_assume_root_model.parse_response(xml)
        if parsed.get("Credentials", {}).get("AccessKeyId") != akid:
            return 500, {"Content-Type": "text/plain"}, "(fake) its AssumeRoot answer does not parse for the model"
        with state.lock:
            record["assume_root"]["issued"] = akid
            record["assume_root"]["target"] = target
        return 200, {"Content-Type": "text/xml"}, xml

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _handle


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--aws-key")
    parser.add_argument("--aws-secret")
    parser.add_argument("--github-app-public-key")
    parser.add_argument("--github-app-id")
    parser.add_argument("--container-token")
    parser.add_argument("--okta-public-key")
    parser.add_argument("--okta-client-id")
    parser.add_argument("--identity-header")
    parser.add_argument("--sts-expiry-seconds", type=int, default=3600)
    args = parser.parse_args()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.state = State(args)
    tmp = args.port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(server.server_address[1]))
    os.replace(tmp, args.port_file)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
