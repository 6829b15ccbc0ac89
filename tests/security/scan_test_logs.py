#!/usr/bin/env python3
"""The secret scan (issue 6, docs/security.md "Secret scan").

Reads every line the test suite printed -- each test binary's stdout and stderr (kept by
tests/support/log-test-output) and the stdout and stderr of every child the tests ran: the agent,
the cloud emulator, the printer simulator, snmpd, snmpsimd, tinyproxy, openssl, curl (kept by
tests/support/process.cc) -- all under the test log directory, and fails if any of them holds a
secret the suite used:
  - the list in tests/security/secrets.txt;
  - string literals of the test sources that are secrets by their name or key (SOURCE_PATTERNS:
    community/passphrase keys in YAML written by tests, kToken/kSecret... constants, password
    variables), so a secret a new test forgets to list is still looked for;
  - the tokens and activation codes the cloud emulator issued during the run
    ($LOGDIR/secrets/, written by the emulator).
Third-party peers configured with a secret may print it about themselves: snmpd and snmpsimd
(the device side holds the community and the v3 users) and tinyproxy (holds the proxy password).
Their lines are read too; a hit there is reported but does not fail the scan. Everything of the
project's own (the agent, the tests, the emulator, the simulator) fails it.

  scan_test_logs.py --logs DIR --source REPO      exit 0 clean, 1 a secret found, 77 no logs
  scan_test_logs.py --self-test --source REPO     plants a secret, expects to find it
"""
import argparse
import os
import re
import sys
import tempfile

# Values that look like secrets by their key but are not: well-known defaults, file names, and
# words of error messages the config tests assert on.
NOT_SECRETS = {"public", "private", "expected", "cannot", "shorter", "community.txt"}
MIN_LENGTH = 6

SOURCE_PATTERNS = [
    # YAML written by tests: "community: VALUE", "auth_passphrase: VALUE", "priv_passphrase: VALUE"
    re.compile(r'(?:community|auth_passphrase|priv_passphrase)\s*:\s*([A-Za-z0-9_.@!%+-]+)(?=\\n|"|,|\}|\s*$)'),
    # C++ constants: kToken[] = "...", kCommunity = "...", kSecretX = "...", kPassphrase...
    re.compile(r'\bk\w*(?:Token|Secret|Community|Passphrase|Password)\w*(?:\[\])?\s*=\s*"([^"\\]+)"'),
    # Variables: password = "...", token = "...", passphrase = "..."
    re.compile(r'\b\w*(?:password|passphrase|token)\s*=\s*"([^"\\]+)"'),
]
SOURCE_SUFFIXES = (".cc", ".h")
SOURCE_DIRS = ("tests/integration", "tests/unit", "tests/engine", "tests/emulator", "tests/support")

# Producers (log file name prefix: the program's base name) that are configured with the secret
# they may print: reported, not failed.
PEERS = ("snmpd", "snmpsimd", "snmpsim-command-responder", "tinyproxy")


