#!/usr/bin/env python3
"""Expected values for the TensorBoard event-file reader, from an independent decoder.

Run with Debian's python3 (python3-protobuf, python3-numpy):

    /usr/bin/python3 scripts/golden/decode_tfevents.py

Reads the real event files under test/fixtures/real-logs/runs/ (cases a, b, e) with a pure-Python
TFRecord loop (both CRC-32C checked, bitwise table) and protobuf messages built from a descriptor at
run time (tfevents_proto.py), and writes test/fixtures/tensorboard/tfevents-golden.json: per file the record
count, every scalar series (tag -> [step, wall_time, value]), every PR curve (tag -> per step the
[6, T] rows as lists) and the hparams of the session-start summary. It also writes (with the
same protobuf messages) test/fixtures/tensorboard/events.out.tfevents.1700000000.synthetic.0.v2
and decodes it into the same JSON under "synthetic".
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
OUT = os.path.join(ROOT, "test", "fixtures", "tensorboard", "tfevents-golden.json")
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


DT_FLOAT, DT_DOUBLE, DT_HALF = 1, 2, 19
CONTENT_DTYPES = {DT_FLOAT: "<f4", DT_DOUBLE: "<f8", DT_HALF: "<f2"}


def tensor_values(t):
    """Flat float64 values of a float / double / half TensorProto (tensor_content or the typed
    lists), or None for other dtypes."""
    if t.dtype not in CONTENT_DTYPES:
        return None
    if t.tensor_content:
        return np.frombuffer(t.tensor_content, dtype=CONTENT_DTYPES[t.dtype]).astype(np.float64)
    if t.dtype == DT_DOUBLE:
        return np.array(t.double_val, dtype=np.float64)
    if t.dtype == DT_HALF:
        return np.array(t.half_val, dtype=np.uint16).view(np.float16).astype(np.float64)
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
                if dims[0] != 6 or dims[1] != declared:
                    continue  # malformed: the reader reports it
                out["prCurves"].setdefault(v.tag, []).append({
                    "step": ev.step, "wallTime": ev.wall_time, "numThresholds": declared,
                    "rows": rows.reshape(6, dims[1]).tolist(),
                })
            elif v.HasField("tensor") and name in ("scalars", ""):
                vals = tensor_values(v.tensor)
                if vals is not None and vals.size == 1:
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


SYNTHETIC = os.path.join(ROOT, "test", "fixtures", "tensorboard", "events.out.tfevents.1700000000.synthetic.0.v2")


def frame(payload):
    header = struct.pack("<Q", len(payload))
    return header + struct.pack("<I", masked_crc32c(header)) + payload + struct.pack("<I", masked_crc32c(payload))


def write_synthetic(path):
    """An event file that exercises what the real fixtures do not: hparams, scalars as
    tensor_content / double_val / half_val, metadata on a tag's first value only, a 64-bit step,
    a TF-style PR curve in tensor_content with T = 11, and values the reader must skip or report
    (a text tensor, a graph, a vector 'scalar', a PR curve of the wrong shape)."""
    rng = np.random.default_rng(7)
    events = [Event(wall_time=1700000000.25, file_version="brain.Event:2")]

    def summary(step, wall):
        ev = Event(step=step, wall_time=wall)
        events.append(ev)
        return ev.summary

    s = summary(0, 1700000001.0)
    v = s.value.add(tag="_hparams_/session_start_info")
    v.metadata.plugin_data.plugin_name = "hparams"
    hp = HParamsPluginData(version=0)
    for key, kind, val in (("alpha", "number_value", 0.25), ("loss", "string_value", "sigmoid_focal"), ("balanced", "bool_value", True)):
        entry = hp.session_start_info.hparams.add(key=key)
        setattr(entry.value, kind, val)
    v.metadata.plugin_data.content = hp.SerializeToString()
    for step in (0, 1):
        s = summary(step, 1700000002.0 + step)
        v = s.value.add(tag="loss")
        v.tensor.dtype = DT_FLOAT
        v.tensor.tensor_content = np.array([0.5 / (step + 1)], dtype="<f4").tobytes()
        v2 = s.value.add(tag="acc")
        v2.tensor.dtype = DT_DOUBLE
        v2.tensor.double_val.append(0.9 + step / 100)
        if step == 0:  # writers send the metadata with a tag's first value only
            v.metadata.plugin_data.plugin_name = "scalars"
            v2.metadata.plugin_data.plugin_name = "scalars"
            v2.metadata.data_class = 1
    s = summary(1, 1700000003.5)
    v = s.value.add(tag="lr")
    v.metadata.plugin_data.plugin_name = "scalars"
    v.tensor.dtype = DT_HALF
    v.tensor.half_val.append(int(np.array([0.000999], dtype=np.float16).view(np.uint16)[0]))
    T = 11
    for step in (2, 3):
        p = rng.random(300).astype(np.float32)
        y = rng.random(300) < p
        bucket = np.floor(p * np.float32(T - 1)).astype(np.int64)
        tp = np.cumsum(np.bincount(bucket[y], minlength=T)[::-1])[::-1].astype(np.float64)
        fp = np.cumsum(np.bincount(bucket[~y], minlength=T)[::-1])[::-1].astype(np.float64)
        tn, fn = fp[0] - fp, tp[0] - tp
        rows = np.stack([tp, fp, tn, fn, tp / np.maximum(1e-7, tp + fp), tp / np.maximum(1e-7, tp + fn)]).astype("<f4")
        s = summary(step, 1700000004.0 + step)
        v = s.value.add(tag="val/pr")
        v.tensor.dtype = DT_FLOAT
        v.tensor.tensor_shape.dim.add(size=6)
        v.tensor.tensor_shape.dim.add(size=T)
        v.tensor.tensor_content = rows.tobytes()
        if step == 2:
            v.metadata.plugin_data.plugin_name = "pr_curves"
            v.metadata.plugin_data.content = PrCurvePluginData(version=0, num_thresholds=T).SerializeToString()
    s = summary(2 ** 40 + 3, 1700000010.0)
    s.value.add(tag="big_step", simple_value=1.25)
    v = s.value.add(tag="notes")
    v.metadata.plugin_data.plugin_name = "text"
    v.tensor.dtype = 7
    v.tensor.string_val.append(b"hello")
    events.append(Event(step=5, wall_time=1700000011.0, graph_def=b"\x0a\x03abc"))
    s = summary(6, 1700000012.0)
    v = s.value.add(tag="vec")
    v.metadata.plugin_data.plugin_name = "scalars"
    v.tensor.dtype = DT_FLOAT
    v.tensor.tensor_shape.dim.add(size=3)
    v.tensor.float_val.extend([1, 2, 3])
    v = s.value.add(tag="bad_pr")
    v.metadata.plugin_data.plugin_name = "pr_curves"
    v.tensor.dtype = DT_FLOAT
    v.tensor.tensor_shape.dim.add(size=5)
    v.tensor.tensor_shape.dim.add(size=T)
    v.tensor.float_val.extend([0.0] * (5 * T))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        for ev in events:
            f.write(frame(ev.SerializeToString()))


def main():
    write_synthetic(SYNTHETIC)
    result = {"generator": "scripts/golden/decode_tfevents.py", "files": {}}
    for rel in FILES:
        result["files"][rel] = decode(os.path.join(FIXTURES, rel))
    result["files"]["synthetic"] = decode(SYNTHETIC)
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(result, f, separators=(",", ":"))
        f.write("\n")
    for rel, d in result["files"].items():
        print(rel, d["records"], "records;", len(d["scalars"]), "scalar tags;", {k: len(v) for k, v in d["prCurves"].items()}, "hparams", d["hparams"])


if __name__ == "__main__":
    main()
