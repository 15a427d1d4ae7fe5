/**
 * The scorecard's statistics against values computed elsewhere: every row of the reference files computed in R
 * (the shared reference folder when it is beside the repository, else the copies in test/fixtures/reference), and
 * published or hand-worked examples. No expected value here comes from the module under test.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import fs from 'node:fs'
import path from 'node:path'
import normalCdf from '@stdlib/stats-base-dists-normal-cdf'
import {
  rateInterval,
  wilsonInterval,
  poissonRateRatioTest,
  holm,
  benjaminiHochberg,
  compareWithBenchmark,
  poissonTrend,
  chiSquaredTrend,
  funnelLimits,
  type Confidence,
} from './stats.ts'

const root = path.resolve(import.meta.dirname, '../..')
const FIXTURES = path.join(root, 'test/fixtures/reference')
const SHARED_REFERENCE = path.join(root, '../shared/reference')

/** A reference file: from the shared folder when present (then the bundled copy must be identical), else the copy. */
function reference(name: string): Record<string, string>[] {
  const copy = fs.readFileSync(path.join(FIXTURES, name), 'utf8')
  const sharedFile = path.join(SHARED_REFERENCE, name)
  let text = copy
  if (fs.existsSync(sharedFile)) {
    text = fs.readFileSync(sharedFile, 'utf8')
    assert.equal(copy, text, `test/fixtures/reference/${name} differs from the shared reference file: copy it again`)
  }
  const [head, ...lines] = text.trim().split(/\r?\n/)
  const unquote = (s: string) => s.replace(/^"(.*)"$/, '$1')
  const names = head.split(',').map(unquote)
  return lines.map((line) => Object.fromEntries(line.split(',').map((v, i) => [names[i], unquote(v)])))
}

/** |actual − expected| within tol, or relatively within tol for large values (R prints 15 significant digits). */
function close(actual: number, expected: number, tol: number, what: string) {
  const ok = Math.abs(actual - expected) <= tol * Math.max(1, Math.abs(expected))
  assert.ok(ok, `${what}: got ${actual}, expected ${expected} (difference ${actual - expected})`)
}

test('rate intervals match every row computed in R (Byar from 10, exact Poisson below)', () => {
  const rows = reference('rate_confidence_intervals.csv')
  assert.equal(rows.length, 64)
  for (const r of rows) {
    const got = rateInterval(Number(r.count), Number(r.population), Number(r.per), Number(r.confidence) as Confidence)
    const what = `count ${r.count}, population ${r.population}, ${r.confidence}`
    assert.equal(got.method, r.method, what)
    close(got.rate, Number(r.rate), 1e-9, `${what} rate`)
    close(got.lower, Number(r.lower), 1e-9, `${what} lower`)
    close(got.upper, Number(r.upper), 1e-9, `${what} upper`)
  }
})

test('Wilson intervals match every row computed in R', () => {
  const rows = reference('wilson_intervals.csv')
  assert.equal(rows.length, 60)
  for (const r of rows) {
    const got = wilsonInterval(Number(r.numerator), Number(r.denominator), Number(r.confidence) as Confidence)
    const what = `${r.numerator}/${r.denominator} at ${r.confidence}`
    close(got.proportion, Number(r.proportion), 1e-9, `${what} proportion`)
    close(got.lower, Number(r.lower), 1e-9, `${what} lower`)
    close(got.upper, Number(r.upper), 1e-9, `${what} upper`)
  }
})

