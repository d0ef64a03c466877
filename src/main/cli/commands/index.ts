/** Every CLI command, in the order `dmat help` lists them. One file per command. */
import type { CliCommand } from '../command';
import { backendCommand } from './backend';

export const commands: CliCommand[] = [backendCommand];
