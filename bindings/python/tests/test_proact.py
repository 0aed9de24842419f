"""The Python module against the CLI and the real corpus: same decisions,
errors as exceptions, threads, no growth over many calls."""
import json
import os
import resource
import subprocess
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

import proact

SOURCE = os.environ["PROACT_SOURCE_DIR"]
SHARED = os.environ.get("PROACT_TESTDATA_DIR", os.path.join(SOURCE, "tests", "data"))
CLI = os.environ["PROACT_CLI"]
RULES = os.path.join(SOURCE, "rules")

ENGINE = proact.Engine(proact.PolicySet.load([RULES]))


def corpus_files():
    root = os.path.join(SHARED, "corpus")
    for d in sorted(os.listdir(root)):
        if d == "github" or not os.path.isdir(os.path.join(root, d)):
            continue
        # webhooks/ has a folder per source under it
        for dirpath, dirnames, filenames in os.walk(os.path.join(root, d)):
            dirnames.sort()
            for f in sorted(filenames):
                yield os.path.join(dirpath, f)


def github_requests(tmp_path):
    """GitHub bodies as they arrive: inside a Function URL request."""
    root = os.path.join(SHARED, "corpus", "github")
    for f in sorted(os.listdir(root)):
        with open(os.path.join(root, f)) as fh:
            body = fh.read()
        request = {"version": "2.0", "rawPath": "/", "requestContext": {"http": {"method": "POST"}},
                   "headers": {"x-github-event": f.split(".")[0], "x-github-delivery": "d-" + f},
                   "body": body, "isBase64Encoded": False}
        path = tmp_path / (f + ".request.json")
        path.write_text(json.dumps(request))
        yield str(path)


def test_version():
    assert proact.version().count(".") == 2


def test_same_decisions_as_the_cli_on_the_pack_and_the_corpus(tmp_path):
    compared = matched = 0
    for path in list(corpus_files()) + list(github_requests(tmp_path)):
        with open(path, "rb") as f:
            payload = f.read()
        result = proact.normalize_detailed(payload)
        if result["errors"]:
            continue  # payloads the CLI also rejects (tested elsewhere)
        cli = subprocess.run([CLI, "eval", "--rules", RULES, path], capture_output=True, text=True)
        assert cli.returncode == 0, cli.stderr
        expected = [json.loads(line) for line in cli.stdout.splitlines()]
        actual = [ENGINE.evaluate(e["event"]) for e in result["events"]]
        assert actual == expected, path
        compared += len(actual)
        matched += sum(1 for d in actual if d["matches"])
    assert compared >= 120
    assert matched >= 20  # the pack's policies fire on real payloads


def test_policy_errors_carry_diagnostics():
    with pytest.raises(proact.PolicyError) as err:
        proact.PolicySet.from_string("policies:\n  - id: x\n    mach: {source: [a]}\n", "bad.yaml")
    first = err.value.diagnostics[0]
    assert (first["file"], first["line"], first["column"]) == ("bad.yaml", 2, 5)
    assert "missing required key 'match'" in first["message"]
    assert any("did you mean 'match'" in d["message"] for d in err.value.diagnostics)
    assert "bad.yaml:3:5: error: unknown key 'mach'" in str(err.value)
    with pytest.raises(proact.PolicyError):
        proact.PolicySet.load(["/nonexistent/rules"])


def test_event_and_normalize_errors():
    with pytest.raises(proact.EventError) as err:
        ENGINE.evaluate('{"source": ')
    assert err.value.code == "invalid-argument"
    assert "invalid JSON" in str(err.value)
    with pytest.raises(proact.NormalizeError) as nerr:
        proact.normalize({"hello": "world"})
    assert "unrecognized payload" in nerr.value.errors[0]["message"]
    with pytest.raises(TypeError):
        proact.Engine("rules/")


