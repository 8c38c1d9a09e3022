"""What machine and sources a benchmark ran on, for the header of its report.

Shared by ``bench_ops.py`` and ``bench_session.py``; they run as scripts, so
this folder is on ``sys.path`` and ``import _environment`` finds it.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import platform
import sys
from pathlib import Path
from typing import Any


def source_fingerprint() -> str:
    """Return where ``pytest_memstore`` is imported from and a hash of its sources."""
    spec = importlib.util.find_spec("pytest_memstore")
    if spec is None or spec.origin is None:
        return "not importable"
    package = Path(spec.origin).parent
    digest = hashlib.sha256()
    for path in sorted(package.glob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return f"{package} (sha256 {digest.hexdigest()[:12]})"


def cpu_model() -> str:
    """Return the CPU model name, as /proc/cpuinfo gives it where it can."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def load_average() -> str:
    """Return the 1, 5 and 15 minute load averages, or ``unknown``."""
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def machine() -> dict[str, Any]:
    """Return the platform, Python, CPU and load the numbers were taken on."""
    affinity = getattr(os, "sched_getaffinity", None)
    return {
        "platform": platform.platform(),
        "python": f"{platform.python_implementation()} {sys.version.split()[0]}",
        "python_build": " ".join(platform.python_build()),
        "executable": sys.executable,
        "cpu": cpu_model(),
        "nproc": len(affinity(0)) if affinity is not None else os.cpu_count(),
        "cpu_count": os.cpu_count(),
        "load average at start": load_average(),
    }
