/** The `dmat` command line: a thin face over the engine and the API. */
import { commands } from './cli/commands/index';
import { EXIT } from './cli/command';
import { debugEnabled, describeFailure } from './cli/failure';

function help(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'DMAT Studio — adversarial robustness audits and Dual Manifold Adversarial Training',
    '',
    'usage: dmat <command> [options]',
    '',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run `dmat <command> --help` for the options of one command.',
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    console.log(help());
    return name ? EXIT.ok : EXIT.badInput;
  }
  const cmd = commands.find((c) => c.name === name);
  if (!cmd) {
    console.error(`dmat: unknown command "${name}" (dmat help lists the commands)`);
    return EXIT.badInput;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(cmd.usage);
    return EXIT.ok;
  }
  const fail = (err: unknown): number => {
    const { code, line } = describeFailure(err);
    const hint = code === EXIT.badInput && /^(unknown option|unexpected|--\S+ needs)/.test(line);
    console.error(`dmat ${name}: ${line}${hint ? ` (dmat ${name} --help lists the options)` : ''}`);
    if (debugEnabled() && err instanceof Error && err.stack) console.error(err.stack);
    return code;
  };
  // Errors thrown outside the command's own promise (a stream, a timer) end it the same way.
  const onUncaught = (err: unknown) => process.exit(fail(err));
  process.on('uncaughtException', onUncaught);
  process.on('unhandledRejection', onUncaught);
  try {
    return await cmd.run(rest);
  } catch (err) {
    return fail(err);
  } finally {
    process.off('uncaughtException', onUncaught);
    process.off('unhandledRejection', onUncaught);
  }
}
