/** Every CLI command, in the order `dmat help` lists them. One file per command. */
import type { CliCommand } from '../command';
import { backendCommand } from './backend';
import { reportCommand } from './report';

export const commands: CliCommand[] = [backendCommand, reportCommand];
