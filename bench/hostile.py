#!/usr/bin/env python3
"""Hostile and careless clients, side by side with Gunicorn (gthread), each server with two workers and its defaults.

  slowloris     200 connections send a request head one byte per second: when is each closed, and how do ordinary
                requests (a new connection each) fare meanwhile?
  idle flood    N connections (10,000 by default) that never send a byte: do ordinary requests still get answers?
  abort storm   500 clients reset right after sending, 200 uploads are cut mid-body: how many server sockets are still
                in CLOSE_WAIT 2 s later, and how long does a health request take?
  big body      (AkkaGunicorn only, Echo app) three 50 MB uploads: the worker's RSS before, at the peak, 5 s after.

  python3 bench/hostile.py [--flood 10000] [--only akkagunicorn]      # build first: dotnet build -c Release
"""
import argparse, os, resource, socket, struct, subprocess, sys, threading, time

from processes import children, free_port, rss_mb, wait_up

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.environ.get("AG_SHARED", os.path.join(ROOT, "..", "shared", "bench"))


def ordinary(port, timeout=10):
    """One GET on a new connection: seconds, or None if it failed."""
    started = time.time()
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        s.sendall(b"GET / HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n")
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        s.close()
        return time.time() - started if data.startswith(b"HTTP/1.1 200") or data.startswith(b"HTTP/1.0 200") else None
    except OSError:
        return None


def latency_summary(samples):
    ok = sorted(x for x in samples if x is not None)
    failed = sum(1 for x in samples if x is None)
    if not ok:
        return f"all {failed} failed"
    return f"p50 {ok[len(ok) // 2] * 1000:.1f} ms, max {ok[-1] * 1000:.0f} ms, {failed} of {len(samples)} failed"


def slowloris(port, count=200, watch=40):
    closed_at = [None] * count
    start = time.time()

    def attacker(i):
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=watch + 5)
            s.sendall(b"GET /slow HTTP/1.1\r\nHost: x\r\n")
            s.setblocking(False)
            while time.time() - start < watch:
                try:
                    if s.recv(4096) == b"":
                        closed_at[i] = time.time() - start
                        return
                    closed_at[i] = time.time() - start  # an answer (408) counts as the close that follows it
                    return
                except BlockingIOError:
                    pass
                except OSError:
                    closed_at[i] = time.time() - start
                    return
                try:
                    s.send(b"X")
                except OSError:
                    closed_at[i] = time.time() - start
                    return
                time.sleep(1)
        except OSError:
            closed_at[i] = time.time() - start

    threads = [threading.Thread(target=attacker, args=(i,), daemon=True) for i in range(count)]
    for t in threads:
        t.start()
    samples = []
    while any(t.is_alive() for t in threads) and time.time() - start < watch:
        samples.append(ordinary(port))
        time.sleep(0.2)
    for t in threads:
        t.join(timeout=1)
    closed = [c for c in closed_at if c is not None]
    when = f"{len(closed)} of {count} closed, after {min(closed):.1f}-{max(closed):.1f} s" if closed else f"none of {count} closed in {watch} s"
    return f"{when}; ordinary requests meanwhile: {latency_summary(samples)}"


def flood(port, count):
    socks = []
    try:
        for _ in range(count):
            s = socket.socket()
            s.setblocking(False)
            try:
                s.connect(("127.0.0.1", port))
            except BlockingIOError:
                pass
            socks.append(s)
        time.sleep(2)
        samples = [ordinary(port, timeout=15) for _ in range(30)]
        return f"{count} idle connections; ordinary requests: {latency_summary(samples)}"
    finally:
        for s in socks:
            s.close()


def close_wait(port):
    out = subprocess.run(["ss", "-Htn", "state", "close-wait", f"( sport = :{port} )"], capture_output=True, text=True).stdout
    return len(out.strip().splitlines())


def abort_storm(port):
    def resets():
        for _ in range(50):
            try:
                s = socket.create_connection(("127.0.0.1", port))
                s.sendall(b"POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello")
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                s.close()
            except OSError:
                pass

    def cuts():
        for _ in range(20):
            try:
                s = socket.create_connection(("127.0.0.1", port))
                s.sendall(b"POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\n\r\n" + b"a" * 1000000)
                s.close()
            except OSError:
                pass

    threads = [threading.Thread(target=resets) for _ in range(10)] + [threading.Thread(target=cuts) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    time.sleep(2)
    waiting = close_wait(port)
    health = ordinary(port)
    return f"{waiting} sockets in CLOSE_WAIT 2 s later; a health request took {health * 1000:.1f} ms" if health else f"{waiting} in CLOSE_WAIT; health request failed"


def big_body(port, arbiter):
    body = b"x" * (50 * 1024 * 1024)
    before = {w: rss_mb(w) for w in children(arbiter)}
    peak = dict(before)
    for _ in range(3):
        s = socket.create_connection(("127.0.0.1", port), timeout=60)
        s.sendall(b"POST /up HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: %d\r\n\r\n" % len(body) + body)
        while s.recv(1 << 20):
            pass
        s.close()
        for w in peak:
            peak[w] = max(peak[w], rss_mb(w))
    time.sleep(5)
    after = {w: rss_mb(w) for w in before}
    return "; ".join(f"worker {w}: {before[w]} MB before, {peak[w]} MB at the peak, {after[w]} MB 5 s after" for w in before)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--flood", type=int, default=10000)
    parser.add_argument("--only", choices=["akkagunicorn", "gunicorn"])
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    servers = {
        "akkagunicorn": ["dotnet", os.path.join(ROOT, "src/Arbiter/bin/Release/net10.0/AkkaGunicorn.dll"), "--workers", "2",
                         "--log-level", "error", "--control-socket-disable", "--bind", "127.0.0.1:{PORT}",
                         os.path.join(ROOT, "examples/Echo/bin/Release/net10.0/Echo.dll")],
        "gunicorn": ["gunicorn", "-k", "gthread", "-w", "2", "--threads", "4", "--log-level", "error", "-b", "127.0.0.1:{PORT}",
                     "--chdir", os.path.join(SHARED, "reference", "gunicorn-hello"), "app:app"],
    }
    for name, command in servers.items():
        if args.only and name != args.only:
            continue
        port = free_port()
        process = subprocess.Popen([c.replace("{PORT}", str(port)) for c in command], stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, start_new_session=True)
        try:
            wait_up(port)
            time.sleep(2)
            print(f"== {name}", flush=True)
            print(f"slowloris:   {slowloris(port)}", flush=True)
            print(f"idle flood:  {flood(port, args.flood)}", flush=True)
            time.sleep(3)
            print(f"abort storm: {abort_storm(port)}", flush=True)
            if name == "akkagunicorn":
                print(f"big body:    {big_body(port, process.pid)}", flush=True)
        finally:
            os.killpg(process.pid, 15)
            process.wait()


if __name__ == "__main__":
    main()
