#!/usr/bin/env python3
"""Rewrites a workload's EventBridge envelopes (events.jsonl, one per line)
as the raw payloads other delivery paths carry, one payload per line, for
`proact bench --input auto` (docs/performance.md):

  cloudtrail.jsonl  the bare CloudTrail record (the envelope's detail), as a
                    trail delivers it to S3 or CloudWatch Logs subscribers
  sqs.jsonl         a Lambda SQS event of one record whose body is the envelope
  sqs-sns.jsonl     the same, the body being an SNS notification whose Message
                    is the envelope (EventBridge -> SNS -> SQS)

Each line still normalizes to an event with the same match set, so the
workload's expected.jsonl verifies all three. Standard library only.

  python3 bench/workloads/wrap_events.py DIR    # reads DIR/events.jsonl
"""
import json
import sys


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    d = sys.argv[1]
    with open(d + "/events.jsonl") as f:
        events = [line.rstrip("\n") for line in f if line.strip()]
    outs = {name: open("%s/%s.jsonl" % (d, name), "w")
            for name in ("cloudtrail", "sqs", "sqs-sns")}
    for i, text in enumerate(events):
        envelope = json.loads(text)
        outs["cloudtrail"].write(json.dumps(envelope["detail"], separators=(",", ":")) + "\n")
        record = {
            "messageId": "059f36b4-87a3-44ab-83d2-%012d" % i,
            "receiptHandle": "AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a%d" % i,
            "body": text,
            "attributes": {"ApproximateReceiveCount": "1", "SentTimestamp": "1545082649183",
                           "SenderId": "AIDAIENQZJOLO23YVJ4VO",
                           "ApproximateFirstReceiveTimestamp": "1545082649185"},
            "messageAttributes": {},
            "md5OfBody": "e4e68fb7bd0e697a0ae8f1bb342846b3",
            "eventSource": "aws:sqs",
            "eventSourceARN": "arn:aws:sqs:us-east-1:123456789012:proact-events",
            "awsRegion": "us-east-1",
        }
        outs["sqs"].write(json.dumps({"Records": [record]}, separators=(",", ":")) + "\n")
        sns = {
            "Type": "Notification",
            "MessageId": "95df01b4-ee98-5cb9-9903-%012d" % i,
            "TopicArn": "arn:aws:sns:us-east-1:123456789012:proact-events",
            "Message": text,
            "Timestamp": "2024-06-01T00:00:00.000Z",
            "SignatureVersion": "1",
            "Signature": "EXAMPLE",
            "SigningCertURL": "EXAMPLE",
            "UnsubscribeURL": "EXAMPLE",
        }
        record = dict(record, body=json.dumps(sns, separators=(",", ":")))
        outs["sqs-sns"].write(json.dumps({"Records": [record]}, separators=(",", ":")) + "\n")
    for f in outs.values():
        f.close()


if __name__ == "__main__":
    main()
