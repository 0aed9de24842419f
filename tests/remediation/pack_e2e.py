#!/usr/bin/python3
"""The whole shipped pack, end to end, with every provider pointed at
tests/remediation/fake_providers.py over loopback, in one of two hosts:
`proact serve --rules rules/`, or (--lambda) the packaged Lambda function,
proact-lambda.zip's `bootstrap` with the pack it carries, run against a
Lambda Runtime API on loopback (pack_e2e_hosts.py: the two hosts, and how
each source's event reaches the function).

Every test case of the pack (rules/*/*_test.yaml) that expects a match is
delivered twice, as at-least-once delivery does (same payload, same
headers). Per case, with the fake reset before it:
  - no write reaches the fake twice (writes: every request but reads and
    credential exchanges), and the second delivery runs nothing again: its
    actions are skipped, or retried only if the first attempt failed;
  - every AWS request carries a SigV4 signature that botocore verifies, and
    every STS AssumeRoot request is what botocore serializes for the
    operation as AWS's model describes it (sts_assume_root_model.py);
  - a match that emits notify.slack / notify.pagerduty gets its call beside
    the remediation;
  - no credential appears in the host's log or answers;
  - Google Cloud IAM policy edits (gcp_* below): the fake holds the policy
    the audit-logged call left (seeded per case); the policy written must
    carry the etag read, no longer hold what the call added (backdoor
    members, primitive roles, a reduced audit config), keep everything
    else, drop bindings left empty, and be accepted by the fake.
  - GitHub branch protection restores and Okta admin role revocations send
    what the event calls for (check_github_okta below).
Usage: pack_e2e.py PROACT_CLI SOURCE_DIR
       pack_e2e.py --lambda PROACT_LAMBDA_ZIP SOURCE_DIR
"""
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

import yaml

from pack_e2e_hosts import LAMBDA_SECRETS, LambdaHost, Serve, http

KEY, SECRET, TOKEN = "AKIDEXAMPLEPACKE2E01", "packE2Esecret/K7MDENG+bPxRfiCYzzSECRETzz", "IQoJpackE2EsessionTOKENzz"
GITHUB_TOKEN, OKTA_TOKEN, SLACK_TOKEN = "ghp_packE2Etoken0123456789abcdef", "00packE2EoktaToken", "xoxb-1-packE2E"
ROUTING_KEY, IDENTITY = "R0UT1NGKEYpackE2E00000000000000", "packE2Eidentity"
SECRETS = [SECRET, TOKEN, GITHUB_TOKEN, OKTA_TOKEN, SLACK_TOKEN, ROUTING_KEY, IDENTITY]
def many(status, body=""):
    return [{"status": status, "body": body}] * 40


ANSWERS = [
    {"method": "POST", "path": "/v2/enqueue", "responses": many(202, '{"status":"success","message":"Event processed"}')},
    {"method": "POST", "path": "/api/chat.postMessage", "responses": many(200, '{"ok":true,"ts":"1.2"}')},
    {"method": "POST", "path_prefix": "/repos/", "responses": many(201, "{}")},
    {"method": "DELETE", "path_prefix": "/repos/", "responses": many(204)},
    {"method": "DELETE", "path_prefix": "/orgs/", "responses": many(204)},
    {"method": "DELETE", "path_prefix": "/api/v1/", "responses": many(204)},
    {"method": "POST", "path_prefix": "/api/v1/", "responses": many(200, "{}")},
]
CREDENTIAL_PATHS = ("/app/installations/", "/oauth2/v1/token", "/msi/token", "/computeMetadata/")


# --- Google Cloud IAM policies ---------------------------------------------
# The policy before the audit-logged call: a conditional binding (so the
# policy is version 3 and must be read and written as such) and all audit
# log types for allServices.
GCP_BASE_POLICY = {
    "version": 3,
    "bindings": [
        {"role": "roles/owner", "members": ["user:owner@example.com"]},
        {"role": "roles/storage.admin", "members": ["group:storage@example.com"],
         "condition": {"title": "until-2030", "expression": "request.time < timestamp('2030-01-01T00:00:00Z')"}},
    ],
    "auditConfigs": [{"service": "allServices",
                      "auditLogConfigs": [{"logType": "ADMIN_READ"}, {"logType": "DATA_READ"},
                                          {"logType": "DATA_WRITE"}]}],
}


