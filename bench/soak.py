#!/usr/bin/env python3
"""A soak: mixed load against a real AkkaGunicorn for a while, with a HUP every minute and a worker SIGKILL every two.

Load, all at once: keep-alive clients, a new connection per request, uploads whose length the app counts, clients that
read a large response slowly (but faster than min_response_rate), and clients that abort (reset after sending, or close
in the middle of an upload). Every answer is checked. The only failures allowed are requests that were in flight on
a worker this script killed (a keep-alive connection knows its worker: the app answers with its pid).

Reports, as text and as JSON on the last line: requests and failures by kind, latency percentiles per interval, RSS and
open descriptors of the Arbiter and its workers at the start and at the end. Exits 1 when an unexplained request failed,
or when the Arbiter's descriptors or memory grew beyond a small margin.

  python3 bench/soak.py --minutes 30                  # the full soak (build first: dotnet build -c Release)
  python3 bench/soak.py --minutes 2 --hup-every 30 --kill-every 60   # the short version the tests run
"""
import argparse, http.client, json, os, random, signal, socket, struct, subprocess, sys, threading, time

from processes import children, fds, free_port, rss_mb

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SERVER = os.path.join(ROOT, "src/Arbiter/bin/Release/net10.0/AkkaGunicorn.dll")
APP = os.path.join(ROOT, "tests/Apps/Fragile/bin/Release/net10.0/Fragile.dll")


def percentile(values, p):
    if not values:
        return None
    values = sorted(values)
    return round(values[min(len(values) - 1, int(len(values) * p))] * 1000, 2)


