/** `dmat datasets`: the on-manifold and natural datasets in the library. */
import type { DatasetInfo } from '../../../shared/api';
import type { CliCommand } from '../command';
import { renderTable } from '../table';
import { runLibraryCommand } from './library-command';

const USAGE = `usage: dmat datasets [list] [--json]
       dmat datasets import PATH [--name NAME] [--no-copy]
       dmat datasets remove ID [--delete-files]

A dataset is a folder with manifest.json and NPY arrays (see the README, "Dataset format").
Import checks the manifest and counts the labels; its generator is registered with it. Use
\`dmat dataset info PATH\` for the full check and the quality figures.`;

export const datasetsCommand: CliCommand = {
  name: 'datasets',
  summary: 'list, import or remove datasets in the library',
  usage: USAGE,
  run: (argv) =>
    runLibraryCommand<DatasetInfo>(
      {
        noun: 'dataset',
        usage: USAGE,
        list: (api) => api.listDatasets(),
        table: (items) =>
          renderTable(
            [
              { header: 'id' },
              { header: 'name' },
              { header: 'kind' },
              { header: 'images' },
              { header: 'latent' },
              { header: 'classes', align: 'right' },
              { header: 'splits' },
              { header: 'built in' },
              { header: 'path' },
            ],
            items.map((d) => [
              d.id,
              d.name,
              d.kind,
              d.imageShape.join('×'),
              d.latentShape ? d.latentShape.join('×') : '–',
              String(d.numClasses),
              d.splits.map((s) => `${s.name} ${s.count}`).join(', '),
              d.builtin ? 'yes' : '',
              d.path,
            ]),
          ),
        import: (api, path, name, copy) => api.importDataset({ path, name, copy }),
        remove: (api, id, deleteFiles) => api.removeDataset({ id, deleteFiles }),
        describe: (d) => `dataset ${d.name} as ${d.id} (${d.path})`,
      },
      argv,
    ),
};
