"""The compose file's `demo` profile, without Docker: the same release binaries the image
carries, the demo's settings file (its two host names made local), docker/demo/setup.sh as
the demo-setup container runs it, and a small stand-in for NocoBase's sign-in and
auth:check. Then a mailbox is connected through the emulator's consent page and its mail
is listed, which is what a person trying the demo does.

    python3 tests/docker/demo_check.py <release-binaries-folder>

Prints "ok - ..." per check; exits 1 on the first failure.
"""

import base64
import hashlib
import hmac
import http.server
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "target", "release")
MESSAGES = 30


def demo_env():
    values = {}
    with open(os.path.join(ROOT, "docker", "demo", "demo.env")) as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                key, _, value = line.partition("=")
                values[key] = value
    return values


ENV = demo_env()
APP_KEY = ENV["APP_KEY"].encode()


def fail(message):
    print(f"FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def token(claims):
    def encode(value):
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    body = f"{encode({'alg': 'HS256', 'typ': 'JWT'})}.{encode(claims)}"
    signature = hmac.new(APP_KEY, body.encode(), hashlib.sha256).digest()
    return f"{body}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"


def claims_of(bearer):
    payload = bearer.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


class NocoBase(http.server.BaseHTTPRequestHandler):
    """NocoBase's sign-in (the demo admin only), health check and auth:check."""

    def log_message(self, *args):
        pass

    def answer(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        path = self.path.split("?")[0]
        if path == "/api/__health_check":
            return self.answer(200, "ok")
        if path == "/api/auth:check":
            bearer = self.headers.get("authorization", "").removeprefix("Bearer ")
            claims = claims_of(bearer)
            role = "root" if claims["userId"] == 1 else "member"
            return self.answer(200, {"data": {"id": claims["userId"], "roles": [{"name": role}]}})
        if path.startswith("/admin"):
            return self.answer(200, {"page": "admin"})
        self.answer(404, {"errors": [{"message": "Not Found"}]})

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers.get("content-length", "0"))) or b"{}")
        if self.path == "/api/auth:signIn":
            if self.headers.get("x-authenticator") != "basic" or body != {
                "account": ENV["INIT_ROOT_EMAIL"],
                "password": ENV["INIT_ROOT_PASSWORD"],
            }:
                return self.answer(401, {"errors": [{"message": "The username/email or password is incorrect"}]})
            now = int(time.time())
            signed = token({"userId": 1, "temp": True, "jti": str(uuid.uuid4()), "iat": now, "signInTime": now * 1000, "exp": now + 3600})
            return self.answer(200, {"data": {"user": {"id": 1}, "token": signed}})
        self.answer(404, {"errors": [{"message": "Not Found"}]})


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args):
        return None


opener = urllib.request.build_opener(NoRedirect)


def call(method, url, body=None, headers=None, form=False):
    data = None
    headers = dict(headers or {})
    if body is not None:
        if form:
            data = urllib.parse.urlencode(body).encode()
            headers["content-type"] = "application/x-www-form-urlencoded"
        else:
            data = json.dumps(body).encode()
            headers["content-type"] = "application/json"
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        response = opener.open(request, timeout=30)
    except urllib.error.HTTPError as error:
        response = error
    text = response.read().decode("utf-8", "replace")
    try:
        parsed = json.loads(text)
    except ValueError:
        parsed = None
    return response.status, response.headers, parsed if parsed is not None else text


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url, seconds=30):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            if call("GET", url)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    fail(f"{url} did not answer within {seconds} s")


