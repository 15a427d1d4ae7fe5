/**
 * The scorecard's statistics: one small function per method, each naming its source. Pure functions (no database,
 * no I/O), tested in stats.unit.test.ts against values computed in R (test/fixtures/reference/) and against
 * published worked examples, never against this module's own output. Methods and choices: docs/scorecard-statistics.md.
 *
 * The distributions come from stdlib (@stdlib/stats-base-dists-*), which implements the same algorithms as R's
 * (Boost's incomplete gamma and beta inverses; Wichura's AS 241 for the normal quantile; Loader's saddle-point
 * binomial probabilities, as R's dbinom).
 */
import chisqQuantile from '@stdlib/stats-base-dists-chisquare-quantile'
import betaQuantile from '@stdlib/stats-base-dists-beta-quantile'
import normalQuantile from '@stdlib/stats-base-dists-normal-quantile'
import chisqCdf from '@stdlib/stats-base-dists-chisquare-cdf'
import binomialPmf from '@stdlib/stats-base-dists-binomial-pmf'

export type Confidence = 0.95 | 0.998
export type Polarity = 'higher-is-better' | 'lower-is-better' | 'neither'
export type TrendDirection = 'increasing' | 'decreasing' | 'no significant change'

/** The two-sided significance level a trend or change is judged at. */
const SIGNIFICANCE = 0.05

/** z = Φ⁻¹(1 − α/2) for a two-sided interval at this confidence level (1.959964 for 95%, 3.090232 for 99.8%). */
export function zFor(confidence: Confidence): number {
  checkConfidence(confidence)
  return normalQuantile(1 - (1 - confidence) / 2, 0, 1)
}

function checkConfidence(confidence: number) {
  if (confidence !== 0.95 && confidence !== 0.998) throw new RangeError(`The confidence level must be 0.95 or 0.998 (it was ${confidence})`)
}

function checkCount(value: number, what: string) {
  if (!Number.isInteger(value) || value < 0) throw new RangeError(`The ${what} must be a whole number of 0 or more (it was ${value})`)
}

function checkPositive(value: number, what: string) {
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`The ${what} must be a number greater than 0 (it was ${value})`)
}

/**
 * Exact Poisson confidence limits for an observed count O (Garwood 1936; the chi-squared form in Breslow & Day 1987,
 * vol. II, p. 70): lower = χ²(α/2; 2O)/2 (0 when O = 0), upper = χ²(1 − α/2; 2O + 2)/2.
 */
function exactPoissonLimits(count: number, confidence: Confidence): [number, number] {
  const alpha = 1 - confidence
  const lower = count === 0 ? 0 : chisqQuantile(alpha / 2, 2 * count) / 2
  const upper = chisqQuantile(1 - alpha / 2, 2 * count + 2) / 2
  return [lower, upper]
}

/**
 * Byar's approximation to the exact Poisson limits (Breslow & Day 1987, vol. II, p. 69):
 * lower = O(1 − 1/(9O) − z/(3√O))³, upper = (O + 1)(1 − 1/(9(O + 1)) + z/(3√(O + 1)))³.
 */
function byarLimits(count: number, confidence: Confidence): [number, number] {
  const z = zFor(confidence)
  const o = count
  const lower = o * (1 - 1 / (9 * o) - z / (3 * Math.sqrt(o))) ** 3
  const upper = (o + 1) * (1 - 1 / (9 * (o + 1)) + z / (3 * Math.sqrt(o + 1))) ** 3
  return [lower, upper]
}

/**
 * A crude rate per `per` people with its confidence interval, as UKHSA's PHEindicatormethods `phe_rate` (and the
 * Fingertips technical guidance, "Confidence intervals for crude rates"): Byar's method for counts of 10 or more,
 * exact Poisson limits below 10. The limits are in the rate's units.
 */
export function rateInterval(
  count: number,
  population: number,
  per: number,
  confidence: Confidence,
): { rate: number; lower: number; upper: number; method: 'byar' | 'exact_poisson' } {
  checkCount(count, 'count')
  checkPositive(population, 'population')
  checkPositive(per, 'rate multiplier (per)')
  checkConfidence(confidence)
  const method = count < 10 ? 'exact_poisson' : 'byar'
  const [lo, hi] = method === 'byar' ? byarLimits(count, confidence) : exactPoissonLimits(count, confidence)
  const scale = per / population
  return { rate: count * scale, lower: lo * scale, upper: hi * scale, method }
}

