/**
 * What the test suite needs from the machine beyond `npm ci`, where each thing comes from, and
 * how to get it. Everything here is a Debian package: a browser cannot come from npm on an offline
 * machine (playwright's own download needs the internet), and PyTorch is the independent reference
 * the attack and ONNX tests compare against.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export interface Prerequisite {
  /** What it is, in a user's words. */
  name: string;
  /** The Debian package that provides it. */
  debianPackage: string;
  /** Which tests need it. */
  neededBy: string;
  /** Where it was looked for, for the message when it is missing. */
  lookedFor: string;
  present(): boolean;
  /** How to point the tests at a copy elsewhere, when that is possible. */
  override?: string;
}

export const CHROMIUM_PATH = process.env.DMAT_CHROMIUM ?? '/usr/bin/chromium';
export const PYTHON_PATH = process.env.DMAT_PYTHON ?? '/usr/bin/python3';

function onPath(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function pythonImports(module: string): boolean {
  if (!existsSync(PYTHON_PATH)) return false;
  try {
    execFileSync(PYTHON_PATH, ['-c', `import ${module}`], { stdio: 'ignore', timeout: 60_000 });
    return true;
  } catch {
    return false;
  }
}

export const PREREQUISITES: Prerequisite[] = [
  {
    name: 'Chromium',
    debianPackage: 'chromium',
    neededBy: 'tests/e2e (the app in a headless browser)',
    lookedFor: CHROMIUM_PATH,
    present: () => existsSync(CHROMIUM_PATH),
    override: 'DMAT_CHROMIUM=/path/to/chromium',
  },
  {
    name: 'pdftotext and pdftoppm',
    debianPackage: 'poppler-utils',
    neededBy: 'the PDF report tests (text and pages read back)',
    lookedFor: 'PATH',
    present: () => onPath('pdftotext') && onPath('pdftoppm'),
  },
  {
    name: 'Fashion-MNIST',
    debianPackage: 'dataset-fashion-mnist',
    neededBy: 'the IDX reader tests and `npm run resources:build`',
    lookedFor: '/usr/share/datasets/fashion-mnist',
    present: () => existsSync('/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz'),
  },
  {
    name: 'PyTorch',
    debianPackage: 'python3-torch',
    neededBy: 'the independent references the attacks and ONNX import are checked against',
    lookedFor: `${PYTHON_PATH} -c "import torch"`,
    present: () => pythonImports('torch'),
    override: 'DMAT_PYTHON=/path/to/python3',
  },
  {
    name: 'torchvision',
    debianPackage: 'python3-torchvision',
    neededBy: 'the ONNX fixtures of torchvision architectures',
    lookedFor: `${PYTHON_PATH} -c "import torchvision"`,
    present: () => pythonImports('torchvision'),
    override: 'DMAT_PYTHON=/path/to/python3',
  },
  {
    name: 'ONNX for Python',
    debianPackage: 'python3-onnx',
    neededBy: 'the ONNX import and export tests (checking exported files with onnx.checker)',
    lookedFor: `${PYTHON_PATH} -c "import onnx"`,
    present: () => pythonImports('onnx'),
    override: 'DMAT_PYTHON=/path/to/python3',
  },
  {
    name: 'Redis',
    debianPackage: 'redis-server',
    neededBy: 'the scale-out tests (BullMQ workers on a local Redis)',
    lookedFor: 'redis-server and redis-cli on PATH',
    present: () => onPath('redis-server') && onPath('redis-cli'),
  },
];

export function missingPrerequisites(): Prerequisite[] {
  return PREREQUISITES.filter((p) => !p.present());
}

/** How packages can be installed here: as root, through passwordless sudo, or not at all. */
export function aptInstaller():
  { command: string[]; why?: string } | { command?: undefined; why: string } {
  if (!onPath('apt-get')) return { why: 'this machine has no apt-get' };
  if (process.getuid?.() === 0) return { command: [] };
  if (!onPath('sudo')) return { why: 'installing needs root, and this machine has no sudo' };
  try {
    execFileSync('sudo', ['-n', 'true'], { stdio: 'ignore' });
    return { command: ['sudo', '-n'] };
  } catch {
    return { why: 'installing needs root, and sudo asks for a password' };
  }
}
