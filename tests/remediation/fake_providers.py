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
  Anything else: 200 {} with x-amzn-RequestId: fake-<n>.
"""

import argparse
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
