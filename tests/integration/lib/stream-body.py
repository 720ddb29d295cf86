#!/usr/bin/env python3
"""Stream a large request body to roomcastd as fast as it reads it.

Used by request-limits.test.mjs (Node pushes a few tens of MB/s through one
thread here; this pushes what the server takes). Arguments: PORT TOTAL_BYTES
then one or more "MODE:PATH" where MODE is chunked or length; extra header
lines come from the HEADERS environment variable (\\r\\n separated). Prints
one JSON line per stream: {"path", "mode", "sent", "status", "answer"}.
"""
import json
import os
import re
import socket
import sys
import threading

BLOCK = 1 << 20


def run(port, total, mode, path, headers, out):
    sock = socket.create_connection(("127.0.0.1", port))
    head = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{headers}"
    head += "Transfer-Encoding: chunked\r\n" if mode == "chunked" else f"Content-Length: {total}\r\n"
    sock.sendall((head + "\r\n").encode())
    data = b"a" * BLOCK
    frame = b"%x\r\n%s\r\n" % (BLOCK, data) if mode == "chunked" else data
    sent = 0
    try:
        while sent < total:
            sock.sendall(frame)
            sent += BLOCK
        if mode == "chunked":
            sock.sendall(b"0\r\n\r\n")
    except OSError:
        pass
    answer = b""
    try:
        sock.settimeout(30)
        while True:
            piece = sock.recv(4096)
            if not piece:
                break
            answer += piece
    except OSError:
        pass
    sock.close()
    m = re.match(rb"HTTP/1\.1 (\d+)", answer)
    out.append({"path": path, "mode": mode, "sent": sent, "status": int(m.group(1)) if m else None,
                "answer": answer.decode("latin-1")[:600]})


def main():
    port, total = int(sys.argv[1]), int(sys.argv[2])
    headers = os.environ.get("HEADERS", "")
    out, threads = [], []
    for spec in sys.argv[3:]:
        mode, path = spec.split(":", 1)
        t = threading.Thread(target=run, args=(port, total, mode, path, headers, out))
        t.start()
        threads.append(t)
    for t in threads:
        t.join()
    for r in out:
        print(json.dumps(r))


main()
