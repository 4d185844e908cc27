// Charts as PNG files without a canvas, so the CLI (Node has none) and the worker write the same
// bytes: an RGBA raster with lines, rectangles and a 3×5 pixel font, and a PNG encoder (one IDAT,
// filter 0 on every row, zlib from fflate, CRC-32 from the model layer). Only what report charts
// need; never a general drawing library.
import { zlibSync } from 'fflate';
import { crc32 } from '../../model/crc32.ts';

export type Rgb = [number, number, number];

export function hexColor(hex: string): Rgb {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!m) throw new Error(`not a #rrggbb colour: ${hex}`);
  return [parseInt(m[1], 16), parseInt(m[2], 16), parseInt(m[3], 16)];
}

// 3×5 glyphs, rows top to bottom ('#' set). Letters have one (capital) form.
const GLYPHS: Record<string, string> = {
  A: '.#.#.#####.##.#', B: '##.#.###.#.###.', C: '.###..#..#...##', D: '##.#.##.##.###.', E: '####..##.#..###', F: '####..##.#..#..',
  G: '.###..#.##.#.##', H: '#.##.#####.##.#', I: '###.#..#..#.###', J: '..#..#..##.#.#.', K: '#.##.###.#.##.#', L: '#..#..#..#..###',
  M: '#.########.##.#', N: '##.#.##.##.##.#', O: '.#.#.##.##.#.#.', P: '##.#.###.#..#..', Q: '.#.#.##.###..##', R: '##.#.###.#.##.#',
  S: '.###...#...###.', T: '###.#..#..#..#.', U: '#.##.##.##.####', V: '#.##.##.##.#.#.', W: '#.##.########.#', X: '#.##.#.#.#.##.#',
  Y: '#.##.#.#..#..#.', Z: '###..#.#.#..###', '0': '####.##.##.####', '1': '.#.##..#..#.###', '2': '##...#.#.#..###', '3': '##...#.#...###.',
  '4': '#.##.####..#..#', '5': '####..##...###.', '6': '.###..####.####', '7': '###..#.#..#..#.', '8': '####.#####.####', '9': '####.####..###.',
  ' ': '...............', '.': '.............#.', ',': '..........#.#..', ':': '....#.....#....', '-': '......###......', '+': '....#.###.#....',
  '_': '............###', '/': '..#..#.#.#..#..', '(': '.#.#..#..#...#.', ')': '.#...#..#..#.#.', '%': '#.#..#.#.#..#.#', '=': '...###...###...',
  'α': '....###.##.#.##', '·': '.......#.......', '?': '##...#.#.....#.', '[': '##.#..#..#..##.', ']': '.##..#..#..#.##', '>': '#...#...#.#.#..',
  '<': '..#.#.#...#...#', '\'': '.#..#..........',
};

/** Pixels one character takes across at `scale` (3 wide plus a column of space). */
export const charWidth = (scale: number) => 4 * scale;

export class Raster {
  readonly data: Uint8Array;
  constructor(
    readonly width: number,
    readonly height: number,
    background: Rgb = [255, 255, 255],
  ) {
    this.data = new Uint8Array(width * height * 4);
    for (let i = 0; i < width * height; i++) this.data.set([...background, 255], i * 4);
  }

  pixel(x: number, y: number, c: Rgb): void {
    x = Math.round(x);
    y = Math.round(y);
    if (x < 0 || y < 0 || x >= this.width || y >= this.height) return;
    this.data.set(c, (y * this.width + x) * 4);
  }

  rect(x: number, y: number, w: number, h: number, c: Rgb): void {
    for (let j = Math.round(y); j < Math.round(y + h); j++) for (let i = Math.round(x); i < Math.round(x + w); i++) this.pixel(i, j, c);
  }

  /** A line `width` pixels thick (a square brush along Bresenham's line); `dash` on/off lengths. */
  line(x0: number, y0: number, x1: number, y1: number, c: Rgb, width = 1, dash?: [number, number]): void {
    [x0, y0, x1, y1] = [x0, y0, x1, y1].map(Math.round);
    const dx = Math.abs(x1 - x0);
    const dy = -Math.abs(y1 - y0);
    const sx = x0 < x1 ? 1 : -1;
    const sy = y0 < y1 ? 1 : -1;
    let err = dx + dy;
    const half = Math.floor((width - 1) / 2);
    for (let n = 0; ; n++) {
      if (!dash || n % (dash[0] + dash[1]) < dash[0]) this.rect(x0 - half, y0 - half, width, width, c);
      if (x0 === x1 && y0 === y1) break;
      const e2 = 2 * err;
      if (e2 >= dy) {
        err += dy;
        x0 += sx;
      }
      if (e2 <= dx) {
        err += dx;
        y0 += sy;
      }
    }
  }

  /** Text with its top-left at (x, y); returns the width drawn. Unknown characters print as '?'. */
  text(x: number, y: number, s: string, c: Rgb, scale = 2): number {
    let at = x;
    for (const ch of s) {
      const g = GLYPHS[ch] ?? GLYPHS[ch.toUpperCase()] ?? GLYPHS['?'];
      for (let row = 0; row < 5; row++) for (let col = 0; col < 3; col++) if (g[row * 3 + col] === '#') this.rect(at + col * scale, y + row * scale, scale, scale, c);
      at += charWidth(scale);
    }
    return at - x;
  }
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  const typeAndData = out.subarray(4, 8 + data.length);
  typeAndData.set([...type].map((ch) => ch.charCodeAt(0)));
  typeAndData.set(data, 4);
  view.setUint32(8 + data.length, crc32(typeAndData));
  return out;
}

/** The raster as PNG bytes (8-bit RGBA). */
export function encodePng(r: Raster): Uint8Array {
  const stride = r.width * 4;
  const rows = new Uint8Array((stride + 1) * r.height);
  for (let y = 0; y < r.height; y++) rows.set(r.data.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1); // filter byte 0
  const header = new Uint8Array(13);
  const hv = new DataView(header.buffer);
  hv.setUint32(0, r.width);
  hv.setUint32(4, r.height);
  header.set([8, 6, 0, 0, 0], 8); // 8 bits, RGBA, deflate, no filter method beyond 0, no interlace
  const parts = [new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', header), chunk('IDAT', zlibSync(rows, { level: 6 })), chunk('IEND', new Uint8Array(0))];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
