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
  - every AWS request carries a SigV4 signature that botocore verifies;
  - a match that emits notify.slack / notify.pagerduty gets its call beside
    the remediation;
  - no credential appears in the host's log or answers.
Usage: pack_e2e.py PROACT_CLI SOURCE_DIR
       pack_e2e.py --lambda PROACT_LAMBDA_ZIP SOURCE_DIR
"""
import json
import os
import subprocess
import sys
import tempfile
import time

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
        checked = writes_total = aws_signed = notifications = 0
        for label, body, headers in cases(source_dir):
            http(fake_url + "/_fake/reset", b"", method="POST")
            # Answers as the providers give them where their success is not
            # a plain 200 (the fake's default answer is 200 {}).
            for script in ANSWERS:
                http(fake_url + "/_fake/script", json.dumps(script).encode(),
                     {"Content-Type": "application/json"}, "POST")
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
                if r["method"] in ("GET", "HEAD") or r["path"].startswith(CREDENTIAL_PATHS):
                    continue
                if r["sigv4"]["present"] and "Action=AssumeRole" in r["body"]:
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
            failures += aws_baseline_expectations(label, requests)
            for key, n in seen.items():
                if n > 1:
                    failures.append("%s: %s %s%s reached the provider %d times" % (label, key[0], key[1], key[2], n))
        for op in AWS_BASELINE_MUST_SEE:
            if op not in AWS_BASELINE_SEEN:
                failures.append("no case sent %s (AWS baseline types)" % op)
        log = host.log()
        for secret in secrets:
            if secret in log or any(secret in x for x in answers):
                failures.append("a credential appears in %s's log or answers" % host.name)
        print("pack e2e (%s): %d matching cases delivered twice, %d writes, %d of them notifications, "
              "%d AWS requests verified by botocore, %d failures, %.1f s" % (
                  host.name, checked, writes_total, notifications, aws_signed, len(failures), time.time() - started))
        for f in failures:
            print("FAIL: " + f)
        if failures:
            print("logs in " + tmp)
        if checked == 0 or writes_total == 0:
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
