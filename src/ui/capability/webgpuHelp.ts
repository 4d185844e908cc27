// What to tell a user whose browser offers no WebGPU, from the user agent: concrete steps, not
// "unsupported browser". Pure, so it is tested without a browser.

export interface WebGpuAdvice {
  headline: string;
  steps: string[];
}

export function webgpuAdvice(userAgent: string, isSecureContext = true): WebGpuAdvice {
  const steps: string[] = [];
  if (!isSecureContext) {
    steps.push('Open the studio over https:// or http://localhost: browsers only offer WebGPU to secure pages.');
  }
  const chrome = /(?:Chrome|Chromium)\/(\d+)/.exec(userAgent);
  const edge = /Edg\/(\d+)/.exec(userAgent);
  const firefox = /Firefox\/(\d+)/.exec(userAgent);
  const safari = !chrome && /Version\/(\d+)[.\d]* .*Safari/.exec(userAgent);
  const android = /Android/.test(userAgent);
  const linux = /Linux/.test(userAgent) && !android;
  // Every iPhone and iPad browser is Safari's engine (Chrome says CriOS there, not Chrome): its
  // WebGPU comes with the system, and "use Chrome" would send a Chrome user round in a circle.
  const ios = /iPhone|iPad|iPod|CriOS|FxiOS|EdgiOS/.test(userAgent);
  if (ios) {
    steps.push('On iPhone and iPad every browser, Chrome, Firefox and Edge too, runs on Safari’s engine: WebGPU comes with iOS 26 and iPadOS 26 (Settings → General → Software Update).');
    steps.push('On an older version, turn on WebGPU in Safari’s settings (Advanced → Feature Flags → WebGPU) and open the studio in Safari. Or use a desktop computer.');
  } else if (chrome || edge) {
    const version = Number((edge ?? chrome)![1]);
    const name = edge ? 'Edge' : 'Chrome';
    // Edge's own pages and program: an Edge user told to run google-chrome starts another browser.
    const pages = edge ? 'edge' : 'chrome';
    // WebGPU shipped on Android in 121, on desktops in 113.
    const since = android ? 121 : 113;
    if (version < since) steps.push(`Update ${name}: WebGPU needs version ${since} or newer (this is ${version}).`);
    else steps.push(`${name} ${version} supports WebGPU, but it is switched off or blocked here.`);
    if (android) {
      steps.push(`On Android, WebGPU needs Android 12 or newer and a supported GPU (Qualcomm or ARM); ${pages}://gpu says whether this phone has it. Or use a desktop computer.`);
    } else if (linux) {
      steps.push(`On Linux, WebGPU is behind flags: open ${pages}://flags, enable "Unsafe WebGPU Support" (#enable-unsafe-webgpu) and "Vulkan" (#enable-vulkan), then relaunch.`);
      steps.push(`Or start it from a terminal: ${edge ? 'microsoft-edge' : 'google-chrome'} --enable-unsafe-webgpu --enable-features=Vulkan`);
      steps.push('Make sure a Vulkan driver is installed (vulkaninfo should list your GPU; Mesa: apt install mesa-vulkan-drivers).');
    } else {
      steps.push(`Check ${pages}://gpu: "WebGPU" should say "Hardware accelerated". If not, turn on Settings → System → "Use graphics acceleration when available" and update your GPU driver.`);
    }
  } else if (firefox) {
    steps.push('Firefox enables WebGPU from version 141 on Windows; elsewhere set dom.webgpu.enabled to true in about:config, or use Chrome 113+.');
  } else if (safari) {
    steps.push('Safari enables WebGPU from version 26; on older versions turn on Develop → Feature Flags → WebGPU, or use Chrome 113+.');
  } else {
    steps.push('Use a recent Chrome or Edge (113 or newer), which ship WebGPU.');
  }
  return { headline: 'This browser did not give the studio a WebGPU device, so nothing can train here yet.', steps };
}