def test_a_payload_that_is_not_an_envelope_is_refused_unless_raw_events():
    # A GitHub webhook body as it arrives: no "source" nor "detail-type".
    body = {"action": "publicized", "repository": {"name": "r", "owner": {"login": "acme"}},
            "sender": {"login": "m"}}
    with pytest.raises(proact.EventError) as err:
        ENGINE.evaluate(body)
    assert err.value.code == "invalid-argument"
    message = str(err.value)
    assert message.startswith('event is not an EventBridge envelope: no string "source" at the top '
                              'level, and no string "detail-type" at the top level.')
    assert "proact.normalize in Python" in message
    assert "Engine(..., raw_events=True) in Python" in message
    with pytest.raises(proact.EventError) as err:
        ENGINE.evaluate({"source": "github", "detail-type": 7})
    assert 'no string "detail-type" at the top level (it is a number)' in str(err.value)
    with pytest.raises(proact.EventError) as err:
        ENGINE.explain(body)
    assert err.value.code == "invalid-argument" and "not an EventBridge envelope" in str(err.value)

    # Normalized first, it is an envelope the pack's GitHub policies read.
    headers = {"X-GitHub-Event": "repository", "X-GitHub-Delivery": "d-1"}
    [event] = proact.normalize(body, headers)
    assert (event["source"], event["detail-type"]) == ("github", "repository")
    assert "github-repo-made-public" in [m["policy"] for m in ENGINE.evaluate(event)["matches"]]

    # raw_events=True matches the object as it is.
    policies = proact.PolicySet.from_string(
        "policies:\n  - id: public\n    match: {action: [publicized]}\n", "raw.yaml")
    assert not proact.Engine(policies).raw_events
    raw = proact.Engine(policies, raw_events=True)
    assert raw.raw_events
    decision = raw.evaluate(body)
    assert (decision["source"], decision["detail-type"]) == (None, None)
    assert [m["policy"] for m in decision["matches"]] == ["public"]
    assert "policy public (raw.yaml:2:5): MATCHED" in raw.explain(body)


def test_inputs_dict_str_bytes_give_one_decision():
    event = {"source": "aws.s3", "detail-type": "AWS API Call via CloudTrail", "id": "e1",
             "detail": {"eventName": "DeleteBucketPublicAccessBlock", "requestParameters": {"bucketName": "b"}}}
    as_dict = ENGINE.evaluate(event)
    assert as_dict == ENGINE.evaluate(json.dumps(event)) == ENGINE.evaluate(json.dumps(event).encode())
    assert as_dict["id"] == "e1"


def test_threads_share_one_engine():
    events = [e["event"] for p in corpus_files() for e in proact.normalize_detailed(open(p, "rb").read())["events"]]
    expected = [ENGINE.evaluate(e) for e in events]
    texts = [json.dumps(e) for e in events] * 20
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(ENGINE.evaluate, texts))
    assert results == expected * 20


def test_many_calls_do_not_grow_memory():
    event = json.dumps({"source": "aws.s3", "detail-type": "AWS API Call via CloudTrail", "id": "e",
                        "detail": {"eventName": "PutBucketAcl", "requestParameters": {"bucketName": "b",
                                   "x-amz-acl": ["public-read"]}}})
    for _ in range(5000):  # warm up
        ENGINE.evaluate(event)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for _ in range(50000):
        ENGINE.evaluate(event)
        proact.normalize(event)
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert after - before < 8 * 1024  # KiB: well below what 50,000 leaked decisions would take


def test_explain():
    policy = proact.PolicySet.load([RULES]).ids()[0]
    text = ENGINE.explain({"source": "aws.kms", "detail-type": "AWS API Call via CloudTrail",
                           "detail": {"eventName": "ScheduleKeyDeletion"}}, policy)
    assert text.startswith("policy " + policy + " (")
    with pytest.raises(proact.EventError):
        ENGINE.explain({"source": "x", "detail-type": "y"}, "no-such-policy")


def test_webhook_secrets():
    body = '{"action":"publicized","repository":{"name":"r","owner":{"login":"acme"}},"sender":{"login":"m"}}'
    headers = {"X-GitHub-Event": "repository", "X-GitHub-Delivery": "d-1", "X-Hub-Signature-256": "sha256=00"}
    strict = proact.Normalizer(github_secret="s3cr3t")
    result = strict.normalize_detailed(body, headers)
    assert result["events"] == []
    assert result["errors"][0]["unauthenticated"]
    assert proact.Normalizer().normalize(body, headers)[0]["source"] == "github"