def gcp_is_read(r):
    return r["method"] == "POST" and r["path"].endswith(":getIamPolicy")


def gcp_canonical(bindings):
    return sorted((b["role"], json.dumps(b.get("condition"), sort_keys=True), tuple(sorted(b["members"])))
                  for b in bindings or [])


def gcp_audit_canonical(configs):
    return sorted((c["service"], tuple(sorted((l["logType"], tuple(sorted(l.get("exemptedMembers", []))))
                                              for l in c.get("auditLogConfigs", []))))
                  for c in configs or [])


def gcp_prepare(fake_url, body):
    """Seeds the fake with the policy the event's call left; returns what
    the remediation must write, or None for other events."""
    try:
        event = json.loads(body)
    except ValueError:
        return None
    if not isinstance(event, dict):
        return None
    proto = (event.get("detail") or event).get("protoPayload") or {}
    method = proto.get("methodName") or ""
    resource = proto.get("resourceName") or ""
    base = json.loads(json.dumps(GCP_BASE_POLICY))
    after = json.loads(json.dumps(base))
    expect = {"resource": resource}
    if method == "SetIamPolicy":
        delta = (proto.get("serviceData") or {}).get("policyDelta") or {}
        for d in delta.get("bindingDeltas") or []:
            b = next((b for b in after["bindings"] if b["role"] == d["role"] and "condition" not in b), None)
            if d["action"] == "ADD":
                if b is None:
                    after["bindings"].append({"role": d["role"], "members": [d["member"]]})
                elif d["member"] not in b["members"]:
                    b["members"].append(d["member"])
            elif b is not None and d["member"] in b["members"]:
                b["members"].remove(d["member"])
        for d in delta.get("auditConfigDeltas") or []:
            c = next((c for c in after["auditConfigs"] if c["service"] == d["service"]), None)
            if d["action"] == "REMOVE" and c is not None and "exemptedMember" not in d:
                c["auditLogConfigs"] = [l for l in c["auditLogConfigs"] if l["logType"] != d["logType"]]
        if delta.get("bindingDeltas"):
            expect["bindings"] = base["bindings"]
            expect["added"] = [(d["role"], d["member"]) for d in delta["bindingDeltas"] if d["action"] == "ADD"]
        if delta.get("auditConfigDeltas"):
            expect["auditConfigs"] = base["auditConfigs"]
    elif method.endswith(".setIamPolicy") and proto.get("serviceName") == "compute.googleapis.com":
        after = {"version": 1, "bindings": ((proto.get("request") or {}).get("policy") or {}).get("bindings") or []}
        expect["bindings"] = [b for b in after["bindings"] if b["role"] not in ("roles/owner", "roles/editor")]
        expect["added"] = [(b["role"], m) for b in after["bindings"] if b["role"] in ("roles/owner", "roles/editor")
                           for m in b["members"]]
        expect["compute"] = True
    elif method == "InsertProjectOwnershipInvite":
        member = (proto.get("request") or {}).get("member")
        after["bindings"][0]["members"].append(member)      # the invitation, accepted
        expect["bindings"] = base["bindings"]
        expect["added"] = [("roles/owner", member)]
    else:
        return None
    status, text = http(fake_url + "/_fake/gcp/iam_policy", json.dumps({"resource": resource, "policy": after}).encode(),
                        {"Content-Type": "application/json"}, "POST")
    expect["etag"] = json.loads(text)["etag"]
    expect["version"] = after["version"]
    return expect


