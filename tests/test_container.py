"""deploy/Containerfile: what its final stage promises, and its command and health check run the way it runs them.

This machine has no container engine and reaches no image registry, so the image itself is not built here.
What the test does instead is what `docker run --read-only -v kring-var:/app/var` gives the command: bubblewrap
(Debian's package) shows it the whole file system read-only, this checkout in place of /app and its own
folder as the only writable var/; setpriv then drops to the image's user, which is not root. The command
must load the data, serve, pass the health check and keep everything it writes in var/.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.browser.conftest import _free_port

ROOT = Path(__file__).resolve().parent.parent
CONTAINERFILE = ROOT / "deploy" / "Containerfile"
BWRAP = shutil.which("bwrap") or "/usr/bin/bwrap"


def final_stage() -> list[tuple[str, str]]:
    """(instruction, arguments) of the image's last stage, continuation lines joined, comments left out."""
    text = re.sub(r"\\\n", " ", CONTAINERFILE.read_text())
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    steps = [(line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line else "") for line in lines]
    last = max(i for i, (instruction, _) in enumerate(steps) if instruction == "FROM")
    return steps[last:]


def settings(stage: list[tuple[str, str]]) -> dict[str, str]:
    found: dict[str, str] = {}
    for instruction, args in stage:
        if instruction == "ENV":
            found |= dict(pair.split("=", 1) for pair in args.split())
    return found


def test_the_image_runs_as_a_user_without_privileges_with_var_as_its_volume() -> None:
    stage = final_stage()
    instructions = dict(stage)
    user = instructions["USER"].split(":")
    assert user[0].isdigit() and int(user[0]) > 0 and all(u != "0" for u in user), instructions["USER"]
    assert instructions["VOLUME"] == "/app/var" and instructions["WORKDIR"] == "/app"
    env = settings(stage)
    assert env["KRING_DB"].startswith("/app/var/") and env["KRING_DATA"] == "/app/data"
    assert {"PORT", "KRING_WORKERS"} <= set(env) and all(
        k.startswith("KRING_") or k in ("PATH", "PORT", "PYTHONDONTWRITEBYTECODE") for k in env
    )
    assert instructions["HEALTHCHECK"].startswith("--interval=") and " CMD " in f" {instructions['HEALTHCHECK']}"
    assert "kring serve" in instructions["CMD"]
    # Nothing third-party is fetched from elsewhere than the registries (no ADD of an URL, no curl | sh).
    whole = CONTAINERFILE.read_text()
    assert not re.search(r"^ADD\s+https?:", whole, re.M) and "curl" not in whole and "wget" not in whole


def _reachable(path: Path) -> list[str]:
    """bwrap options that let another user reach `path` when a folder above it is closed to others (/root)."""
    above = [*reversed(path.parents), path]
    for parent, child in itertools.pairwise(above):
        if parent != Path("/") and not parent.stat().st_mode & 0o001:
            return ["--tmpfs", str(parent), "--ro-bind", str(child), str(child)]
    return []


@pytest.fixture
def sandbox(tmp_path: Path):  # type: ignore[no-untyped-def]
    """A function running a command as the image would: read-only everywhere but var/, as its USER."""
    if os.geteuid() != 0:
        pytest.skip("bubblewrap and setpriv need root here to run the command as the image's own user")
    if not os.access(BWRAP, os.X_OK):
        pytest.fail("bubblewrap is missing: `make test` installs Debian's package 'bubblewrap'")
    stage = final_stage()
    uid, _, gid = dict(stage)["USER"].partition(":")
    var = tmp_path / "var"
    var.mkdir()
    os.chown(var, int(uid), int(gid or uid))
    (ROOT / "var").mkdir(exist_ok=True)  # the mount point (git-ignored); the sandbox sees `var` there
    python = Path(sys.base_prefix).resolve()
    env = {
        k: v.replace("/opt/venv", str(ROOT / ".venv")).replace("/app", str(ROOT)) for k, v in settings(stage).items()
    }
    env["PATH"] = env["PATH"].replace("$PATH", "/usr/local/bin:/usr/bin:/bin")
    env["PORT"] = str(_free_port())
    env["KRING_WORKERS"] = "1"

    def run(command: list[str], **popen: object) -> subprocess.Popen[bytes]:
        # As `docker run --read-only --tmpfs /tmp`: everything read-only, a /tmp of its own (then this checkout
        # again, in case it lies under /tmp), and var/ the only folder it can write.
        args = [BWRAP, "--ro-bind", "/", "/", "--tmpfs", "/tmp", *_reachable(python)]  # noqa: S108
        args += ["--ro-bind", str(ROOT), str(ROOT), "--bind", str(var), str(ROOT / "var")]
        args += ["--proc", "/proc", "--dev", "/dev", "--unshare-pid", "--die-with-parent"]
        args += ["--chdir", str(ROOT), "--clearenv", *(a for k, v in env.items() for a in ("--setenv", k, v))]
        args += ["setpriv", f"--reuid={uid}", f"--regid={gid or uid}", "--clear-groups", "--", *command]
        return subprocess.Popen(args, **popen)  # type: ignore[call-overload]

    run.var, run.env, run.uid = var, env, int(uid)  # type: ignore[attr-defined]
    return run


def test_the_command_loads_serves_and_passes_its_health_check_read_only_but_var(sandbox) -> None:  # type: ignore[no-untyped-def]
    instructions = dict(final_stage())
    command = json.loads(instructions["CMD"])
    health = json.loads(instructions["HEALTHCHECK"].split(" CMD ", 1)[1])
    blocked = sandbox(["sh", "-c", f"touch {ROOT}/written-by-the-container"], stderr=subprocess.PIPE)
    assert blocked.wait(timeout=20) != 0 and b"Read-only file system" in blocked.stderr.read()
    server = sandbox(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{sandbox.env['PORT']}"
    try:
        deadline = time.monotonic() + 60
        while True:
            check = sandbox(health, stderr=subprocess.DEVNULL)
            if check.wait(timeout=20) == 0:
                break
            assert server.poll() is None, server.stdout.read().decode()
            assert time.monotonic() < deadline, "the health check did not pass within 60 s"
            time.sleep(0.5)
        with urllib.request.urlopen(f"{base}/nl/groups", timeout=10) as response:
            assert response.status == 200 and "strict-transport-security" in response.headers
        request = urllib.request.Request(f"{base}/nl/submit", data=b"name=", headers={"origin": base})
        with pytest.raises(urllib.error.HTTPError) as refused:  # read and refused: the rate limit wrote its count
            urllib.request.urlopen(request, timeout=10)
        assert refused.value.code == 400
        listening = subprocess.run(
            ["ss", "-Htlnp", f"sport = :{sandbox.env['PORT']}"], capture_output=True, text=True, check=True
        ).stdout
        pids = {int(pid) for pid in re.findall(r"pid=(\d+)", listening)}
        owners = {
            int(re.search(r"^Uid:\s+(\d+)", Path(f"/proc/{pid}/status").read_text(), re.M).group(1)) for pid in pids
        }
        assert pids and owners == {sandbox.uid}, (listening, owners)  # Granian and its worker: the image's user
    finally:
        server.terminate()
        server.wait(timeout=20)
    written = sorted(p.relative_to(sandbox.var).parts[0] for p in sandbox.var.rglob("*"))
    assert {"kring.sqlite", "secret", "rate-limit"} <= set(written), written