/**
 * Wilson's score interval for a proportion (Wilson 1927; Newcombe 1998, method 3; PHEindicatormethods `phe_proportion`):
 * (2x + z² ∓ z√(z² + 4x(1 − x/n))) / (2(n + z²)). All three figures are 0–1; callers multiply by 100 for percentages.
 */
export function wilsonInterval(
  numerator: number,
  denominator: number,
  confidence: Confidence,
): { proportion: number; lower: number; upper: number } {
  checkCount(numerator, 'numerator')
  checkCount(denominator, 'denominator')
  if (denominator === 0) throw new RangeError('The denominator must be greater than 0 for a percentage')
  if (numerator > denominator) throw new RangeError(`The numerator (${numerator}) must not be larger than the denominator (${denominator})`)
  const z = zFor(confidence)
  const x = numerator
  const n = denominator
  const root = z * Math.sqrt(z * z + 4 * x * (1 - x / n))
  const lower = (2 * x + z * z - root) / (2 * (n + z * z))
  const upper = (2 * x + z * z + root) / (2 * (n + z * z))
  // At x = 0 and x = n the formula gives 0 and 1 up to rounding; say so exactly.
  return { proportion: x / n, lower: x === 0 ? 0 : lower, upper: x === n ? 1 : upper }
}

/**
 * P(X ≤ k) or P(X ≥ k) for X ~ Binomial(n, p), summed from k outwards into the tail. Callers start at or beyond the
 * mode, so the terms fall all the way; each comes from the one before by the ratio of successive binomial
 * probabilities, pmf(i + 1)/pmf(i) = (n − i)/(i + 1) × p/(1 − p), which is cheap (one exact pmf per tail).
 */
function binomialTail(k: number, n: number, p: number, side: 'lower' | 'upper'): number {
  if (side === 'lower' && k < 0) return 0
  if (side === 'upper' && k > n) return 0
  const odds = p / (1 - p)
  let term = binomialPmf(k, n, p)
  let sum = 0
  for (let i = k; i >= 0 && i <= n && term > 0;) {
    sum += term
    const ratio = side === 'upper' ? ((n - i) / (i + 1)) * odds : i / (n - i + 1) / odds
    // The rest is at most term × ratio / (1 − ratio) while the ratio keeps falling: stop far below the sum's precision.
    if (ratio < 1 && (term * ratio) / (1 - ratio) < sum * 1e-17) break
    term *= ratio
    i += side === 'upper' ? 1 : -1
  }
  return Math.min(1, sum)
}

/**
 * Two-sided p-value of the exact binomial test, exactly as R's `binom.test` computes it: the probability of every
 * outcome no more likely than the one observed (with R's relative tolerance of 1 + 1e-7).
 */
function binomialTwoSidedP(x: number, n: number, p: number): number {
  if (n === 0) return 1
  const relErr = 1 + 1e-7
  const d = binomialPmf(x, n, p)
  const m = n * p
  if (x === m) return 1
  if (x < m) {
    // y = #{i in [ceil(m), n] : dbinom(i) ≤ d·relErr}; the probabilities fall from ceil(m) to n, so search for the first.
    let lo = Math.ceil(m)
    let hi = n + 1
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (binomialPmf(mid, n, p) <= d * relErr) hi = mid
      else lo = mid + 1
    }
    const y = n + 1 - lo
    return Math.min(1, binomialTail(x, n, p, 'lower') + binomialTail(n - y + 1, n, p, 'upper'))
  }
  // y = #{i in [0, floor(m)] : dbinom(i) ≤ d·relErr}; the probabilities rise from 0 to floor(m), so search for the last.
  let lo = -1
  let hi = Math.floor(m)
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1
    if (binomialPmf(mid, n, p) <= d * relErr) lo = mid
    else hi = mid - 1
  }
  const y = lo + 1
  return Math.min(1, binomialTail(y - 1, n, p, 'lower') + binomialTail(x, n, p, 'upper'))
}