def gcp_check(label, fake_url, requests, expect):
    """The setIamPolicy written for `expect` (gcp_prepare): failures."""
    out = []
    res = expect["resource"]
    writes = [r for r in requests if r["method"] == "POST" and r["path"].endswith(res + ("/setIamPolicy" if expect.get("compute") else ":setIamPolicy"))]
    reads = [r for r in requests if r["path"].endswith(res + ("/getIamPolicy" if expect.get("compute") else ":getIamPolicy"))]
    if len(writes) != 1 or len(reads) != 1:
        return ["%s: %d getIamPolicy and %d setIamPolicy on %s, expected one each" % (label, len(reads), len(writes), res)]
    if expect.get("compute"):
        if "optionsRequestedPolicyVersion=3" not in reads[0]["query"]:
            out.append("%s: the read did not ask for policy version 3: %s" % (label, reads[0]["query"]))
    elif (json.loads(reads[0]["body"] or "{}").get("options") or {}).get("requestedPolicyVersion") != 3:
        out.append("%s: the read did not ask for policy version 3: %s" % (label, reads[0]["body"]))
    sent = json.loads(writes[0]["body"])
    policy = sent.get("policy") or {}
    if policy.get("etag") != expect["etag"]:
        out.append("%s: setIamPolicy sent etag %r, the read answered %r" % (label, policy.get("etag"), expect["etag"]))
    if policy.get("version") != expect["version"]:
        out.append("%s: setIamPolicy sent version %r, the policy read is version %r"
                   % (label, policy.get("version"), expect["version"]))
    if "bindings" in expect:
        got = policy.get("bindings") or []
        for role, member in expect.get("added", []):
            if any(b["role"] == role and member in b["members"] for b in got):
                out.append("%s: %s is still in %s in the policy written" % (label, member, role))
        if any(not b.get("members") for b in got):
            out.append("%s: the policy written keeps a binding without members" % label)
        if gcp_canonical(got) != gcp_canonical(expect["bindings"]):
            out.append("%s: bindings written %s, expected %s" % (label, json.dumps(got), json.dumps(expect["bindings"])))
    if "auditConfigs" in expect:
        if "auditConfigs" not in [m.strip() for m in (sent.get("updateMask") or "").split(",")]:
            out.append("%s: setIamPolicy without updateMask auditConfigs: %s" % (label, writes[0]["body"]))
        if gcp_audit_canonical(policy.get("auditConfigs")) != gcp_audit_canonical(expect["auditConfigs"]):
            out.append("%s: auditConfigs written %s, expected %s" % (label, json.dumps(policy.get("auditConfigs")),
                                                                      json.dumps(expect["auditConfigs"])))
    status, text = http(fake_url + "/_fake/gcp/iam_policy?resource=" + urllib.parse.quote(res))
    now = json.loads(text) or {}
    if now.get("etag") == expect["etag"]:
        out.append("%s: the fake did not accept the setIamPolicy (the policy is unchanged)" % label)
    return out
# --- AWS baseline (issue 15): the deployment configuration the baseline types
# read (config.NAME from PROACT_CONFIG_NAME), and the writes each of their
# cases must send to fake_providers.py's fixed account state (its AWS
# baseline section): TRAIL_S3_KEY_PREFIX and the CloudWatch Logs flow-log
# destination are left unset, so CreateTrail carries KmsKeyId but no
# S3KeyPrefix and flow logs go to S3.
AWS_BASELINE_CONFIG = {
    "PROACT_CONFIG_TRAIL_BUCKET": "org-cloudtrail-logs-111122223333",
    "PROACT_CONFIG_TRAIL_KMS_KEY_ID": "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    "PROACT_CONFIG_FLOW_LOGS_S3_ARN": "arn:aws:s3:::org-vpc-flow-logs-111122223333",
}
AWS_BASELINE_TARGET = "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101."
AWS_BASELINE_SEEN = set()


def aws_baseline_operation(r):
    """'cloudtrail.OP' / 'ec2.OP' of a recorded request, and its parameters."""
    import urllib.parse
    target = r["headers"].get("x-amz-target", "")
    if target.startswith(AWS_BASELINE_TARGET):
        return "cloudtrail." + target[len(AWS_BASELINE_TARGET):], json.loads(r["body"] or "{}")
    if r["sigv4"]["service"] == "ec2":
        form = dict(urllib.parse.parse_qsl(r["body"]))
        return "ec2." + form.get("Action", ""), form
    return None, None


