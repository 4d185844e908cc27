// PEFT adapter files: `adapter_config.json` + `adapter_model.safetensors`, as Python PEFT writes and
// reads them (keys without the adapter name, A [r, in], B [out, r], F32, `{"format":"pt"}` metadata,
// config written with sorted keys and indent 2 like `json.dumps(..., indent=2, sort_keys=True)`).
// Owns export and import with validation against the model spec. Never touches the GPU; the
// engine downloads its f32 LoRA buffers into a LoraAdapter first.
import type { ByteSource } from './byte-source.ts';
import type { ModelSpec } from './config.ts';
import { decodeToFloat32 } from './dtype.ts';
import { firstNonFiniteValue } from './finite.ts';
import { LORA_TARGETS, TARGET_MODULES, loraManifest, peftKey, validateLoraSettings, type LoraAdapter, type LoraSettings, type LoraTarget } from './lora.ts';
import { encodeSafetensors, readSafetensorsHeader, readTensorRange } from './safetensors.ts';

export const ADAPTER_CONFIG_FILE = 'adapter_config.json';
export const ADAPTER_WEIGHTS_FILE = 'adapter_model.safetensors';

export class PeftAdapterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PeftAdapterError';
  }
}

export interface PeftExport {
  adapterConfigJson: string;
  adapterSafetensors: Uint8Array;
}

/** The fields PEFT's LoraConfig has had since 0.10; newer-only fields are left out so older PEFT
 * versions (which reject unknown keys) still load the file. */
export function peftAdapterConfig(settings: LoraSettings, baseModelNameOrPath: string): Record<string, unknown> {
  const config: Record<string, unknown> = {
    alpha_pattern: {},
    auto_mapping: null,
    base_model_name_or_path: baseModelNameOrPath,
    bias: 'none',
    fan_in_fan_out: false,
    inference_mode: true,
    init_lora_weights: true,
    layer_replication: null,
    layers_pattern: null,
    layers_to_transform: settings.layers ? [...settings.layers].sort((a, b) => a - b) : null,
    loftq_config: {},
    lora_alpha: settings.alpha,
    lora_dropout: settings.dropout,
    megatron_config: null,
    megatron_core: 'megatron.core',
    modules_to_save: null,
    peft_type: 'LORA',
    r: settings.rank,
    rank_pattern: {},
    revision: null,
    target_modules: settings.targets.map((t) => TARGET_MODULES[t].module).sort(),
    task_type: 'CAUSAL_LM',
    use_dora: false,
    use_rslora: settings.useRsLora,
  };
  return Object.fromEntries(Object.keys(config).sort().map((k) => [k, config[k]]));
}

export function exportPeftAdapter(spec: ModelSpec, adapter: LoraAdapter, baseModelNameOrPath: string): PeftExport {
  validateLoraSettings(spec, adapter.settings);
  const tensors = loraManifest(spec, adapter.settings).map((e) => {
    const values = adapter.tensors.get(e.key);
    if (!values) throw new PeftAdapterError(`adapter is missing tensor ${e.key}`);
    if (values.length !== e.shape[0] * e.shape[1]) throw new PeftAdapterError(`adapter tensor ${e.key} has ${values.length} values, expected [${e.shape.join(', ')}]`);
    const bytes = new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength));
    return { name: e.key, dtype: 'F32' as const, shape: e.shape, data: bytes };
  });
  return {
    adapterConfigJson: JSON.stringify(peftAdapterConfig(adapter.settings, baseModelNameOrPath), null, 2),
    adapterSafetensors: encodeSafetensors(tensors, { format: 'pt' }),
  };
}

// ---------------------------------------------------------------------------------------------
// Import

/** Why a target_modules regex is not run: too long, or a repetition inside a repeated or
 * alternating group ((.+)+, (a|aa)*), the shapes whose matching time grows exponentially. PEFT's
 * own patterns (".*\\.(q_proj|v_proj)", "model.layers.0.self_attn.q_proj") have neither. */
