#!/usr/bin/env python3
"""Runs every ```sh block of README.md and docs/*.md, as written, against a real server.

Usage (from anywhere in the repository):

    python3 scripts/doc-blocks.py                   # every file
    python3 scripts/doc-blocks.py docs/flows.md     # one file (or several)
    python3 scripts/doc-blocks.py -v docs/api.md    # and print each command as it runs

The binary is target/debug/clientele (what `make test` builds), or the one CLIENTELE_BINARY
names; it is copied once at the start, so a rebuild during the run does not disturb it.
PostgreSQL (for blocks marked `<!-- doc: postgres -->`) is CLIENTELE_TEST_POSTGRES_URL, by
default postgres://postgres@127.0.0.1:5432, where a throw-away database is created.

Each file gets a fresh server: the binary, started in a temporary directory (so its SQLite
database is data/clientele.db there, as with `make run`), on a free port, with the README
walkthrough's admin token (`walkthrough-admin-token`) and a cheap bcrypt cost; messages go to
its log. The file's blocks then run in order in one bash session (cwd that directory,
`clientele` on PATH, `set -eu -o pipefail`), command by command. The convention the docs follow
is in docs/architecture.md, "Documentation that runs"; in short:

- `[VAR=value …] make run` is not run: the server is (re)started with those variables.
- `127.0.0.1:8080` is replaced by the server's address, in commands and shown answers.
- `<!-- doc: NAME = SOURCE -->` before a block fills the block's line `NAME=…` with a value
  from the server's log (`the code mailed to ann@example.com`, `the code texted to +91…`;
  code, identifier, secret, key or link) or from the last answer (`uuid of the last answer`,
  `deletionRequests.0.id of the last answer`, `/REGEX/ in the last answer`).
- `<!-- doc: skip: REASON -->` skips the next block (the reason is printed);
  `<!-- doc: postgres -->` replaces `postgres://…` in it with a fresh database's URL;
  `<!-- doc: twice: REASON -->` anywhere runs the whole file a second time on the same server.
- A command fails when it exits non-zero or a curl in it gets a 4xx/5xx that the comment under
  it (`# 400 {…}`) does not show. A shown answer (`# [STATUS] [JSON] [prose]`, under the
  command or at the end of its line) is compared: the status, and the JSON structurally, `…`
  standing for any value, any rest of a string, the other fields of an object or the other
  items of a list; timestamps, uuids, ids, tokens, keys and expiry dates are compared by kind
  only.

A failure prints the file, the line, the command and the answer; the file stops there, the
other files still run. Exit status: 0 all passed, 1 something failed, 3 only skipped (the
PostgreSQL blocks, when PostgreSQL is unreachable outside CI; with CI=true that fails).
"""
import json
import os
import re
import select
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ADMIN_TOKEN = "walkthrough-admin-token"
DOC_PORT = "127.0.0.1:8080"
COMMAND_TIMEOUT = 30
ELLIPSIS = "…"

# The server's environment unless a `make run` block says otherwise. A cheap bcrypt cost, as
# the end-to-end tests use: it changes no answer.
SERVER_DEFAULTS = {
    "CLIENTELE_ADMIN_TOKEN": ADMIN_TOKEN,
    "CLIENTELE_BCRYPT_COST": "4",
}

verbose = False


class Failure(Exception):
    """A command whose outcome is not what the document says."""


class Skipped(Exception):
    """A block that could not be run here, and may be skipped outside CI."""


# ---------------------------------------------------------------------------------------------
# Markdown: the sh blocks, their directives, their commands and shown answers.


class Command:
    def __init__(self, line, text, trailing):
        self.line = line          # line number in the file of the command's first line
        self.text = text          # the command as written (continuation lines included)
        self.trailing = trailing  # a comment at the end of its last line, or None
        self.comments = []        # the comment lines right under it, '#' removed

    def shown(self):
        """The shown answer: the comment under the command, else the one on its line."""
        if self.comments:
            return "\n".join(self.comments)
        return self.trailing


class Block:
    def __init__(self, path, line, directives):
        self.path = path
        self.line = line
        self.directives = directives  # [(line, text)]
        self.commands = []