/**
 * The exact conditional test comparing two Poisson rates, as R's `poisson.test(c(current, previous),
 * c(currentExposure, previousExposure))` (Fay 2010, "Two-sided exact tests and matching confidence intervals for
 * discrete data", R Journal 2(1)): given the total, the current count is Binomial(total, p) with
 * p = currentExposure / (currentExposure + previousExposure) when the rates are equal. The ratio is
 * (current/currentExposure)/(previous/previousExposure); its 95% interval is the Clopper–Pearson interval for p,
 * turned into a ratio by p/(1 − p) × previousExposure/currentExposure.
 *
 * Edge cases (R gives the first two the same way; it refuses the third):
 * - previous 0, current > 0: ratio Infinity, upper95 Infinity, lower95 finite, p-value from the test;
 * - current 0, previous > 0: ratio 0, lower95 0;
 * - both 0: nothing to compare: ratio NaN, interval [0, Infinity], p-value 1.
 */
export function poissonRateRatioTest(
  current: number,
  currentExposure: number,
  previous: number,
  previousExposure: number,
): { ratio: number; lower95: number; upper95: number; pValue: number } {
  checkCount(current, 'current count')
  checkCount(previous, 'previous count')
  checkPositive(currentExposure, 'current population (exposure)')
  checkPositive(previousExposure, 'previous population (exposure)')
  if (current === 0 && previous === 0) return { ratio: NaN, lower95: 0, upper95: Infinity, pValue: 1 }
  const n = current + previous
  const p = currentExposure / (currentExposure + previousExposure)
  const ratio = previous === 0 ? Infinity : current / currentExposure / (previous / previousExposure)
  // Clopper–Pearson limits for the binomial proportion (as binom.test): qbeta(α/2; x, n − x + 1), qbeta(1 − α/2; x + 1, n − x).
  const alpha = 0.05
  const pLower = current === 0 ? 0 : betaQuantile(alpha / 2, current, n - current + 1)
  const pUpper = current === n ? 1 : betaQuantile(1 - alpha / 2, current + 1, n - current)
  const toRatio = (q: number) => (q === 1 ? Infinity : (q / (1 - q)) * (previousExposure / currentExposure))
  return { ratio, lower95: toRatio(pLower), upper95: toRatio(pUpper), pValue: binomialTwoSidedP(current, n, p) }
}

/** The order of the indices of the finite p-values (NaN ones are left out and kept as NaN, as R drops NA). */
function finiteOrder(pValues: number[], direction: 1 | -1): number[] {
  return pValues
    .map((_, i) => i)
    .filter((i) => !Number.isNaN(pValues[i]))
    .sort((a, b) => direction * (pValues[a] - pValues[b]) || a - b)
}

/**
 * Holm's step-down adjustment (Holm 1979, Scand J Statist 6:65–70), as R's `p.adjust(p, 'holm')`:
 * the i-th smallest of m p-values becomes max over j ≤ i of (m − j + 1)·p₍ⱼ₎, capped at 1.
 */
export function holm(pValues: number[]): number[] {
  const order = finiteOrder(pValues, 1)
  const m = order.length
  const out = pValues.map(() => NaN)
  let running = 0
  order.forEach((idx, i) => {
    running = Math.max(running, Math.min(1, (m - i) * pValues[idx]))
    out[idx] = running
  })
  return out
}

/**
 * Benjamini–Hochberg's false discovery rate adjustment (Benjamini & Hochberg 1995, JRSS B 57:289–300), as R's
 * `p.adjust(p, 'BH')`: the i-th smallest of m p-values becomes min over j ≥ i of m·p₍ⱼ₎/j, capped at 1.
 */
export function benjaminiHochberg(pValues: number[]): number[] {
  const order = finiteOrder(pValues, -1)
  const m = order.length
  const out = pValues.map(() => NaN)
  let running = 1
  order.forEach((idx, k) => {
    const rank = m - k // rank from the smallest
    running = Math.min(running, (m / rank) * pValues[idx])
    out[idx] = running
  })
  return out
}

/**
 * Compared with a benchmark as OHID's Fingertips does (Public Health Profiles technical guidance, "Benchmarking"):
 * significantly different when the interval excludes the benchmark's value. With a polarity that is "better" or
 * "worse"; without one (polarity 'neither') "higher" or "lower"; otherwise "similar".
 */
