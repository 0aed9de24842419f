"""The hosts pack_e2e.py drives: `proact serve` (Serve), and the packaged
Lambda function (LambdaHost): proact-lambda.zip unpacked into a temporary
task root, its `bootstrap` started as Lambda starts a provided.al2023 custom
runtime, and a Lambda Runtime API (2018-06-01: invocation/next,
invocation/{id}/response, invocation/{id}/error, init/error) served on
loopback by this module.

Each pack test case's event reaches the function the way the deployment of
examples/aws-lambda/template.yaml receives it, with that template's
settings (signatures required on the Function URL):
  - an EventBridge event: invoked with the event itself (an EventBridge
    rule's target);
  - a CloudTrail record (alone, in a log file, or in an array): as
    EventBridge delivers CloudTrail, an "AWS API Call via CloudTrail" (or
    Console Sign In, Service Event) event whose detail is the record;
  - a GitHub webhook: a Function URL request with the webhook's headers,
    signed with X-Hub-Signature-256;
  - Okta System Log events: an Okta event hook delivery to the Function URL,
    with the hook's Authorization header;
  - anything else (GCP LogEntries, Azure Event Grid events and Activity Log
    records, EventBridge events of non-AWS sources): an SQS message on the
    function's queue, as a forwarder (Pub/Sub, Event Grid, an EventBridge
    rule) puts it there. The answer of an SQS batch only lists failed
    messages, so the outcome of its actions is read from the decision log
    lines of that invocation.
A redelivery is what each path really sends again: the same EventBridge
event, the same SQS message (ApproximateReceiveCount 2), a new HTTP request
(new request id) with the same webhook body and headers.
"""
import hashlib
import hmac
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
import json
import os
import queue
import shutil
import subprocess
import threading
import time
import urllib.error
import urllib.request
import uuid
import zipfile

API = "/2018-06-01/runtime"
ACCOUNT, REGION = "111122223333", "us-east-1"
FUNCTION = "proact-pack-e2e"
FUNCTION_ARN = "arn:aws:lambda:%s:%s:function:%s" % (REGION, ACCOUNT, FUNCTION)
QUEUE_ARN = "arn:aws:sqs:%s:%s:proact-events" % (REGION, ACCOUNT)
TIMEOUT_MS = 30000  # the template's Timeout
GITHUB_SECRET = "packE2EgithubWebhookSecret0123"
OKTA_AUTHORIZATION = "packE2EoktaEventHookAuthorization"
LAMBDA_SECRETS = [GITHUB_SECRET, OKTA_AUTHORIZATION]
CLOUDTRAIL_DETAIL_TYPES = {
    "AwsApiCall": "AWS API Call via CloudTrail",
    "AwsConsoleSignIn": "AWS Console Sign In via CloudTrail",
    "AwsServiceEvent": "AWS Service Event via CloudTrail",
    "AwsConsoleAction": "AWS Console Action via CloudTrail",
}


