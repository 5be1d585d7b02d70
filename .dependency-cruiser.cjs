/**
 * The harness's import rules, checked by `npm run check` (depcruise). Folders are stages in the
 * order data flows (harness/stages.json); a module may import from its own folder and from the
 * earlier stages its stage lists, never from a later one. The engine knows nothing of the harness, and the harness reaches an engine only
 * through engine-api/ (which loads it at run time, from any directory).
 */
const { stages } = require('./harness/stages.json');
const STAGES = stages.map((s) => s.name);
const ALLOWED = Object.fromEntries(stages.map((s) => [s.name, s.imports]));

const stageRules = STAGES.map((stage) => ({
  name: `stage-${stage}`,
  comment: `harness/${stage}/ may import ${ALLOWED[stage].join(', ') || 'no other stage'}`,
  severity: 'error',
  from: { path: `^harness/${stage}/` },
  to: { path: '^harness/', pathNot: `^harness/(${[stage, ...ALLOWED[stage]].join('|')})/` },
}));

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'imports run one way',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'engine-knows-no-harness',
      severity: 'error',
      from: { path: '^engine/' },
      to: { path: '^(harness|test|scripts)/' },
    },
    {
      name: 'harness-uses-the-engine-api',
      comment: 'the harness drives any engine only through engine-api/ (loaded at run time)',
      severity: 'error',
      from: { path: '^harness/' },
      to: { path: '^engine/' },
    },
    {
      name: 'every-module-in-a-stage',
      comment: 'harness modules live in a stage folder (harness/<stage>/...)',
      severity: 'error',
      from: { path: '^harness/[^/]+\\.ts$' },
      to: {},
    },
    ...stageRules,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    exclude: { path: '^(node_modules|reports|\\.harness)/' },
  },
};