export function compareWithBenchmark(
  interval: { lower: number; upper: number },
  benchmark: number,
  polarity: Polarity,
): 'better' | 'similar' | 'worse' | 'higher' | 'lower' {
  const side = interval.lower > benchmark ? 'higher' : interval.upper < benchmark ? 'lower' : 'similar'
  if (side === 'similar' || polarity === 'neither') return side
  return (side === 'higher') === (polarity === 'higher-is-better') ? 'better' : 'worse'
}

/**
 * Recent trend in counts or rates by Poisson regression with the log of the exposure (population) as offset:
 * log E[yₜ] = log(exposureₜ) + a + b·t, t = 0, 1, ..., fitted by iteratively reweighted least squares (McCullagh &
 * Nelder 1989, §2.5), with the slope tested by the likelihood-ratio test (deviance of the constant-rate model minus
 * the trend model's, on 1 degree of freedom; McCullagh & Nelder §4.4). The likelihood-ratio test is used rather than
 * Wald's because it stays valid when early periods have no events (the slope's estimate is then infinite, and
 * Wald's test loses all power: the Hauck–Donner effect).
 *
 * The counts are for consecutive, equally spaced periods, oldest first (Fingertips uses the last five).
 * ratePerPeriod is exp(b): the fitted ratio of each period's rate to the one before (1.05 is a rise of 5% a period);
 * very large or near 0 when all the events fall at one end (Infinity or 0 once the slope passes ±30), NaN when there
 * are no events at all.
 */
export function poissonTrend(
  counts: number[],
  exposures: number[],
): { direction: TrendDirection; pValue: number; ratePerPeriod: number; method: string } {
  const method = 'Poisson regression with population as offset (likelihood-ratio test)'
  if (counts.length !== exposures.length) throw new RangeError('There must be one population (exposure) for each count')
  if (counts.length < 2) throw new RangeError('A trend needs at least two periods')
  counts.forEach((c) => checkCount(c, 'count'))
  exposures.forEach((e) => checkPositive(e, 'population (exposure)'))
  const total = counts.reduce((a, b) => a + b, 0)
  if (total === 0) return { direction: 'no significant change', pValue: 1, ratePerPeriod: NaN, method }
  const k = counts.length
  const tMean = (k - 1) / 2
  const t = counts.map((_, i) => i - tMean) // centred, for a well-conditioned fit
  const logE = exposures.map(Math.log)
  // Poisson deviance 2 Σ [y log(y/μ) − (y − μ)].
  const deviance = (mu: number[]) => 2 * counts.reduce((s, y, i) => s + (y > 0 ? y * Math.log(y / mu[i]) : 0) - (y - mu[i]), 0)
  const fitted = (a: number, b: number) => t.map((ti, i) => Math.exp(logE[i] + a + b * ti))

  // The constant-rate model has a closed form: μₜ = exposureₜ × total / Σ exposure.
  let a = Math.log(total / exposures.reduce((s, e) => s + e, 0))
  const nullDeviance = deviance(fitted(a, 0))
  let b = 0
  let dev = nullDeviance
  for (let iter = 0; iter < 200; iter++) {
    // Newton–Raphson on (a, b), which for the canonical log link is exactly IRLS.
    const mu = fitted(a, b)
    let ua = 0,
      ub = 0,
      iaa = 0,
      iab = 0,
      ibb = 0
    for (let i = 0; i < k; i++) {
      const r = counts[i] - mu[i]
      ua += r
      ub += t[i] * r
      iaa += mu[i]
      iab += t[i] * mu[i]
      ibb += t[i] * t[i] * mu[i]
    }
    const det = iaa * ibb - iab * iab
    if (!(det > 0) || !Number.isFinite(det)) break
    let da = (ibb * ua - iab * ub) / det
    let db = (iaa * ub - iab * ua) / det
    // Step-halving keeps every step downhill (as R's glm.fit).
    let next = deviance(fitted(a + da, b + db))
    for (let h = 0; h < 30 && !(next <= dev); h++) {
      da /= 2
      db /= 2
      next = deviance(fitted(a + da, b + db))
    }
    if (!(next <= dev)) break
    a += da
    b += db
    const change = Math.abs(dev - next)
    dev = next
    if (change / (Math.abs(dev) + 0.1) < 1e-12) break
  }
  const lr = Math.max(0, nullDeviance - dev)
  const pValue = 1 - chisqCdf(lr, 1)
  // A slope that ran off towards infinity (all the events in the last periods, or the first) is reported as such.
  const ratePerPeriod = Math.abs(b) > 30 ? (b > 0 ? Infinity : 0) : Math.exp(b)
  const direction: TrendDirection = pValue < SIGNIFICANCE ? (b > 0 ? 'increasing' : 'decreasing') : 'no significant change'
  return { direction, pValue, ratePerPeriod, method }
}

