// A small builder for ONNX graphs on top of onnx-proto's generated protobuf code (the encoder is
// the library's; nothing here writes protobuf bytes by hand). Owns: unique value names, nodes with
// typed attributes, small constant initializers (shapes, axes, scalars), weight initializers stored
// inline or as external data, graph inputs/outputs with symbolic dims, and the final ModelProto.
// Knows nothing about transformers; never touches the GPU.
import onnxProto from 'onnx-proto';
import type { onnx as OnnxNs } from 'onnx-proto';

// onnx-proto is CommonJS: its namespace object arrives as the default export.
const { onnx } = onnxProto;
export { onnx };

export const TensorType = onnx.TensorProto.DataType;
export type TensorElemType = 'float32' | 'float16' | 'int64' | 'bool';
const ELEM: Record<TensorElemType, number> = { float32: TensorType.FLOAT, float16: TensorType.FLOAT16, int64: TensorType.INT64, bool: TensorType.BOOL };

/** ONNX opset the graphs use (ReduceMean still takes `axes` as an attribute; LessOrEqual exists). */
export const OPSET = 17;
/** IR version 8 is the newest onnx-proto 8.0.1 knows and is what ONNX 1.12 (opset 17) writes. */
export const IR_VERSION = 8;

export type Dim = number | string;
export type AttrValue = number | number[] | { float: number } | { floats: number[] };

export interface ExternalLocation {
  file: string;
  offset: number;
  length: number;
}

export class OnnxGraphBuilder {
  private readonly nodes: OnnxNs.INodeProto[] = [];
  private readonly initializers: OnnxNs.ITensorProto[] = [];
  private readonly inputs: OnnxNs.IValueInfoProto[] = [];
  private readonly outputs: OnnxNs.IValueInfoProto[] = [];
  private readonly used = new Set<string>();
  private counter = 0;

  /** A fresh value name with a readable prefix. */
  name(prefix: string): string {
    let n = `${prefix}_${this.counter++}`;
    while (this.used.has(n)) n = `${prefix}_${this.counter++}`;
    this.used.add(n);
    return n;
  }

  input(name: string, type: TensorElemType, dims: Dim[]): string {
    this.claim(name);
    this.inputs.push(valueInfo(name, type, dims));
    return name;
  }

  /** Declares `value` a graph output under `name` (an Identity when the names differ). */
  output(value: string, name: string, type: TensorElemType, dims: Dim[]): void {
    if (value !== name) {
      this.claim(name);
      this.nodes.push({ opType: 'Identity', input: [value], output: [name], name: `${name}/Identity` });
    }
    this.outputs.push(valueInfo(name, type, dims));
  }

  /** One node with one output; returns the output's name. Attributes: integers and integer lists
   * as plain numbers/arrays (INT/INTS), floats as {float}/{floats}. */
  op(opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}, outName?: string): string {
    return this.opN(opType, inputs, 1, attrs, outName ? [outName] : undefined)[0];
  }

  opN(opType: string, inputs: string[], outputs: number, attrs: Record<string, AttrValue> = {}, outNames?: string[]): string[] {
    const out = outNames ?? Array.from({ length: outputs }, () => this.name(opType.toLowerCase()));
    if (outNames) outNames.forEach((n) => this.claim(n));
    const attribute = Object.entries(attrs).map(([name, v]) => attribute_(name, v));
    this.nodes.push({ opType, input: inputs, output: out, name: `${out[0]}/${opType}`, attribute });
    return out;
  }

  /** A small int64 constant (shapes, axes, starts/ends). */
  int64(values: number[], dims: number[] = [values.length]): string {
    const name = this.name('const_i64');
    this.initializers.push({ name, dataType: TensorType.INT64, dims, int64Data: values });
    return name;
  }

  /** A small f32 constant (eps, scales, inverse frequencies). Scalars have dims []. */
  float32(values: ArrayLike<number>, dims: number[] = [values.length], prefix = 'const_f32'): string {
    const name = this.name(prefix);
    this.initializers.push({ name, dataType: TensorType.FLOAT, dims, floatData: Array.from(values) });
    return name;
  }

  /** A weight initializer with its raw little-endian bytes inline. */
  weight(name: string, type: TensorElemType, dims: number[], bytes: Uint8Array): string {
    this.claim(name);
    this.initializers.push({ name, dataType: ELEM[type], dims, rawData: bytes });
    return name;
  }

  /** A weight initializer whose bytes live in an external data file (ONNX external data format). */
  externalWeight(name: string, type: TensorElemType, dims: number[], at: ExternalLocation): string {
    this.claim(name);
    this.initializers.push({
      name,
      dataType: ELEM[type],
      dims,
      dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
      externalData: [
        { key: 'location', value: at.file },
        { key: 'offset', value: String(at.offset) },
        { key: 'length', value: String(at.length) },
      ],
    });
    return name;
  }

  /** Encodes the model. Inline weight bytes are copied once into the result. */
  encode(graphName: string, producer: { name: string; version: string }): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: IR_VERSION,
      producerName: producer.name,
      producerVersion: producer.version,
      opsetImport: [{ domain: '', version: OPSET }],
      graph: { name: graphName, node: this.nodes, initializer: this.initializers, input: this.inputs, output: this.outputs },
    });
    return onnx.ModelProto.encode(model).finish();
  }

  get nodeCount(): number {
    return this.nodes.length;
  }

  private claim(name: string): void {
    if (this.used.has(name)) throw new Error(`ONNX graph: value name "${name}" is defined twice`);
    this.used.add(name);
  }
}

function valueInfo(name: string, type: TensorElemType, dims: Dim[]): OnnxNs.IValueInfoProto {
  return {
    name,
    type: { tensorType: { elemType: ELEM[type], shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
  };
}

function attribute_(name: string, v: AttrValue): OnnxNs.IAttributeProto {
  const A = onnx.AttributeProto.AttributeType;
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new Error(`ONNX attribute ${name}: ${v} is not an integer; pass {float: ${v}}`);
    return { name, type: A.INT, i: v };
  }
  if (Array.isArray(v)) return { name, type: A.INTS, ints: v };
  if ('float' in v) return { name, type: A.FLOAT, f: v.float };
  return { name, type: A.FLOATS, floats: v.floats };
}