export function unsafeRegexReason(pattern: string): string | null {
  if (pattern.length > 300) return `is ${pattern.length} characters long (at most 300)`;
  // Innermost groups first: a group with a quantifier or an alternation inside, itself quantified.
  const quantifiedGroup = /\((?:\?:)?([^()]*)\)(?:[*+]|\{\d+,\d*\})/g;
  let source = pattern.replace(/\\./g, '_'); // escaped characters are plain text here
  // Repetitions in a row (.*.*.*…) multiply the ways to match: a handful is plenty for module paths.
  const repeats = source.match(/[*+]|\{\d+,\d*\}/g)?.length ?? 0;
  if (repeats > 6) return `has ${repeats} repetitions (at most 6)`;
  for (let depth = 0; depth < 20; depth++) {
    let found: string | null = null;
    source = source.replace(quantifiedGroup, (_m, body: string) => {
      if (/[*+]|\{\d+,\d*\}|\|/.test(body)) found = body;
      return '_+'; // a quantified group is a repetition for the group around it
    });
    if (found !== null) return 'repeats a group that itself repeats or alternates, which can take for ever to match';
    const inner = source.replace(/\(([^()]*)\)/g, '$1');
    if (inner === source) return null;
    source = inner;
  }
  return null;
}

/** Settings from adapter_config.json, refusing features the engine does not implement. */
export function parsePeftAdapterConfig(text: string, spec: ModelSpec, file = ADAPTER_CONFIG_FILE): LoraSettings {
  let c: Record<string, unknown>;
  try {
    c = JSON.parse(text) as Record<string, unknown>;
  } catch (err) {
    throw new PeftAdapterError(`${file}: not valid JSON (${(err as Error).message})`);
  }
  const refuse = (detail: string) => new PeftAdapterError(`${file}: ${detail}`);
  if (typeof c !== 'object' || c === null || Array.isArray(c)) throw refuse('is not a JSON object of LoRA settings');
  if (c.peft_type !== 'LORA') throw refuse(`peft_type ${JSON.stringify(c.peft_type)} is not supported (only "LORA")`);
  if (c.task_type != null && c.task_type !== 'CAUSAL_LM') throw refuse(`task_type ${JSON.stringify(c.task_type)} is not supported (only "CAUSAL_LM")`);
  if (c.bias != null && c.bias !== 'none') throw refuse(`bias "${String(c.bias)}" is not supported (only "none")`);
  if (c.use_dora === true) throw refuse('DoRA adapters (use_dora=true) are not supported');
  if (c.fan_in_fan_out === true) throw refuse('fan_in_fan_out=true is for GPT-2 style Conv1D layers, not these models');
  for (const k of ['rank_pattern', 'alpha_pattern'] as const) {
    if (c[k] && typeof c[k] === 'object' && Object.keys(c[k] as object).length > 0) throw refuse(`${k} (per-module rank/alpha) is not supported`);
  }
  if (Array.isArray(c.modules_to_save) && c.modules_to_save.length > 0) throw refuse(`modules_to_save ${JSON.stringify(c.modules_to_save)} is not supported (LoRA weights only)`);
  const rank = c.r;
  if (typeof rank !== 'number' || !Number.isInteger(rank) || rank < 1) throw refuse(`"r" must be a positive integer, got ${JSON.stringify(rank)}`);
  const alpha = c.lora_alpha ?? 8;
  if (typeof alpha !== 'number' || !(alpha > 0)) throw refuse(`"lora_alpha" must be positive, got ${JSON.stringify(alpha)}`);
  const dropout = typeof c.lora_dropout === 'number' ? c.lora_dropout : 0;

  const modules = c.target_modules;
  let targets: LoraTarget[];
  if (Array.isArray(modules)) {
    targets = [];
    for (const m of modules) {
      const t = LORA_TARGETS.find((x) => TARGET_MODULES[x].module === m);
      if (!t) throw refuse(`target module "${String(m)}" is not supported (supported: ${LORA_TARGETS.map((x) => TARGET_MODULES[x].module).join(', ')})`);
      if (!targets.includes(t)) targets.push(t);
    }
  } else if (typeof modules === 'string') {
    // PEFT treats a string as a regex that must fully match the module path. It comes from a file,
    // so one that could backtrack for ever is refused before it runs.
    const unsafe = unsafeRegexReason(modules);
    if (unsafe) throw refuse(`target_modules ${JSON.stringify(modules.slice(0, 80))} ${unsafe}; list the module names instead`);
    let re: RegExp;
    try {
      re = new RegExp(`^(?:${modules})$`);
    } catch (err) {
      throw refuse(`target_modules ${JSON.stringify(modules.slice(0, 80))} is not a regular expression (${(err as Error).message})`);
    }
    targets = LORA_TARGETS.filter((t) => re.test(`model.layers.0.${TARGET_MODULES[t].block}.${TARGET_MODULES[t].module}`) || re.test(TARGET_MODULES[t].module));
  } else {
    throw refuse('target_modules is missing');
  }
  if (targets.length === 0) throw refuse(`target_modules ${JSON.stringify(modules)} selects none of ${LORA_TARGETS.map((x) => TARGET_MODULES[x].module).join(', ')}`);
  targets.sort((a, b) => LORA_TARGETS.indexOf(a) - LORA_TARGETS.indexOf(b));

  let layers: number[] | undefined;
  if (c.layers_to_transform != null) {
    const l = c.layers_to_transform;
    layers = typeof l === 'number' ? [l] : Array.isArray(l) ? l.map(Number) : [];
  }
  const settings: LoraSettings = { rank, alpha, useRsLora: c.use_rslora === true, dropout, targets, layers };
  try {
    validateLoraSettings(spec, settings);
  } catch (err) {
    throw refuse((err as Error).message);
  }
  return settings;
}