def aws_baseline_expectations(label, requests):
    """Failures of one case: each read of a baseline type must be followed by
    exactly the writes the fake's account state calls for."""
    ops = [aws_baseline_operation(r) for r in requests if r["sigv4"]["present"]]
    names = [op for op, _ in ops if op]
    AWS_BASELINE_SEEN.update(names)
    writes = {}
    for op, params in ops:
        if op:
            writes.setdefault(op, []).append(params)
    cfg = AWS_BASELINE_CONFIG
    want = {}
    if "cloudtrail.GetTrail" in names:  # aws.cloudtrail.recreate_trail
        want = {"cloudtrail.CreateTrail": 1, "cloudtrail.StartLogging": 1}
        for p in writes.get("cloudtrail.CreateTrail", []):
            if (p.get("S3BucketName") != cfg["PROACT_CONFIG_TRAIL_BUCKET"] or
                    p.get("KmsKeyId") != cfg["PROACT_CONFIG_TRAIL_KMS_KEY_ID"] or "S3KeyPrefix" in p or
                    not (p.get("IsMultiRegionTrail") and p.get("IncludeGlobalServiceEvents")
                         and p.get("EnableLogFileValidation"))):
                return ["%s: CreateTrail without the configured baseline: %s" % (label, p)]
    elif "cloudtrail.GetEventSelectors" in names:  # restore_trail_configuration, PutEventSelectors
        want = {"cloudtrail.PutEventSelectors": 1}
        for p in writes.get("cloudtrail.PutEventSelectors", []):
            if p.get("EventSelectors") != [{"ReadWriteType": "All", "IncludeManagementEvents": True}]:
                return ["%s: PutEventSelectors does not restore management events: %s" % (label, p)]
    elif "cloudtrail.UpdateTrail" in names:  # restore_trail_configuration, UpdateTrail
        kms = [p for p in writes["cloudtrail.UpdateTrail"] if "KmsKeyId" in p]
        want = {"cloudtrail.UpdateTrail": 1 + len(kms)}
        if "KMS" in label and [p.get("KmsKeyId") for p in kms] != [cfg["PROACT_CONFIG_TRAIL_KMS_KEY_ID"]]:
            return ["%s: the trail's KMS key was not restored from config: %s" % (label, kms)]
    elif "ec2.DescribeVpcs" in names:  # aws.ec2.recreate_flow_logs
        want = {"ec2.DescribeFlowLogs": 1, "ec2.CreateFlowLogs": 2}
        got = sorted(p.get("ResourceId.1") for p in writes.get("ec2.CreateFlowLogs", []))
        if got != ["vpc-0a1b2c3d4e5f60718", "vpc-0c3d4e5f60718293a"]:
            return ["%s: CreateFlowLogs for %s, not the two VPCs without flow logs" % (label, got)]
        for p in writes.get("ec2.CreateFlowLogs", []):
            if (p.get("LogDestinationType"), p.get("LogDestination"), p.get("TrafficType")) != \
                    ("s3", cfg["PROACT_CONFIG_FLOW_LOGS_S3_ARN"], "ALL"):
                return ["%s: CreateFlowLogs without the configured destination: %s" % (label, p)]
    elif "ec2.DescribeInstances" in names:  # aws.ec2.isolate_instance
        want = {"ec2.DescribeSecurityGroups": 1, "ec2.CreateSecurityGroup": 1,
                "ec2.RevokeSecurityGroupEgress": 1, "ec2.ModifyNetworkInterfaceAttribute": 2}
        got = sorted((p.get("NetworkInterfaceId"), p.get("SecurityGroupId.1"))
                     for p in writes.get("ec2.ModifyNetworkInterfaceAttribute", []))
        if got != [("eni-0aa11bb22cc33dd44", "sg-0f1e2d3c4b5a69788"), ("eni-0ee55ff6600771188", "sg-0f1e2d3c4b5a69788")]:
            return ["%s: the instance's interfaces were not both given the quarantine group: %s" % (label, got)]
    failures = []
    for op, n in want.items():
        if len(writes.get(op, [])) != n:
            failures.append("%s: expected %d %s, got %d" % (label, n, op, len(writes.get(op, []))))
    return failures