def main():
    work = tempfile.mkdtemp(prefix="email-manager-demo-")
    children = []
    try:
        # The emulator, reached by the service as 127.0.0.1 and by "the browser" as localhost,
        # so the two addresses of the demo's settings stay distinguishable.
        emu_port = free_port()
        emulator = subprocess.Popen([os.path.join(BIN, "provider-emulator"), "--listen", f"127.0.0.1:{emu_port}"],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        children.append(emulator)
        server_side = f"http://127.0.0.1:{emu_port}"
        browser_side = f"http://localhost:{emu_port}"
        wait_for(f"{server_side}/_emulator/users/nobody@demo.test/messages")

        nocobase = http.server.ThreadingHTTPServer(("127.0.0.1", 0), NocoBase)
        threading.Thread(target=nocobase.serve_forever, daemon=True).start()
        nocobase_url = f"http://127.0.0.1:{nocobase.server_address[1]}"
        browser_nocobase = f"http://localhost:{nocobase.server_address[1]}"

        with open(os.path.join(ROOT, "docker", "demo", "email-manager.toml")) as f:
            settings = f.read()
        if "http://emulator:9900" not in settings or "http://localhost:9900" not in settings:
            fail("the demo settings no longer name emulator:9900 and localhost:9900")
        settings = settings.replace("http://emulator:9900", server_side).replace("http://localhost:9900", browser_side)
        config = os.path.join(work, "email-manager.toml")
        with open(config, "w") as f:
            f.write(settings)

        # The sidecar as the compose file configures it, with the demo's settings file.
        port = free_port()
        sidecar = f"http://127.0.0.1:{port}"
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "EMAIL_MANAGER__SERVER__BIND": f"127.0.0.1:{port}",
            "EMAIL_MANAGER__SERVER__PUBLIC_URL": sidecar,
            "EMAIL_MANAGER__DATABASE__URL": f"sqlite://{work}/mail.sqlite3",
            "EMAIL_MANAGER__SECURITY__ENCRYPTION_KEY": ENV["EMAIL_MANAGER_ENCRYPTION_KEY"],
            "EMAIL_MANAGER__NOCOBASE__URL": nocobase_url,
            "EMAIL_MANAGER__NOCOBASE__APP_KEY": ENV["APP_KEY"],
            # As in the compose file: NocoBase by its internal name, browsers by another.
            "EMAIL_MANAGER__CORS__ALLOWED_ORIGINS": browser_nocobase,
            "EMAIL_MANAGER__LOG__LEVEL": "warn",
        }
        log = open(os.path.join(work, "sidecar.log"), "w")
        service = subprocess.Popen([os.path.join(BIN, "email-manager"), "--config", config, "serve"],
                                   env=env, stdout=log, stderr=log)
        children.append(service)
        wait_for(f"{sidecar}/readyz")

        setup_env = dict(os.environ, EMULATOR_URL=server_side, SIDECAR_URL=sidecar, NOCOBASE_URL=nocobase_url,
                         PUBLIC_URL=sidecar, INIT_ROOT_EMAIL=ENV["INIT_ROOT_EMAIL"],
                         INIT_ROOT_PASSWORD=ENV["INIT_ROOT_PASSWORD"], DEMO_MESSAGES=str(MESSAGES))
        setup = os.path.join(ROOT, "docker", "demo", "setup.sh")
        for attempt in ("first", "second"):
            run = subprocess.run(["sh", setup], env=setup_env, capture_output=True, text=True, timeout=120)
            if run.returncode != 0 or "demo-setup: ready" not in run.stdout:
                fail(f"setup.sh ({attempt} run) failed:\n{run.stdout}\n{run.stderr}")
        for mailbox in ("demo@gmail.test", "demo@outlook.test"):
            held = call("GET", f"{server_side}/_emulator/users/{mailbox}/messages")[2]
            if len(held) != MESSAGES:
                fail(f"{mailbox} holds {len(held)} messages after two setup runs, not {MESSAGES}")
        print(f"ok - demo setup.sh seeds the emulator once and is safe to run again ({MESSAGES} messages each)")

        admin = {"authorization": f"Bearer {token({'userId': 1, 'temp': True, 'jti': str(uuid.uuid4()), 'iat': int(time.time()), 'signInTime': int(time.time() * 1000), 'exp': int(time.time()) + 3600})}"}
        status, _, providers = call("GET", f"{sidecar}/api/mailProviders:list", headers=admin)
        if status != 200:
            fail(f"mailProviders:list: {status} {providers}")
        for row in providers["data"]:
            if not (row["enabled"] and row["clientSecretSet"] and row["clientId"] == f"demo-{row['name']}-client"):
                fail(f"provider not saved by setup.sh: {row}")
        print("ok - setup.sh saved both demo apps in the sidecar as the NocoBase admin")

        now = int(time.time())
        user = {"authorization": f"Bearer {token({'userId': 5, 'temp': True, 'jti': str(uuid.uuid4()), 'iat': now, 'signInTime': now * 1000, 'exp': now + 3600})}"}
        for provider, mailbox in (("google", "demo@gmail.test"), ("microsoft", "demo@outlook.test")):
            # Microsoft without a returnUrl: the browser must come back to NocoBase's
            # browser-facing origin, not to the internal one the sidecar calls.
            asked = {"provider": provider, "returnUrl": f"{browser_nocobase}/admin/mail"} if provider == "google" else {"provider": provider}
            status, answer_headers, reply = call("POST", f"{sidecar}/api/mailAccounts:authorize", asked, headers=user)
            if status != 200:
                fail(f"authorize {provider}: {status} {reply}")
            url = reply["data"]["url"]
            # The browser that asked holds the connect's binding cookie; the callback wants it.
            binding = answer_headers.get("set-cookie", "").split(";")[0]
            if not binding.startswith("em_connect_"):
                fail(f"authorize {provider}: no browser-binding cookie")
            if not url.startswith(f"{browser_side}/{provider}/"):
                fail(f"the browser is sent to {url}, not to the emulator's published address {browser_side}")
            status, _, page = call("GET", url)
            if status != 200 or 'name="email"' not in page:
                fail(f"{provider} consent page: {status}")
            status, headers, _ = call("POST", url, {"email": mailbox, "action": "allow"}, form=True)
            callback = headers.get("location", "")
            if status != 302 or not callback.startswith(f"{sidecar}/api/mailOAuth:callback"):
                fail(f"{provider} consent did not return to the sidecar: {status} {callback}")
            status, headers, _ = call("GET", callback, headers={"cookie": binding})
            landed = headers.get("location", "")
            if status != 302 or "status=connected" not in landed or not landed.startswith(browser_nocobase):
                fail(f"{provider} callback: {status} {landed}")
            account = urllib.parse.parse_qs(urllib.parse.urlparse(landed).query)["mailAccountId"][0]
            deadline = time.time() + 60
            while True:
                _, _, listed = call("GET", f"{sidecar}/api/mailMessages:list?filter=" + urllib.parse.quote(json.dumps({"accountId": int(account)})), headers=user)
                count = listed.get("meta", {}).get("count", 0) if isinstance(listed, dict) else 0
                if count == MESSAGES:
                    break
                if time.time() > deadline:
                    fail(f"{mailbox}: {count} of {MESSAGES} messages listed after 60 s")
                time.sleep(0.5)
            print(f"ok - demo: {mailbox} connects through the emulator's consent page and its {MESSAGES} messages are listed")
    finally:
        for child in children:
            child.terminate()
        for child in children:
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()


if __name__ == "__main__":
    main()
