/** `dmat models`: the classifiers and generators in the library. */
import type { ModelInfo, ModelKind } from '../../../shared/api';
import type { CliCommand } from '../command';
import { UserError } from '../command';
import { renderTable } from '../table';
import { runLibraryCommand } from './library-command';

const USAGE = `usage: dmat models [list] [--kind classifier|generator] [--json]
       dmat models import PATH [--name NAME] [--no-copy]
       dmat models remove ID [--delete-files]

A model is a TensorFlow.js folder (model.json, weight files, dmat-model.json). Import validates it
(weights present and finite, logits not probabilities) and copies it into the data folder unless
--no-copy. The shipped classifiers are listed as built in.`;

const shape = (s: number[] | null) => (s ? s.join('×') : '–');

export const modelsCommand: CliCommand = {
  name: 'models',
  summary: 'list, import or remove classifiers and generators',
  usage: USAGE,
  run: (argv) =>
    runLibraryCommand<ModelInfo>(
      {
        noun: 'model',
        usage: USAGE,
        list: (api, kind) => {
          if (kind && kind !== 'classifier' && kind !== 'generator') {
            throw new UserError(`--kind must be classifier or generator, got "${kind}"`);
          }
          return api.listModels({ kind: kind as ModelKind | undefined });
        },
        table: (items) =>
          renderTable(
            [
              { header: 'id' },
              { header: 'kind' },
              { header: 'name' },
              { header: 'input' },
              { header: 'classes', align: 'right' },
              { header: 'latent' },
              { header: 'built in' },
              { header: 'path' },
            ],
            items.map((m) => [
              m.id,
              m.kind,
              m.name,
              shape(m.inputShape),
              m.numClasses === null ? '–' : String(m.numClasses),
              shape(m.latentShape),
              m.builtin ? 'yes' : '',
              m.path,
            ]),
          ),
        import: (api, path, name, copy) => api.importModel({ path, name, copy }),
        remove: (api, id, deleteFiles) => api.removeModel({ id, deleteFiles }),
        describe: (m) => `${m.kind} ${m.name} as ${m.id} (${m.path})`,
      },
      argv,
    ),
};
