"""Invokes the Lambda handler locally with real Lambda event envelopes."""
import json
import os
import sys

SOURCE = os.environ["PROACT_SOURCE_DIR"]
SHARED = os.environ.get("PROACT_TESTDATA_DIR", os.path.join(SOURCE, "tests", "data"))
os.environ.setdefault("PROACT_RULES", os.path.join(SOURCE, "rules"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import handler  # noqa: E402


def corpus(path):
    with open(os.path.join(SHARED, "corpus", path)) as f:
        return json.load(f)


def test_eventbridge_event_runs_the_remediation():
    event = corpus("aws/eventbridge.cloudtrail-s3-createBucket.custodian.json")
    event["detail"]["eventName"] = "DeleteBucketPublicAccessBlock"
    out = handler.handler(event)
    assert any(a["action"] == "aws.s3.put_public_access_block" for a in out["actions"])


def test_sqs_batch_reports_only_the_failing_message():
    batch = corpus("lambda/sqs.batch.aws-lambda-go.json")  # bodies are not JSON
    good = dict(batch["Records"][0])
    good["messageId"] = "good-1"
    good["body"] = json.dumps(corpus("aws/cloudtrail.kms-scheduleKeyDeletion.panther.json"))
    batch["Records"].append(good)
    out = handler.handler(batch)
    failing = {f["itemIdentifier"] for f in out["batchItemFailures"]}
    assert failing == {r["messageId"] for r in batch["Records"][:-1]}
    assert "good-1" not in failing


def test_function_url_github_webhook():
    body = corpus("github/repository.publicized.json")
    request = {"version": "2.0", "rawPath": "/", "requestContext": {"http": {"method": "POST"}, "timeEpoch": 1700000000000},
               "headers": {"x-github-event": "repository", "x-github-delivery": "d-1", "content-type": "application/json"},
               "body": json.dumps(body), "isBase64Encoded": False}
    out = handler.handler(request)
    assert out["statusCode"] == 200
    assert json.loads(out["body"])["actions"], "a repository made public triggers a remediation"


def test_unrecognized_webhook_is_a_400():
    request = {"version": "2.0", "rawPath": "/", "requestContext": {"http": {"method": "POST"}},
               "headers": {"x-github-event": "push"}, "body": "{not json", "isBase64Encoded": False}
    assert handler.handler(request)["statusCode"] == 400