test("the rate-ratio test matches R's poisson.test on every row, p-values to 1e-6 (and relatively)", () => {
  const rows = reference('poisson_rate_ratio_tests.csv')
  assert.equal(rows.length, 20)
  for (const r of rows) {
    const got = poissonRateRatioTest(
      Number(r.current_count),
      Number(r.current_population),
      Number(r.previous_count),
      Number(r.previous_population),
    )
    const what = `${r.previous_count} → ${r.current_count}`
    close(got.ratio, Number(r.rate_ratio), 1e-9, `${what} ratio`)
    close(got.lower95, Number(r.ratio_lower_95), 1e-9, `${what} lower`)
    close(got.upper95, Number(r.ratio_upper_95), 1e-9, `${what} upper`)
    const p = Number(r.p_value_exact_conditional)
    assert.ok(Math.abs(got.pValue - p) <= 1e-6, `${what} p: got ${got.pValue}, expected ${p}`)
    assert.ok(Math.abs(got.pValue - p) <= 1e-6 * p, `${what} p relatively: got ${got.pValue}, expected ${p}`)
  }
})

test('the rate-ratio test with none before, none now, or both: defined values', () => {
  // Previous 0: given the total of 4, the current count is Binomial(4, 1/2) and all 4 fell in it; the two-sided
  // p-value is P(4) + P(0) = 2/16. The ratio is unbounded; the lower limit is the Clopper–Pearson one,
  // (α/2)^(1/4) for x = n = 4, as a ratio p/(1 − p).
  const up = poissonRateRatioTest(4, 1000, 0, 1000)
  assert.equal(up.ratio, Infinity)
  assert.equal(up.upper95, Infinity)
  const pl = 0.025 ** (1 / 4)
  close(up.lower95, pl / (1 - pl), 1e-12, 'lower limit with none before')
  close(up.pValue, 2 / 16, 1e-12, 'p with none before')
  const down = poissonRateRatioTest(0, 1000, 4, 1000)
  assert.equal(down.ratio, 0)
  assert.equal(down.lower95, 0)
  close(down.pValue, 2 / 16, 1e-12, 'p with none now')
  const none = poissonRateRatioTest(0, 1000, 0, 1000)
  assert.ok(Number.isNaN(none.ratio))
  assert.deepEqual([none.lower95, none.upper95, none.pValue], [0, Infinity, 1])
  // Unequal exposures: Binomial(2, 1/3) with x = 2: P(2) = 1/9, and every outcome is at least as likely, so p = 1/9.
  close(poissonRateRatioTest(2, 1000, 0, 2000).pValue, 1 / 9, 1e-12, 'p with exposures 1:2')
})

test('bad input to the interval functions is refused in plain words', () => {
  assert.throws(() => rateInterval(-1, 1000, 1000, 0.95), /count must be a whole number of 0 or more/)
  assert.throws(() => rateInterval(1.5, 1000, 1000, 0.95), /whole number/)
  assert.throws(() => rateInterval(3, 0, 1000, 0.95), /population must be a number greater than 0/)
  assert.throws(() => rateInterval(3, 100, 1000, 0.9 as Confidence), /0.95 or 0.998/)
  assert.throws(() => wilsonInterval(5, 4, 0.95), /numerator \(5\) must not be larger than the denominator \(4\)/)
  assert.throws(() => wilsonInterval(0, 0, 0.95), /denominator must be greater than 0/)
})

test('Wilson intervals end exactly at 0 and 1 when none or all are counted', () => {
  const z = 1.959963984540054
  const none = wilsonInterval(0, 20, 0.95)
  assert.equal(none.lower, 0)
  close(none.upper, (z * z) / (20 + z * z), 1e-15, 'upper with none')
  const all = wilsonInterval(20, 20, 0.95)
  assert.equal(all.upper, 1)
  close(all.lower, 20 / (20 + z * z), 1e-15, 'lower with all')
})

