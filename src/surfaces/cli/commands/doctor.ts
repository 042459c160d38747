/** `clinsum doctor [--json]`: what the tensor engine runs on (libtorch, CUDA, threads, BLAS). */
import type { Command } from '../command.js';
import { bool, parseFlags } from '../args.js';

const usage = `usage: clinsum doctor [--json]

Shows the tensor engine's setup: the libtorch version and where it was found, CUDA
availability and devices, the CPU thread count, the BLAS in use, and how the native addon
was built.

  --json   one JSON object (keys include libtorch: version string, cuda: boolean)

example: clinsum doctor --json
`;

function gib(bytes: number): string {
  return `${(bytes / 2 ** 30).toFixed(1)} GiB`;
}

export const command: Command = {
  name: 'doctor',
  summary: 'Show the tensor engine setup: libtorch, CUDA devices, threads, BLAS',
  usage,
  async run(argv, io) {
    const flags = parseFlags('doctor', argv, { json: { type: 'boolean' } }, false);
    const { engineInfo } = await import('../../../engine/index.js');
    const info = engineInfo();
    if (bool(flags, 'json')) {
      io.stdout.write(`${JSON.stringify({ ...info, node: process.version }, null, 2)}\n`);
      return 0;
    }
    const lines = [
      `libtorch  ${info.libtorch} (found by ${info.libtorchMethod}${info.libtorchPath ? `, loaded from ${info.libtorchPath}` : ''})`,
      `cuda      ${info.cuda ? 'available' : 'not available'}${info.cudaCompiled ? '' : ' (CPU-only libtorch)'}`,
      ...info.cudaDevices.map((d) => `  cuda:${d.index}  ${d.name}, ${gib(d.totalMemory)}, compute ${d.capability}`),
      `threads   ${info.threads} (CLINSUM_NUM_THREADS overrides)`,
      `blas      ${info.blas.length > 0 ? info.blas.join(', ') : 'none found among loaded libraries'}`,
      `addon     ${info.addon.path}`,
      `          ${info.addon.compiler}, C++ ${info.addon.cplusplus}, N-API ${info.addon.napiVersion}, CXX11 ABI ${info.addon.cxx11Abi}`,
      `          fused CUDA kernels: ${fusedList(info.addon.fused)}`,
      `node      ${process.version}`,
    ];
    io.stdout.write(`${lines.join('\n')}\n`);
    return 0;
  },
};

function fusedList(f: { adamw: boolean; rmsNorm: boolean }): string {
  const on = [f.adamw ? 'AdamW + foreach clipping' : '', f.rmsNorm ? 'RMSNorm' : ''].filter((x) => x !== '');
  return on.length > 0 ? on.join(', ') : 'none (CPU build or libtorch < 2.1)';
}
