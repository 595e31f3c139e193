"""Peer for the TensorBoard case of `npm run bench`: a pure-Python event-file loop with Debian's
python3-protobuf, as a Python tool without the tensorboard package would read a run.

Usage: python3 bench/peer_tfevents.py <events.out.tfevents.*>
Prints the same JSON summary as bench/tfevents-bench.ts read (records, points, a sum of all values).

What it checks: the TFRecord framing (every length is read and the file must end on a record
boundary). It does not check the CRC-32C checksums: Python has no CRC-32C in its standard library
(zlib's crc32 is another polynomial) and a pure-Python one would dominate the time, so the peer does
less work than Focal Lens's reader, which verifies both checksums of every record. Events are
decoded with Event.FromString from a descriptor built at run time (scripts/golden/tfevents_proto.py);
scalars (simple_value and scalars-plugin tensors) and PR curves are kept as Focal Lens keeps them.
"""
import json
import os
import struct
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts", "golden"))
from tfevents_proto import Event  # noqa: E402


def main():
    path = sys.argv[1]
    scalars = {}
    pr_curves = {}
    plugin_of = {}
    records = 0
    with open(path, "rb", buffering=1 << 20) as f:
        while True:
            header = f.read(12)
            if not header:
                break
            if len(header) < 12:
                raise SystemExit("truncated record header")
            (length,) = struct.unpack("<Q", header[:8])
            payload = f.read(length)
            if len(payload) < length or len(f.read(4)) < 4:
                raise SystemExit("truncated record")
            records += 1
            ev = Event.FromString(payload)
            if not ev.HasField("summary"):
                continue
            for v in ev.summary.value:
                if v.HasField("metadata"):
                    plugin_of[v.tag] = v.metadata.plugin_data.plugin_name
                kind = v.WhichOneof("value")
                if kind == "simple_value":
                    scalars.setdefault(v.tag, []).append((ev.step, ev.wall_time, v.simple_value))
                elif kind == "tensor":
                    t = v.tensor
                    name = plugin_of.get(v.tag, "")
                    if name == "pr_curves":
                        dims = [d.size for d in t.tensor_shape.dim]
                        rows = np.frombuffer(t.tensor_content, "<f4") if t.tensor_content else np.array(t.float_val, dtype=np.float64)
                        pr_curves.setdefault(v.tag, []).append((ev.step, ev.wall_time, rows.astype(np.float64).reshape(dims)))
                    elif name in ("scalars", "") and t.dtype == 1:
                        value = struct.unpack("<f", t.tensor_content)[0] if t.tensor_content else t.float_val[0]
                        scalars.setdefault(v.tag, []).append((ev.step, ev.wall_time, value))
    total = sum(p[2] for points in scalars.values() for p in points)
    total += sum(float(p[2].sum()) for points in pr_curves.values() for p in points)
    print(json.dumps({
        "records": records,
        "scalarTags": len(scalars),
        "scalarPoints": sum(len(p) for p in scalars.values()),
        "prPoints": sum(len(p) for p in pr_curves.values()),
        "sum": total,
    }))


if __name__ == "__main__":
    main()
