// A value kept per Gpu, made on first use and let go with the Gpu (a WeakMap): what an op remembers
// of the calls it recorded on one device, such as the shape classes a tuning pass measures. Holds no
// GPU resources of its own.
import type { Gpu } from './engine.ts';

/** A getter of this Gpu's value, made by `make` the first time that Gpu asks. */
export function perGpu<T>(make: () => T): (gpu: Gpu) => T {
  const values = new WeakMap<Gpu, T>();
  return (gpu) => {
    let v = values.get(gpu);
    if (v === undefined) values.set(gpu, (v = make()));
    return v;
  };
}
