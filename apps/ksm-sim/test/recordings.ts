/**
 * The kernel recordings kept in the repo, as folders under the repository's root: the shared
 * examples (v1, and v2 in examples/v2), the kernel's own KSM selftests as scenarios
 * (examples/selftests), and random scenarios recorded on the real Linux 6.18 KSM by
 * tools/difftest (see its README): its mixed profile, its thp profile (copy-on-write of THPs
 * shared by forks) and its big one (tens of thousands of pages).
 */
export const RECORDING_SETS = [
  "examples",
  "examples/v2",
  "examples/selftests",
  "apps/ksm-sim/test/recorded",
  "apps/ksm-sim/test/recorded-thp",
  "apps/ksm-sim/test/recorded-big",
];
