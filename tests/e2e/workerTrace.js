// Loaded into every page by run-e2e.mjs when E2E_TRACE=1 (a plain browser script, not a module):
// logs the GPU worker protocol as the page sees it, with the page's clock in seconds — each request
// and how long its answer took, each new progress label, each event (a step with its own time) —
// so a slow e2e run says which request of which phase took the time.
(() => {
  const PageWorker = window.Worker;
  if (!PageWorker) return;
  const now = () => (performance.now() / 1000).toFixed(1);
  window.Worker = class extends PageWorker {
    constructor(...args) {
      super(...args);
      const requests = new Map();
      const labels = new Map();
      const post = this.postMessage.bind(this);
      this.postMessage = (msg, ...rest) => {
        if (msg?.kind && msg.id) {
          requests.set(msg.id, { kind: msg.kind, at: performance.now() });
          console.log(`TRACE ${now()} request ${msg.kind}#${msg.id}`);
        }
        return post(msg, ...rest);
      };
      this.addEventListener('message', ({ data: m }) => {
        if (m?.kind === 'progress') {
          if (labels.get(m.id) === m.progress?.label) return;
          labels.set(m.id, m.progress?.label);
          console.log(`TRACE ${now()} progress #${m.id} ${m.progress?.label}`);
        } else if (m?.kind === 'return' || m?.kind === 'throw') {
          const r = requests.get(m.id);
          if (r) console.log(`TRACE ${now()} ${m.kind} ${r.kind}#${m.id} after ${((performance.now() - r.at) / 1000).toFixed(2)} s`);
        } else if (m?.kind === 'event') {
          const e = m.event;
          const detail = e.type === 'run-metric' ? ` step ${e.metric.step} in ${e.metric.millis.toFixed(0)} ms` : `${e.status ? ` ${e.status}` : ''}${e.step !== undefined ? ` ${e.step}` : ''}`;
          console.log(`TRACE ${now()} event ${e.type}${detail}`);
        }
      });
    }
  };
})();
