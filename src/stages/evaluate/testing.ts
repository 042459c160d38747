/** Paths of the shared golden files, for tests and benchmarks (see util/shared-data). */
export { repoRoot, goldenPath } from '../../util/shared-data.js';
