#!/usr/bin/env bash
# The server with 2,000 subscribers open (issue 16): `congress-ledger serve` (release build)
# over a fresh demo ledger; its threads and RSS, appends/s (the `load` generator, 64 clients)
# and read latency (GET /v1/events/{n} and an inclusion proof, one at a time) measured first
# with no subscriber, then with SUBSCRIBERS (2000) open on /v1/subscribe, each following the
# live log (and so sent every new entry), drained by one client thread. Prints a Markdown
# section for BENCHMARKS.md, with the load average.
#
#   scripts/subscribers-bench.sh            # SUBSCRIBERS=2000 LOAD_SECONDS=10 READS=300
set -euo pipefail
cd "$(dirname "$0")/.."
: "${SUBSCRIBERS:=2000}" "${LOAD_SECONDS:=10}" "${READS:=300}"

echo "== building (release)" >&2
cargo build --release --locked -q -p cli
cargo build --release --locked -q -p e2e --bin load

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
target/release/congress-ledger demo --ledger "$WORK/demo" >/dev/null

SUBSCRIBERS="$SUBSCRIBERS" LOAD_SECONDS="$LOAD_SECONDS" READS="$READS" WORK="$WORK" \
python3 - <<'PY'
import http.client, json, os, re, resource, selectors, socket, subprocess, threading, time

n_subs = int(os.environ["SUBSCRIBERS"])
work = os.environ["WORK"]
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

server = subprocess.Popen(
    ["target/release/congress-ledger", "serve", "--ledger", f"{work}/demo", "--public",
     "--addr", "127.0.0.1:0", "--max-subscribers", str(n_subs + 100)],
    stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
port = None
for line in server.stdout:
    m = re.search(r"127\.0\.0\.1:(\d+)", line)
    if m:
        port = int(m.group(1))
        break
threading.Thread(target=lambda: [None for _ in server.stdout], daemon=True).start()
assert port, "the server did not say where it listens"
base = f"http://127.0.0.1:{port}"

def status(field):
    with open(f"/proc/{server.pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])

def get(path):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    c.request("GET", path)
    r = c.getresponse()
    body = r.read()
    c.close()
    return r.status, body

def reads():
    size = json.loads(get("/healthz")[1])["size"]
    lat = []
    for i in range(int(os.environ["READS"])):
        p = (i * 7919) % size
        for path in (f"/v1/events/{p}", f"/v1/proofs/inclusion?position={p}&size={size}"):
            t = time.perf_counter()
            st, _ = get(path)
            lat.append((time.perf_counter() - t) * 1000)
            assert st == 200, (path, st)
    lat.sort()
    return lat[len(lat) // 2], lat[int(len(lat) * 0.99)]

def load():
    out = subprocess.run(
        ["target/release/load", "--url", base, "--pid", str(server.pid), "--json",
         "--seconds", os.environ["LOAD_SECONDS"]],
        capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])

def figures(label):
    threads, rss = status("Threads"), status("VmRSS") / 1024
    r50, r99 = reads()
    l = load()
    return dict(label=label, threads=threads, rss=rss, r50=r50, r99=r99,
                appends=l["appends_per_s"], a99=l["p99_ms"], lost=l["lost"],
                errors=l["errors"], rss_after=status("VmRSS") / 1024,
                threads_after=status("Threads"))

time.sleep(1)
rows = [figures("no subscriber")]

# The subscribers: each follows the live log from its current size.
size = json.loads(get("/healthz")[1])["size"]
sel = selectors.DefaultSelector()
subs, received, opened = [], [0], [0]
for i in range(n_subs):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(f"GET /v1/subscribe?from={size} HTTP/1.1\r\nhost: bench\r\n"
              "accept: text/event-stream\r\n\r\n".encode())
    s.setblocking(False)
    sel.register(s, selectors.EVENT_READ, {"head": b""})
    subs.append(s)
stop = threading.Event()
refused = [0]
def drain():
    while not stop.is_set():
        for key, _ in sel.select(timeout=0.2):
            try:
                data = key.fileobj.recv(1 << 16)
            except BlockingIOError:
                continue
            if not data:
                sel.unregister(key.fileobj)
                continue
            d = key.data
            if d["head"] is not None:
                d["head"] += data
                if b"\r\n" in d["head"]:
                    if d["head"].startswith(b"HTTP/1.1 200"):
                        opened[0] += 1
                    else:
                        refused[0] += 1
                    d["head"] = None
            received[0] += len(data)
drainer = threading.Thread(target=drain, daemon=True)
drainer.start()
deadline = time.time() + 60
while opened[0] + refused[0] < n_subs and time.time() < deadline:
    time.sleep(0.2)
assert opened[0] == n_subs, f"{opened[0]} subscribers opened, {refused[0]} refused"
time.sleep(1)
before = received[0]
rows.append(figures(f"{n_subs} subscribers open"))
sent = received[0] - before
stop.set()
for s in subs:
    s.close()
server.terminate()
server.wait()

load_avg = open("/proc/loadavg").read().split()[:3]
print(f"## The server with {n_subs} subscribers open (issue 16)\n")
print(f"`scripts/subscribers-bench.sh`, release build, one run; load average "
      f"{' / '.join(load_avg)} at the end (2 cores shared with other work: absolute figures "
      f"are low, the comparison between the rows is what it measures). Appends: the `load` "
      f"generator, 64 clients, {os.environ['LOAD_SECONDS']} s; reads: "
      f"{os.environ['READS']} × (GET /v1/events/{{n}} + an inclusion proof), one at a time, "
      f"before the appends. The subscribers follow the live log: {sent / 1e6:.1f} MB of "
      f"entries were pushed to them during the appends.\n")
print("| | server threads | RSS (MiB) | read p50 / p99 (ms) | appends/s | append p99 (ms) | "
      "RSS after appends (MiB) | lost |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
for r in rows:
    print(f"| {r['label']} | {r['threads']} | {r['rss']:.1f} | {r['r50']:.2f} / {r['r99']:.2f} | "
          f"{r['appends']:.0f} | {r['a99']:.1f} | {r['rss_after']:.1f} | {r['lost']} |")
PY