test("Holm's adjustment, worked by hand: (m − i + 1)·p, running maximum, capped at 1", () => {
  // 0.01, 0.02, 0.03, 0.04, 0.05: 5×0.01, 4×0.02, 3×0.03, then 2×0.04 = 0.08 and 1×0.05 held up to 0.09.
  const got = holm([0.01, 0.02, 0.03, 0.04, 0.05])
  ;[0.05, 0.08, 0.09, 0.09, 0.09].forEach((e, i) => close(got[i], e, 1e-15, `Holm ${i}`))
  // Out of order, with a cap: 0.5, 0.001, 0.3 → sorted 0.001×3, 0.3×2 = 0.6, 0.5×1 held at 0.6.
  const shuffled = holm([0.5, 0.001, 0.3])
  ;[0.6, 0.003, 0.6].forEach((e, i) => close(shuffled[i], e, 1e-15, `Holm shuffled ${i}`))
  assert.deepEqual(holm([0.4, 0.6]), [0.8, 0.8])
  assert.deepEqual(holm([0.9, 0.8]), [1, 1])
  assert.deepEqual(holm([]), [])
  // NaN stays NaN and is not counted (as R's NA): one real test, so 0.02 is unadjusted.
  const withNaN = holm([NaN, 0.02])
  assert.ok(Number.isNaN(withNaN[0]))
  assert.equal(withNaN[1], 0.02)
})

test("Benjamini–Hochberg's adjustment on the 15 p-values of their 1995 paper (four found at q = 0.05)", () => {
  const p = [0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344, 0.0459, 0.324, 0.4262, 0.5719, 0.6528, 0.759, 1.0]
  // m·p(i)/i, then the running minimum from the largest down: only the 6th is lowered, to the 7th's 15×0.0298/7.
  const expected = [
    15 * 0.0001,
    (15 * 0.0004) / 2,
    (15 * 0.0019) / 3,
    (15 * 0.0095) / 4,
    (15 * 0.0201) / 5,
    (15 * 0.0298) / 7,
    (15 * 0.0298) / 7,
    (15 * 0.0344) / 8,
    (15 * 0.0459) / 9,
    (15 * 0.324) / 10,
    (15 * 0.4262) / 11,
    (15 * 0.5719) / 12,
    (15 * 0.6528) / 13,
    (15 * 0.759) / 14,
    1,
  ]
  const got = benjaminiHochberg(p)
  expected.forEach((e, i) => close(got[i], e, 1e-15, `BH ${i + 1}`))
  assert.equal(got.filter((q) => q <= 0.05).length, 4, 'the paper rejects the four smallest at q = 0.05')
  // Reversed input gives the same adjusted values at the same p-values.
  assert.deepEqual(benjaminiHochberg([...p].reverse()), [...got].reverse())
  // 0.01 .. 0.05: every m·p(i)/i is 0.05.
  benjaminiHochberg([0.05, 0.04, 0.03, 0.02, 0.01]).forEach((q) => close(q, 0.05, 1e-15, 'BH flat'))
})

test('comparison with a benchmark: better, worse, similar, or higher and lower without a polarity', () => {
  const above = { lower: 70, upper: 80 }
  const below = { lower: 40, upper: 50 }
  const across = { lower: 60, upper: 70 }
  assert.equal(compareWithBenchmark(above, 66, 'lower-is-better'), 'worse')
  assert.equal(compareWithBenchmark(above, 66, 'higher-is-better'), 'better')
  assert.equal(compareWithBenchmark(above, 66, 'neither'), 'higher')
  assert.equal(compareWithBenchmark(below, 66, 'lower-is-better'), 'better')
  assert.equal(compareWithBenchmark(below, 66, 'higher-is-better'), 'worse')
  assert.equal(compareWithBenchmark(below, 66, 'neither'), 'lower')
  assert.equal(compareWithBenchmark(across, 66, 'lower-is-better'), 'similar')
  assert.equal(compareWithBenchmark(across, 66, 'neither'), 'similar')
  // A limit touching the benchmark does not exclude it.
  assert.equal(compareWithBenchmark({ lower: 66, upper: 70 }, 66, 'lower-is-better'), 'similar')
  // Seed 002: Herefordshire 45 per 1,000 against 66 for England and Wales; with its 95% interval (Byar) well below.
  const h = rateInterval(8550, 190000, 1000, 0.95)
  assert.equal(compareWithBenchmark(h, 66, 'lower-is-better'), 'better')
})

