// The stage's parameters checked before anything is built (src/deploy-settings.ts): `npm run package` and
// `osls deploy` stop with one line per problem, naming the parameter, what was given and what is expected,
// and write nothing. The check is the TypeScript the functions use (the input contract, the deployment's
// settings), bundled here with esbuild as the functions are.
const path = require('node:path');
const fs = require('node:fs');
const Module = require('node:module');
const { buildSync } = require('esbuild');
const { parse } = require('yaml');

const root = path.join(__dirname, '..');

const load = (file) => {
  const { outputFiles } = buildSync({
    entryPoints: [path.join(root, file)],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    write: false,
  });
  const loaded = new Module(path.join(root, file.replace(/\.ts$/, '.cjs')));
  loaded._compile(outputFiles[0].text, loaded.id);
  return loaded.exports;
};
const loadChecker = () => load('src/deploy-settings.ts').checkDeploySettings;

/** `osls deploy` (not `package`): the deploying account can say which opt-in Regions it has enabled. */
const deploying = () => process.argv.slice(2).includes('deploy');

/** `--param=name=value` as the CLI hands it over: a string or a list of them. */
const givenNames = (param) => (param == null ? [] : [].concat(param)).map((p) => String(p).split('=')[0]);

module.exports = async ({ options, resolveVariable }) => {
  const defaults = parse(fs.readFileSync(path.join(root, 'serverless.yml'), 'utf8')).params.default;
  const known = Object.keys(defaults);
  const params = {};
  for (const name of known) params[name] = String((await resolveVariable(`param:${name}`)) ?? '');
  const problems = loadChecker()(params, givenNames(options.param), known);
  if (problems.length === 0 && deploying()) {
    try {
      problems.push(...(await load('src/deploy-regions.ts').deployOptInProblems(params)));
    } catch (error) {
      process.stderr.write(`could not tell whether the stage's opt-in Regions are enabled (${error.name}: ${error.message}); going on\n`);
    }
  }
  if (problems.length > 0) {
    // Said here and the process ended: thrown, the framework would wrap the lines in its variable-resolution error,
    // and a region it does not know would first get its own list of Regions instead of the one line that names it.
    process.stderr.write(`the stage's parameters are not valid, nothing was built:\n${problems.map((p) => `  - ${p}`).join('\n')}\n`);
    process.exit(1);
  }
  return 'checked';
};
