#!/usr/bin/env python3
"""Expected values for the TensorBoard event-file reader, from an independent decoder.

Run with Debian's python3 (python3-protobuf, python3-numpy):

    /usr/bin/python3 scripts/golden/decode_tfevents.py

Reads the real event files under test/fixtures/real-logs/runs/ (cases a, b, e) with a pure-Python
TFRecord loop (both CRC-32C checked, bitwise table) and protobuf messages built from a descriptor at
run time (tfevents_proto.py), and writes test/fixtures/golden/tfevents.json: per file the record
count, every scalar series (tag -> [step, wall_time, value]), every PR curve (tag -> per step the
[6, T] rows as lists) and the hparams of the session-start summary.
"""
import json
import os
import struct
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tfevents_proto import Event, HParamsPluginData, PrCurvePluginData  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
FIXTURES = os.path.join(ROOT, "test", "fixtures", "real-logs")
OUT = os.path.join(ROOT, "test", "fixtures", "golden", "tfevents.json")
FILES = [
    "runs/a_lightning_binary_alpha097/tensorboard/version_0/events.out.tfevents.1796150045.vm.8957.0",
    "runs/b_lightning_binary_alpha080_healthy/tensorboard/version_0/events.out.tfevents.1796150050.vm.8957.2",
    "runs/e_keras_binary_focal_alpha098/tensorboard_run/logs/train/events.out.tfevents.1796150071.vm.8957.0.v2",
    "runs/e_keras_binary_focal_alpha098/tensorboard_run/logs/validation/events.out.tfevents.1796150071.vm.8957.1.v2",
]


def _crc32c_table():
    table = []
    for n in range(256):
        c = n
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        table.append(c)
    return table


TABLE = _crc32c_table()


def masked_crc32c(data):
    c = 0xFFFFFFFF
    for b in data:
        c = TABLE[(c ^ b) & 0xFF] ^ (c >> 8)
    c ^= 0xFFFFFFFF
    return (((c >> 15) | (c << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def records(data):
    o = 0
    while o < len(data):
        header = data[o:o + 8]
        (length,) = struct.unpack("<Q", header)
        (length_crc,) = struct.unpack("<I", data[o + 8:o + 12])
        assert masked_crc32c(header) == length_crc, f"length CRC at byte {o}"
        payload = data[o + 12:o + 12 + length]
        (data_crc,) = struct.unpack("<I", data[o + 12 + length:o + 16 + length])
        assert masked_crc32c(payload) == data_crc, f"data CRC at byte {o}"
        yield payload
        o += 16 + length


DTYPES = {1: "<f4", 2: "<f8"}


def tensor_values(t):
    """Flat float64 values of a float / double TensorProto (tensor_content or the typed lists)."""
    if t.tensor_content:
        return np.frombuffer(t.tensor_content, dtype=DTYPES[t.dtype]).astype(np.float64)
    if t.dtype == 2:
        return np.array(t.double_val, dtype=np.float64)
    return np.array(t.float_val, dtype=np.float32).astype(np.float64)


def decode(path):
    with open(path, "rb") as f:
        data = f.read()
    out = {"records": 0, "scalars": {}, "prCurves": {}, "hparams": None}
    plugin_of = {}
    for payload in records(data):
        out["records"] += 1
        ev = Event.FromString(payload)
        if not ev.HasField("summary"):
            continue
        for v in ev.summary.value:
            if v.HasField("metadata") and v.metadata.HasField("plugin_data"):
                plugin_of[v.tag] = v.metadata.plugin_data
            plugin = plugin_of.get(v.tag)
            name = plugin.plugin_name if plugin else ""
            if v.WhichOneof("value") == "simple_value":
                out["scalars"].setdefault(v.tag, []).append([ev.step, ev.wall_time, float(np.float32(v.simple_value))])
            elif v.HasField("tensor") and name == "pr_curves":
                rows = tensor_values(v.tensor)
                dims = [d.size for d in v.tensor.tensor_shape.dim]
                declared = PrCurvePluginData.FromString(plugin.content).num_thresholds
                assert dims[0] == 6 and dims[1] == declared, (dims, declared)
                out["prCurves"].setdefault(v.tag, []).append({
                    "step": ev.step, "wallTime": ev.wall_time, "numThresholds": declared,
                    "rows": rows.reshape(6, dims[1]).tolist(),
                })
            elif v.HasField("tensor") and name in ("scalars", ""):
                vals = tensor_values(v.tensor)
                if vals.size == 1:
                    out["scalars"].setdefault(v.tag, []).append([ev.step, ev.wall_time, float(vals[0])])
            elif name == "hparams" and v.HasField("metadata"):
                hp = HParamsPluginData.FromString(v.metadata.plugin_data.content)
                if hp.HasField("session_start_info"):
                    values = {}
                    for entry in hp.session_start_info.hparams:
                        kind = entry.value.WhichOneof("kind")
                        if kind:
                            values[entry.key] = getattr(entry.value, kind)
                    out["hparams"] = values
    return out


def main():
    result = {"generator": "scripts/golden/decode_tfevents.py", "files": {}}
    for rel in FILES:
        result["files"][rel] = decode(os.path.join(FIXTURES, rel))
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(result, f, indent=1)
        f.write("\n")
    for rel, d in result["files"].items():
        print(rel, d["records"], "records;", len(d["scalars"]), "scalar tags;", {k: len(v) for k, v in d["prCurves"].items()}, "hparams", d["hparams"])


if __name__ == "__main__":
    main()
