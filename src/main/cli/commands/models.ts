/** `dmat models`: the classifiers and generators in the library. */
import { parseArgs } from 'node:util';
import type { ImportModelInput, ModelInfo, ModelKind } from '../../../shared/api';
import { createApi } from '../../api/index';
import type { CliCommand } from '../command';
import { EXIT, UserError } from '../command';
import { renderTable } from '../table';
import { runLibraryCommand } from './library-command';

const USAGE = `usage: dmat models [list] [--kind classifier|generator] [--json]
       dmat models import PATH [--name NAME] [--no-copy]
       dmat models import MODEL.onnx [--name NAME] [--mean M,M,M --std S,S,S]
                                     [--input-range LO,HI] [--channel-order rgb|bgr]
       dmat models export ID --onnx OUT.onnx [--opset 13..17] [--force]
       dmat models remove ID [--delete-files]

A model is a TensorFlow.js folder (model.json, weight files, dmat-model.json) or an ONNX file
exported from PyTorch (NCHW input, eval mode, opset 11–18). Import validates it (every node
supported, weights finite, logits not probabilities) and copies it into the data folder (an ONNX
graph is converted, so it is always copied). --mean/--std/--input-range describe normalisation
done outside the graph; a graph that normalises itself takes [0,1] pixels as it is.
Export writes a classifier as ONNX (input "input", NCHW [0,1] images with the preprocessing in
the graph; output "logits"), checked against the model before it is written.
The shipped classifiers are listed as built in.`;

function numbers(flag: string, text: string | undefined, count?: number): number[] | undefined {
  if (text === undefined) return undefined;
  const values = text.split(',').map((t) => Number(t.trim()));
  if (values.some((v) => !Number.isFinite(v)) || (count !== undefined && values.length !== count)) {
    throw new UserError(
      `--${flag} must be ${count ?? 'one or more'} comma-separated number(s), got "${text}"`,
    );
  }
  return values;
}

async function importOrExport(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      json: { type: 'boolean', default: false },
      name: { type: 'string' },
      'no-copy': { type: 'boolean', default: false },
      mean: { type: 'string' },
      std: { type: 'string' },
      'input-range': { type: 'string' },
      'channel-order': { type: 'string' },
      onnx: { type: 'string' },
      opset: { type: 'string' },
      force: { type: 'boolean', default: false },
    },
  });
  const [action, arg] = positionals;
  if (!arg)
    throw new UserError(`expected: ${action} ${action === 'export' ? 'ID' : 'PATH'}\n${USAGE}`);
  const api = createApi();
  try {
    if (action === 'export') {
      if (!values.onnx) throw new UserError(`expected --onnx OUT.onnx\n${USAGE}`);
      const opset = numbers('opset', values.opset, 1)?.[0];
      // An id, a name or a model folder, as everywhere else in the CLI.
      const model = await api.library.resolveModel(arg);
      const out = await api.exportModel({
        id: model.id,
        onnxPath: values.onnx,
        opset,
        overwrite: values.force,
      });
      console.log(
        values.json
          ? JSON.stringify(out, null, 2)
          : `exported ${model.name} (${model.id}) to ${out.path}: ${(out.sizeBytes / 1024).toFixed(0)} KiB, opset ${out.opset}, logits within ${out.maxLogitDifference.toExponential(1)} of the model`,
      );
      return EXIT.ok;
    }
    const range = numbers('input-range', values['input-range'], 2);
    const order = values['channel-order'];
    if (order !== undefined && order !== 'rgb' && order !== 'bgr') {
      throw new UserError(`--channel-order must be rgb or bgr, got "${order}"`);
    }
    const preprocessing: ImportModelInput['preprocessing'] = {
      ...(range ? { inputRange: range as [number, number] } : {}),
      ...(values.mean ? { mean: numbers('mean', values.mean) } : {}),
      ...(values.std ? { std: numbers('std', values.std) } : {}),
      ...(order ? { channelOrder: order } : {}),
    };
    const item = await api.importModel({
      path: arg,
      name: values.name,
      copy: !values['no-copy'],
      ...(Object.keys(preprocessing).length ? { preprocessing } : {}),
    });
    if (values.json) console.log(JSON.stringify(item, null, 2));
    else {
      console.log(`imported ${describe(item)}`);
      const notes = (item.provenance as { importNotes?: string[] }).importNotes ?? [];
      for (const n of notes) console.log(`  note: ${n}`);
    }
    return EXIT.ok;
  } finally {
    await api.close();
  }
}

const describe = (m: ModelInfo) => `${m.kind} ${m.name} as ${m.id} (${m.path})`;

const shape = (s: number[] | null) => (s ? s.join('×') : '–');

export const modelsCommand: CliCommand = {
  name: 'models',
  summary: 'list, import or remove classifiers and generators',
  usage: USAGE,
  run: (argv) =>
    argv[0] === 'export' || argv[0] === 'import'
      ? importOrExport(argv)
      : runLibraryCommand<ModelInfo>(
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
            describe,
          },
          argv,
        ),
};
