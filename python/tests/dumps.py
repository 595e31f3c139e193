"""Reading dumps back in the tests."""
import json
import os
import subprocess
import sys

PACKAGE_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def read_jsonl(path):
    """(meta, records) of a dump; every line must be complete JSON."""
    with open(path, "rb") as f:
        data = f.read()
    assert data.endswith(b"\n"), f"{path} does not end with a newline"
    lines = [json.loads(line) for line in data.splitlines()]
    return lines[0]["meta"], lines[1:]


def samples_by_epoch(records, key="epoch"):
    """{epoch: (targets, scores)} with a record's batches concatenated."""
    out = {}
    for r in records:
        t, s = out.setdefault(r[key], ([], []))
        t.extend(r["targets"])
        s.extend(r.get("logits", r.get("probs")))
    return out


def run_python(code, *args, cwd=None, env=None):
    """Run code in a fresh interpreter with this checkout on the path; returns the completed process."""
    full_env = {**os.environ, "PYTHONPATH": PACKAGE_ROOT, **(env or {})}
    return subprocess.run([sys.executable, "-c", code, *args], cwd=cwd, env=full_env, capture_output=True, text=True, timeout=120)
