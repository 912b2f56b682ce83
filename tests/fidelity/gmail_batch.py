"""Fidelity check for Gmail batch requests, with Google's Python client (googleapis for
Node has no batch support). Run by .ci/run:

    EMULATOR_BIN=target/debug/provider-emulator python tests/fidelity/gmail_batch.py

Prints one line per check and a closing "fidelity: N passed, N failed" line.
"""

import json
import os
import re
import subprocess
import sys
import urllib.parse
import urllib.request

import googleapiclient
from google.oauth2.credentials import Credentials
from googleapiclient.discovery import build_from_document
from googleapiclient.errors import HttpError

REDIRECT = "http://localhost:13100/api/mailOAuth:callback"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def post(url, data, content_type="application/json"):
    body = json.dumps(data).encode() if content_type == "application/json" else urllib.parse.urlencode(data).encode()
    request = urllib.request.Request(url, data=body, headers={"content-type": content_type}, method="POST")
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def main():
    emulator = subprocess.Popen([os.environ["EMULATOR_BIN"], "--listen", "127.0.0.1:0"], stdout=subprocess.PIPE, text=True)
    base = None
    for line in emulator.stdout:
        match = re.search(r"listening on (http://\S+)", line)
        if match:
            base = match.group(1)
            break
    results = []

    def check(name, body):
        try:
            body()
            results.append(True)
            print(f"ok - {name}")
        except Exception as error:  # a failed check reports, the run goes on
            results.append(False)
            print(f"FAIL - {name}: {error!r}")

    try:
        post(f"{base}/_emulator/clients", {"provider": "google", "clientId": "py", "clientSecret": "py-secret", "redirectUris": [REDIRECT]})
        post(f"{base}/_emulator/users", {"provider": "google", "email": "cat@gmail.test", "messages": 12, "seed": 4})
        query = urllib.parse.urlencode({
            "client_id": "py", "redirect_uri": REDIRECT, "response_type": "code", "state": "py",
            "scope": "openid email https://www.googleapis.com/auth/gmail.modify", "access_type": "offline",
        })
        opener = urllib.request.build_opener(NoRedirect)
        form = urllib.parse.urlencode({"email": "cat@gmail.test", "action": "allow"}).encode()
        try:
            opener.open(urllib.request.Request(f"{base}/google/o/oauth2/v2/auth?{query}", data=form, method="POST"))
            raise RuntimeError("consent did not redirect")
        except urllib.error.HTTPError as redirect:
            location = redirect.headers["location"]
        code = urllib.parse.parse_qs(urllib.parse.urlparse(location).query)["code"][0]
        _, _, token_body = post(f"{base}/google/token", {
            "grant_type": "authorization_code", "code": code, "client_id": "py",
            "client_secret": "py-secret", "redirect_uri": REDIRECT,
        }, "application/x-www-form-urlencoded")
        tokens = json.loads(token_body)
        credentials = Credentials(token=tokens["access_token"])

        # The discovery document bundled with the client, pointed at the emulator: API
        # calls go to rootUrl + servicePath, batches to rootUrl + batchPath ("batch").
        path = os.path.join(os.path.dirname(googleapiclient.__file__), "discovery_cache", "documents", "gmail.v1.json")
        with open(path) as handle:
            document = json.load(handle)
        document["rootUrl"] = f"{base}/"
        document["baseUrl"] = f"{base}/gmail/v1/"
        gmail = build_from_document(document, credentials=credentials)
        ids = [m["id"] for m in gmail.users().messages().list(userId="me", maxResults=5).execute()["messages"]]

        def batch_get():
            answers, errors = {}, {}

            def on_answer(request_id, response, exception):
                if exception is not None:
                    errors[request_id] = exception
                else:
                    answers[request_id] = response

            batch = gmail.new_batch_http_request(callback=on_answer)
            for message_id in ids[:3] + ["0000000000000001"]:
                batch.add(gmail.users().messages().get(userId="me", id=message_id, format="metadata", metadataHeaders=["Subject"]))
            batch.execute()
            assert len(answers) == 3, answers
            assert all(len(a["payload"]["headers"]) == 1 for a in answers.values()), answers
            (failure,) = errors.values()
            assert isinstance(failure, HttpError) and failure.resp.status == 404, failure

        check("google-api-python-client batch: parts matched by Content-ID, a 404 part on its own", batch_get)

        def batch_modify():
            batch = gmail.new_batch_http_request()
            for message_id in ids[:2]:
                batch.add(gmail.users().messages().modify(userId="me", id=message_id, body={"addLabelIds": ["STARRED"]}))
            batch.execute()
            starred = gmail.users().messages().list(userId="me", q="is:starred", maxResults=500).execute()
            assert set(ids[:2]) <= {m["id"] for m in starred["messages"]}, starred

        check("google-api-python-client batch: modify in a batch", batch_modify)

        def http_error():
            try:
                gmail.users().messages().get(userId="me", id="zz").execute()
                raise AssertionError("expected a 400")
            except HttpError as error:
                assert error.resp.status == 400 and error.error_details[0]["reason"] == "invalidArgument", error.error_details

        check("google-api-python-client reads Gmail's error envelope", http_error)
    finally:
        emulator.terminate()
        emulator.wait(timeout=10)
    passed = sum(results)
    print(f"fidelity: {passed} passed, {len(results) - passed} failed")
    return 0 if results and all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