const KEY_RE = /^base_model\.model\.model\.layers\.(\d+)\.(self_attn|mlp)\.(q|k|v|o|gate|up|down)_proj\.lora_(A|B)(?:\.default)?\.weight$/;

/** Reads a PEFT adapter, validating every key, dtype, shape and value against `spec`. */
export async function importPeftAdapter(spec: ModelSpec, adapterConfigText: string, weights: ByteSource): Promise<LoraAdapter> {
  const settings = parsePeftAdapterConfig(adapterConfigText, spec);
  const header = await readSafetensorsHeader(weights);
  const expected = new Map(loraManifest(spec, settings).map((e) => [e.key, e]));
  const tensors = new Map<string, Float32Array>();
  const file = weights.name;
  for (const t of header.tensors) {
    const m = KEY_RE.exec(t.name);
    if (!m) throw new PeftAdapterError(`${file}: tensor "${t.name}" is not a LoRA A/B weight of a q,k,v,o,gate,up,down projection`);
    const key = peftKey(Number(m[1]), m[3] as LoraTarget, m[4] as 'A' | 'B');
    const want = expected.get(key);
    if (!want) {
      throw new PeftAdapterError(
        `${file}: tensor "${t.name}" is not in the adapter described by adapter_config.json (r=${settings.rank}, targets ${settings.targets.join(',')}, ${spec.numLayers} layers)`,
      );
    }
    if (t.shape.length !== 2 || t.shape[0] !== want.shape[0] || t.shape[1] !== want.shape[1]) {
      throw new PeftAdapterError(`${file}: tensor "${t.name}" has shape [${t.shape.join(', ')}], but r=${settings.rank} on ${spec.architecture} needs [${want.shape.join(', ')}]`);
    }
    if (t.dtype !== 'F32' && t.dtype !== 'BF16' && t.dtype !== 'F16') throw new PeftAdapterError(`${file}: tensor "${t.name}" has dtype ${t.dtype}; LoRA weights must be F32, BF16 or F16`);
    if (tensors.has(key)) throw new PeftAdapterError(`${file}: tensor ${key} appears twice`);
    const values = decodeToFloat32(await readTensorRange(weights, t), t.dtype);
    // A NaN in A or B turns every output of the layer into NaN: refuse the file, do not generate "!!!".
    const bad = firstNonFiniteValue(values);
    if (bad) throw new PeftAdapterError(`${file}: tensor "${t.name}" holds ${bad.what} at element ${bad.index}; the adapter is corrupt`);
    tensors.set(key, values);
  }
  const missing = [...expected.keys()].filter((k) => !tensors.has(k));
  if (missing.length > 0) throw new PeftAdapterError(`${file}: ${missing.length} LoRA tensors are missing, first ${missing[0]}`);
  return { settings, tensors };
}