DIRECTIVE = re.compile(r"^\s*<!--\s*doc:\s*(.*?)\s*-->\s*$")
FENCE = re.compile(r"^(\s*)(```+)\s*([\w-]*)")


def read_blocks(path):
    """The sh blocks of a Markdown file, and the file-level directives.

    A ```json block right after a ```sh block (nothing but blank lines between) shows the answer
    of that block's last command, when the command shows none under it: it is compared too."""
    blocks, file_directives, pending = [], [], []
    sh_closed_at = None  # the line of the last ```sh block's closing fence
    lines = open(path, encoding="utf-8").read().split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        m = DIRECTIVE.match(line)
        if m:
            text = m.group(1)
            if re.match(r"^twice\b", text):
                file_directives.append((i + 1, text))
            else:
                pending.append((i + 1, text))
            i += 1
            continue
        m = FENCE.match(line)
        if not m:
            i += 1
            continue
        indent, fence, lang = m.group(1), m.group(2), m.group(3)
        body, j = [], i + 1
        while j < len(lines) and not lines[j].strip().startswith(fence):
            body.append(lines[j][len(indent):] if lines[j].startswith(indent) else lines[j].lstrip())
            j += 1
        if lang == "sh":
            block = Block(path, i + 1, pending)
            block.commands = split_commands(body, i + 2)
            blocks.append(block)
            sh_closed_at = j
        elif (lang == "json" and sh_closed_at is not None and blocks and blocks[-1].commands
              and all(not l.strip() for l in lines[sh_closed_at + 1:i])
              and blocks[-1].commands[-1].shown() is None):
            blocks[-1].commands[-1].comments = body
        elif pending:
            raise Failure(f"{path}:{pending[0][0]}: a doc directive before a block that is not ```sh")
        pending = []
        i = j + 1
    if pending:
        raise Failure(f"{path}:{pending[0][0]}: a doc directive with no ```sh block after it")
    return blocks, file_directives


def scan(text):
    """Where a shell text stands at its end: (complete, start of a trailing comment or None).

    Enough of the shell's lexing for the docs: quotes, backslashes, $( … ), comments, and lines
    that continue (a final backslash, pipe or && / ||)."""
    stack, comment_at, i = [], None, 0  # stack: '"' in double quotes, '(' in $( … )
    while i < len(text):
        c = text[i]
        if stack and stack[-1] == '"':
            if c == "\\":
                i += 1
            elif c == '"':
                stack.pop()
            elif text.startswith("$(", i):
                stack.append("(")
                i += 1
        elif c == "\\":
            i += 1
        elif c == "'":
            close = text.find("'", i + 1)
            if close == -1:
                return False, None
            i = close
        elif c == '"':
            stack.append('"')
        elif text.startswith("$(", i):
            stack.append("(")
            i += 1
        elif c == ")" and stack:
            stack.pop()
        elif c == "#" and (i == 0 or text[i - 1] in " \t\n;("):
            end = text.find("\n", i)
            if end == -1:
                if not stack:
                    comment_at = i
                break
            i = end
            continue
        i += 1
    if stack:
        return False, None
    code = text if comment_at is None else text[:comment_at]
    code = code.rstrip()
    if code.endswith("\\") or code.endswith("|") or code.endswith("&&"):
        return False, None
    return True, comment_at


def split_commands(body, first_line):
    commands, current, start, last = [], [], None, None
    for n, line in enumerate(body, first_line):
        if not current:
            stripped = line.strip()
            if not stripped:
                last = None
                continue
            if stripped.startswith("#"):
                if last is not None:
                    last.comments.append(stripped[1:].strip())
                continue
            start = n
        current.append(line)
        text = "\n".join(current)
        complete, comment_at = scan(text)
        if complete:
            trailing = text[comment_at + 1:].strip() if comment_at is not None else None
            code = text if comment_at is None else text[:comment_at].rstrip()
            last = Command(start, code, trailing)
            commands.append(last)
            current = []
    if current:
        raise Failure(f"line {start}: a command that does not end (a quote or $( left open?): "
                      f"{' '.join(current)[:80]}")
    return commands


