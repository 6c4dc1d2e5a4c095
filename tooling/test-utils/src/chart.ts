import { encodePng } from './png.js'

/** An RGB colour. */
export type Rgb = readonly [number, number, number]

// A 5x7 bitmap font: each glyph is 7 rows of 5 bits, as 14 hex digits.
const FONT: Record<string, string> = {
  '0': '0e11131519110e',
  '1': '040c040404040e',
  '2': '0e11010204081f',
  '3': '1f02040201110e',
  '4': '02060a121f0202',
  '5': '1f101e0101110e',
  '6': '0608101e11110e',
  '7': '1f010204080808',
  '8': '0e11110e11110e',
  '9': '0e11110f01020c',
  A: '0e1111111f1111',
  B: '1e11111e11111e',
  C: '0e11101010110e',
  D: '1c12111111121c',
  E: '1f10101e10101f',
  F: '1f10101e101010',
  G: '0e11101711110f',
  H: '1111111f111111',
  I: '0e04040404040e',
  J: '0702020202120c',
  K: '11121418141211',
  L: '1010101010101f',
  M: '111b1515111111',
  N: '11111915131111',
  O: '0e11111111110e',
  P: '1e11111e101010',
  Q: '0e11111115120d',
  R: '1e11111e141211',
  S: '0f10100e01011e',
  T: '1f040404040404',
  U: '1111111111110e',
  V: '11111111110a04',
  W: '1111111515150a',
  X: '11110a040a1111',
  Y: '1111110a040404',
  Z: '1f01020408101f',
  '.': '00000000000c0c',
  '-': '0000001f000000',
  ':': '000c0c000c0c00',
  '/': '00010204081000',
  '(': '02040808080402',
  ')': '08040202020408',
  ',': '000000000c0408',
  '=': '00001f001f0000',
  _: '0000000000001f',
  ' ': '00000000000000',
}

/** A white RGBA canvas with the few drawing operations a line chart needs. */
export class Canvas {
  readonly pixels: Uint8Array
  constructor(
    readonly width: number,
    readonly height: number,
  ) {
    this.pixels = new Uint8Array(width * height * 4).fill(255)
  }

  set(x: number, y: number, [r, g, b]: Rgb): void {
    const px = Math.round(x)
    const py = Math.round(y)
    if (px < 0 || py < 0 || px >= this.width || py >= this.height) return
    const i = (py * this.width + px) * 4
    this.pixels[i] = r
    this.pixels[i + 1] = g
    this.pixels[i + 2] = b
    this.pixels[i + 3] = 255
  }

  rect(x: number, y: number, w: number, h: number, colour: Rgb): void {
    for (let dy = 0; dy < h; dy++) for (let dx = 0; dx < w; dx++) this.set(x + dx, y + dy, colour)
  }

  /** A line `thickness` pixels wide (Bresenham, with a square brush). */
  line(x0: number, y0: number, x1: number, y1: number, colour: Rgb, thickness = 1): void {
    const steps = Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0), 1)
    const half = Math.floor(thickness / 2)
    for (let s = 0; s <= steps; s++) {
      const x = x0 + ((x1 - x0) * s) / steps
      const y = y0 + ((y1 - y0) * s) / steps
      this.rect(Math.round(x) - half, Math.round(y) - half, thickness, thickness, colour)
    }
  }

  /** Text in the 5x7 font (upper-cased), `scale` pixels per font dot; returns its width. */
  text(x: number, y: number, text: string, colour: Rgb, scale = 2): number {
    let cx = x
    for (const ch of text.toUpperCase()) {
      const glyph = FONT[ch] ?? FONT['.'] ?? ''
      for (let row = 0; row < 7; row++) {
        const bits = Number.parseInt(glyph.slice(row * 2, row * 2 + 2), 16)
        for (let col = 0; col < 5; col++) {
          if (bits & (1 << (4 - col))) this.rect(cx + col * scale, y + row * scale, scale, scale, colour)
        }
      }
      cx += 6 * scale
    }
    return cx - x
  }

  png(): Buffer {
    return encodePng(this.width, this.height, this.pixels)
  }
}

