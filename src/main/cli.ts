/** The `dmat` command line: a thin face over the engine and the API. */
import { commands } from './cli/commands/index';
import { EXIT, UserError } from './cli/command';

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
    console.error(`dmat: unknown command "${name}"\n\n${help()}`);
    return EXIT.badInput;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(cmd.usage);
    return EXIT.ok;
  }
  try {
    return await cmd.run(rest);
  } catch (err) {
    if (err instanceof UserError || (err instanceof Error && err.name === 'UserError')) {
      console.error(`dmat ${name}: ${err.message}`);
      return EXIT.badInput;
    }
    throw err;
  }
}
