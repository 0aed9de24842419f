#!/usr/bin/python3
"""The whole shipped pack, end to end: `proact serve --rules rules/` with every
provider pointed at tests/remediation/fake_providers.py over loopback.

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
  - no credential appears in serve's log or answers.
Usage: pack_e2e.py PROACT_CLI SOURCE_DIR
"""
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request

import yaml

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


def wait_for(path, seconds=20):
    end = time.time() + seconds
    while time.time() < end:
        if os.path.exists(path) and os.path.getsize(path) > 0:
            return True
        time.sleep(0.02)
    return False


def http(url, body=None, headers=None, method=None):
    req = urllib.request.Request(url, data=body, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


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


def main():
    cli, source_dir = sys.argv[1], os.path.abspath(sys.argv[2])
    tmp = tempfile.mkdtemp(prefix="proact-pack-e2e-")
    port_file = os.path.join(tmp, "port")
    fake = subprocess.Popen(["/usr/bin/python3", os.path.join(source_dir, "tests/remediation/fake_providers.py"),
                             "--port-file", port_file, "--aws-key", KEY, "--aws-secret", SECRET,
                             "--identity-header", IDENTITY],
                            stdout=open(os.path.join(tmp, "fake.log"), "w"), stderr=subprocess.STDOUT)
    serve = None
    failures = []
    try:
        if not wait_for(port_file):
            print("fake_providers.py did not start")
            return 1
        fake_url = "http://127.0.0.1:%s" % open(port_file).read().strip()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PROACT_", "AWS_", "GITHUB_", "OKTA_"))}
        env.update({
            "AWS_ACCESS_KEY_ID": KEY, "AWS_SECRET_ACCESS_KEY": SECRET, "AWS_SESSION_TOKEN": TOKEN,
            "AWS_ENDPOINT_URL": fake_url, "GITHUB_API_URL": fake_url, "GITHUB_TOKEN": GITHUB_TOKEN,
            "OKTA_ORG_URL": fake_url, "OKTA_API_TOKEN": OKTA_TOKEN, "PROACT_SLACK_URL": fake_url,
            "SLACK_BOT_TOKEN": SLACK_TOKEN, "PROACT_PAGERDUTY_URL": fake_url, "PAGERDUTY_ROUTING_KEY": ROUTING_KEY,
            "TICKET_GITHUB_OWNER": "octo-sec", "PROACT_GCP_URL": fake_url,
            "GCE_METADATA_HOST": fake_url[len("http://"):], "PROACT_AZURE_URL": fake_url,
            "IDENTITY_ENDPOINT": fake_url + "/msi/token", "IDENTITY_HEADER": IDENTITY,
            "PROACT_IDEMPOTENCY": "memory", "PROACT_LOG_LEVEL": "INFO", "PORT": "0",
        })
        log_path = os.path.join(tmp, "serve.log")
        serve = subprocess.Popen([cli, "serve", "--rules", os.path.join(source_dir, "rules"), "--host", "127.0.0.1"],
                                 env=env, stdout=open(log_path, "w"), stderr=subprocess.STDOUT)
        port = None
        for _ in range(1000):
            for line in open(log_path):
                try:
                    j = json.loads(line)
                except ValueError:
                    continue
                if j.get("message") == "listening":
                    port = j["port"]
            if port:
                break
            time.sleep(0.02)
        if not port:
            print("proact serve did not start:\n" + open(log_path).read()[-3000:])
            return 1
        serve_url = "http://127.0.0.1:%d/" % port
        answers = []
        checked = writes_total = aws_signed = notifications = assume_root = 0
        for label, body, headers in cases(source_dir):
            http(fake_url + "/_fake/reset", b"", method="POST")
            # Answers as the providers give them where their success is not
            # a plain 200 (the fake's default answer is 200 {}).
            for script in ANSWERS:
                http(fake_url + "/_fake/script", json.dumps(script).encode(),
                     {"Content-Type": "application/json"}, "POST")
            first = http(serve_url, body, headers, "POST")
            second = http(serve_url, body, headers, "POST")
            answers += [first[1], second[1]]
            if first[0] != 200 or second[0] != 200:
                failures.append("%s: serve answered %s / %s: %s" % (label, first[0], second[0], first[1][:300]))
                continue
            a, b = json.loads(first[1]), json.loads(second[1])
            if not a.get("matches"):
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
                if r["method"] in ("GET", "HEAD") or r["path"].startswith(CREDENTIAL_PATHS):
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
            for key, n in seen.items():
                if n > 1:
                    failures.append("%s: %s %s%s reached the provider %d times" % (label, key[0], key[1], key[2], n))
        log = open(log_path).read()
        for secret in SECRETS:
            if secret in log or any(secret in x for x in answers):
                failures.append("a credential appears in serve's log or answers")
        print("pack e2e: %d matching cases delivered twice, %d writes, %d of them notifications, "
              "%d AWS requests verified by botocore (%d AssumeRoot), %d failures"
              % (checked, writes_total, notifications, aws_signed, assume_root, len(failures)))
        for f in failures:
            print("FAIL: " + f)
        if checked == 0 or writes_total == 0 or assume_root == 0:
            print("FAIL: nothing was checked")
            return 1
        return 1 if failures else 0
    finally:
        for p in (serve, fake):
            if p is not None:
                p.terminate()
                try:
                    p.wait(10)
                except subprocess.TimeoutExpired:
                    p.kill()


if __name__ == "__main__":
    sys.exit(main())