AWS_BASELINE_MUST_SEE = ["cloudtrail.CreateTrail", "cloudtrail.StartLogging", "cloudtrail.UpdateTrail",
                         "cloudtrail.PutEventSelectors", "ec2.CreateFlowLogs", "ec2.CreateSecurityGroup",
                         "ec2.RevokeSecurityGroupEgress", "ec2.ModifyNetworkInterfaceAttribute"]

# --- end of AWS baseline section


def wait_for(path, seconds=20):
    end = time.time() + seconds
    while time.time() < end:
        if os.path.exists(path) and os.path.getsize(path) > 0:
            return True
        time.sleep(0.02)
    return False


def cases(source_dir):
    rules = os.path.join(source_dir, "rules")
    for dirpath, _, files in sorted(os.walk(rules)):
        for name in sorted(files):
            if not name.endswith("_test.yaml"):
                continue
            path = os.path.join(dirpath, name)
            with open(path) as f:
                doc = yaml.safe_load(f)
            for i, case in enumerate(doc.get("tests") or []):
                expect = case.get("expect") or {}
                if not (expect.get("matches") or expect.get("includes")):
                    continue
                events = case.get("events") or [case.get("event")]
                for j, event in enumerate(events):
                    if isinstance(event, str):
                        with open(os.path.join(dirpath, event), "rb") as f:
                            body = f.read()
                    else:
                        event = dict(event)
                        # Inline events: give them an id, as every delivery has one.
                        event.setdefault("id", "pack-e2e-%s-%d-%d" % (name, i, j))
                        body = json.dumps(event).encode()
                    headers = {str(k): str(v) for k, v in (case.get("headers") or {}).items()}
                    headers.setdefault("Content-Type", "application/json")
                    yield "%s: %s" % (os.path.relpath(path, source_dir), case.get("name")), body, headers


def provider_env(fake_url):
    """Every provider pointed at the fakes, with the test's credentials."""
    return {
        "AWS_ACCESS_KEY_ID": KEY, "AWS_SECRET_ACCESS_KEY": SECRET, "AWS_SESSION_TOKEN": TOKEN,
        "AWS_ENDPOINT_URL": fake_url, "GITHUB_API_URL": fake_url, "GITHUB_TOKEN": GITHUB_TOKEN,
        "OKTA_ORG_URL": fake_url, "OKTA_API_TOKEN": OKTA_TOKEN, "PROACT_SLACK_URL": fake_url,
        "SLACK_BOT_TOKEN": SLACK_TOKEN, "PROACT_PAGERDUTY_URL": fake_url, "PAGERDUTY_ROUTING_KEY": ROUTING_KEY,
        "TICKET_GITHUB_OWNER": "octo-sec", "PROACT_GCP_URL": fake_url,
        "GCE_METADATA_HOST": fake_url[len("http://"):], "PROACT_AZURE_URL": fake_url,
        "IDENTITY_ENDPOINT": fake_url + "/msi/token", "IDENTITY_HEADER": IDENTITY,
        "PROACT_IDEMPOTENCY": "memory", "PROACT_LOG_LEVEL": "INFO",
        **AWS_BASELINE_CONFIG,
    }
# --- GitHub branch protection restore, Okta admin role revoke -------------
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fake_providers  # noqa: E402  (OKTA_ROLES, github_protection: what the fake answers)

LEVEL_ON = ("non_admins", "everyone")