# ---------------------------------------------------------------------------------------------
# Shown answers: "[STATUS] [JSON] [prose]", JSON with … as a wildcard.


class Rest:
    """`…` where an object's other fields or a list's other items may be."""


REST = Rest()


class Any:
    """`…` where a value is."""


ANY = Any()


class JsonEllipsisParser:
    def __init__(self, text):
        self.text, self.i = text, 0

    def ws(self):
        while self.i < len(self.text) and self.text[self.i] in " \t\r\n":
            self.i += 1

    def error(self, what):
        raise ValueError(f"{what} at {self.text[self.i:self.i + 30]!r}")

    def ellipsis(self):
        """`…`, or `…a note…`: an ellipsis with a word of explanation."""
        self.i += 1
        close = self.text.find(ELLIPSIS, self.i)
        if close != -1 and not re.search(r'[,{}\[\]:"]', self.text[self.i:close]) and close > self.i:
            self.i = close + 1

    def value(self):
        self.ws()
        if self.i >= len(self.text):
            self.error("a value expected")
        c = self.text[self.i]
        if c == ELLIPSIS:
            self.ellipsis()
            return ANY
        if c == "{":
            self.i += 1
            result, rest = {}, False
            self.ws()
            if self.text.startswith("}", self.i):
                self.i += 1
                return result
            while True:
                self.ws()
                if self.text.startswith(ELLIPSIS, self.i):
                    self.ellipsis()
                    rest = True
                else:
                    if not self.text.startswith('"', self.i):
                        self.error("a field name expected")
                    key, self.i = json.decoder.scanstring(self.text, self.i + 1)
                    self.ws()
                    if not self.text.startswith(":", self.i):
                        self.error("':' expected")
                    self.i += 1
                    result[key] = self.value()
                self.ws()
                if self.text.startswith(",", self.i):
                    self.i += 1
                    continue
                if self.text.startswith("}", self.i):
                    self.i += 1
                    if rest:
                        result[REST] = True
                    return result
                self.error("',' or '}' expected")
        if c == "[":
            self.i += 1
            result = []
            self.ws()
            if self.text.startswith("]", self.i):
                self.i += 1
                return result
            while True:
                self.ws()
                if self.text.startswith(ELLIPSIS, self.i):
                    self.ellipsis()
                    result.append(REST)
                else:
                    result.append(self.value())
                self.ws()
                if self.text.startswith(",", self.i):
                    self.i += 1
                    continue
                if self.text.startswith("]", self.i):
                    self.i += 1
                    return result
                self.error("',' or ']' expected")
        if c == '"':
            s, self.i = json.decoder.scanstring(self.text, self.i + 1)
            return s
        m = re.compile(r"-?\d+(\.\d+)?([eE][-+]?\d+)?").match(self.text, self.i)
        if m:
            self.i = m.end()
            return json.loads(m.group(0))
        for word, v in (("true", True), ("false", False), ("null", None)):
            if self.text.startswith(word, self.i):
                self.i += len(word)
                return v
        self.error("a JSON value expected")


def parse_shown(text):
    """(status or None, expected JSON or None, whether JSON is shown).

    The status opens the first line; the JSON follows it, or opens a later line (prose may sit
    between, and after it)."""
    if text is None:
        return None, None, False
    status = None
    m = re.match(r"^([1-5]\d\d)(?=$|[\s,:;.—-])", text)
    if m:
        status = int(m.group(1))
        text = text[m.end():]
    first, _, later = text.partition("\n")
    # A reason phrase may follow the status (`200 OK {…}`): the JSON after it is still shown.
    first = re.sub(r"^[\s,:—-]*(?:[A-Z][A-Za-z]*(?: [A-Z][A-Za-z]*)*)?[\s,:—-]*(?=[{\[])", "", first)
    if first.lstrip(" \t,:—-").startswith(("{", "[")):
        rest = first.lstrip(" \t,:—-") + "\n" + later
    else:
        m = re.search(r"^[{\[]", later, re.M)
        if not m:
            return status, None, False
        rest = later[m.start():]
    parser = JsonEllipsisParser(rest)
    return status, parser.value(), True


TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)?$")
UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
# Fields whose values differ on every run: ids, tokens, keys, codes, times, expiry dates (the
# docs' dates are relative to today). Their values are compared by kind (null or not, type).
VOLATILE = re.compile(
    r"^(id|uuid|key|prefix|challenge|instance|token|referal_code)$"
    r"|(_id|Id|_token|Token|At|_at|Upto|[Ee]xpiry|expires_on|expiresOn)$"
)


def kind(v):
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, (int, float)):
        return "number"
    if isinstance(v, str):
        return "string"
    if isinstance(v, list):
        return "list"
    return "object"


def show(v):
    return json.dumps(v, ensure_ascii=False)[:200]


def compare(shown, real, where="", volatile=False):
    """The differences between a shown value and the real one, as sentences."""
    at = where or "the answer"
    if shown is ANY:
        return []
    if isinstance(shown, dict):
        if not isinstance(real, dict):
            return [f"{at}: an object shown, the answer has {show(real)}"]
        problems = []
        keys = [k for k in shown if k is not REST]
        missing = [k for k in keys if k not in real]
        extra = [k for k in real if k not in shown] if REST not in shown else []
        if missing or extra:
            text = f"{at}: "
            if missing:
                text += "missing field(s) " + ", ".join(missing)
            if extra:
                text += ("; " if missing else "") + "unexpected field(s) " + ", ".join(extra)
            problems.append(text)
        for k in keys:
            if k in real:
                problems += compare(shown[k], real[k], f"{where}.{k}" if where else k,
                                    bool(VOLATILE.search(k)))
        return problems
    if isinstance(shown, list):
        if not isinstance(real, list):
            return [f"{at}: a list shown, the answer has {show(real)}"]
        rest = REST in shown
        items = shown[:shown.index(REST)] if rest else shown
        # Items shown after `…` are the list's last ones.
        tail = shown[shown.index(REST) + 1:] if rest else []
        if len(real) < len(items) + len(tail) or (not rest and len(real) != len(items)):
            return [f"{at}: {len(items) + len(tail)}{' or more' if rest else ''} item(s) shown, the answer has {len(real)}"]
        problems = []
        for n, item in enumerate(items):
            problems += compare(item, real[n], f"{where}[{n}]", volatile)
        for n, item in enumerate(tail, start=len(real) - len(tail)):
            problems += compare(item, real[n], f"{where}[{n}]", volatile)
        return problems
    if isinstance(shown, str) and isinstance(real, str):
        if shown == real:
            return []
        if ELLIPSIS in shown and (volatile or re.fullmatch(
                ".*".join(re.escape(p) for p in shown.split(ELLIPSIS)), real, re.S)):
            return []
        if shown.startswith("<") and shown.endswith(">"):
            return []  # a placeholder: <account uuid>
        if volatile or (TIMESTAMP.match(shown) and TIMESTAMP.match(real)) \
                or (UUID.match(shown) and UUID.match(real)):
            return []
        return [f"{at}: {show(shown)} shown, the answer has {show(real)}"]
    if kind(shown) != kind(real):
        return [f"{at}: {show(shown)} shown, the answer has {show(real)}"]
    if volatile or shown == real:
        return []
    return [f"{at}: {show(shown)} shown, the answer has {show(real)}"]


