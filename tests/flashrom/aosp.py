# SPDX-License-Identifier: GPL-3.0-or-later
"""The reference: a ROM's flash script run the way a Linux user runs it,

    bash <rom>/flash_all.sh -s tcp:127.0.0.1:PORT

with Debian's AOSP `fastboot` (29.0.6) on PATH, against a fresh emulated phone
(unbrick-emulator). Also hashes the partitions an emulator left in its state
directory, for comparisons.
"""
import hashlib
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import ubtest  # noqa: E402

IO = 8 * 1024 * 1024


def fastboot_path():
    """Debian's fastboot (the one the test suite installs), else the first on PATH."""
    for candidate in ("/usr/lib/android-sdk/platform-tools/fastboot", "/usr/bin/fastboot"):
        if os.access(candidate, os.X_OK):
            return candidate
    return shutil.which("fastboot")


def script_env(fastboot=None):
    """The environment the script runs in: fastboot's folder first on PATH, C locale."""
    env = dict(os.environ)
    tool_dir = os.path.dirname(fastboot or fastboot_path())
    env["PATH"] = tool_dir + os.pathsep + env.get("PATH", "/usr/bin:/bin")
    env["LC_ALL"] = "C"
    env.pop("ANDROID_SERIAL", None)
    return env


class Result:
    def __init__(self, returncode, output, log, state_dir, getvars, elapsed):
        self.returncode = returncode
        self.output = output          # stdout and stderr of the script, interleaved
        self.log = log                # writes.log lines
        self.state_dir = state_dir
        self.getvars = getvars        # {name: value} read after the script
        self.elapsed = elapsed

    def writes(self):
        """The log lines that change the phone (everything but `download`)."""
        return [line for line in self.log if not line.startswith("download ")]

    def __repr__(self):
        return f"<Result rc={self.returncode} {len(self.log)} log lines>"


def getvar(addr, name, fastboot=None, env=None):
    """`fastboot -s addr getvar name` -> value, or None when the phone does not know it."""
    proc = subprocess.run([fastboot or fastboot_path(), "-s", addr, "getvar", name],
                          capture_output=True, text=True, timeout=60, env=env)
    for line in (proc.stderr + proc.stdout).splitlines():
        if line.startswith(name + ":"):
            return line[len(name) + 1:].strip()
    return None


def seed_state(state_dir, profile, contents):
    """Puts partition contents in a state dir before the emulator starts (it keeps
    existing files): {partition file name: path of a file or bytes}. Each file is
    made exactly the partition's size."""
    os.makedirs(state_dir, exist_ok=True)
    sizes = profile.files()
    for name, content in contents.items():
        dst = os.path.join(state_dir, name + ".img")
        if isinstance(content, (bytes, bytearray)):
            with open(dst, "wb") as f:
                f.write(content)
        else:
            shutil.copyfile(content, dst)
        with open(dst, "r+b") as f:
            f.truncate(sizes[name])


def run_script(rom_dir, script, profile_path, state_dir, faults=(), args=None, after_getvars=(),
               timeout=900, fastboot=None):
    """Runs `bash rom_dir/script -s tcp:...` against a fresh unbrick-emulator serving
    profile_path with state_dir (created if missing; reuse = not fresh). after_getvars:
    variables read with fastboot once the script is done, while the phone still runs."""
    import time
    fastboot = fastboot or fastboot_path()
    env = script_env(fastboot)
    os.makedirs(state_dir, exist_ok=True)
    with ubtest.emulator(profile_path, state_dir, faults) as addr:
        start = time.monotonic()
        proc = subprocess.run(["bash", os.path.join(os.path.abspath(rom_dir), script)] +
                              (args if args is not None else ["-s", addr]),
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              timeout=timeout, env=env, cwd=state_dir)
        elapsed = time.monotonic() - start
        values = {name: getvar(addr, name, fastboot, env) for name in after_getvars}
    return Result(proc.returncode, proc.stdout, ubtest.read_log(state_dir), state_dir, values, elapsed)


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while True:
            buf = f.read(IO)
            if not buf:
                return h.hexdigest()
            h.update(buf)


def hash_state(state_dir):
    """{partition: sha256} of every partition file of an emulator state dir, plus
    'crclist'/'sparsecrclist' for what those pseudo partitions received."""
    out = {}
    for entry in sorted(os.listdir(state_dir)):
        path = os.path.join(state_dir, entry)
        if entry.endswith(".img"):
            out[entry[:-4]] = sha256_file(path)
        elif entry in ("crclist.txt", "sparsecrclist.txt"):
            out[entry[:-4]] = sha256_file(path)
    return out
