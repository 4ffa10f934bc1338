#!/usr/bin/python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""unbrick-emulator --recovery: info overrides, a raw adb client over TCP,
and the summary it prints when stopped.

Usage: test-emu-recovery-cli.py PATH/TO/unbrick-emulator
"""

import os
import signal
import socket
import struct
import subprocess
import sys
import tempfile

A_CNXN, A_OPEN, A_OKAY, A_WRTE, A_CLSE = 0x4E584E43, 0x4E45504F, 0x59414B4F, 0x45545257, 0x45534C43


def send(sock, cmd, arg0, arg1, data=b""):
    sock.sendall(struct.pack("<6I", cmd, arg0, arg1, len(data), 0, cmd ^ 0xFFFFFFFF) + data)


def recv_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise EOFError
        buf += chunk
    return buf


def recv(sock):
    cmd, arg0, arg1, length, _check, magic = struct.unpack("<6I", recv_exact(sock, 24))
    assert magic == cmd ^ 0xFFFFFFFF, "bad magic"
    return cmd, arg0, arg1, recv_exact(sock, length)


def service(sock, local, name):
    send(sock, A_OPEN, local, 0, name.encode() + b"\0")
    cmd, remote, arg1, _ = recv(sock)
    assert (cmd, arg1) == (A_OKAY, local), (hex(cmd), arg1)
    cmd, _, _, data = recv(sock)
    assert cmd == A_WRTE
    send(sock, A_OKAY, local, remote)
    cmd, _, _, _ = recv(sock)
    assert cmd == A_CLSE
    return data.decode()


def main():
    binary = sys.argv[1]
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.Popen(
            [binary, "--recovery", "--state-dir", os.path.join(tmp, "r"), "--port", "0",
             "--print-port", "--set", "sn=cafe0123", "--set", "device=sweet"],
            stdout=subprocess.PIPE, text=True)
        try:
            port = int(proc.stdout.readline())
            banner = proc.stdout.readline()
            assert "cafe0123" in banner, banner
            with socket.create_connection(("127.0.0.1", port), timeout=20) as sock:
                send(sock, A_CNXN, 0x01000001, 1024 * 1024, b"host::\0")
                cmd, version, maxdata, data = recv(sock)
                assert cmd == A_CNXN and data.startswith(b"sideload::"), data
                assert service(sock, 1, "getsn:") == "cafe0123\n"
                assert service(sock, 2, "getdevice:") == "sweet\n"
                assert service(sock, 3, "format-data:").startswith("Formatting")
            proc.send_signal(signal.SIGTERM)
            out, _ = proc.communicate(timeout=20)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        assert proc.returncode == 0, proc.returncode
        assert "formats=1" in out, out
        assert "installs=0" in out, out
    print("ok")


if __name__ == "__main__":
    main()
