"""The built wheel in a fresh virtualenv outside the repository, as a new user gets it.

`build_wheel_venv` builds the wheel for real (`pip wheel`, isolated build) and installs it with
[codegen,sandbox] into a new virtualenv. Its dependencies come from the dev virtualenv (a `.pth`
line behind the new venv's own site-packages, so the wheel's `dxtra_typed` wins), which saves
installing a dozen packages from the index on every run. `DXTRA_WHEEL_FROM_INDEX=1` (CI sets
it) installs `wheel[codegen,sandbox]` from the package index instead, which also proves the
declared dependencies are enough.

The conftest's `wheel_venv` fixture builds it once per session (under xdist, once for all
workers); the tests only read it. A test that must install more (the user project's own pytest)
does it in `layered_venv`: a venv of its own whose site-packages come first, then the wheel
venv's, as if installed beside the wheel.
"""

from __future__ import annotations

import os
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

ROOT = Path(__file__).parents[2]


def run(argv: list[str], cwd: Path, env: dict[str, str]) -> str:
    result = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"{argv}: {result.stdout[-3000:]}{result.stderr[-3000:]}"
    return result.stdout + result.stderr


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without anything that points into this checkout or at a real API, and
    with bytecode caching on, as a user has it: the venvs are installed with --no-compile, so
    the first process to import a module writes its bytecode and the later ones reuse it
    (where PYTHONDONTWRITEBYTECODE is set, as on our CI, each recompiled what it imported)."""
    drop = ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP", "PYTHONDONTWRITEBYTECODE")
    env = {k: v for k, v in os.environ.items() if k not in drop and not k.startswith("DXTRA_")}
    return {**env, **extra}


def from_index() -> bool:
    return os.environ.get("DXTRA_WHEEL_FROM_INDEX") == "1"


def _site_packages(venv_dir: Path) -> Path:
    (site,) = (venv_dir / "lib").glob("python3*/site-packages")
    return site


def pip_into(bin_dir: Path) -> list[str]:
    """The dev venv's pip, installing into the venv of ``bin_dir`` (which has no pip)."""
    return [sys.executable, "-m", "pip", "--python", str(bin_dir / "python"), "install"]


def build_wheel_venv(base: Path) -> Path:
    """Build the wheel into ``base/dist``, install it into ``base/venv``; the venv's bin folder."""
    env = clean_env()
    argv = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--disable-pip-version-check"]
    run([*argv, "-q", "-w", str(base / "dist"), str(ROOT)], base, env)
    (wheel,) = (base / "dist").glob("dxtra_typed-*.whl")
    # Two import names and nothing else (docs/design.md: the bundled package stays
    # `dxtra_generated`); a stray top-level module would shadow a user's.
    with zipfile.ZipFile(wheel) as archive:
        top = {name.split("/")[0] for name in archive.namelist()}
    assert {t for t in top if not t.endswith(".dist-info")} == {"dxtra_typed", "dxtra_generated"}
    venv.EnvBuilder(with_pip=False).create(base / "venv")
    bin_dir = base / "venv" / "bin"
    if from_index():
        pip = [*pip_into(bin_dir), f"{wheel}[codegen,sandbox]"]
    else:
        # Just the wheel; the dependencies are the dev venv's, reached through a .pth line that
        # sys.path puts after the venv's own site-packages (and whose own .pth files, the
        # editable checkout, are not read).
        pip = [*pip_into(bin_dir), "--no-deps", str(wheel)]
        dev_site = next(p for p in sys.path if p.endswith("site-packages") and sys.prefix in p)
        (_site_packages(base / "venv") / "_dxtra_dev_dependencies.pth").write_text(dev_site + "\n")
    run([*pip, "-q", "--disable-pip-version-check", "--no-compile"], base, env)
    # The installed wheel, not the checkout, is what the new venv imports.
    where = run(
        [
            str(bin_dir / "python"),
            "-c",
            "import dxtra_typed, dxtra_generated as g; print(dxtra_typed.__file__, g.__file__)",
        ],
        base,
        env,
    )
    assert str(ROOT) not in where and where.count(str(base / "venv")) == 2, where
    return bin_dir


def layered_venv(wheel_bin: Path, where: Path) -> Path:
    """A venv at ``where`` whose sys.path is its own site-packages, then the wheel venv's (its
    .pth files read too); its bin folder. Install into it with `pip_into`."""
    venv.EnvBuilder(with_pip=False).create(where)
    below = _site_packages(wheel_bin.parent)
    line = f"import site; site.addsitedir({str(below)!r})\n"
    (_site_packages(where) / "_dxtra_wheel_venv.pth").write_text(line)
    return where / "bin"
