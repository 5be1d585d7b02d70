/** Runs in every test file: removes the temporary directories it made (test/temp-dirs.ts). */
import { afterAll } from 'vitest';
import { removeTempDirs } from './temp-dirs.ts';

afterAll(removeTempDirs);
