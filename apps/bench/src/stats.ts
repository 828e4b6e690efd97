/** A sample's mean with its spread and 95 % confidence interval (Student t). */
export interface Estimate {
  /** Values the estimate is made of (finite numbers only). */
  readonly n: number;
  readonly mean: number;
  /** Sample standard deviation (n − 1 in the denominator); 0 for one value. */
  readonly sd: number;
  /** 95 % confidence interval of the mean; [mean, mean] when n < 2 (no spread to go by). */
  readonly lo: number;
  readonly hi: number;
}

/** ln Γ(x), Lanczos (g = 7, 9 terms): 15 digits for x > 0. */
function lnGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
  const z = x - 1;
  let a = c[0]!;
  for (let i = 1; i < 9; i++) a += c[i]! / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** The regularized incomplete beta function I_x(a, b), by its continued fraction (Lentz). */
function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  if (x > (a + 1) / (a + b + 2)) return 1 - incompleteBeta(1 - x, b, a);
  const front =
    Math.exp(lnGamma(a + b) - lnGamma(a) - lnGamma(b) + a * Math.log(x) + b * Math.log(1 - x)) / a;
  const tiny = 1e-300;
  let f = 1;
  let c = 1;
  let d = 0;
  for (let i = 0; i <= 400; i++) {
    const m = Math.floor(i / 2);
    const num =
      i === 0
        ? 1
        : i % 2 === 0
          ? (m * (b - m) * x) / ((a + 2 * m - 1) * (a + 2 * m))
          : -((a + m) * (a + b + m) * x) / ((a + 2 * m) * (a + 2 * m + 1));
    d = 1 + num * d;
    d = Math.abs(d) < tiny ? 1 / tiny : 1 / d;
    c = 1 + num / c;
    if (Math.abs(c) < tiny) c = tiny;
    f *= c * d;
    if (Math.abs(1 - c * d) < 1e-15) break;
  }
  return front * (f - 1);
}

/** P(T ≤ t) for Student's t distribution with `df` degrees of freedom. */
export function studentTCdf(t: number, df: number): number {
  const tail = 0.5 * incompleteBeta(df / (df + t * t), df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/** The t with P(T ≤ t) = p (0 < p < 1) for `df` degrees of freedom, by bisection on the CDF. */
export function studentTQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1) || !(df > 0))
    throw new RangeError(`studentTQuantile(${p}, ${df}): need 0 < p < 1, df > 0`);
  let lo = -1e6;
  let hi = 1e6;
  for (let i = 0; i < 200 && hi - lo > 1e-12 * Math.max(1, Math.abs(hi)); i++) {
    const mid = (lo + hi) / 2;
    if (studentTCdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/** Mean, standard deviation and 95 % confidence interval of the finite numbers among `xs`; null when there are none. */
export function estimate(xs: readonly (number | null | undefined)[]): Estimate | null {
  const v = xs.filter((x): x is number => typeof x === "number" && Number.isFinite(x));
  const n = v.length;
  if (n === 0) return null;
  const mean = v.reduce((s, x) => s + x, 0) / n;
  if (n === 1) return { n, mean, sd: 0, lo: mean, hi: mean };
  const sd = Math.sqrt(v.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1));
  const half = (studentTQuantile(0.975, n - 1) * sd) / Math.sqrt(n);
  return { n, mean, sd, lo: mean - half, hi: mean + half };
}

/**
 * The difference `variant − base` paired by seed (the same seed is the same scenario on both
 * sides, so the pairs share the workload's randomness): the estimate of the per-seed
 * differences over the seeds both have a value for; null when no seed has both.
 */
export function pairedDifference(
  variant: ReadonlyMap<number, number | null | undefined>,
  base: ReadonlyMap<number, number | null | undefined>,
): Estimate | null {
  const d: number[] = [];
  for (const [seed, v] of variant) {
    const b = base.get(seed);
    if (typeof v === "number" && typeof b === "number") d.push(v - b);
  }
  return estimate(d);
}

/** Whether a difference's confidence interval excludes 0 (with at least two seeds to go by). */
export function excludesZero(e: Estimate | null): boolean {
  return e !== null && e.n >= 2 && (e.lo > 0 || e.hi < 0);
}