def github_okta_scripts(body):
    """Answers a case needs before the generic ANSWERS: a deleted branch
    protection rule's branch is no longer protected, and
    repos/create-commit-signature-protection answers 200 (ANSWERS' POST
    /repos/ answer is a created ruleset's 201)."""
    try:
        ev = json.loads(body)
    except ValueError:
        return []
    d = ev.get("detail", ev) if isinstance(ev, dict) else {}
    if not (isinstance(d, dict) and isinstance(d.get("rule"), dict) and isinstance(d.get("repository"), dict)):
        return []
    r = d["repository"]
    path = "/repos/%s/%s/branches/%s/protection" % (r["owner"]["login"], r["name"],
                                                    urllib.parse.quote(d["rule"]["name"], safe=""))
    scripts = [{"method": "POST", "path": path + "/required_signatures", "responses": many(200, '{"enabled":true}')}]
    if d.get("action") == "deleted":
        scripts.append({"method": "GET", "path": path,
                        "responses": [{"status": 404, "body": '{"message":"Branch not protected"}'}] * 4})
    return scripts


def expected_protection(d):
    """The PUT .../protection body for a branch_protection_rule event: the
    rule (with an edit's `changes` undone) in the REST model, written here
    apart from the action type as a second reading of GitHub's docs."""
    rule = dict(d["rule"])
    if d.get("action") == "edited":
        for k, v in (d.get("changes") or {}).items():
            if isinstance(v, dict) and "from" in v:
                rule[k] = v["from"]
    on = lambda k: rule.get(k) in LEVEL_ON  # noqa: E731
    current = None if d.get("action") == "deleted" else fake_providers.github_protection("o", "r", "b")
    reviews = None
    if on("pull_request_reviews_enforcement_level"):
        reviews = {"dismiss_stale_reviews": bool(rule.get("dismiss_stale_reviews_on_push")),
                   "require_code_owner_reviews": bool(rule.get("require_code_owner_review")),
                   "required_approving_review_count": rule.get("required_approving_review_count", 1),
                   "require_last_push_approval": bool(rule.get("require_last_push_approval"))}
        if current:
            dr = current["required_pull_request_reviews"]["dismissal_restrictions"]
            reviews["dismissal_restrictions"] = {"users": [u["login"] for u in dr["users"]],
                                                 "teams": [t["slug"] for t in dr["teams"]],
                                                 "apps": [a["slug"] for a in dr["apps"]]}
    restrictions = None
    if current:
        rs = current["restrictions"]
        restrictions = {"users": [u["login"] for u in rs["users"]], "teams": [t["slug"] for t in rs["teams"]],
                        "apps": [a["slug"] for a in rs["apps"]]}
    return {
        "required_status_checks": {"strict": bool(rule.get("strict_required_status_checks_policy")),
                                   "contexts": rule.get("required_status_checks") or []}
        if on("required_status_checks_enforcement_level") else None,
        "enforce_admins": bool(rule.get("admin_enforced")),
        "required_pull_request_reviews": reviews,
        "restrictions": restrictions,
        "required_linear_history": on("linear_history_requirement_enforcement_level"),
        "allow_force_pushes": on("allow_force_pushes_enforcement_level"),
        "allow_deletions": on("allow_deletions_enforcement_level"),
        "block_creations": bool(rule.get("create_protected")) and restrictions is not None,
        "required_conversation_resolution": on("required_conversation_resolution_level"),
        "lock_branch": on("lock_branch_enforcement_level"),
        "allow_fork_syncing": bool(rule.get("lock_allows_fork_sync")),
    }, on("signature_requirement_enforcement_level")


