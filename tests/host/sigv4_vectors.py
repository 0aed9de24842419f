#!/usr/bin/python3
# Prints the expected values of tests/host/sigv4_test.cc, computed by
# botocore (Debian python3-botocore 1.29), the AWS SDK for Python signer:
#   /usr/bin/python3 tests/host/sigv4_vectors.py
import hashlib
from botocore.auth import SigV4Auth, S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
KEY, SECRET = "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
DATE = "20150830T123600Z"
def sign(name, method, url, headers, body=b"", service="service", region="us-east-1", token=None):
    req = AWSRequest(method=method, url=url, data=body)
    for k, v in headers:
        req.headers[k] = v
    req.headers["X-Amz-Date"] = DATE
    if token: req.headers["X-Amz-Security-Token"] = token
    if service == "s3": req.headers["X-Amz-Content-SHA256"] = hashlib.sha256(body).hexdigest()
    req.context["timestamp"] = DATE
    cls = S3SigV4Auth if service == "s3" else SigV4Auth
    a = cls(Credentials(KEY, SECRET, token), service, region)
    cr = a.canonical_request(req)
    sig = a.signature(a.string_to_sign(req, cr), req)
    print("==", name); print(repr(cr)); print(a.signed_headers(a.headers_to_sign(req))); print(sig)
sign("get-vanilla", "GET", "https://example.amazonaws.com/", [("Host","example.amazonaws.com")])
sign("query-order", "GET", "https://example.amazonaws.com/?Param2=value2&Param1=value1", [("Host","example.amazonaws.com")])
sign("post-form-token", "POST", "https://example.amazonaws.com/", [("Host","example.amazonaws.com"),("Content-Type","application/x-www-form-urlencoded")], b"Param1=value1", token="AQoDYXdzEPT//////////wEXAMPLEtc764")
sign("path-double-encoded", "GET", "https://lambda.us-east-1.amazonaws.com/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Amy-fn/policy", [("Host","lambda.us-east-1.amazonaws.com")], service="lambda")
sign("path-dot-segments", "GET", "https://example.amazonaws.com/a/./b/../c/", [("Host","example.amazonaws.com")])
sign("s3-put-encoded-key", "PUT", "https://examplebucket.s3.amazonaws.com/dir/a%20b.txt?tagging", [("Host","examplebucket.s3.amazonaws.com"),("Content-Type","text/plain")], b"hello", service="s3")
sign("header-spaces-repeated", "GET", "https://example.amazonaws.com/", [("Host","example.amazonaws.com"),("My-Header1","  a   b   c  "),("X-Amz-Meta","one"),("X-Amz-Meta","two")])