/** One series of a {@link lineChartPng}: a name, a colour and a value per x. */
export interface ChartSeries {
  name: string
  colour: Rgb
  values: readonly number[]
}

const AXIS: Rgb = [60, 60, 60]
const GRID: Rgb = [225, 225, 225]

function formatValue(v: number): string {
  if (Math.abs(v) >= 10_000) return `${(v / 1000).toFixed(0)}K`
  if (Math.abs(v) >= 100 || Number.isInteger(v)) return v.toFixed(0)
  return v.toFixed(1)
}

/**
 * A PNG line chart: a title, a legend (unless `legend: false`), and one panel per series stacked vertically, each with its
 * own y range (series have different units), sharing the x axis `xs` (labelled `xLabel`).
 */
export function lineChartPng(
  title: string,
  xLabel: string,
  xs: readonly number[],
  series: readonly ChartSeries[],
  { legend = true }: { legend?: boolean } = {},
): Buffer {
  const width = 1000
  const panelHeight = 110
  const top = 80
  const left = 110
  const right = 30
  const gap = 24
  const height = top + series.length * (panelHeight + gap) + 50
  const canvas = new Canvas(width, height)
  canvas.text(left, 14, title, AXIS, 3)
  // Legend (each panel is titled too: many series leave it out rather than run off the edge).
  let lx = left
  for (const s of legend ? series : []) {
    canvas.rect(lx, 52, 24, 8, s.colour)
    lx += 32 + canvas.text(lx + 32, 49, s.name, AXIS, 2) + 24
  }
  const xMin = Math.min(...xs, 0)
  const xMax = Math.max(...xs, xMin + 1)
  const plotWidth = width - left - right
  const px = (x: number): number => left + ((x - xMin) / (xMax - xMin)) * plotWidth
  series.forEach((s, index) => {
    const y0 = top + index * (panelHeight + gap)
    const finite = s.values.filter(Number.isFinite)
    let lo = Math.min(...finite, 0)
    let hi = Math.max(...finite, 1)
    if (hi === lo) hi = lo + 1
    const pad = (hi - lo) * 0.1
    hi += pad
    lo = Math.max(0, lo - pad)
    const py = (v: number): number => y0 + panelHeight - ((v - lo) / (hi - lo)) * panelHeight
    for (let g = 0; g <= 4; g++) {
      const gy = y0 + (panelHeight * g) / 4
      canvas.line(left, gy, left + plotWidth, gy, GRID)
    }
    canvas.line(left, y0, left, y0 + panelHeight, AXIS)
    canvas.line(left, y0 + panelHeight, left + plotWidth, y0 + panelHeight, AXIS)
    canvas.text(left - 8 - 12 * formatValue(hi).length, y0 - 2, formatValue(hi), AXIS, 2)
    canvas.text(left - 8 - 12 * formatValue(lo).length, y0 + panelHeight - 12, formatValue(lo), AXIS, 2)
    canvas.text(left + 8, y0 - 17, s.name, s.colour, 2)
    for (let i = 0; i < xs.length; i++) {
      const x = xs[i] ?? 0
      const v = s.values[i]
      if (v === undefined || !Number.isFinite(v)) continue
      const prev = s.values[i - 1]
      if (i > 0 && prev !== undefined && Number.isFinite(prev)) {
        canvas.line(px(xs[i - 1] ?? 0), py(prev), px(x), py(v), s.colour, 3)
      }
      canvas.rect(px(x) - 3, py(v) - 3, 7, 7, s.colour)
    }
  })
  // X axis labels under the last panel.
  const axisY = top + series.length * (panelHeight + gap) - gap + 8
  const ticks = Math.min(10, Math.max(1, Math.round(xMax - xMin)))
  for (let t = 0; t <= ticks; t++) {
    const x = xMin + ((xMax - xMin) * t) / ticks
    const label = formatValue(Math.round(x * 10) / 10)
    canvas.text(px(x) - 6 * label.length, axisY, label, AXIS, 2)
  }
  canvas.text(left + plotWidth / 2 - 6 * xLabel.length, axisY + 22, xLabel, AXIS, 2)
  return canvas.png()
}