def check_github_okta(label, body, requests, failures):
    """Returns how many checks ran (0: the case is neither kind)."""
    try:
        ev = json.loads(body)
    except ValueError:
        return 0
    d = ev.get("detail", ev) if isinstance(ev, dict) else {}
    if not isinstance(d, dict):
        return 0
    writes = [r for r in requests if r["method"] not in ("GET", "HEAD")]
    if isinstance(d.get("rule"), dict) and "repository" in d and d.get("action") in ("deleted", "edited"):
        r = d["repository"]
        base = "/repos/%s/%s/branches/%s/protection" % (r["owner"]["login"], r["name"],
                                                        urllib.parse.quote(d["rule"]["name"], safe=""))
        puts = [w for w in writes if w["method"] == "PUT" and w["path"] == base]
        sigs = [w for w in writes if w["method"] == "POST" and w["path"] == base + "/required_signatures"]
        want, signed = expected_protection(d)
        if len(puts) != 1:
            failures.append("%s: expected one PUT %s, got %d" % (label, base, len(puts)))
        elif json.loads(puts[0]["body"]) != want:
            failures.append("%s: PUT %s sent %s, expected %s" % (label, base, puts[0]["body"], json.dumps(want)))
        if len(sigs) != (1 if signed else 0):
            failures.append("%s: expected %d POST %s/required_signatures, got %d"
                            % (label, 1 if signed else 0, base, len(sigs)))
        return 1
    if d.get("eventType") in ("user.account.privilege.grant", "group.privilege.grant"):
        target = d["target"][0]
        kind = "users" if target["type"] == "User" else "groups"
        prefix = "/api/v1/%s/%s/roles/" % (kind, target["id"])
        deleted = sorted(w["path"][len(prefix):] for w in writes if w["method"] == "DELETE" and w["path"].startswith(prefix))
        granted = [x.strip().lower() for x in d["debugContext"]["debugData"]["privilegeGranted"].split(",")]
        want = sorted(rid for rid, lab, _ in fake_providers.OKTA_ROLES.get(target["id"], []) if lab.lower() in granted)
        if want != sorted(fake_providers.OKTA_ROLES_GRANTED.get(target["id"], [])):
            failures.append("%s: the fake's OKTA_ROLES_GRANTED disagrees with the labels" % label)
        if deleted != want:
            failures.append("%s: deleted role assignments %s, expected %s" % (label, deleted, want))
        others = [w for w in writes if w["path"].startswith("/api/v1/") and not w["path"].startswith(prefix)]
        if others:
            failures.append("%s: unexpected Okta writes %s" % (label, [(w["method"], w["path"]) for w in others]))
        return 1
    return 0


