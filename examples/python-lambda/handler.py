"""An AWS Lambda function in Python that uses proact to decide and runs the
remediation itself.

It accepts what Lambda delivers: EventBridge events, SQS batches (answering
with partial batch failures, so only failing messages are retried), SNS
notifications and Function URL / API Gateway webhooks. Policies are compiled
once per container, at import (the cold start), from PROACT_RULES (default:
the rules/ folder packaged beside this file).
"""
import json
import logging
import os

import proact

log = logging.getLogger("proact")
log.setLevel(logging.INFO)

RULES = os.environ.get("PROACT_RULES", os.path.join(os.path.dirname(os.path.abspath(__file__)), "rules"))
ENGINE = proact.Engine(proact.PolicySet.load([RULES]))
# Webhook secrets from the function's environment (or a secrets manager).
NORMALIZER = proact.Normalizer(
    github_secret=os.environ.get("PROACT_GITHUB_SECRET", ""),
    slack_signing_secret=os.environ.get("PROACT_SLACK_SIGNING_SECRET", ""),
    okta_authorization=os.environ.get("PROACT_OKTA_AUTHORIZATION", ""))


def run_action(action, match):
    """Where a real function calls its clouds (boto3, the GitHub API...).
    This example only logs; dry-run actions are never executed."""
    verb = "would run" if action.get("dry_run") else "run"
    log.info("%s %s %s for policy %s", verb, action["action"], json.dumps(action["params"]), match["policy"])
    return {"policy": match["policy"], "action": action["action"], "params": action["params"],
            "executed": not action.get("dry_run", False)}


def handler(event, context=None):
    result = NORMALIZER.normalize_detailed(event)
    if result["challenge"] is not None:  # Okta / Slack verification handshake
        c = result["challenge"]
        return {"statusCode": c["status"], "headers": {"content-type": c["content_type"]}, "body": c["body"]}
    failed_messages = set()
    for error in result["errors"]:
        log.error("cannot normalize %s: %s", error["origin"] or "payload", error["message"])
        if error["message_id"]:
            failed_messages.add(error["message_id"])
    performed = []
    for item in result["events"]:
        try:
            decision = ENGINE.evaluate(item["event"])
        except proact.EventError as err:
            log.error("cannot evaluate %s: %s", item["origin"], err)
            if item["message_id"]:
                failed_messages.add(item["message_id"])
            continue
        for match in decision["matches"]:
            for action in match["actions"]:
                performed.append(run_action(action, match))
            for error in match["errors"]:
                log.error("policy %s: action %s not rendered: %s", match["policy"], error["action"], error["message"])
    records = event.get("Records") if isinstance(event, dict) else None
    if records and records[0].get("eventSource") == "aws:sqs":
        return {"batchItemFailures": [{"itemIdentifier": m} for m in sorted(failed_messages)]}
    if isinstance(event, dict) and "requestContext" in event:
        rejected = any(e["unauthenticated"] for e in result["errors"])
        return {"statusCode": 401 if rejected else (400 if result["errors"] and not result["events"] else 200),
                "body": json.dumps({"actions": performed})}
    return {"actions": performed, "errors": [e["message"] for e in result["errors"]]}
