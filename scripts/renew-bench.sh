#!/usr/bin/env bash
# The cost of sealing and renewing the evidence record (RFC 4998) of a large bag, with a local
# TSA (`openssl ts -reply` behind a small HTTP server on loopback). Prints seconds per step.
#   LEDGER=DIR scripts/renew-bench.sh   # the bag of that ledger (e.g. the 1M-entry log that
#                                       # `BENCH_KEEP=DIR cargo bench -p ledger --bench core -- build` keeps)
#   PAYLOAD_MB=480 scripts/renew-bench.sh   # the demo's bag grown by that many random bytes
#                                       # (the record hashes every payload file whole: only bytes count)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-target/release/congress-ledger}
PAYLOAD_MB=${PAYLOAD_MB:-480}
W=$(mktemp -d)
trap 'kill "${TSA_PID:-0}" 2>/dev/null || true; rm -rf "$W"' EXIT
cd "$W"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem \
    -days 30 -subj "/CN=bench CA" -addext basicConstraints=critical,CA:TRUE \
    -addext keyUsage=critical,keyCertSign 2>/dev/null
printf 'extendedKeyUsage=critical,timeStamping\nbasicConstraints=CA:FALSE\n' > ext.cnf
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout tsa.key -out tsa.csr \
    -subj "/CN=bench TSA" 2>/dev/null
openssl x509 -req -in tsa.csr -CA ca.pem -CAkey ca.key -set_serial 2 -days 30 -extfile ext.cnf \
    -out tsa.pem 2>/dev/null
cat > tsa.cnf <<CNF
[ tsa ]
default_tsa = t
[ t ]
serial = $W/serial
crypto_device = builtin
signer_cert = $W/tsa.pem
certs = $W/ca.pem
signer_key = $W/tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256, sha384, sha512, sha3-256, sha3-512
CNF
cat > tsa.py <<'PY'
import http.server, subprocess, sys, tempfile
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        q = self.rfile.read(int(self.headers["Content-Length"]))
        with tempfile.NamedTemporaryFile() as f:
            f.write(q); f.flush()
            r = subprocess.run(["openssl", "ts", "-reply", "-config", sys.argv[2], "-queryfile", f.name],
                               capture_output=True).stdout
        self.send_response(200)
        self.send_header("Content-Type", "application/timestamp-reply")
        self.send_header("Content-Length", str(len(r)))
        self.end_headers()
        self.wfile.write(r)
    def log_message(self, *a): pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PY
PORT=$((20000 + RANDOM % 20000))
python3 tsa.py "$PORT" "$W/tsa.cnf" & TSA_PID=$!
sleep 1
TSA=http://127.0.0.1:$PORT/
t() { local s; s=$(date +%s.%N); "$@" >/dev/null; echo "$(echo "$(date +%s.%N) - $s" | bc)"; }
if [[ -n "${LEDGER:-}" ]]; then
    echo "export (no --tsa)                $(t "$OLDPWD/$BIN" export --ledger "$LEDGER" --out bag) s"
else
    "$OLDPWD/$BIN" demo --ledger demo >/dev/null
    "$OLDPWD/$BIN" export --ledger demo --out bag >/dev/null
    head -c "$((PAYLOAD_MB << 20))" /dev/urandom > bag/data/payload.bin
fi
echo "payload                          $(du -sm bag/data | cut -f1) MiB, $(find bag/data -type f | wc -l) files"
echo "seal (sha256)                    $(t "$OLDPWD/$BIN" archive seal bag --tsa "$TSA") s"
echo "renew: timestamp                 $(t "$OLDPWD/$BIN" archive renew bag --tsa "$TSA" --tsa-ca ca.pem) s"
echo "renew: hash tree (sha512)        $(t "$OLDPWD/$BIN" archive renew bag --tsa "$TSA" --tsa-ca ca.pem --hash sha512) s"
echo "renew: timestamp after that      $(t "$OLDPWD/$BIN" archive renew bag --tsa "$TSA" --tsa-ca ca.pem) s"
echo "renew: hash tree (sha3-512)      $(t "$OLDPWD/$BIN" archive renew bag --tsa "$TSA" --tsa-ca ca.pem --hash sha3-512) s"