def main():
    if len(sys.argv) != 3 and not (len(sys.argv) == 4 and sys.argv[1] == "--lambda"):
        print(__doc__)
        return 2
    source_dir = os.path.abspath(sys.argv[-1])
    tmp = tempfile.mkdtemp(prefix="proact-pack-e2e-")
    secrets = list(SECRETS)
    if sys.argv[1] == "--lambda":
        host = LambdaHost(os.path.abspath(sys.argv[2]), tmp)
        secrets += LAMBDA_SECRETS
    else:
        host = Serve(sys.argv[1], os.path.join(source_dir, "rules"), tmp)
    started = time.time()
    port_file = os.path.join(tmp, "port")
    fake = subprocess.Popen(["/usr/bin/python3", os.path.join(source_dir, "tests/remediation/fake_providers.py"),
                             "--port-file", port_file, "--aws-key", KEY, "--aws-secret", SECRET,
                             "--identity-header", IDENTITY],
                            stdout=open(os.path.join(tmp, "fake.log"), "w"), stderr=subprocess.STDOUT)
    failures = []
    try:
        if not wait_for(port_file):
            print("fake_providers.py did not start")
            return 1
        fake_url = "http://127.0.0.1:%s" % open(port_file).read().strip()
        error = host.start(provider_env(fake_url))
        if error:
            print(error)
            return 1
        answers = []
        checked = writes_total = aws_signed = notifications = gcp_checked = assume_root = 0
        github_okta_checked = 0
        for label, body, headers in cases(source_dir):
            http(fake_url + "/_fake/reset", b"", method="POST")
            # Answers as the providers give them where their success is not
            # a plain 200 (the fake's default answer is 200 {}).
            for script in github_okta_scripts(body) + ANSWERS:
                http(fake_url + "/_fake/script", json.dumps(script).encode(),
                     {"Content-Type": "application/json"}, "POST")
            gcp_expect = gcp_prepare(fake_url, body)
            first = host.deliver(label, body, headers, 1)
            second = host.deliver(label, body, headers, 2)
            answers += first[2] + second[2]
            if first[0] or second[0]:
                failures.append("%s: %s" % (label, first[0] or second[0]))
                continue
            a, b = first[1], second[1]
            if not a.get("matches"):
                failures.append("%s: the case expects a match; %s matched nothing" % (label, host.name))
                continue  # matched only through a header-less path or a list the case sets; nothing to check
            checked += 1
            ran = sum(r.get("executed", 0) + r.get("already_compliant", 0) for r in a.get("results", []))
            failed_first = sum(r.get("failed_actions", 0) for r in a.get("results", []))
            again = sum(r.get("executed", 0) + r.get("already_compliant", 0) for r in b.get("results", []))
            skipped = sum(r.get("skipped", 0) for r in b.get("results", []))
            if again > failed_first:
                failures.append("%s: the second delivery ran %d action(s) again (first: %d ran, %d failed)"
                                % (label, again, ran, failed_first))
            if skipped < ran:
                failures.append("%s: the second delivery skipped %d of the %d actions that ran" % (label, skipped, ran))
            status, text = http(fake_url + "/_fake/requests")
            requests = json.loads(text)
            seen = {}
            for r in requests:
                if r["sigv4"]["present"]:
                    aws_signed += 1
                    if not r["sigv4"]["verified"]:
                        failures.append("%s: %s %s%s not verified by botocore: %s"
                                        % (label, r["method"], r["host"], r["path"], r["sigv4"]["error"]))
                if "assume_root" in r:
                    assume_root += 1
                    if r["assume_root"]["model_error"]:
                        failures.append("%s: AssumeRoot to %s: %s" % (label, r["host"], r["assume_root"]["model_error"]))
                if r["method"] in ("GET", "HEAD") or r["path"].startswith(CREDENTIAL_PATHS) or gcp_is_read(r):
                    continue
                if r["sigv4"]["present"] and ("Action=AssumeRole&" in r["body"] or "Action=AssumeRoot&" in r["body"]):
                    continue
                # JSON-protocol AWS calls share a path and may share a body
                # (GetTrailStatus and StartLogging both send {"Name": ...}):
                # the operation is the X-Amz-Target header.
                key = (r["method"], r["host"], r["path"], r["query"], r["body"],
                       r["headers"].get("x-amz-target", ""))
                seen[key] = seen.get(key, 0) + 1
                writes_total += 1
                if "chat.postMessage" in r["path"] or r["path"] == "/v2/enqueue":
                    notifications += 1
            github_okta_checked += check_github_okta(label, body, requests, failures)
            for key, n in seen.items():
                if n > 1:
                    failures.append("%s: %s %s%s reached the provider %d times" % (label, key[0], key[1], key[2], n))
            if gcp_expect is not None:
                gcp_checked += 1
                failures += gcp_check(label, fake_url, requests, gcp_expect)
            failures += aws_baseline_expectations(label, requests)
        for op in AWS_BASELINE_MUST_SEE:
            if op not in AWS_BASELINE_SEEN:
                failures.append("no case sent %s (AWS baseline types)" % op)
        log = host.log()
        for secret in secrets:
            if secret in log or any(secret in x for x in answers):
                failures.append("a credential appears in %s's log or answers" % host.name)
        print("pack e2e (%s): %d matching cases delivered twice, %d writes, %d of them notifications, "
              "%d AWS requests verified by botocore (%d AssumeRoot), %d GCP IAM policies written and checked, "
              "%d failures, %.1f s" % (host.name, checked, writes_total, notifications, aws_signed, assume_root,
                                       gcp_checked, len(failures), time.time() - started))
        print("pack e2e (%s): %d GitHub branch protection / Okta admin role cases checked request by request"
              % (host.name, github_okta_checked))
        for f in failures:
            print("FAIL: " + f)
        if failures:
            print("logs in " + tmp)
        if checked == 0 or writes_total == 0 or assume_root == 0:
            print("FAIL: nothing was checked")
            return 1
        return 1 if failures else 0
    finally:
        for p in (host.process, fake):
            if p is not None:
                p.terminate()
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()
        host.close()


if __name__ == "__main__":
    sys.exit(main())
