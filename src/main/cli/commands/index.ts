/** Every CLI command, in the order `dmat help` lists them. One file per command. */
import type { CliCommand } from '../command';
import { backendCommand } from './backend';
import { auditCommand } from './audit';
import { historyCommand } from './history';
import { modelsCommand } from './models';
import { datasetsCommand } from './datasets';
import { reportCommand } from './report';
import { generatorCommand } from './generator';
import { datasetCommand } from './dataset';
import { serveCommand } from './serve';
import { trainCommand } from './train';
import { runsCommand } from './runs';
import { resumeCommand } from './resume';
import { workerCommand } from './worker';

export const commands: CliCommand[] = [
  backendCommand,
  auditCommand,
  historyCommand,
  modelsCommand,
  datasetsCommand,
  reportCommand,
  generatorCommand,
  datasetCommand,
  serveCommand,
  trainCommand,
  runsCommand,
  resumeCommand,
  workerCommand,
];
