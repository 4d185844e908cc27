// What this browser's GPU can do, as the worker reported it. Fed only by worker responses/events.
import { create } from 'zustand';
import type { Capabilities, WorkerEvent } from '../worker/protocol.ts';

export type { Capabilities };
import { engineClient } from './engine.ts';
import { isWorkerGone } from '../worker/client.ts';

/** `crashed`: the studio's own worker died, which is not the same as a browser without WebGPU. */
export type CapabilityStatus = 'idle' | 'probing' | 'ready' | 'unavailable' | 'lost' | 'crashed';

interface CapabilityState {
  status: CapabilityStatus;
  capabilities: Capabilities | null;
  /** Why WebGPU could not be used, or what happened to the device. */
  problem: string | null;
  /** Whether the page itself sees navigator.gpu (the worker may differ). */
  pageHasWebGpu: boolean;
  /** Errors the GPU or the worker raised outside any request, each kind once (newest last). */
  strayErrors: string[];
  probe(): Promise<void>;
  /** From the worker-event adapter: device and worker health. */
  noteHealth(e: WorkerEvent): void;
  dismissStrayErrors(): void;
}

export const useCapabilities = create<CapabilityState>((set, get) => ({
  status: 'idle',
  capabilities: null,
  problem: null,
  pageHasWebGpu: typeof navigator !== 'undefined' && !!navigator.gpu,
  async probe() {
    if (get().status === 'probing') return;
    if (!get().pageHasWebGpu) {
      // The worker would fail the same way; say so at once instead of spawning it. No problem
      // text: the page's own headline says what happened (the browser gave it no WebGPU), and a
      // line of ours must not pass for the browser's words.
      set({ status: 'unavailable', problem: null });
      return;
    }
    set({ status: 'probing', problem: null });
    try {
      const capabilities = await engineClient().request('probe', {});
      set({ status: 'ready', capabilities });
    } catch (err) {
      set({ status: isWorkerGone(err as Error) ? 'crashed' : 'unavailable', problem: (err as Error).message });
    }
  },
  strayErrors: [],
  noteHealth(e) {
    if (e.type === 'device-lost') set({ status: 'lost', problem: e.message });
    // A new device after a loss: training works again, so the loss is no longer news.
    else if (e.type === 'device-ready' && get().status === 'lost') set({ status: get().capabilities ? 'ready' : 'idle', problem: null });
    else if (e.type === 'worker-crashed') set({ status: 'crashed', problem: e.message });
    else if (e.type === 'worker-error' || e.type === 'message-unreadable' || e.type === 'gpu-error') {
      // An unreadable message is no error of the worker's, and may leave a task unanswered: it
      // says so itself, without the "outside any task" of an error that escaped the worker.
      const text = e.type === 'gpu-error' ? `GPU error: ${e.message}` : e.type === 'message-unreadable' ? e.message : `The GPU worker hit an error outside any task: ${e.message}`;
      if (!get().strayErrors.includes(text)) set({ strayErrors: [...get().strayErrors.slice(-4), text] });
    }
  },
  dismissStrayErrors() {
    set({ strayErrors: [] });
  },
}));
