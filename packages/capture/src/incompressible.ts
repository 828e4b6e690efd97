/** Bytes of each sample, and how many samples are taken across a buffer. */
const SAMPLE_BYTES = 256;
const SAMPLES = 64;
/**
 * Order-0 entropy, bits a byte, from which a buffer is taken for incompressible: random
 * bytes give about 7.95 over 16 KiB of samples (the estimate's bias), text and code 4 to 6,
 * a pages record's content ids far less; gzip saves next to nothing above it.
 */
const RANDOM_BITS = 7.8;
/** The byte histogram, reused (one check at a time, on the writer's thread). */
const histogram = new Uint32Array(256);

/**
 * Whether gzip would barely shrink `bytes`: the byte entropy of 64 samples of 256 bytes
 * spread evenly over it (about 60 µs for 1 MiB) is near 8 bits, as for random page
 * contents. Only a guess from the bytes' histogram: data that is random byte by byte but
 * repeats (a random page twice) is taken as incompressible too, which costs file size,
 * never correctness. Buffers under 16 KiB are never taken for incompressible.
 */
export function looksIncompressible(bytes: Uint8Array): boolean {
  if (bytes.length < SAMPLE_BYTES * SAMPLES) return false;
  histogram.fill(0);
  const stride = Math.floor((bytes.length - SAMPLE_BYTES) / (SAMPLES - 1));
  for (let s = 0; s < SAMPLES; s++) {
    const from = s * stride;
    for (let i = from; i < from + SAMPLE_BYTES; i++) histogram[bytes[i]!]!++;
  }
  const n = SAMPLE_BYTES * SAMPLES;
  let bits = 0;
  for (let b = 0; b < 256; b++) {
    const c = histogram[b]!;
    if (c > 0) bits -= (c / n) * Math.log2(c / n);
  }
  return bits >= RANDOM_BITS;
}
