// The model layer's browser-safe public face. Node-only modules (byte-source-node, model-files-node,
// model-cache-node, model-source-node) are imported by path from Node code, never re-exported here.
export * from './byte-source.ts';
export * from './checkpoint.ts';
export * from './config.ts';
export * from './dtype.ts';
export * from './hub.ts';
export * from './lora.ts';
export * from './memory-plan.ts';
export * from './model-cache.ts';
export * from './model-files.ts';
export * from './peft.ts';
export * from './random.ts';
export * from './rope.ts';
export * from './safetensors.ts';
export * from './tiny-model.ts';
export * from './upload.ts';
