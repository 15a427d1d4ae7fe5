/**
 * TEMPORARY stand-in for src/scorecard/stats.ts (written on the `stats` branch), with the same signatures, so the
 * scorecard can be built and tested before it lands. Deleted before merge; nothing else may import it but
 * src/scorecard/statistics.ts.
 */
import chisqQuantile from '@stdlib/stats-base-dists-chisquare-quantile'
import betaQuantile from '@stdlib/stats-base-dists-beta-quantile'
import normalQuantile from '@stdlib/stats-base-dists-normal-quantile'
import binomialPmf from '@stdlib/stats-base-dists-binomial-pmf'

export type Confidence = 0.95 | 0.998
export type Polarity = 'higher-is-better' | 'lower-is-better' | 'neither'

const z = (c: Confidence) => normalQuantile(1 - (1 - c) / 2, 0, 1)

export function rateInterval(count: number, population: number, per: number, confidence: Confidence) {
  const a = 1 - confidence
  let lo: number, hi: number
  const method: 'byar' | 'exact_poisson' = count < 10 ? 'exact_poisson' : 'byar'
  if (count < 10) {
    lo = count === 0 ? 0 : chisqQuantile(a / 2, 2 * count) / 2
    hi = chisqQuantile(1 - a / 2, 2 * count + 2) / 2
  } else {
    const zz = z(confidence)
    lo = count * (1 - 1 / (9 * count) - zz / (3 * Math.sqrt(count))) ** 3
    hi = (count + 1) * (1 - 1 / (9 * (count + 1)) + zz / (3 * Math.sqrt(count + 1))) ** 3
  }
  return { rate: (count / population) * per, lower: (lo / population) * per, upper: (hi / population) * per, method }
}

export function wilsonInterval(numerator: number, denominator: number, confidence: Confidence) {
  const zz = z(confidence)
  const p = numerator / denominator
  const n = denominator
  const centre = p + (zz * zz) / (2 * n)
  const spread = zz * Math.sqrt((p * (1 - p)) / n + (zz * zz) / (4 * n * n))
  const d = 1 + (zz * zz) / n
  return { proportion: p, lower: (centre - spread) / d, upper: (centre + spread) / d }
}

export function poissonRateRatioTest(current: number, currentExposure: number, previous: number, previousExposure: number) {
  const n = current + previous
  const p = currentExposure / (currentExposure + previousExposure)
  const ratio = current / currentExposure / (previous / previousExposure)
  if (n === 0) return { ratio: NaN, lower95: NaN, upper95: NaN, pValue: 1 }
  const d = binomialPmf(current, n, p)
  let pValue = 0
  for (let k = 0; k <= n; k++) {
    const pk = binomialPmf(k, n, p)
    if (pk <= d * (1 + 1e-7)) pValue += pk
  }
  const lo = current === 0 ? 0 : betaQuantile(0.025, current, n - current + 1)
  const hi = current === n ? 1 : betaQuantile(0.975, current + 1, n - current)
  const scale = previousExposure / currentExposure
  return { ratio, lower95: (lo / (1 - lo)) * scale, upper95: hi === 1 ? Infinity : (hi / (1 - hi)) * scale, pValue: Math.min(1, pValue) }
}

export function holm(p: number[]): number[] {
  const order = p.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0])
  const out = new Array<number>(p.length)
  let max = 0
  order.forEach(([v, i], k) => {
    max = Math.max(max, Math.min(1, (p.length - k) * v))
    out[i] = max
  })
  return out
}

export function compareWithBenchmark(ci: { lower: number; upper: number }, benchmark: number, polarity: Polarity) {
  const above = ci.lower > benchmark
  const below = ci.upper < benchmark
  if (!above && !below) return 'similar' as const
  if (polarity === 'neither') return above ? ('higher' as const) : ('lower' as const)
  const good = polarity === 'higher-is-better' ? above : below
  return good ? ('better' as const) : ('worse' as const)
}

export function yearOnYear(current: number, previous: number) {
  if (previous === 0) return { change: null, text: current === 0 ? 'no change (none in either year)' : `up from none` }
  const change = ((current - previous) / previous) * 100
  return { change, text: `${change >= 0 ? 'up' : 'down'} ${Math.abs(Math.round(change))}%` }
}
