// Saves bytes as a file download from the page (snapshots, ONNX exports). Nothing leaves the machine.
export function downloadBytes(bytes: Uint8Array | Blob, name: string, type = 'application/zip'): void {
  // A Blob is saved as it is: wrapping it would copy an export of gigabytes once more.
  const url = URL.createObjectURL(bytes instanceof Blob ? bytes : new Blob([bytes as BlobPart], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  // The click starts the download asynchronously; keep the URL alive a while.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