def listed_secrets(source):
    secrets = set()
    with open(os.path.join(source, "tests/security/secrets.txt"), encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if line and not line.startswith("#"):
                secrets.add(line)
    return secrets


def source_secrets(source):
    found = set()
    for d in SOURCE_DIRS:
        for root, _, files in os.walk(os.path.join(source, d)):
            for name in files:
                if not name.endswith(SOURCE_SUFFIXES):
                    continue
                with open(os.path.join(root, name), encoding="utf-8", errors="replace") as f:
                    text = f.read()
                for pattern in SOURCE_PATTERNS:
                    found.update(pattern.findall(text))
    return found


def issued_secrets(logs):
    found = set()
    d = os.path.join(logs, "secrets")
    if os.path.isdir(d):
        for name in os.listdir(d):
            with open(os.path.join(d, name), encoding="utf-8", errors="replace") as f:
                found.update(line.strip() for line in f if line.strip())
    return found


def usable(secrets):
    return {s for s in secrets if len(s) >= MIN_LENGTH and s not in NOT_SECRETS}


def mask(secret):
    return secret[:3] + "*" * (len(secret) - 3)


def log_files(logs):
    out = []
    for root, dirs, files in os.walk(logs):
        dirs[:] = [d for d in dirs if d != "secrets"]
        out.extend(os.path.join(root, f) for f in files)
    return sorted(out)


def scan(logs, secrets):
    """Returns (files, lines, hits): hits are (path, line number, secret, is_peer)."""
    files = log_files(logs)
    lines = 0
    hits = []
    # One pass per file; a regex alternation of the secrets finds every one in a line.
    pattern = re.compile("|".join(re.escape(s) for s in sorted(secrets, key=len, reverse=True)))
    for path in files:
        producer = os.path.basename(path).split(".")[0]
        peer = producer.startswith(PEERS)
        with open(path, encoding="utf-8", errors="replace") as f:
            for number, line in enumerate(f, 1):
                lines += 1
                for m in pattern.finditer(line):
                    hits.append((path, number, m.group(0), peer))
    return files, lines, hits


def run(logs, source):
    files = log_files(logs) if os.path.isdir(logs) else []
    if not files:
        print(f"secret scan: no test logs in {logs}: run the suite first (scripts/test runs this "
              "scan after it)")
        return 77
    static = usable(listed_secrets(source) | source_secrets(source))
    issued = usable(issued_secrets(logs))
    files, lines, hits = scan(logs, static | issued)
    failures = [h for h in hits if not h[3]]
    for path, number, secret, peer in hits:
        kind = "peer (configured with it)" if peer else "LEAK"
        print(f"{os.path.relpath(path, logs)}:{number}: {kind}: secret {mask(secret)}")
    print(f"secret scan: {len(files)} files, {lines} lines, {len(static)} secrets from the tests "
          f"and {len(issued)} issued by the cloud emulator; {len(failures)} leak(s), "
          f"{len(hits) - len(failures)} line(s) of peers holding their own secret")
    return 1 if failures else 0


def self_test(source):
    secrets = sorted(usable(listed_secrets(source) | source_secrets(source)))
    expected = {"tok_3f9a7c1e5b2d4f6a8c0e", "s3cr3t-community", "pr0xy-pw-4711", "auth-pass-4242"}
    missing = expected - set(secrets)
    if missing:
        print(f"self-test: secrets not collected: {sorted(missing)}")
        return 1
    with tempfile.TemporaryDirectory() as logs:
        os.makedirs(os.path.join(logs, "secrets"))
        with open(os.path.join(logs, "secrets", "emulator.1"), "w") as f:
            f.write("IssuedToken-Zx81qW\n")
        with open(os.path.join(logs, "fleet-agent.1.1.err"), "w") as f:
            f.write("2026-01-01T00:00:00 info agent: clean line\n")
        if run(logs, source) != 0:
            print("self-test: a clean log failed the scan")
            return 1
        with open(os.path.join(logs, "snmpd.1.2.err"), "w") as f:
            f.write("createUser fleet-ops SHA-256 auth-pass-4242\n")
        if run(logs, source) != 0:
            print("self-test: a peer's own secret failed the scan")
            return 1
        for planted in ("auth-pass-4242", "IssuedToken-Zx81qW"):
            path = os.path.join(logs, "config_test.7.err")
            with open(path, "w") as f:
                f.write(f"line one\nerror: wrong passphrase {planted} for user\n")
            if run(logs, source) != 1:
                print(f"self-test: planted secret {planted} not found")
                return 1
            os.remove(path)
    print("self-test: clean logs pass, planted secrets are found, peers' own secrets are reported")
    return 0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--logs")
    parser.add_argument("--source", required=True)
    parser.add_argument("--self-test", action="store_true")
    args = parser.parse_args()
    if args.self_test:
        return self_test(args.source)
    if not args.logs:
        parser.error("--logs DIR is required")
    return run(args.logs, args.source)


if __name__ == "__main__":
    sys.exit(main())