def http(url, body=None, headers=None, method=None):
    req = urllib.request.Request(url, data=body, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def json_lines(path):
    """The JSON lines of a host's log (EMF and log lines alike)."""
    for line in open(path):
        try:
            yield json.loads(line)
        except ValueError:
            continue


class Serve:
    """`proact serve --rules rules/` on loopback; a delivery is one POST.
    A host (this, LambdaHost) starts with the providers' environment,
    delivers a case's event, gives its log, and exposes the process the
    harness stops."""
    name = "serve"

    def __init__(self, cli, rules, tmp):
        self.cli, self.rules = cli, rules
        self.log_path = os.path.join(tmp, "serve.log")
        self.process = None
        self.url = None

    def start(self, provider_env):
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PROACT_", "AWS_", "GITHUB_", "OKTA_"))}
        env.update(provider_env, PORT="0")
        self.process = subprocess.Popen([self.cli, "serve", "--rules", self.rules, "--host", "127.0.0.1"],
                                        env=env, stdout=open(self.log_path, "w"), stderr=subprocess.STDOUT)
        for _ in range(1000):
            for j in json_lines(self.log_path):
                if j.get("message") == "listening":
                    self.url = "http://127.0.0.1:%d/" % j["port"]
                    return None
            time.sleep(0.02)
        return "proact serve did not start:\n" + self.log()[-3000:]

    def deliver(self, label, body, headers, n):
        """Delivery n (1, 2) of a case's event: (error or None, answer, answer texts)."""
        status, text = http(self.url, body, headers, "POST")
        if status != 200:
            return "serve answered %s: %s" % (status, text[:300]), None, [text]
        return None, json.loads(text), [text]

    def log(self):
        return open(self.log_path).read()

    def close(self):
        pass


class RuntimeApi:
    """The Runtime API as Lambda serves it to one execution environment:
    `next` blocks until an invocation is queued."""

    def __init__(self):
        self._pending = queue.Queue()
        self._answers = {}
        self._cond = threading.Condition()
        self.init_errors = []
        self.polling = threading.Event()  # the runtime asked for its first invocation
        self.closed = False
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as the runtime's client expects
            disable_nagle_algorithm = True  # headers and body are two writes: no delayed-ACK wait

            def log_message(self, fmt, *args):
                pass

            def do_GET(self):
                api._next(self)

            def do_POST(self):
                api._post(self)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    @property
    def address(self):
        return "127.0.0.1:%d" % self._server.server_address[1]

    def close(self):
        self.closed = True
        self._server.shutdown()
        self._server.server_close()

    @staticmethod
    def _send(handler, status, body=b"", headers=()):
        handler.send_response(status)
        for name, value in headers:
            handler.send_header(name, value)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    def _next(self, handler):
        if handler.path != API + "/invocation/next":
            return self._send(handler, 404, b'{"errorType":"NotFound"}')
        self.polling.set()
        while not self.closed:
            try:
                request_id, payload = self._pending.get(timeout=0.2)
                break
            except queue.Empty:
                continue
        else:
            handler.close_connection = True
            return None
        now_ms = int(time.time() * 1000)
        return self._send(handler, 200, payload, [
            ("Lambda-Runtime-Aws-Request-Id", request_id),
            ("Lambda-Runtime-Deadline-Ms", str(now_ms + TIMEOUT_MS)),
            ("Lambda-Runtime-Invoked-Function-Arn", FUNCTION_ARN),
            ("Lambda-Runtime-Trace-Id", "Root=1-%08x-%s;Parent=%s;Sampled=0"
             % (now_ms // 1000, uuid.uuid4().hex[:24], uuid.uuid4().hex[:16])),
        ])

    def _post(self, handler):
        body = handler.rfile.read(int(handler.headers.get("Content-Length") or 0)).decode("utf-8", "replace")
        parts = handler.path[len(API):].strip("/").split("/")
        if parts == ["init", "error"]:
            self.init_errors.append(body)
        elif len(parts) == 3 and parts[0] == "invocation" and parts[2] in ("response", "error"):
            with self._cond:
                self._answers[parts[1]] = (parts[2], body,
                                           handler.headers.get("Lambda-Runtime-Function-Error-Type", ""))
                self._cond.notify_all()
        else:
            return self._send(handler, 404, b'{"errorType":"NotFound"}')
        return self._send(handler, 202, b'{"status":"OK"}')

    def invoke(self, payload, alive, seconds=60):
        """Queues one invocation; returns (request id, "response" | "error",
        body, error type), or (request id, None, reason, "") when the runtime
        did not answer."""
        request_id = str(uuid.uuid4())
        self._pending.put((request_id, payload))
        end = time.time() + seconds
        with self._cond:
            while request_id not in self._answers:
                if not alive():
                    return request_id, None, "the runtime exited", ""
                if time.time() > end:
                    return request_id, None, "no answer in %d s" % seconds, ""
                self._cond.wait(0.2)
            kind, body, error_type = self._answers.pop(request_id)
        return request_id, kind, body, error_type


def _lower_headers(headers):
    return {k.lower(): v for k, v in headers.items()}


def function_url_request(body, headers):
    """A Function URL (payload format 2.0) POST to / carrying `body`."""
    now = time.time()
    request_id = str(uuid.uuid4())
    return {
        "version": "2.0", "routeKey": "$default", "rawPath": "/", "rawQueryString": "",
        "headers": dict({"host": "abcdefghij0123456789.lambda-url.%s.on.aws" % REGION,
                         "x-forwarded-proto": "https", "x-forwarded-for": "192.0.2.10",
                         "x-amzn-trace-id": "Root=1-%08x-%s" % (int(now), uuid.uuid4().hex[:24])},
                        **_lower_headers(headers)),
        "requestContext": {
            "accountId": "anonymous", "apiId": "abcdefghij0123456789",
            "domainName": "abcdefghij0123456789.lambda-url.%s.on.aws" % REGION,
            "domainPrefix": "abcdefghij0123456789",
            "http": {"method": "POST", "path": "/", "protocol": "HTTP/1.1", "sourceIp": "192.0.2.10",
                     "userAgent": headers.get("User-Agent", "pack-e2e")},
            "requestId": request_id, "routeKey": "$default", "stage": "$default",
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "timeEpoch": int(now * 1000),
        },
        "body": body.decode(), "isBase64Encoded": False,
    }


def sqs_batch(message_id, body, receive_count):
    now_ms = str(int(time.time() * 1000))
    return {"Records": [{
        "messageId": message_id, "receiptHandle": "AQEB" + uuid.uuid4().hex, "body": body.decode(),
        "attributes": {"ApproximateReceiveCount": str(receive_count), "SentTimestamp": now_ms,
                       "SenderId": "AIDAIENQZJOLO23YVJ4VO", "ApproximateFirstReceiveTimestamp": now_ms},
        "messageAttributes": {}, "md5OfBody": hashlib.md5(body).hexdigest(),
        "eventSource": "aws:sqs", "eventSourceARN": QUEUE_ARN, "awsRegion": REGION,
    }]}


def cloudtrail_records(doc):
    if isinstance(doc, dict) and isinstance(doc.get("Records"), list):
        doc = doc["Records"]
    records = doc if isinstance(doc, list) else [doc]
    if records and all(isinstance(r, dict) and "eventVersion" in r and "eventSource" in r for r in records):
        return records
    return None


def eventbridge_from_cloudtrail(record):
    """The event EventBridge delivers for a CloudTrail record; its id is
    stable for the record, as EventBridge retries send the same event."""
    return {
        "version": "0", "id": str(uuid.uuid5(uuid.NAMESPACE_URL, "cloudtrail:" + record.get("eventID", ""))),
        "detail-type": CLOUDTRAIL_DETAIL_TYPES.get(record.get("eventType"), "AWS API Call via CloudTrail"),
        "source": "aws." + record["eventSource"].split(".amazonaws.com")[0],
        "account": record.get("recipientAccountId") or record.get("userIdentity", {}).get("accountId", ACCOUNT),
        "time": record.get("eventTime", ""), "region": record.get("awsRegion", REGION),
        "resources": [], "detail": record,
    }


def deliveries(label, body, headers):
    """The invocations that carry one delivery of a case's event: a list of
    (path, payload builder), a builder called per delivery (1, 2) so that
    each redelivery is built as its path builds it."""
    doc = json.loads(body)
    records = cloudtrail_records(doc)
    if records is not None:
        return [("eventbridge", lambda n, e=eventbridge_from_cloudtrail(r): json.dumps(e).encode())
                for r in records]
    if isinstance(doc, dict) and isinstance(doc.get("detail-type"), str) and \
            str(doc.get("source", "")).startswith("aws."):
        return [("eventbridge", lambda n: body)]
    if "X-GitHub-Event" in headers:
        signed = dict(headers, **{
            "User-Agent": "GitHub-Hookshot/pack-e2e",
            "X-Hub-Signature-256": "sha256=" + hmac.new(GITHUB_SECRET.encode(), body, hashlib.sha256).hexdigest()})
        return [("http", lambda n: json.dumps(function_url_request(body, signed)).encode())]
    events = doc if isinstance(doc, list) else [doc]
    if all(isinstance(e, dict) and "eventType" in e and "published" in e for e in events):
        hook = {"eventType": "com.okta.event_hook", "eventTypeVersion": "1.0", "cloudEventsVersion": "0.1",
                "source": "https://example.okta.com/api/v1/eventHooks/who7hphp39JoHLni81d7",
                "eventId": str(uuid.uuid5(uuid.NAMESPACE_URL, "okta:" + label)),
                "eventTime": events[0]["published"], "contentType": "application/json",
                "data": {"events": events}}
        hook_body = json.dumps(hook).encode()
        hook_headers = {"Content-Type": "application/json", "Accept": "application/json",
                        "User-Agent": "Okta-Integrations", "Authorization": OKTA_AUTHORIZATION}
        return [("http", lambda n: json.dumps(function_url_request(hook_body, hook_headers)).encode())]
    message_id = str(uuid.uuid5(uuid.NAMESPACE_URL, "sqs:" + label))
    return [("sqs", lambda n: json.dumps(sqs_batch(message_id, body, n)).encode())]


def unzip(zip_path, into):
    """Unpacks with the file modes the zip records (zipfile drops them)."""
    with zipfile.ZipFile(zip_path) as z:
        for info in z.infolist():
            path = z.extract(info, into)
            mode = info.external_attr >> 16
            if mode:
                os.chmod(path, mode & 0o777)


class LambdaHost:
    name = "the Lambda function"

    def __init__(self, zip_path, tmp):
        self.zip_path, self.tmp = zip_path, tmp
        self.task_root = os.path.join(tmp, "task")
        self.log_path = os.path.join(tmp, "lambda.log")
        self.api = None
        self.process = None
        self.invocations = 0

    def start(self, provider_env):
        unzip(self.zip_path, self.task_root)
        self.api = RuntimeApi()
        # The execution environment's variables (a clean environment, as
        # Lambda starts the runtime with), the template's settings, and the
        # providers pointed at the fakes.
        env = {
            "PATH": "/usr/local/bin:/usr/bin/:/bin:/opt/bin", "LANG": "en_US.UTF-8", "TZ": ":UTC",
            "LAMBDA_TASK_ROOT": self.task_root, "LAMBDA_RUNTIME_DIR": "/var/runtime", "_HANDLER": "proact",
            "AWS_LAMBDA_RUNTIME_API": self.api.address, "AWS_EXECUTION_ENV": "AWS_Lambda_provided.al2023",
            "AWS_LAMBDA_FUNCTION_NAME": FUNCTION, "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": "128",
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST", "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            "AWS_LAMBDA_LOG_GROUP_NAME": "/aws/lambda/" + FUNCTION,
            "AWS_LAMBDA_LOG_STREAM_NAME": "2024/01/01/[$LATEST]" + uuid.uuid4().hex,
            "AWS_REGION": REGION, "AWS_DEFAULT_REGION": REGION,
            "PROACT_METRICS_NAMESPACE": "Proact", "POWERTOOLS_SERVICE_NAME": "proact",
            "PROACT_GITHUB_SECRET": GITHUB_SECRET, "PROACT_REQUIRE_SIGNATURE": "true",
            "PROACT_SELF_IDENTITIES": "arn:aws:iam::%s:role/%s-role" % (ACCOUNT, FUNCTION),
            "PROACT_OKTA_AUTHORIZATION": OKTA_AUTHORIZATION,
        }
        env.update(provider_env)
        self.process = subprocess.Popen([os.path.join(self.task_root, "bootstrap")], env=env, cwd=self.task_root,
                                        stdout=open(self.log_path, "w"), stderr=subprocess.STDOUT)
        end = time.time() + 20
        while time.time() < end and self.process.poll() is None and not self.api.init_errors:
            if self.api.polling.wait(0.05):
                return self._check_refusals()
        return "the bootstrap did not start (init errors: %s):\n%s" % (self.api.init_errors, self.log()[-3000:])

    def _check_refusals(self):
        """The template's setting is live: a GitHub webhook whose signature does
        not verify and an Okta hook delivery without its Authorization are
        answered 401."""
        body = b'{"zen":"Keep it logically awesome.","hook_id":1}'
        forged = {"Content-Type": "application/json", "X-GitHub-Event": "ping", "X-GitHub-Delivery": str(uuid.uuid4()),
                  "X-Hub-Signature-256": "sha256=" + hmac.new(b"not the secret", body, hashlib.sha256).hexdigest()}
        okta = {"Content-Type": "application/json", "Authorization": "not the authorization"}
        hook = b'{"eventType":"com.okta.event_hook","data":{"events":[]}}'
        for what, payload in (("a forged GitHub signature", function_url_request(body, forged)),
                              ("a wrong Okta Authorization", function_url_request(hook, okta))):
            request_id, kind, text, _ = self.api.invoke(json.dumps(payload).encode(), self._alive)
            status = json.loads(text).get("statusCode") if kind == "response" else None
            if status != 401:
                return "the Function URL answered %s to %s (expected 401): %s %s" % (status, what, kind, text[:300])
        return None

    def _alive(self):
        return self.process.poll() is None

    def _decisions(self, request_id):
        """The action outcomes of one invocation's events, from its decision log
        lines, counted as the invocation summary counts them."""
        results = []
        for _ in range(50):  # the lines are written before the answer; allow the pipe a moment
            results = []
            for j in json_lines(self.log_path):
                if j.get("location") != "proact.decision" or j.get("function_request_id") != request_id:
                    continue
                outcomes = [a.get("outcome", "") for m in j.get("matches") or [] for a in m.get("actions") or []]
                results.append({"matches": len(j.get("matches") or []),
                                "executed": outcomes.count("succeeded"),
                                "already_compliant": outcomes.count("already_compliant"),
                                "skipped": outcomes.count("skipped"),
                                "failed_actions": sum(o.startswith("failed") for o in outcomes)})
            if results:
                break
            time.sleep(0.02)
        return results

    def deliver(self, label, body, headers, n):
        """Delivery n (1, 2) of a case's event. Returns (error or None, summary
        as serve answers it, answer texts)."""
        summary = {"matches": 0, "results": []}
        texts = []
        for path, payload in deliveries(label, body, headers):
            self.invocations += 1
            request_id, kind, text, error_type = self.api.invoke(payload(n), self._alive)
            texts.append(text)
            if kind != "response":
                return "invocation %s (%s): %s %s %s" % (request_id, path, kind or "", error_type, text[:300]), None, texts
            answer = json.loads(text)
            if path == "http":
                if answer.get("statusCode") != 200:
                    return "the Function URL answered %s: %s" % (answer.get("statusCode"), answer.get("body", "")[:300]), \
                        None, texts
                answer = json.loads(answer["body"])
            elif path == "sqs":
                if answer != {"batchItemFailures": []}:
                    return "the SQS batch answered %s" % text[:300], None, texts
                answer = {"results": self._decisions(request_id)}
                answer["matches"] = sum(r.pop("matches") for r in answer["results"])
            summary["matches"] += answer.get("matches", 0)
            summary["results"] += answer.get("results", [])
        return None, summary, texts

    def log(self):
        return open(self.log_path).read() + "".join(self.api.init_errors if self.api else [])

    def close(self):
        """Stops the Runtime API and removes the unpacked package (the log stays)."""
        if self.api is not None:
            self.api.close()
        shutil.rmtree(self.task_root, ignore_errors=True)
