// The capability screen: adapter, features, limits, a self-test, the largest model that fits;
// or, where WebGPU is missing, exactly what the user can do about it.
import { useCapabilities, type Capabilities } from '../../state/capabilityStore.ts';
import { formatBytes, formatParams } from '../format.ts';
import { webgpuAdvice } from './webgpuHelp.ts';


const SHOWN_LIMITS: Array<[keyof Capabilities['limits'], string, boolean]> = [
  ['maxBufferSize', 'Largest buffer', true],
  ['maxStorageBufferBindingSize', 'Largest storage binding', true],
  ['maxComputeWorkgroupStorageSize', 'Workgroup memory', true],
  ['maxComputeInvocationsPerWorkgroup', 'Threads per workgroup', false],
  ['maxComputeWorkgroupsPerDimension', 'Workgroups per dimension', false],
  ['maxStorageBuffersPerShaderStage', 'Storage buffers per shader', false],
];

export function CapabilityReport() {
  const status = useCapabilities((s) => s.status);
  const caps = useCapabilities((s) => s.capabilities);
  const problem = useCapabilities((s) => s.problem);
  const probe = useCapabilities((s) => s.probe);


  if (status === 'idle' || status === 'probing') {
    return (
      <section className="panel" aria-busy="true" aria-labelledby="cap-title">
        <h2 id="cap-title" tabIndex={-1}>GPU</h2>
        <p className="muted" role="status">
          Asking the browser for a WebGPU device and running a self-test…
        </p>
      </section>
    );
  }
  if (status === 'crashed') {
    return (
      <section className="panel" aria-labelledby="cap-title" data-testid="capability-report">
        <h2 id="cap-title" tabIndex={-1}>GPU</h2>
        <p className="error" role="alert">
          {problem} <button onClick={() => location.reload()}>Reload</button>
        </p>
      </section>
    );
  }
  if (status === 'unavailable' || !caps) return <WebGpuMissing problem={problem} />;
  return (
    <section className="panel" aria-labelledby="cap-title" data-testid="capability-report">
      <h2 id="cap-title" tabIndex={-1}>GPU</h2>
      {status === 'lost' && (
        <p className="error" role="alert">
          {problem}. <button onClick={() => void probe()}>Reconnect to the GPU</button>
        </p>
      )}
      <dl className="facts">
        <dt>Adapter</dt>
        <dd data-testid="adapter-name">{adapterName(caps)}</dd>
        <dt>Kind</dt>
        <dd>{caps.adapter.isSoftware ? 'Software (CPU emulation: correct but very slow; fine for the demo model)' : 'Hardware GPU'}</dd>
        <dt>Features</dt>
        <dd>
          {(['shader-f16', 'subgroups', 'timestamp-query', 'chromium-experimental-subgroup-matrix'] as const).map((f) => (
            // Said in words, not only by colour and strike-through.
            <span key={f} className={caps.features.includes(f) ? 'chip on' : 'chip off'}>
              {f}
              {caps.features.includes(f) ? '' : ' (not available)'}
            </span>
          ))}
        </dd>
        <dt>Self-test</dt>
        <dd data-testid="self-test">
          {caps.selfTest.error
            ? `FAILED: ${caps.selfTest.error}`
            : `${caps.selfTest.ok ? 'passed' : 'FAILED'}: ${caps.selfTest.elements.toLocaleString()} elements, max |GPU − CPU| = ${caps.selfTest.maxAbsDiff.toExponential(1)} (${caps.selfTest.millis.toFixed(0)} ms)`}
          {!caps.selfTest.ok && `. ${SELF_TEST_FAILED}`}
        </dd>
        <dt>Kernels</dt>
        <dd data-testid="kernel-paths">
          <ul className="plain">
            {caps.kernels.map((k) => (
              <li key={k.op} title={k.why}>
                <strong>{k.op}</strong>: {k.path} <span className="muted">({k.why})</span>
              </li>
            ))}
          </ul>
        </dd>
        <dt>Largest model</dt>
        <dd data-testid="largest-model">
          about {formatParams(caps.largestModelParams)} parameters for LoRA training (bf16 weights, assuming 4 GiB of GPU memory; browsers do not report it)
          {caps.adapter.isSoftware && '. That is what fits in memory: on this CPU emulation only the embedded model trains in reasonable time'}
        </dd>
      </dl>
      <table className="limits">
        <caption>Device limits</caption>
        <tbody>
          {SHOWN_LIMITS.map(([key, label, bytes]) => (
            <tr key={key}>
              <th scope="row">{label}</th>
              <td>{bytes ? formatBytes(caps.limits[key]) : caps.limits[key].toLocaleString()}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function adapterName(caps: Capabilities): string {
  const a = caps.adapter;
  return [a.vendor, a.architecture, a.description || a.device].filter(Boolean).join(' · ') || 'unnamed adapter';
}

const SELF_TEST_FAILED =
  'This GPU failed the studio’s self-test: it computes other numbers than the CPU, so losses, adapters and accuracies made here may be wrong. Update the GPU driver, or try another browser.';

/** A GPU that fails the self-test trains wrong adapters without any error: said on whichever panel
 * is open (the GPU panel says it beside the numbers), since the guided demo never opens that one. */
export function SelfTestFailed() {
  const failed = useCapabilities((s) => s.status === 'ready' && !!s.capabilities && !s.capabilities.selfTest.ok);
  if (!failed) return null;
  return (
    <p className="error banner" role="alert" data-testid="self-test-failed">
      {SELF_TEST_FAILED} The GPU panel shows what failed.
    </p>
  );
}

/** What to do when this browser offers no WebGPU: shown on whichever panel is open. */
export function WebGpuMissing({ problem }: { problem: string | null }) {
  const advice = webgpuAdvice(navigator.userAgent, window.isSecureContext);
  return (
    <section className="panel warn" role="alert" aria-labelledby="nogpu-title" data-testid="webgpu-missing">
      <h2 id="nogpu-title">WebGPU is not available</h2>
      <p>{advice.headline}</p>
      {/* The worker's words (the studio's, sometimes quoting the browser's), not the browser's own. */}
      {problem && <p className="muted">Details: {problem}</p>}
      <ol>
        {advice.steps.map((s) => (
          <li key={s}>{s}</li>
        ))}
      </ol>
      <p className="muted">Your datasets and runs stay stored in this browser; nothing is lost while the GPU is unavailable.</p>
    </section>
  );
}
