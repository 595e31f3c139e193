"""The subset of TensorBoard's event protos that Focal Lens reads, built at run time with
descriptor_pb2 (no protoc, no tensorboard package): Debian's python3-protobuf is enough.

Field numbers follow TensorBoard's Event, Summary, Summary.Value, SummaryMetadata(.PluginData),
TensorProto, TensorShapeProto(.Dim), PrCurvePluginData and the hparams plugin's HParamsPluginData /
SessionStartInfo with google.protobuf.Value. This is an independent statement of them, for the golden
decoder (scripts/golden/decode_tfevents.py) and the bench peer (bench/peer_tfevents.py); the
TypeScript reader has its own (src/core/readers/tensorboard/schema.ts).
"""
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

F = descriptor_pb2.FieldDescriptorProto
OPT, REP = F.LABEL_OPTIONAL, F.LABEL_REPEATED


def _message(fd, name, fields, oneof=None):
    """fields: (number, name, type, label, message type name or None); `oneof` names one oneof
    holding every field whose number is in oneof[1] (so HasField / WhichOneof work in proto3)."""
    m = fd.message_type.add()
    m.name = name
    if oneof:
        m.oneof_decl.add().name = oneof[0]
    for number, fname, ftype, label, type_name in fields:
        f = m.field.add()
        f.name, f.number, f.type, f.label = fname, number, ftype, label
        if type_name:
            f.type_name = type_name
        if oneof and number in oneof[1]:
            f.oneof_index = 0


def _build():
    fd = descriptor_pb2.FileDescriptorProto(name="focal_lens_tfevents.proto", package="fl", syntax="proto3")
    _message(fd, "Event", [
        (1, "wall_time", F.TYPE_DOUBLE, OPT, None),
        (2, "step", F.TYPE_INT64, OPT, None),
        (3, "file_version", F.TYPE_STRING, OPT, None),
        (4, "graph_def", F.TYPE_BYTES, OPT, None),
        (5, "summary", F.TYPE_MESSAGE, OPT, ".fl.Summary"),
    ], oneof=("what", (3, 4, 5)))
    _message(fd, "Summary", [(1, "value", F.TYPE_MESSAGE, REP, ".fl.Value")])
    _message(fd, "Value", [
        (1, "tag", F.TYPE_STRING, OPT, None),
        (2, "simple_value", F.TYPE_FLOAT, OPT, None),
        (8, "tensor", F.TYPE_MESSAGE, OPT, ".fl.TensorProto"),
        (9, "metadata", F.TYPE_MESSAGE, OPT, ".fl.SummaryMetadata"),
    ], oneof=("value", (2, 8)))
    _message(fd, "PluginData", [
        (1, "plugin_name", F.TYPE_STRING, OPT, None),
        (2, "content", F.TYPE_BYTES, OPT, None),
    ])
    _message(fd, "SummaryMetadata", [
        (1, "plugin_data", F.TYPE_MESSAGE, OPT, ".fl.PluginData"),
        (2, "display_name", F.TYPE_STRING, OPT, None),
        (3, "summary_description", F.TYPE_STRING, OPT, None),
        (4, "data_class", F.TYPE_INT32, OPT, None),
    ])
    _message(fd, "Dim", [(1, "size", F.TYPE_INT64, OPT, None), (2, "name", F.TYPE_STRING, OPT, None)])
    _message(fd, "TensorShapeProto", [(2, "dim", F.TYPE_MESSAGE, REP, ".fl.Dim")])
    _message(fd, "TensorProto", [
        (1, "dtype", F.TYPE_INT32, OPT, None),
        (2, "tensor_shape", F.TYPE_MESSAGE, OPT, ".fl.TensorShapeProto"),
        (4, "tensor_content", F.TYPE_BYTES, OPT, None),
        (5, "float_val", F.TYPE_FLOAT, REP, None),
        (6, "double_val", F.TYPE_DOUBLE, REP, None),
        (7, "int_val", F.TYPE_INT32, REP, None),
        (8, "string_val", F.TYPE_BYTES, REP, None),
        (10, "int64_val", F.TYPE_INT64, REP, None),
        (13, "half_val", F.TYPE_INT32, REP, None),
    ])
    _message(fd, "PrCurvePluginData", [(1, "version", F.TYPE_INT32, OPT, None), (2, "num_thresholds", F.TYPE_UINT32, OPT, None)])
    _message(fd, "StructValue", [
        (2, "number_value", F.TYPE_DOUBLE, OPT, None),
        (3, "string_value", F.TYPE_STRING, OPT, None),
        (4, "bool_value", F.TYPE_BOOL, OPT, None),
    ], oneof=("kind", (2, 3, 4)))
    # a map<string, Value> field is on the wire a repeated {key = 1, value = 2} message
    _message(fd, "HparamsEntry", [(1, "key", F.TYPE_STRING, OPT, None), (2, "value", F.TYPE_MESSAGE, OPT, ".fl.StructValue")])
    _message(fd, "SessionStartInfo", [(1, "hparams", F.TYPE_MESSAGE, REP, ".fl.HparamsEntry")])
    _message(fd, "HParamsPluginData", [(1, "version", F.TYPE_INT32, OPT, None), (3, "session_start_info", F.TYPE_MESSAGE, OPT, ".fl.SessionStartInfo")])
    pool = descriptor_pool.DescriptorPool()
    pool.Add(fd)
    factory = message_factory.MessageFactory(pool)
    return {name: factory.GetPrototype(pool.FindMessageTypeByName("fl." + name)) for name in (
        "Event", "PrCurvePluginData", "HParamsPluginData")}


_classes = _build()
Event = _classes["Event"]
PrCurvePluginData = _classes["PrCurvePluginData"]
HParamsPluginData = _classes["HParamsPluginData"]