# ---------------------------------------------------------------------------------------------
# The server.


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, binary, workdir):
        self.binary, self.workdir = binary, workdir
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process, self.env, self.log = None, None, os.path.join(workdir, "server.log")

    def start(self, variables):
        env = dict(SERVER_DEFAULTS)
        env.update(variables)
        env["CLIENTELE_LISTEN"] = f"127.0.0.1:{self.port}"
        env.setdefault("CLIENTELE_PUBLIC_URL", self.base)
        if self.process and self.process.poll() is None and env == self.env:
            return
        self.stop()
        self.env = env
        full = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": self.workdir}
        full.update(env)
        with open(self.log, "a") as log:
            self.process = subprocess.Popen([self.binary], cwd=self.workdir, env=full, stdout=log,
                                            stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.time() + 20
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise Failure(f"the server stopped at start:\n{self.log_text()[-3000:]}")
            try:
                with urllib.request.urlopen(f"{self.base}/health/ready", timeout=1):
                    return
            except OSError:
                time.sleep(0.05)
        raise Failure(f"the server did not answer within 20 s:\n{self.log_text()[-3000:]}")

    def running(self):
        return self.process is not None and self.process.poll() is None

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def log_text(self):
        try:
            return open(self.log, encoding="utf-8", errors="replace").read()
        except FileNotFoundError:
            return ""

    def admin(self, path, tenant=None):
        request = urllib.request.Request(f"{self.base}{path}", headers={
            "Authorization": f"Bearer {self.env.get('CLIENTELE_ADMIN_TOKEN', '')}",
            **({"tenant": tenant} if tenant else {})})
        with urllib.request.urlopen(request, timeout=5) as answer:
            return json.load(answer)

    def drain_outbox(self):
        """Waits (10 s at most) until no message of any tenant waits to be sent."""
        deadline = time.time() + 10
        while time.time() < deadline:
            try:
                tenants = [t["id"] for t in self.admin("/admin/v1/tenants")["tenants"]]
                if not any(self.admin("/admin/v1/outbox?status=pending", t)["messages"] for t in tenants):
                    return
            except (OSError, ValueError, KeyError):
                time.sleep(0.5)  # no admin token known: give the worker its time
                return
            time.sleep(0.1)

    def messages(self):
        """The messages written to the log: [(channel, recipient, body)], oldest first."""
        found = []
        entry = re.compile(r"^\d{4}-\d\d-\d\dT\S+\s+[A-Z]+\s", re.M)
        text = self.log_text()
        starts = [m.start() for m in entry.finditer(text)] + [len(text)]
        for a, b in zip(starts, starts[1:]):
            chunk = text[a:b].rstrip("\n")
            first, _, body = chunk.partition("\n")
            if "email (not sent" in first:
                channel = "mailed"
            elif "text message (not sent" in first:
                channel = "texted"
            else:
                continue
            m = re.search(r" to=(\S+)( subject=.*)?$", body)
            if not m:
                continue
            found.append((channel, m.group(1), body[:m.start()]))
        return found


# ---------------------------------------------------------------------------------------------
# The bash session.

SESSION_INIT = r"""
# -e: a failing command inside a line (`a; b`) fails the example too (the session ends, and the
# file with it).
set -eu -o pipefail
# curl as the docs call it, besides noting each call's exit status, HTTP status and answer.
curl() {
    local __h __b __rc
    __h=$(mktemp "$DOC_TMP/head.XXXXXX") && __b=$(mktemp "$DOC_TMP/body.XXXXXX") || return 1
    command curl -D "$__h" -o "$__b" "$@"
    __rc=$?
    cat "$__b"
    printf '%s\t%s\t%s\n' "$__rc" "$(awk '/^HTTP\//{s=$2} END{print s}' "$__h")" "$__b" >>"$DOC_CALLS"
    return $__rc
}
"""


class Session:
    def __init__(self, workdir, bindir):
        self.tmp = tempfile.mkdtemp(dir=workdir, prefix="session.")
        self.calls = os.path.join(self.tmp, "calls")
        self.out = os.path.join(self.tmp, "out")
        self.err = os.path.join(self.tmp, "err")
        env = {"PATH": f"{bindir}:{os.environ.get('PATH', '/usr/bin:/bin')}",
               "HOME": os.environ.get("HOME", workdir), "LANG": "C.UTF-8",
               "DOC_TMP": self.tmp, "DOC_CALLS": self.calls}
        self.process = subprocess.Popen(["bash", "--noprofile", "--norc"], cwd=workdir, env=env,
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, start_new_session=True)
        self.send(SESSION_INIT)
        self.buffer = b""

    def send(self, text):
        self.process.stdin.write(text.encode())
        self.process.stdin.flush()

    def run(self, text):
        """Runs one command: (exit status, stdout, stderr, [(curl status, http status, body)])."""
        for f in (self.calls, self.out, self.err):
            open(f, "w").close()
        marker = f"__doc_done_{time.time_ns()}"
        try:
            self.send(f"{{\n{text}\n}} >{shlex.quote(self.out)} 2>{shlex.quote(self.err)} </dev/null\n"
                      f"printf '\\n{marker} %d\\n' $?\n")
        except BrokenPipeError:
            return self.finish(None)
        deadline = time.time() + COMMAND_TIMEOUT
        while True:
            m = re.search(rf"{marker} (\d+)\n".encode(), self.buffer)
            if m:
                self.buffer = self.buffer[m.end():]
                return self.finish(int(m.group(1)))
            left = deadline - time.time()
            if left <= 0:
                self.close()
                return self.finish("timeout")
            ready, _, _ = select.select([self.process.stdout], [], [], left)
            if ready:
                chunk = os.read(self.process.stdout.fileno(), 65536)
                if not chunk:
                    return self.finish(None)
                self.buffer += chunk

    def finish(self, status):
        read = lambda f: open(f, encoding="utf-8", errors="replace").read()
        calls = []
        for line in read(self.calls).splitlines():
            rc, http, body = line.split("\t", 2)
            calls.append((int(rc), int(http) if http else None, read(body)))
        return status, read(self.out), read(self.err), calls

    def close(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


# ---------------------------------------------------------------------------------------------
# Running a file.

ASSIGNMENT = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=")
MAKE_RUN = re.compile(r"^((?:[A-Z_][A-Z0-9_]*=\S+\s+)*)make\s+run\s*$")
FROM_LOG = re.compile(r"^the (code|identifier|secret|key|link) (mailed|texted) to (\S+)$")
FROM_ANSWER = re.compile(r"^(\S+) of the last answer$")
REGEX_ANSWER = re.compile(r"^/(.+)/ in the last answer$")


class FileRun:
    def __init__(self, path, binary, bindir):
        self.path = os.path.relpath(path, ROOT) if path.startswith(ROOT + os.sep) else path
        self.binary, self.bindir = binary, bindir
        self.workdir = tempfile.mkdtemp(prefix="doc-blocks.")
        self.server = Server(binary, self.workdir)
        self.last_answer = None
        self.commands = 0
        self.skips = []
        self.databases = []
        self.second_pass = False

    def substitute(self, text):
        return text.replace(DOC_PORT, f"127.0.0.1:{self.server.port}")

    def value_of(self, source):
        m = FROM_LOG.match(source)
        if m:
            field, channel, recipient = m.groups()
            self.server.drain_outbox()
            bodies = [b for c, r, b in self.server.messages()
                      if c == channel and r.lower() == recipient.lower()]
            if not bodies:
                raise Failure(f"no message {channel} to {recipient} in the server's log")
            body = bodies[-1]
            if field == "link":
                found = re.search(r"https?://\S+", body)
            else:
                found = re.search(rf"^{field.capitalize()}: (\S+)\s*$", body, re.M)
            if not found:
                raise Failure(f"no {field} in the latest message {channel} to {recipient}:\n{body}")
            return found.group(found.lastindex or 0)
        if self.last_answer is None:
            raise Failure(f"{source!r}: no answer yet")
        m = REGEX_ANSWER.match(source)
        if m:
            found = re.search(m.group(1), self.last_answer, re.M)
            if not found:
                raise Failure(f"/{m.group(1)}/ is not in the last answer:\n{self.last_answer}")
            return found.group(found.lastindex or 0)
        m = FROM_ANSWER.match(source)
        if m:
            try:
                value = json.loads(self.last_answer)
                for part in m.group(1).split("."):
                    value = value[int(part)] if isinstance(value, list) else value[part]
            except (ValueError, KeyError, IndexError, TypeError):
                raise Failure(f"no {m.group(1)} in the last answer:\n{self.last_answer}")
            return value if isinstance(value, str) else json.dumps(value)
        raise Failure(f"unknown source {source!r} (see scripts/doc-blocks.py)")

    def fresh_database(self):
        url = os.environ.get("CLIENTELE_TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432").rstrip("/")
        name = f"clientele_docs_{os.getpid()}_{len(self.databases)}"
        try:
            subprocess.run(["psql", f"{url}/postgres", "-qc", f'CREATE DATABASE "{name}"'], check=True,
                           capture_output=True, timeout=20)
        except (OSError, subprocess.SubprocessError) as e:
            detail = getattr(e, "stderr", b"") or b""
            raise Skipped(f"PostgreSQL unreachable at {url} ({detail.decode().strip() or e})")
        self.databases.append((url, name))
        return f"{url}/{name}"

    def drop_databases(self):
        for url, name in self.databases:
            subprocess.run(["psql", f"{url}/postgres", "-qc", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'],
                           capture_output=True, timeout=20)

    def run(self):
        """Runs the file's blocks: a list of failure reports (empty: passed)."""
        try:
            blocks, file_directives = read_blocks(os.path.join(ROOT, self.path))
            passes = 2 if file_directives else 1
            for n in range(passes):
                self.second_pass = n > 0
                if n:
                    print(f"   {self.path}: the second pass, on the same server ({file_directives[0][1]})")
                session = Session(self.workdir, self.bindir)
                try:
                    for block in blocks:
                        self.run_block(block, session)
                finally:
                    session.close()
            return []
        except Failure as failure:
            return [str(failure)]
        finally:
            self.server.stop()
            self.drop_databases()
            shutil.rmtree(self.workdir, ignore_errors=True)

    def run_block(self, block, session):
        fills, replace = {}, {}
        for line, text in block.directives:
            if text.startswith("skip"):
                reason = text[4:].lstrip(" :—-")
                if not reason:
                    raise Failure(f"{self.path}:{line}: a skip directive needs a reason")
                if not self.second_pass:
                    print(f"   {self.path}:{block.line}: not run: {reason}")
                return
            if text == "postgres":
                try:
                    replace["postgres://…"] = self.fresh_database()
                except Skipped as skipped:
                    print(f"!!!!!!!! {self.path}:{block.line}: SKIPPED, NOT run: {skipped} !!!!!!!!")
                    self.skips.append(f"{self.path}:{block.line}")
                    return
                continue
            m = re.match(r"^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.+)$", text)
            if not m:
                raise Failure(f"{self.path}:{line}: unknown directive <!-- doc: {text} -->")
            fills[m.group(1)] = (line, m.group(2))
        assigned = {ASSIGNMENT.match(c.text).group(1) for c in block.commands if ASSIGNMENT.match(c.text)}
        for name, (line, _) in fills.items():
            if name not in assigned:
                raise Failure(f"{self.path}:{line}: the directive fills {name}, which the block after it does not set")
        for command in block.commands:
            self.run_command(command, session, fills, replace)

    def run_command(self, command, session, fills, replace):
        where = f"{self.path}:{command.line}"
        text = self.substitute(command.text)
        for old, new in replace.items():
            text = text.replace(old, new)
        m = MAKE_RUN.match(text.strip())
        if m:
            variables = dict(a.split("=", 1) for a in shlex.split(m.group(1)))
            try:
                self.server.start(variables)
            except Failure as e:
                raise Failure(f"FAILED {where}\n  $ {command.text}\n  {e}")
            if verbose:
                print(f"   {where}: server at {self.server.base} with {variables or 'the defaults'}")
            return
        if not self.server.running():
            self.server.start({})
        m = ASSIGNMENT.match(text)
        if m and m.group(1) in fills:
            try:
                value = self.value_of(fills[m.group(1)][1])
            except Failure as e:
                raise Failure(f"FAILED {where}\n  $ {command.text}\n  {e}")
            text = f"{m.group(1)}={shlex.quote(value)}"
        try:
            expected_status, expected, shows_json = parse_shown(
                None if command.shown() is None else self.substitute(command.shown()))
        except ValueError as e:
            raise Failure(f"FAILED {where}\n  $ {command.text}\n  the shown answer does not parse: {e}")
        if verbose:
            print(f"   {where}: $ {text}")
        self.commands += 1
        started = time.time()
        status, out, err, calls = session.run(text)
        problems = []
        if status is None:
            problems.append("the shell exited")
        elif status == "timeout":
            problems.append(f"no answer within {COMMAND_TIMEOUT} s")
        elif status != 0:
            problems.append(f"exit status {status}")
        answer = calls[-1][2] if calls else out
        if calls:
            self.last_answer = answer
        elif out.strip():
            self.last_answer = out
        for n, (rc, http, _) in enumerate(calls):
            last = n == len(calls) - 1
            if rc != 0:
                problems.append(f"curl exit status {rc}")
            elif last and expected_status is not None:
                if http != expected_status:
                    problems.append(f"status {http}, {expected_status} shown")
            elif http is None or http >= 400:
                problems.append(f"status {http} (a status of 400 or more must be shown under the command)")
        if expected_status is not None and not calls:
            problems.append("a status is shown, but the command made no HTTP call")
        if shows_json:
            try:
                real = json.loads(answer)
            except ValueError:
                problems.append("the answer is not JSON, JSON is shown")
            else:
                problems += compare(expected, real)
        if verbose and not problems:
            print(f"      ok ({time.time() - started:.2f} s{'' if not calls else ', ' + str(calls[-1][1])})")
        if problems:
            report = [f"FAILED {where}", f"  $ {command.text}"]
            if text != self.substitute(command.text):
                report.append(f"  (run as: {text})")
            report += [f"  - {p}" for p in problems]
            if calls:
                report.append(f"  answer ({calls[-1][1]}): {answer.strip()[:2000]}")
            if out.strip() and (not calls or out != answer):
                report.append(f"  stdout: {out.strip()[:2000]}")
            if err.strip():
                report.append(f"  stderr: {err.strip()[:2000]}")
            if command.shown() is not None:
                report.append("  shown: " + command.shown().replace("\n", "\n         "))
            raise Failure("\n".join(report))


def main(argv):
    global verbose
    # A stop from outside still stops the servers (the finally clauses run).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    args = [a for a in argv if a not in ("-v", "--verbose")]
    verbose = len(args) != len(argv)
    if any(a.startswith("-") for a in args):
        print(__doc__)
        return 2
    files = [os.path.abspath(a) for a in args] or \
        [os.path.join(ROOT, "README.md")] + sorted(
            os.path.join(ROOT, "docs", f) for f in os.listdir(os.path.join(ROOT, "docs")) if f.endswith(".md"))
    source = os.environ.get("CLIENTELE_BINARY") or os.path.join(ROOT, "target", "debug", "clientele")
    if not os.access(source, os.X_OK):
        print(f"doc-blocks: no binary at {source}: build it (cargo build -p clientele --bin clientele) "
              "or name one with CLIENTELE_BINARY")
        return 1
    bindir = tempfile.mkdtemp(prefix="doc-blocks-bin.")
    started = time.time()
    failures, skips, commands = [], [], 0
    try:
        binary = os.path.join(bindir, "clientele")
        shutil.copy2(source, binary)
        for path in files:
            run = FileRun(path, binary, bindir)
            file_started = time.time()
            reports = run.run()
            commands += run.commands
            skips += run.skips
            state = "FAILED" if reports else "passed"
            if run.skips:
                state += f" ({len(run.skips)} block(s) SKIPPED)"
            print(f"== {run.path}: {state}, {run.commands} command(s) in {time.time() - file_started:.1f} s")
            for report in reports:
                print(report)
            failures += [(run.path, r) for r in reports]
    finally:
        shutil.rmtree(bindir, ignore_errors=True)
    print(f"doc-blocks: {len(files)} file(s), {commands} command(s), {len(failures)} failed file(s), "
          f"{len(skips)} skipped block(s), {time.time() - started:.1f} s")
    if failures:
        return 1
    if skips:
        if os.environ.get("CI") == "true":
            print("doc-blocks: blocks were skipped, which CI=true does not allow")
            return 1
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