/** Two-sided p-value of a chi-squared statistic on 1 df, through the normal distribution: 2(1 − Φ(√X²)). */
const pChi1 = (x2: number) => 2 * (1 - normalCdf(Math.sqrt(x2), 0, 1))
/** The Poisson deviance 2Σ[y log(y/μ) − (y − μ)], written out here. */
const poissonDeviance = (y: number[], mu: number[]) =>
  2 * y.reduce((s, yi, i) => s + (yi > 0 ? yi * Math.log(yi / mu[i]) : 0) - (yi - mu[i]), 0)

test('Poisson trend over two periods: the closed-form MLE and likelihood-ratio statistic', () => {
  // With two periods the trend model fits exactly: slope = log of the rate ratio, and the LR statistic is the
  // constant-rate model's deviance, whose fitted values are exposure × total / Σ exposure.
  const y = [30, 50]
  const e = [1000, 1200]
  const mu0 = e.map((x) => (x * 80) / 2200)
  const lr = poissonDeviance(y, mu0)
  const got = poissonTrend(y, e)
  close(got.ratePerPeriod, 50 / 1200 / (30 / 1000), 1e-9, 'rate ratio per period')
  close(got.pValue, pChi1(lr), 1e-9, 'p')
  assert.ok(got.pValue > 0.05)
  assert.equal(got.direction, 'no significant change')
  assert.match(got.method, /Poisson regression.*likelihood-ratio/)
})

test('Poisson trend: a perfect doubling each period is increasing, a halving decreasing', () => {
  const y = [100, 200, 400]
  const e = [5000, 5000, 5000]
  const got = poissonTrend(y, e)
  close(got.ratePerPeriod, 2, 1e-9, 'doubling')
  close(got.pValue, pChi1(poissonDeviance(y, [700 / 3, 700 / 3, 700 / 3])), 1e-9, 'p')
  assert.equal(got.direction, 'increasing')
  const down = poissonTrend([400, 200, 100], e)
  close(down.ratePerPeriod, 0.5, 1e-9, 'halving')
  assert.equal(down.direction, 'decreasing')
})

test('Poisson trend over five periods satisfies the likelihood equations, and its LR statistic is the drop in deviance', () => {
  const y = [12, 15, 11, 20, 24]
  const e = [10000, 10400, 10100, 10900, 11200]
  const got = poissonTrend(y, e)
  // Given the slope b, the intercept solves Σ(y − μ) = 0 in closed form; then Σ t(y − μ) must be 0 at the MLE.
  const b = Math.log(got.ratePerPeriod)
  const scale = y.reduce((s, v) => s + v, 0) / e.reduce((s, x, t) => s + x * Math.exp(b * t), 0)
  const mu = e.map((x, t) => x * scale * Math.exp(b * t))
  const score = y.reduce((s, v, t) => s + t * (v - mu[t]), 0)
  assert.ok(Math.abs(score) < 1e-6, `score for the slope is ${score}`)
  const total = 82
  const eSum = e.reduce((s, x) => s + x, 0)
  const lr =
    poissonDeviance(
      y,
      e.map((x) => (x * total) / eSum),
    ) - poissonDeviance(y, mu)
  close(got.pValue, pChi1(lr), 1e-9, 'p')
  assert.equal(got.direction, got.pValue < 0.05 ? 'increasing' : 'no significant change')
})

test('Poisson trend with every event in the last period is still significant (the LR test, not Wald)', () => {
  // Constant-rate fit: 1 a period; the trend model's deviance tends to 0, so LR = 2[5 log 5 − 4] + 4 × 2 = 10 log 5.
  const got = poissonTrend([0, 0, 0, 0, 5], [1000, 1000, 1000, 1000, 1000])
  assert.equal(got.direction, 'increasing')
  close(got.pValue, pChi1(10 * Math.log(5)), 1e-6, 'p')
  assert.ok(got.ratePerPeriod > 1e6)
  const none = poissonTrend([0, 0, 0], [10, 10, 10])
  assert.equal(none.direction, 'no significant change')
  assert.equal(none.pValue, 1)
  assert.throws(() => poissonTrend([1], [10]), /at least two periods/)
  assert.throws(() => poissonTrend([1, 2], [10]), /one population/)
})

