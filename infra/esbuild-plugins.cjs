// esbuild plugins for the Lambda bundles (serverless.yml: custom.esbuild.plugins).
//
// The SDK's generated schema modules write trait objects with computed keys, `{ [_xN]: _iIma }`, where
// `_xN` is a module constant ("xmlName"). esbuild cannot prove a computed key free of side effects, so
// it keeps every schema of the module: for EC2, 550 KB of 700 KB. Writing those keys as the literal
// strings they are (`{ "xmlName": _iIma }`) changes nothing at run time and lets esbuild drop the
// schemas no command uses.
const { readFile } = require('node:fs/promises');

const inlineConstantKeys = {
  name: 'inline-constant-computed-keys',
  setup(build) {
    build.onLoad({ filter: /[\\/]@aws-sdk[\\/]client-[a-z0-9-]+[\\/]dist-es[\\/]schemas[\\/]schemas_\d+\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      const constants = new Map();
      for (const match of source.matchAll(/^const (_\w+) = ("(?:[^"\\]|\\.)*");$/gm)) constants.set(match[1], match[2]);
      const contents = source.replace(/\[(_\w+)\]:/g, (whole, name) => (constants.has(name) ? `${constants.get(name)}:` : whole));
      return { contents, loader: 'js' };
    });
  },
};

module.exports = [inlineConstantKeys];