/**
 * Recent trend in a percentage by the chi-squared test for trend in proportions (Cochran 1954; Armitage 1955;
 * Altman 1991, Practical Statistics for Medical Research, §10.7.4), as R's `prop.trend.test` with scores 1..k:
 * X² = [Σ rᵢ(tᵢ − t̄)]² / (p(1 − p) Σ nᵢ(tᵢ − t̄)²), t̄ = Σ nᵢtᵢ/N, p = R/N, on 1 degree of freedom.
 * Consecutive, equally spaced periods, oldest first.
 */
export function chiSquaredTrend(
  numerators: number[],
  denominators: number[],
): { direction: TrendDirection; pValue: number; method: string } {
  const method = 'chi-squared test for trend in proportions (Cochran–Armitage)'
  if (numerators.length !== denominators.length) throw new RangeError('There must be one denominator for each numerator')
  if (numerators.length < 2) throw new RangeError('A trend needs at least two periods')
  numerators.forEach((x, i) => {
    checkCount(x, 'numerator')
    checkCount(denominators[i], 'denominator')
    if (x > denominators[i]) throw new RangeError(`A numerator (${x}) is larger than its denominator (${denominators[i]})`)
  })
  const N = denominators.reduce((s, n) => s + n, 0)
  const R = numerators.reduce((s, r) => s + r, 0)
  if (N === 0 || R === 0 || R === N) return { direction: 'no significant change', pValue: 1, method }
  const p = R / N
  const tBar = denominators.reduce((s, n, i) => s + n * (i + 1), 0) / N
  const num = numerators.reduce((s, r, i) => s + r * (i + 1 - tBar), 0)
  const den = p * (1 - p) * denominators.reduce((s, n, i) => s + n * (i + 1 - tBar) ** 2, 0)
  if (den === 0) return { direction: 'no significant change', pValue: 1, method }
  const x2 = (num * num) / den
  const pValue = 1 - chisqCdf(x2, 1)
  const direction: TrendDirection = pValue < SIGNIFICANCE ? (num > 0 ? 'increasing' : 'decreasing') : 'no significant change'
  return { direction, pValue, method }
}

/**
 * Funnel plot control limits for rates (Spiegelhalter 2005, "Funnel plots for comparing institutional performance",
 * Stat Med 24:1185–1202; the exact Poisson limits of APHO Technical Briefing 2 and FunnelPlotR's `poisson_limits`):
 * around the expected count E = benchmark × population / per, lower = χ²(α/2; 2E)/2 and upper = χ²(1 − α/2; 2E + 2)/2,
 * the gamma quantiles at which a Poisson count would just be significantly different from E, given back as rates
 * per `per`. One row per population, in the order given.
 */
export function funnelLimits(
  benchmarkRate: number,
  per: number,
  populations: number[],
  confidence: Confidence,
): { population: number; lower: number; upper: number }[] {
  checkConfidence(confidence)
  checkPositive(per, 'rate multiplier (per)')
  if (!Number.isFinite(benchmarkRate) || benchmarkRate < 0)
    throw new RangeError(`The benchmark rate must be 0 or more (it was ${benchmarkRate})`)
  const alpha = 1 - confidence
  return populations.map((population) => {
    checkPositive(population, 'population')
    const expected = (benchmarkRate * population) / per
    const lower = expected === 0 ? 0 : chisqQuantile(alpha / 2, 2 * expected) / 2
    const upper = chisqQuantile(1 - alpha / 2, 2 * expected + 2) / 2
    return { population, lower: (lower / population) * per, upper: (upper / population) * per }
  })
}