test("chi-squared test for trend: R's prop.trend.test example (smokers) gives X² = 8.2249, p = 0.004132", () => {
  // R documentation, ?prop.trend.test: smokers <- c(83, 90, 129, 70); patients <- c(86, 93, 136, 82).
  const got = chiSquaredTrend([83, 90, 129, 70], [86, 93, 136, 82])
  assert.ok(Math.abs(got.pValue - 0.004132) < 5e-7, `p = ${got.pValue}`)
  close(got.pValue, pChi1(8.224922285197662), 1e-9, 'p from X² worked by hand')
  assert.equal(got.direction, 'decreasing')
  assert.match(got.method, /chi-squared test for trend/)
  // A steady rise: 10%, 20%, 30%, 40% of 100 each. t̄ = 2.5, Σr(t − t̄) = −15 − 10 + 15 + 60 = 50;
  // p = 0.25, Σn(t − t̄)² = 100 × 5 = 500, X² = 50² / (0.1875 × 500) = 26.667.
  const rise = chiSquaredTrend([10, 20, 30, 40], [100, 100, 100, 100])
  close(rise.pValue, pChi1(2500 / 93.75), 1e-9, 'rise p')
  assert.equal(rise.direction, 'increasing')
  assert.equal(chiSquaredTrend([5, 5, 5], [10, 10, 10]).direction, 'no significant change')
  assert.equal(chiSquaredTrend([0, 0], [10, 10]).pValue, 1)
  assert.throws(() => chiSquaredTrend([11, 2], [10, 10]), /numerator \(11\) is larger than its denominator \(10\)/)
})

/** P(X ≤ k) for X ~ Poisson(λ), summed term by term. */
function poissonCdf(k: number, lambda: number) {
  let term = Math.exp(-lambda)
  let sum = term
  for (let j = 1; j <= k; j++) {
    term *= lambda / j
    sum += term
  }
  return sum
}

test('funnel limits are the exact Poisson limits around the expected count, checked by hand', () => {
  // Benchmark 1 per 1,000 at a population of 1,000: expected count 1. The lower limit L solves P(X ≥ 1 | L) = 2.5%,
  // i.e. 1 − e^(−L) = 0.025, L = −log(0.975); the upper U solves P(X ≤ 1 | U) = e^(−U)(1 + U) = 2.5%.
  const [one] = funnelLimits(1, 1000, [1000], 0.95)
  close(one.lower, -Math.log(0.975), 1e-12, 'lower at E = 1')
  close(Math.exp(-one.upper) * (1 + one.upper), 0.025, 1e-12, 'upper at E = 1')
  // Expected 20 (rate 40 per 1,000 in 500 people) at 99.8%: P(X ≥ 20 | L) = 0.001 and P(X ≤ 20 | U) = 0.001.
  const [twenty] = funnelLimits(40, 1000, [500], 0.998)
  const L = (twenty.lower * 500) / 1000
  const U = (twenty.upper * 500) / 1000
  close(1 - poissonCdf(19, L), 0.001, 1e-10, 'lower at E = 20')
  close(poissonCdf(20, U), 0.001, 1e-10, 'upper at E = 20')
  // Limits narrow as the population grows, around the benchmark.
  const rows = funnelLimits(40, 1000, [500, 5000, 50000], 0.95)
  assert.deepEqual(
    rows.map((r) => r.population),
    [500, 5000, 50000],
  )
  for (let i = 1; i < rows.length; i++) {
    assert.ok(rows[i].lower > rows[i - 1].lower && rows[i].upper < rows[i - 1].upper)
    assert.ok(rows[i].lower < 40 && rows[i].upper > 40)
  }
  assert.equal(funnelLimits(0, 1000, [100], 0.95)[0].lower, 0)
})
