/**
 * The protobuf schema of the TensorBoard event-file records that Focal Lens reads, as .proto text
 * for protobufjs (parsed once, when the first event file is read).
 *
 * Written for Focal Lens: a subset of TensorBoard's messages with the same field numbers, so the
 * wire format is theirs, but only the fields we use. It mirrors, by number:
 * - tensorboard.Event (event.proto): wall time, step, file version, summary;
 * - tensorboard.Summary, Summary.Value and SummaryMetadata(.PluginData) (summary.proto);
 * - tensorboard.TensorProto and TensorShapeProto (tensor.proto, tensor_shape.proto), with the
 *   DataType numbers of types.proto that {@link DType} names;
 * - the pr_curves plugin's PrCurvePluginData;
 * - the hparams plugin's HParamsPluginData / SessionStartInfo, whose map values are
 *   google.protobuf.Value (struct.proto).
 * Everything else on the wire (graphs, histograms, images, audio, run metadata, the hparams
 * experiment and session-end messages) has no field here, so the decoder skips it unread. Oneof
 * names are ours (they are not on the wire).
 */
export const EVENT_PROTO = `
syntax = "proto3";
package focallens.tensorboard;

// One record of an event file.
message Event {
  double wall_time = 1;
  int64 step = 2;
  oneof what {
    // the first record: "brain.Event:2"
    string file_version = 3;
    Summary summary = 5;
  }
}

message Summary {
  repeated SummaryValue value = 1;
}

message SummaryValue {
  string tag = 1;
  // Writers send the metadata with the first value of a tag only.
  SummaryMetadata metadata = 9;
  oneof kind {
    // TF1 / torch scalars
    float simple_value = 2;
    // TF2 scalars, PR curves and other plugin data
    TensorProto tensor = 8;
  }
}

message SummaryMetadata {
  PluginData plugin_data = 1;
  string display_name = 2;
  string summary_description = 3;
  // 0 unknown, 1 scalar, 2 tensor, 3 blob sequence
  int32 data_class = 4;
}

message PluginData {
  string plugin_name = 1;
  // the plugin's own serialized message (PrCurvePluginData, HParamsPluginData, ...)
  bytes content = 2;
}

message TensorProto {
  int32 dtype = 1;
  TensorShape tensor_shape = 2;
  // little-endian packed values of dtype; otherwise one of the typed lists below
  bytes tensor_content = 4;
  repeated float float_val = 5;
  repeated double double_val = 6;
  repeated int32 int_val = 7;
  repeated int64 int64_val = 10;
  // float16 / bfloat16 bit patterns, one per int32
  repeated int32 half_val = 13;
}

message TensorShape {
  repeated TensorDim dim = 2;
}

message TensorDim {
  int64 size = 1;
  string name = 2;
}

message PrCurvePluginData {
  int32 version = 1;
  uint32 num_thresholds = 2;
}

message HParamsPluginData {
  int32 version = 1;
  oneof data {
    SessionStartInfo session_start_info = 3;
  }
}

message SessionStartInfo {
  map<string, HParamValue> hparams = 1;
  string group_name = 4;
  double start_time_secs = 5;
}

// google.protobuf.Value restricted to the scalars an hparam can be.
message HParamValue {
  oneof kind {
    int32 null_value = 1;
    double number_value = 2;
    string string_value = 3;
    bool bool_value = 4;
  }
}
`;

/** TensorFlow DataType numbers (types.proto) of the tensors the reader turns into numbers. */
export const DType = {
  FLOAT: 1,
  DOUBLE: 2,
  INT32: 3,
  UINT8: 4,
  INT16: 5,
  INT8: 6,
  INT64: 9,
  BFLOAT16: 14,
  HALF: 19,
} as const;

/** A 64-bit integer as protobufjs hands it over: a number, or a long.js Long when long is installed. */
export type Int64 = number | { toNumber(): number };

/** Decoded message shapes (protobufjs camel-cases the field names). Absent fields are absent. */
export interface EventMessage {
  wallTime: number;
  step: Int64;
  fileVersion?: string;
  summary?: { value: SummaryValueMessage[] };
}

export interface SummaryValueMessage {
  tag: string;
  /** null when absent (protobufjs's default for message fields). */
  metadata: null | {
    pluginData?: { pluginName: string; content: Uint8Array };
    displayName: string;
    dataClass: number;
  };
  simpleValue?: number;
  tensor: TensorMessage | null;
}

export interface TensorMessage {
  dtype: number;
  tensorShape?: { dim: Array<{ size: Int64 }> };
  tensorContent: Uint8Array;
  floatVal: number[];
  doubleVal: number[];
  intVal: number[];
  int64Val: Int64[];
  halfVal: number[];
}

export interface PrCurvePluginDataMessage {
  version: number;
  numThresholds: number;
}

export interface HParamsPluginDataMessage {
  sessionStartInfo?: { hparams: Record<string, { numberValue?: number; stringValue?: string; boolValue?: boolean }> };
}
