// What this browser's GPU can do, as the worker reported it. Fed only by worker responses/events.
import { create } from 'zustand';
import type { Capabilities } from '../worker/protocol.ts';

export type { Capabilities };
import { engineClient } from './engine.ts';

export type CapabilityStatus = 'idle' | 'probing' | 'ready' | 'unavailable' | 'lost';

interface CapabilityState {
  status: CapabilityStatus;
  capabilities: Capabilities | null;
  /** Why WebGPU could not be used, or what happened to the device. */
  problem: string | null;
  /** Whether the page itself sees navigator.gpu (the worker may differ). */
  pageHasWebGpu: boolean;
  probe(): Promise<void>;
}

export const useCapabilities = create<CapabilityState>((set, get) => ({
  status: 'idle',
  capabilities: null,
  problem: null,
  pageHasWebGpu: typeof navigator !== 'undefined' && !!navigator.gpu,
  async probe() {
    if (get().status === 'probing') return;
    if (!get().pageHasWebGpu) {
      // The worker would fail the same way; say so at once instead of spawning it.
      set({ status: 'unavailable', problem: 'navigator.gpu is undefined in this page' });
      return;
    }
    set({ status: 'probing', problem: null });
    const client = engineClient();
    client.onEvent((e) => {
      if (e.type === 'device-lost') set({ status: 'lost', problem: e.message });
    });
    try {
      const capabilities = await client.request('probe', {});
      set({ status: 'ready', capabilities });
    } catch (err) {
      set({ status: 'unavailable', problem: (err as Error).message });
    }
  },
}));
