#!/usr/bin/python3
"""The whole shipped pack, end to end: `proact serve --rules rules/` with every
provider pointed at tests/remediation/fake_providers.py over loopback.

Every test case of the pack (rules/*/*_test.yaml) that expects a match is
delivered twice, as at-least-once delivery does (same payload, same
headers). Per case, with the fake reset before it:
  - no write reaches the fake twice (writes: every request but reads and
    credential exchanges), and the second delivery runs nothing again: its
    actions are skipped, or retried only if the first attempt failed;
  - every AWS request carries a SigV4 signature that botocore verifies;
  - a match that emits notify.slack / notify.pagerduty gets its call beside
    the remediation;
  - no credential appears in serve's log or answers;
  - GitHub branch protection restores and Okta admin role revocations send
    what the event calls for (check_github_okta below).
Usage: pack_e2e.py PROACT_CLI SOURCE_DIR
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
        reviews = {"dismissal_restrictions": {}, "dismiss_stale_reviews": bool(rule.get("dismiss_stale_reviews_on_push")),
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
        checked = writes_total = aws_signed = notifications = 0
        github_okta_checked = 0
        for label, body, headers in cases(source_dir):
            http(fake_url + "/_fake/reset", b"", method="POST")
            # Answers as the providers give them where their success is not
            # a plain 200 (the fake's default answer is 200 {}).
            for script in github_okta_scripts(body) + ANSWERS:
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
            github_okta_checked += check_github_okta(label, body, requests, failures)
            for key, n in seen.items():
                if n > 1:
                    failures.append("%s: %s %s%s reached the provider %d times" % (label, key[0], key[1], key[2], n))
        log = open(log_path).read()
        for secret in SECRETS:
            if secret in log or any(secret in x for x in answers):
                failures.append("a credential appears in serve's log or answers")
        print("pack e2e: %d matching cases delivered twice, %d writes, %d of them notifications, "
              "%d AWS requests verified by botocore, %d failures" % (checked, writes_total, notifications,
                                                                    aws_signed, len(failures)))
        print("pack e2e: %d GitHub branch protection / Okta admin role cases checked request by request"
              % github_okta_checked)
        for f in failures:
            print("FAIL: " + f)
        if checked == 0 or writes_total == 0:
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