class Soak:
    def __init__(self, args):
        self.args = args
        self.port = free_port()
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.counts = {}
        self.failures = []          # (kind, time, worker pid or None, error)
        self.killed = {}            # pid -> time killed
        self.latencies = []         # (time, seconds)
        self.samples = []

    def count(self, kind):
        with self.lock:
            self.counts[kind] = self.counts.get(kind, 0) + 1

    def fail(self, kind, worker, error):
        with self.lock:
            self.failures.append((kind, time.time(), worker, repr(error)[:200]))

    def explained(self, failure):
        kind, at, worker, _ = failure
        if worker is not None:
            return worker in self.killed
        # A request on a fresh connection cannot know its worker: it is explained if a kill happened while it ran.
        return any(abs(at - killed_at) < 2.0 for killed_at in self.killed.values())

    # --- clients -------------------------------------------------------------------------------------------------
    def keepalive_client(self):
        while not self.stop.is_set():
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            worker = None
            try:
                while not self.stop.is_set():
                    started = time.time()
                    conn.request("GET", "/keepalive")
                    response = conn.getresponse()
                    body = response.read()
                    if response.status != 200 or not body.startswith(b"pid "):
                        raise RuntimeError(f"status {response.status}")
                    worker = int(body.split()[1])
                    with self.lock:
                        self.latencies.append((started, time.time() - started))
                    self.count("keepalive")
                    if response.getheader("Connection", "").lower() == "close":
                        break
            except Exception as e:
                if not self.stop.is_set():
                    self.fail("keepalive", worker, e)
            finally:
                conn.close()

    def new_connection_client(self):
        while not self.stop.is_set():
            try:
                started = time.time()
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                conn.request("GET", "/fresh", headers={"Connection": "close"})
                response = conn.getresponse()
                body = response.read()
                conn.close()
                if response.status != 200 or not body.startswith(b"pid "):
                    raise RuntimeError(f"status {response.status}")
                with self.lock:
                    self.latencies.append((started, time.time() - started))
                self.count("new_connection")
            except Exception as e:
                if not self.stop.is_set():
                    self.fail("new_connection", None, e)

    def upload_client(self):
        rng = random.Random(1)
        while not self.stop.is_set():
            size = rng.randint(1, 4) * 1024 * 1024
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                conn.request("POST", "/count", body=b"u" * size, headers={"Connection": "close"})
                response = conn.getresponse()
                body = response.read()
                conn.close()
                if response.status != 200 or int(body) != size:
                    raise RuntimeError(f"status {response.status}, counted {body[:20]!r} of {size}")
                self.count("upload")
            except Exception as e:
                if not self.stop.is_set():
                    self.fail("upload", None, e)

    def slow_reader(self):
        size = 2 * 1024 * 1024
        while not self.stop.is_set():
            try:
                s = socket.create_connection(("127.0.0.1", self.port), timeout=60)
                s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16384)
                s.sendall(f"GET /bytes?{size} HTTP/1.1\r\nHost: soak\r\nConnection: close\r\n\r\n".encode())
                received = 0
                while True:
                    chunk = s.recv(16384)
                    if not chunk:
                        break
                    received += len(chunk)
                    time.sleep(0.01)  # about 1.6 MB/s at most: slow, but well above min_response_rate
                s.close()
                if received < size:
                    raise RuntimeError(f"got {received} bytes of {size}")
                self.count("slow_reader")
            except Exception as e:
                if not self.stop.is_set():
                    self.fail("slow_reader", None, e)

    def aborter(self):
        while not self.stop.is_set():
            try:
                s = socket.create_connection(("127.0.0.1", self.port), timeout=10)
                s.sendall(b"GET /keepalive HTTP/1.1\r\nHost: soak\r\n\r\n")
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                s.close()
                s = socket.create_connection(("127.0.0.1", self.port), timeout=10)
                s.sendall(b"POST /count HTTP/1.1\r\nHost: soak\r\nContent-Length: 1000000\r\n\r\n" + b"a" * 30000)
                s.close()
                self.count("abort")
            except OSError:
                pass
            time.sleep(0.05)

    # --- the run -------------------------------------------------------------------------------------------------
    def sample(self, label):
        workers = children(self.server.pid)
        with self.lock:
            now = time.time()
            window = [d for t, d in self.latencies if now - t <= self.args.interval]
        self.samples.append({
            "t_s": round(now - self.started, 1), "label": label,
            "arbiter": {"rss_mb": rss_mb(self.server.pid), "fds": fds(self.server.pid)},
            "workers": [{"pid": w, "rss_mb": rss_mb(w), "fds": fds(w)} for w in workers],
            "requests": sum(self.counts.values()), "failures": len(self.failures),
            "latency_ms": {"p50": percentile(window, 0.5), "p99": percentile(window, 0.99), "max": percentile(window, 1.0)},
        })
        print(json.dumps(self.samples[-1]), flush=True)

    def run(self):
        a = self.args
        self.server = subprocess.Popen(
            ["dotnet", SERVER, "--bind", f"127.0.0.1:{self.port}", "--workers", str(a.workers), "--log-level", "warning",
             "--max-requests", str(a.max_requests), "--max-requests-jitter", str(a.max_requests // 10),
             "--control-socket-disable", APP],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL if not a.verbose else None, start_new_session=True)
        try:
            deadline = time.time() + 60
            while time.time() < deadline:
                try:
                    socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                    if len(children(self.server.pid)) >= a.workers:
                        break
                except OSError:
                    pass
                time.sleep(0.1)
            time.sleep(2)
            self.started = time.time()
            self.sample("start")
            threads = [threading.Thread(target=f, daemon=True) for f in
                       [self.keepalive_client] * a.keepalive + [self.new_connection_client] * 2 +
                       [self.upload_client, self.slow_reader, self.aborter]]
            for t in threads:
                t.start()
            end = self.started + a.minutes * 60
            next_hup, next_kill, next_sample = self.started + a.hup_every, self.started + a.kill_every, self.started + a.interval
            while time.time() < end:
                now = time.time()
                if now >= next_kill:
                    workers = children(self.server.pid)
                    if workers:
                        victim = random.choice(workers)
                        with self.lock:
                            self.killed[victim] = time.time()
                        os.kill(victim, signal.SIGKILL)
                        print(f"# SIGKILL worker {victim}", flush=True)
                    next_kill += a.kill_every
                if now >= next_hup:
                    os.kill(self.server.pid, signal.SIGHUP)
                    print("# HUP", flush=True)
                    next_hup += a.hup_every
                if now >= next_sample:
                    self.sample("run")
                    next_sample += a.interval
                time.sleep(0.2)
            self.stop.set()
            for t in threads:
                t.join(timeout=70)
            # Let the last connections close and the workers settle: a reload or recycle under way at the end still
            # has an old worker draining, whose descriptors in the Arbiter are not a leak. Wait (30 s at most) until
            # only the configured workers remain, then a moment more.
            settle = time.time() + 30
            while len(children(self.server.pid)) > a.workers and time.time() < settle:
                time.sleep(0.2)
            time.sleep(2)
            self.sample("end")
        finally:
            try:
                os.killpg(self.server.pid, signal.SIGTERM)
                self.server.wait(timeout=30)
            except Exception:
                os.killpg(self.server.pid, signal.SIGKILL)
        return self.report()

    def report(self):
        unexplained = [f for f in self.failures if not self.explained(f)]
        start, end = self.samples[0], self.samples[-1]
        fd_growth = (end["arbiter"]["fds"] or 0) - (start["arbiter"]["fds"] or 0)
        rss_growth = (end["arbiter"]["rss_mb"] or 0) - (start["arbiter"]["rss_mb"] or 0)
        summary = {
            "minutes": self.args.minutes, "counts": self.counts, "failures": len(self.failures),
            "unexplained_failures": len(unexplained), "unexplained": unexplained[:10],
            "killed_workers": len(self.killed), "arbiter_fd_growth": fd_growth, "arbiter_rss_growth_mb": rss_growth,
            "start": start, "end": end,
        }
        print(json.dumps(summary))
        ok = not unexplained and fd_growth <= 8 and rss_growth <= 64
        return 0 if ok else 1


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--hup-every", type=float, default=60)
    parser.add_argument("--kill-every", type=float, default=120)
    parser.add_argument("--interval", type=float, default=10, help="seconds between samples")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--keepalive", type=int, default=4, help="keep-alive clients")
    parser.add_argument("--max-requests", type=int, default=20000, help="recycle workers too")
    parser.add_argument("--verbose", action="store_true", help="show the server's log")
    sys.exit(Soak(parser.parse_args()).run())


if __name__ == "__main__":
    main()
