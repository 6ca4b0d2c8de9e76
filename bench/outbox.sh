#!/usr/bin/env bash
# The e-mail outbox of issue 12: how many messages a second `simm serve`
# hands to the local mail sink (scripts/smtp-sink: aiosmtpd on loopback,
# STARTTLS and AUTH), from the POST that queues them until the sink has
# written the last one, against the peer a consultant would otherwise
# script, in the same run: Python's smtplib sending the same number of
# messages to the same sink over one STARTTLS connection. Both are bounded
# by the sink, which writes every message to a file; the ratio says what
# simm's durable outbox (a claim, a render and a recorded outcome per
# message, each a committed transaction) costs over a bare loop.
#
# Usage: bench/outbox.sh [MESSAGES ...]   (default: 1000)
# Environment: RATE (simm's --smtp-rate, default 1000: no throttling)
set -euo pipefail
cd "$(dirname "$0")/.."

counts=("$@")
[ ${#counts[@]} -gt 0 ] || counts=(1000)
rate=${RATE:-1000}
runs=1

work=$(mktemp -d)
server=
cleanup() {
    if [ -n "$server" ]; then
        kill "$server" 2>/dev/null || true
        wait "$server" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT
. bench/measure.sh
eval "$(scripts/smtp-sink)"

# The sink's header lines end in CR LF. grep -r reads the folder itself, so
# that thousands of files never overflow an argument list.
delivered() { grep -rl --include='*.eml' "^X-Sink-To: .*@$1" "$SIMM_TEST_SMTP_MAILDIR" 2>/dev/null | wc -l; }

now() { date +%s.%N; }

echo "| messages | simm serve (SQLite) | messages/s | peak | smtplib loop | messages/s | simm / smtplib |"
echo "|---:|---:|---:|---:|---:|---:|---:|"
for n in "${counts[@]}"; do
    rm -f "$work/simm.db"*
    export SIMM_DATABASE="sqlite://$work/simm.db"
    SIMM_SMTP_PASSWORD=$SIMM_TEST_SMTP_PASSWORD /usr/bin/time -v -o "$work/time" \
        "$simm" serve --bind 127.0.0.1:0 --smtp-url "$SIMM_TEST_SMTP_URL" --smtp-from bench@simm.example \
        --smtp-rate "$rate" >"$work/serve.out" 2>"$work/serve.err" &
    server=$!
    base=
    for _ in $(seq 600); do
        base=$(sed -n 's/^simm is serving on \(http:[^ ]*\).*/\1/p' "$work/serve.out")
        [ -n "$base" ] && break
        sleep 0.1
    done
    "$simm" user add bench@simm.example --role consultant </dev/null >/dev/null
    token=$("$simm" token create bench@simm.example)
    domain="simm-$n-$RANDOM.bench.example"
    start=$("$python" - "$base" "$token" "$n" "$domain" <<'EOF'
import json, sys, time, urllib.request

base, token, n, domain = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]

def call(path, body=None):
    request = urllib.request.Request(
        base + path,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"},
        method="POST" if body is not None else "GET",
    )
    with urllib.request.urlopen(request) as response:
        return json.load(response)

org = call("/api/v1/organizations", {"name": "Bench"})["id"]
assessment = call(f"/api/v1/organizations/{org}/assessments", {"title": "Outbox"})["id"]
call(f"/api/v1/assessments/{assessment}/open", {})
recipients = [{"email": f"person{i}@{domain}"} for i in range(n)]
start = time.time()
queued = call(f"/api/v1/assessments/{assessment}/invitations/email", {"recipients": recipients})
assert queued == {"queued": n}, queued
print(start)
EOF
)
    while [ "$(delivered "$domain")" -lt "$n" ]; do sleep 0.2; done
    simm_s=$("$python" -c "import sys, time; print(f'{time.time() - float(sys.argv[1]):.2f}')" "$start")
    # $server is GNU time, which reports once simm itself has stopped.
    pkill -TERM -P "$server" || true
    wait "$server" || true
    server=
    simm_mb=$(awk -F': ' '/Maximum resident set size/ {print int($2/1024)}' "$work/time")

    peer_domain="peer-$n-$RANDOM.bench.example"
    peer_s=$("$python" - "$n" "$peer_domain" <<'EOF'
import os, smtplib, ssl, sys, time
from email.message import EmailMessage
from urllib.parse import urlparse, parse_qs

n, domain = int(sys.argv[1]), sys.argv[2]
url = urlparse(os.environ["SIMM_TEST_SMTP_URL"])
context = ssl.create_default_context(cafile=parse_qs(url.query)["ca"][0])
start = time.time()
with smtplib.SMTP(url.hostname, url.port) as smtp:
    smtp.starttls(context=context)
    smtp.login(url.username, os.environ["SIMM_TEST_SMTP_PASSWORD"])
    for i in range(n):
        message = EmailMessage()
        message["From"] = "bench@simm.example"
        message["To"] = f"person{i}@{domain}"
        message["Subject"] = "Bench: your view on how we innovate"
        message.set_content(f"Hello,\n\nYour personal link: http://127.0.0.1/r/{i:064x}\n")
        message.add_alternative(f"<p>Hello,</p><p>Your personal link: <a href=\"http://127.0.0.1/r/{i:064x}\">link</a></p>", subtype="html")
        smtp.send_message(message)
print(f"{time.time() - start:.2f}")
EOF
)
    "$python" - "$n" "$simm_s" "$simm_mb" "$peer_s" <<'EOF'
import sys
n, simm_s, simm_mb, peer_s = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3], float(sys.argv[4])
print(f"| {n:,} | {simm_s:.2f} s | {n / simm_s:.0f} | {simm_mb} MB | {peer_s:.2f} s | {n / peer_s:.0f} | {peer_s / simm_s:.2f}× |")
EOF
done
