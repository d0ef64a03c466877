/** Shared body of `dmat models` and `dmat datasets`: list, import, remove through the API. */
import { parseArgs } from 'node:util';
import { createApi } from '../../api/index';
import { EXIT, UserError } from '../command';

export interface LibraryCommandSpec<T> {
  noun: string;
  usage: string;
  list(api: ReturnType<typeof createApi>, kind?: string): Promise<T[]>;
  table(items: T[]): string;
  import(
    api: ReturnType<typeof createApi>,
    path: string,
    name?: string,
    copy?: boolean,
  ): Promise<T>;
  remove(api: ReturnType<typeof createApi>, id: string, deleteFiles: boolean): Promise<void>;
  describe(item: T): string;
}

export async function runLibraryCommand<T>(
  spec: LibraryCommandSpec<T>,
  argv: string[],
): Promise<number> {
  const parsed = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      json: { type: 'boolean', default: false },
      kind: { type: 'string' },
      name: { type: 'string' },
      'no-copy': { type: 'boolean', default: false },
      'delete-files': { type: 'boolean', default: false },
    },
  });
  const { values, positionals } = parsed;
  const [action = 'list', arg] = positionals;
  const api = createApi();
  try {
    switch (action) {
      case 'list': {
        const items = await spec.list(api, values.kind);
        if (values.json) console.log(JSON.stringify(items, null, 2));
        else console.log(items.length ? spec.table(items) : `no ${spec.noun}s in the library`);
        return EXIT.ok;
      }
      case 'import': {
        if (!arg) throw new UserError(`expected: import PATH\n${spec.usage}`);
        const item = await spec.import(api, arg, values.name, !values['no-copy']);
        console.log(
          values.json ? JSON.stringify(item, null, 2) : `imported ${spec.describe(item)}`,
        );
        return EXIT.ok;
      }
      case 'remove': {
        if (!arg) throw new UserError(`expected: remove ID\n${spec.usage}`);
        await spec.remove(api, arg, values['delete-files']);
        console.log(`removed ${spec.noun} ${arg}`);
        return EXIT.ok;
      }
      default:
        throw new UserError(`unknown action "${action}" (list, import or remove)\n${spec.usage}`);
    }
  } finally {
    await api.close();
  }
}
