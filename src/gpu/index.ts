// The GPU layer's public face: device acquisition, buffers, pipelines, dispatch recording.
export * from './context.ts';
export * from './errors.ts';
export * from './buffers.ts';
export * from './pipelines.ts';
export * from './recorder.ts';
export * from './engine.ts';
export * from './scratch.ts';
export * from './tuning.ts';
export * from './perGpu.ts';
